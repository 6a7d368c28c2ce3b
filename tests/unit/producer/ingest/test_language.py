"""A row's language: its own cell, else the upload's default, else a guess; same for JSONL."""

from __future__ import annotations

import json

import pytest

from producer.ingest.language import guess_language
from producer.ingest.pipeline import AcceptedRow, RejectedRow


def test_language_column_then_default_then_auto(ingest) -> None:
    text = "name,language,summary\nAnn,,hi\n王小明,,\nBo,zh,\nLi Lei,,我是一名学生，热爱数据分析\n"
    _, auto = ingest(text)
    assert [o.language for o in auto] == ["en", "zh", "zh", "zh"]
    _, forced = ingest(text, name="again.csv", language="en")
    assert [o.language for o in forced] == ["en", "en", "zh", "en"]


def test_guess_language() -> None:
    assert guess_language("Ann", "Ann likes data") == "en"
    assert guess_language("王小明", "") == "zh"
    assert guess_language("Li Lei", "我是一名学生") == "zh"


def test_json_resume_lines_decide_language_by_the_same_rule(ingest) -> None:
    docs = [
        {"basics": {"name": "Ann", "summary": "hi"}},
        {"basics": {"name": "王小明"}},
        {"basics": {"name": "Bo"}, "meta": {"language": "ZH"}},
        {"basics": {"name": "Li Lei", "summary": "我是一名学生，热爱数据分析"}},
    ]
    text = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    _, auto = ingest(text, name="p.jsonl")
    assert [o.language for o in auto] == ["en", "zh", "zh", "zh"]
    _, forced = ingest(text, name="again.jsonl", language="en")
    assert [o.language for o in forced] == ["en", "en", "zh", "en"]


@pytest.mark.parametrize(
    ("name", "content", "column"),
    [
        ("c.csv", "name,language\nBo,fr\n", "language"),
        ("c.csv", "name,Output Language\nBo,fr\n", "Output Language"),
        ("p.jsonl", '{"basics": {"name": "Bo"}, "meta": {"language": "fr"}}\n', "meta.language"),
    ],
)
def test_an_unsupported_language_gives_one_reason_in_every_format(
    ingest, name, content, column
) -> None:
    _, (outcome,) = ingest(content, name=name)
    assert isinstance(outcome, RejectedRow) and not isinstance(outcome, AcceptedRow)
    assert outcome.column == column
    assert outcome.reason == "language 'fr' is not supported; use en (English) or zh (中文)"
