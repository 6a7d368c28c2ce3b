"""The pair builder: the writer's own prompts, approved text as the answer, guard skips, errors name the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.profile import Profile
from tests.support.fake_runtime import FakeRuntime
from tests.unit.workers.conftest import rich_en
from workers.finetune.pairs import PairError, build
from workers.runtime.base import Prompt
from workers.writers.llm import LLMWriter

ROOT = Path(__file__).resolve().parents[4]
SHIPPED = ROOT / "examples" / "finetune" / "pairs.jsonl"


def approved(profile: dict[str, Any]) -> dict[str, Any]:
    resume = json.loads(json.dumps(profile))
    resume["basics"]["summary"] = (
        "Computer Science graduate of Example University who worked at Acme Corp."
    )
    resume["work"][0]["highlights"] = [
        "Built weekly sales dashboards in Tableau",
        "Automated month-end reports",
    ]
    resume["work"][1]["highlights"] = ["Cleaned survey data for 1,200 respondents"]
    resume["projects"][0]["highlights"] = ["Mapped the trips"]
    return resume


def write(path: Path, rows: list[Any]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_examples_use_exactly_the_prompts_the_llm_writer_sends(tmp_path: Path) -> None:
    profile = rich_en()
    built = build(
        write(tmp_path / "p.jsonl", [{"id": "a", "profile": profile, "resume": approved(profile)}])
    )
    sent: list[Prompt] = []
    runtime = FakeRuntime(lambda p: sent.append(p) or "")
    LLMWriter(runtime).write([Profile.model_validate(profile)])
    first_round = runtime.calls[0]
    assert [e.prompt for e in built.examples] == first_round
    assert [e.path for e in built.examples] == [
        "basics.summary",
        "work[0].highlights",
        "work[1].highlights",
        "projects[0].highlights",
    ]
    # The answers are the approved texts, in the shape the writer's parser reads.
    assert (
        built.examples[1].completion
        == "- Built weekly sales dashboards in Tableau\n- Automated month-end reports"
    )
    assert built.examples[0].completion.startswith("Computer Science graduate")


def test_a_pair_whose_approved_text_invents_is_skipped_and_counted(tmp_path: Path) -> None:
    profile = rich_en()
    bad = approved(profile)
    bad["work"][1]["highlights"] = ["Cleaned survey data for 5,000 respondents at Google"]
    rows = [
        {"id": "good", "profile": profile, "resume": approved(profile)},
        {"id": "bad", "profile": profile, "resume": bad},
    ]
    built = build(write(tmp_path / "p.jsonl", rows))
    assert (built.pairs, built.pairs_used) == (2, 1)
    assert list(built.ungrounded) == ["bad"]
    assert "5,000" in built.ungrounded["bad"] and "work[1].highlights" in built.ungrounded["bad"]
    assert {e.group for e in built.examples} == {"good"}


def test_the_shipped_pairs_build_and_only_the_marked_ones_are_skipped() -> None:
    built = build(SHIPPED)
    assert built.pairs >= 60
    assert sorted(built.ungrounded) == sorted(i for i in _ids(SHIPPED) if i.endswith("-X"))
    assert len(built.examples) > built.pairs_used


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("{not json", "not JSON"),
        ('["a list"]', "not an object"),
        ({"id": "x", "profile": rich_en()}, "missing or not an object: resume"),
        (
            {"id": "x", "profile": {"work": []}, "resume": {"basics": {"name": "A"}}},
            "profile.basics",
        ),
        (
            {
                "id": "x",
                "profile": rich_en() | {"meta": {"language": "zh"}},
                "resume": approved(rich_en()),
            },
            "profile.meta.language is 'zh'",
        ),
        (
            {
                "id": "x",
                "profile": rich_en(),
                "resume": approved(rich_en()) | {"basics": {"name": "A", "summary": "数据分析师"}},
            },
            "not English",
        ),
    ],
)
def test_bad_data_names_the_file_and_line(tmp_path: Path, row: Any, says: str) -> None:
    good = {"id": "ok", "profile": rich_en(), "resume": approved(rich_en())}
    path = write(tmp_path / "pairs.jsonl", [good, row])
    with pytest.raises(PairError) as caught:
        build(path)
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(f"{path}:2: ")
    assert says in str(caught.value)


def test_a_repeated_id_names_both_lines(tmp_path: Path) -> None:
    good = {"id": "ok", "profile": rich_en(), "resume": approved(rich_en())}
    with pytest.raises(PairError, match=r":2: id 'ok' already used on line 1"):
        build(write(tmp_path / "pairs.jsonl", [good, good]))
