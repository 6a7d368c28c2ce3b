"""BatchOptions: one list of formats, clear messages for every bad field."""

from __future__ import annotations

import pytest

from shared.errors import InputError
from shared.options import FORMATS, BatchOptions, build_options, parse_formats


def test_defaults_are_every_format_auto_language_template_writer() -> None:
    options = BatchOptions()
    assert options.formats == list(FORMATS) == ["pdf", "html", "md", "json"]
    assert (options.language, options.writer, options.theme) == ("auto", "template", "classic")
    assert options.stored() == {
        "language": "auto", "writer": "template", "formats": list(FORMATS), "theme": "classic"
    }  # fmt: skip


def test_formats_are_normalised_and_deduplicated() -> None:
    assert parse_formats(" HTML, .pdf ,html") == ["pdf", "html"]
    assert build_options(formats="md").formats == ["md"]
    assert build_options(formats=["json", "pdf"]).formats == ["pdf", "json"]


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"formats": "pdf,docx"}, "formats: unknown 'docx'; choose from pdf, html, md, json"),
        ({"formats": ","}, "(none given)"),
        ({"language": "fr"}, "language 'fr' is not supported; use auto, en, zh"),
        ({"writer": "gpt"}, "writer 'gpt' is unknown; use template, llm"),
        ({"runtime": "tpu"}, "runtime 'tpu' is unknown"),
        ({"theme": "fancy"}, "theme 'fancy' is unknown"),
        ({"target_job": "x" * 20_001}, "target_job"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_bad_values_name_the_field_and_the_choices(values: dict, says: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError) as caught:
        build_options(**values)
    assert says in str(caught.value)


def test_language_spellings() -> None:
    assert build_options(language="English").language == "en"
    assert build_options(language="中文").language == "zh"
    assert build_options(language="").language == "auto"


def test_blank_optional_fields_are_unset() -> None:
    options = build_options(model="  ", target_job="", runtime="")
    assert options.model is None and options.target_job is None and options.runtime is None
    assert "target_job" not in options.stored()


def test_every_format_has_a_renderer_and_an_export_suffix() -> None:
    from producer.export import EXTENSIONS
    from shared.settings import Settings
    from workers.render.registry import RENDERERS

    assert tuple(RENDERERS) == FORMATS
    assert tuple(EXTENSIONS) == FORMATS
    assert Settings().formats == list(FORMATS)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"formats": "exe"}, "formats: unknown 'exe'; choose from pdf, html, md, json"),
        ({"language": "fr"}, "language 'fr' is not supported; use auto, en, zh"),
        ({"target_job": "x" * 20_001}, "target_job: String should have at most 20000 characters"),
    ],
)
def test_a_bad_option_names_its_field_once(values: dict[str, str], message: str) -> None:
    with pytest.raises(InputError) as caught:
        build_options(**values)
    assert str(caught.value) == message


def test_each_kind_of_name_is_one_literal_that_the_registries_offer() -> None:
    from typing import get_args

    from shared.options import (
        FORMATS,
        LANGUAGES,
        RUNTIMES,
        WRITERS,
        Format,
        Language,
        RuntimeName,
        WriterName,
    )
    from workers.runtime.registry import RUNTIMES as RUNTIME_FACTORIES
    from workers.writers.registry import REGISTRY

    assert tuple(get_args(t) for t in (Format, Language, WriterName, RuntimeName)) == (
        FORMATS,
        LANGUAGES,
        WRITERS,
        RUNTIMES,
    )
    # A name the CLI and the API accept is one a worker can build, and no worker offers more.
    assert sorted(REGISTRY) == sorted(WRITERS)
    assert sorted(RUNTIME_FACTORIES) == sorted(RUNTIMES)


def test_stored_options_come_back_typed_and_old_rows_do_not_fail() -> None:
    stored = build_options(writer="llm", target_job=" ward nurse ", formats="md,pdf").stored()
    back = BatchOptions.from_stored(stored)
    assert (back.writer, back.target_job, back.formats) == ("llm", "ward nurse", ["pdf", "md"])
    # A row from an older version: a key no longer known, a value no longer valid, no writer.
    old = BatchOptions.from_stored({"formats": [], "style": "x", "language": "fr", "model": "m"})
    assert (old.model, old.language, old.formats) == ("m", "auto", list(FORMATS))
    assert old.model_fields_set == {"model"}  # the worker's own writer and formats then apply
    assert BatchOptions.from_stored(None) == BatchOptions()


def test_a_stored_writer_no_version_offers_is_refused_not_replaced() -> None:
    from shared.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="unknown writer 'poet'"):
        BatchOptions.from_stored({"writer": "poet"})
