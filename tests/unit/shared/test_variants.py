"""The variant key both sides build: the producer's reuse lookup and the worker's stored resume."""

from __future__ import annotations

from shared.variants import VARIANT_MAX, variant_key
from workers.pipeline import variant


def test_the_template_key_is_language_and_writer() -> None:
    assert variant_key("en", "template") == "en:template"
    # The worker's key for a template batch is the one the producer looks up at submit time.
    assert variant({"writer": "template", "target_job": "nurse"}, "de") == variant_key(
        "de", "template"
    )


def test_a_model_key_holds_the_model_and_the_target_job() -> None:
    plain = variant_key("en", "llm", "qwen@abc")
    aimed = variant_key("en", "llm", "qwen@abc", "ward nurse")
    assert plain == "en:llm:qwen@abc"
    assert aimed.startswith(plain + ":job-") and aimed != plain
    assert variant_key("en", "llm", "qwen@abc", "ward nurse") == aimed


def test_a_long_key_fits_the_column_and_stays_distinct() -> None:
    a = variant_key("en", "llm", "m" * 300 + "a")
    b = variant_key("en", "llm", "m" * 300 + "b")
    assert len(a) <= VARIANT_MAX and len(b) <= VARIANT_MAX
    assert a != b
