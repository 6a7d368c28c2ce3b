"""References are matched by id (by name only in a file without ids), and nobody is dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.profile import Resume
from workers.evaluation import references
from workers.evaluation.corpus import Person, References, from_refs

from .conftest import english


def _person(key: str, name: str, summary: str) -> Person:
    facts = english(name)
    resume = Resume.model_validate(facts.model_dump())
    resume.basics.summary = summary
    return Person(key, resume, facts, "db")


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _ref(name: str, summary: str, **extra: object) -> dict[str, object]:
    return {**extra, "resume": {"basics": {"name": name, "summary": summary}}}


def test_a_repeated_id_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "refs.jsonl", [_ref("A", "x", id="S1"), _ref("B", "y", id="S1")])
    with pytest.raises(ValueError, match=r"refs.jsonl:2: id 'S1' repeats line 1"):
        from_refs(path)


def test_a_line_without_an_id_in_a_file_with_ids_is_an_error(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "refs.jsonl", [_ref("A", "x", id="S1"), _ref("B", "y")])
    with pytest.raises(ValueError, match=r"refs.jsonl:2: a reference needs an `id`"):
        from_refs(path)


def test_without_ids_names_must_be_unique(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "refs.jsonl", [_ref("Sam Lee", "x"), _ref("Sam Lee", "y")])
    with pytest.raises(ValueError, match=r"refs.jsonl:2: name .*'Sam Lee' repeats line 1"):
        from_refs(path)
    assert from_refs(_jsonl(tmp_path / "ok.jsonl", [_ref("Sam Lee", "x")])).by == "name"


def test_by_id_a_shared_name_never_borrows_someone_elses_reference() -> None:
    # Two people called Sam Lee; only S1 has a reference. S2 must not be scored against it.
    people = [
        _person("S1", "Sam Lee", "Cleaned survey data at Initech."),
        _person("S2", "Sam Lee", "Presented lab results weekly."),
    ]
    ref = Resume.model_validate({"basics": {"name": "Sam Lee", "summary": "Cleaned survey data."}})
    matched = references.scored(people, References({"S1": ref, "S9": ref}, "id"))
    assert list(matched.per_person["person"]) == ["S1"]
    assert matched.people_without_reference == ["S2"]
    assert matched.references_for_nobody == ["S9"]


def test_by_name_a_name_several_people_share_matches_none_of_them() -> None:
    people = [
        _person("a", "Sam Lee", "Cleaned survey data."),
        _person("b", "Sam Lee", "Presented lab results."),
        _person("c", "Ada Byron", "Built a parser."),
    ]
    refs = References(
        {name: Resume.model_validate({"basics": {"name": name, "summary": "Built a parser."}})
         for name in ("Sam Lee", "Ada Byron")},
        "name",
    )  # fmt: skip
    matched = references.scored(people, refs)
    assert list(matched.per_person["person"]) == ["c"]
    assert matched.ambiguous == ["Sam Lee"]
    assert matched.people_without_reference == ["a", "b"]
    assert matched.references_for_nobody == ["Sam Lee"]


def test_an_overall_row_follows_the_languages() -> None:
    from .conftest import chinese

    zh_facts = chinese()
    zh = Person("Z1", Resume.model_validate(zh_facts.model_dump()), zh_facts, "db")
    zh.resume.basics.summary = "负责数据分析和报告撰写。"
    en = _person("E1", "Ada Byron", "Built a parser in Python.")
    refs = References({"Z1": zh.resume, "E1": en.resume}, "id")
    matched = references.scored([en, zh], refs)
    table = references.by_language(matched.per_person, matched.bleu_stats)
    assert list(table["language"]) == ["en", "zh", "all"]
    overall = table[table["language"] == "all"].iloc[0]
    assert overall["people"] == 2 and overall["rouge1"] == pytest.approx(1.0)
    assert overall["corpus_bleu"] == pytest.approx(100.0)
