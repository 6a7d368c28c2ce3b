"""resume.json validates against the official JSON Resume schema, meta extensions included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft7Validator, FormatChecker

from shared.profile import Resume
from workers.render.jsonresume import JsonResumeRenderer

SCHEMA_PATH = Path(__file__).parents[3] / "data" / "jsonresume" / "schema.json"
RENDERER = JsonResumeRenderer()

FORMATS = FormatChecker(formats=["email"])


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    # jsonschema checks "uri" only with an optional package; an absolute URI with a scheme and
    # a host (or a mailto address) is what the schema's "URL (as per RFC 3986)" means here.
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme == "mailto")


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=FORMATS)


def _errors(validator: Draft7Validator, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_written_resumes_validate(
    validator: Draft7Validator, any_resume: Resume, any_data: dict[str, Any]
) -> None:
    document = json.loads(RENDERER.render(any_resume))
    paths = [tuple(e.absolute_path) for e in validator.iter_errors(document)]
    if any_data["basics"].get("url", "").startswith("javascript:"):
        # The data is exported as given: a hostile URL is the only thing the schema rejects.
        assert paths == [("basics", "url")]
    else:
        assert _errors(validator, document) == []
    assert document["meta"]["language"] in ("en", "zh")


def test_meta_extensions_are_present_and_valid(
    validator: Draft7Validator, resume_en: Resume
) -> None:
    document = json.loads(RENDERER.render(resume_en))
    assert document["meta"]["provenance"]["basics.summary"] == "template"
    assert document["meta"]["grounding"][0]["outcome"] == "not_checked"
    assert _errors(validator, document) == []


def test_format_checking_is_on(validator: Draft7Validator, resume_en: Resume) -> None:
    document = json.loads(RENDERER.render(resume_en))
    document["basics"]["email"] = "not an email"
    document["basics"]["url"] = "javascript-no-scheme"
    document["work"][0]["startDate"] = "June 2023"
    paths = {tuple(e.absolute_path) for e in validator.iter_errors(document)}
    assert paths == {("basics", "email"), ("basics", "url"), ("work", 0, "startDate")}


def test_dates_keep_precision(resume_en: Resume) -> None:
    document = json.loads(RENDERER.render(resume_en))
    assert document["education"][0]["endDate"] == "2024"
    assert document["work"][0]["startDate"] == "2023-06"
    assert document["projects"][0]["startDate"] == "2023-01-15"


def test_chinese_stays_unescaped(resume_zh: Resume) -> None:
    raw = RENDERER.render(resume_zh).decode("utf-8")
    assert '"name": "张伟"' in raw
    assert RENDERER.media_type == "application/json"
