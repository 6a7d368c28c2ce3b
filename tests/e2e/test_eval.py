"""`cohortcv eval` on a real `cohortcv run` of the sample cohort: the three files, the printed JSON, the re-run."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from shared.db.engine import make_engine
from shared.db.models import Batch
from tests.processes import COHORTCV, clean_env

pytestmark = pytest.mark.e2e
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cohort.csv"


def cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(COHORTCV_DATA_DIR=str(data))
    return subprocess.run([*COHORTCV, *args], env=env, capture_output=True, text=True, timeout=300)


def last_json(stdout: str) -> dict[str, object]:
    return json.loads(stdout.strip().splitlines()[-1])


def test_eval_of_a_run_writes_the_report_and_catches_a_planted_claim(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    ran = cli("run", str(SAMPLE), "--out", str(out), "--formats", "json", data=data)
    assert ran.returncode == 0, ran.stderr

    done = cli("eval", str(out), "--out", str(tmp_path / "ev"), data=data)
    assert done.returncode == 0, done.stderr
    printed = last_json(done.stdout)
    report = json.loads((tmp_path / "ev" / "eval.json").read_text(encoding="utf-8"))
    assert printed == report
    assert report["people"] == 50 and report["languages"] == ["en", "zh"]
    assert {"faithfulness", "sameness", "lengths", "probe"} <= set(report)
    # The template writer: nothing model-written, and the same prose under every name.
    assert report["faithfulness"]["model_sections"] == 0
    assert report["probe"]["flagged"] is False and report["probe"]["facts_identical"] is True
    sheets = load_workbook(tmp_path / "ev" / "eval.xlsx", read_only=True).sheetnames
    assert {"faithfulness", "failures", "sameness", "repeated_phrases", "slop", "lengths",
            "lengths_per_person", "probe", "probe_per_person"} <= set(sheets)  # fmt: skip
    html = (tmp_path / "ev" / "eval.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') >= 2
    # Readable offline: nothing loaded from elsewhere.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html

    # The batch in the run's database: facts from its jobs, the run's own resumes as references.
    engine = make_engine(f"sqlite:///{data / 'cohortcv.db'}")
    with engine.connect() as conn:
        batch_id = conn.scalar(select(Batch.id))
    engine.dispose()
    by_batch = cli("eval", "--batch", str(batch_id), "--refs", str(out), "--probe-people", "0",
                   "--out", str(tmp_path / "ev-batch"), data=data)  # fmt: skip
    assert by_batch.returncode == 0, by_batch.stderr
    refs = last_json(by_batch.stdout)["references"]
    # Every person with prose is scored (a thin row has no summary or bullets to compare).
    with_prose = sum(
        1
        for p in out.glob("*/resume.json")
        if (d := json.loads(p.read_text(encoding="utf-8")))["basics"].get("summary")
        or any(e.get("highlights") for e in d.get("work", []) + d.get("projects", []))
    )
    assert refs["people"] == with_prose >= 45
    for row in refs["by_language"]:
        assert row["rouge1"] == 1.0 and row["corpus_bleu"] == pytest.approx(100.0)
    assert {r["language"]: r["bleu_tokenize"] for r in refs["by_language"]} == {
        "en": "13a", "zh": "zh", "all": "13a+zh"}  # fmt: skip
    # Matched by id only; everyone else is named, nobody is dropped without a word.
    assert refs["matched_by"] == "id"
    assert refs["references_for_nobody"] == []
    assert len(refs["people_without_reference"]) == len(list(out.glob("*/resume.json"))) - with_prose

    # A claim planted in one resume.json, with meta saying the guard passed it: the re-run fails it.
    path = out / "S0002" / "resume.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["basics"]["summary"] = "Led a team of 12 engineers at Google and cut costs by 95%."
    doc["meta"]["provenance"]["basics.summary"] = "llm:planted"
    doc["meta"]["grounding"] = [{"section": "basics.summary", "outcome": "passed",
                                 "writer": "llm", "model": "planted"}]  # fmt: skip
    path.write_text(json.dumps(doc), encoding="utf-8")
    again = cli("eval", str(out), "--out", str(tmp_path / "ev2"), "--probe-people", "0", data=data)
    assert again.returncode == 0, again.stderr
    faith = last_json(again.stdout)["faithfulness"]
    assert faith["model_sections"] == 1 and faith["failures"] == 1
    failed = faith["failed_sections"][0]
    assert (failed["person"], failed["section"]) == ("S0002", "basics.summary")
    assert "Google" in failed["ungrounded"] and "95" in failed["ungrounded"]
    assert faith["by_writer"][0]["meta_says_ok_rerun_fails"] == 1


def test_eval_says_what_is_wrong_with_its_input(tmp_path: Path) -> None:
    missing = cli("eval", str(tmp_path / "nowhere"), data=tmp_path / "data")
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    empty = cli("eval", str(tmp_path), data=tmp_path / "data")
    assert empty.returncode == 2 and "no resumes" in empty.stderr
    unknown = cli("eval", "--batch", "no-such-batch", data=tmp_path / "data")
    assert unknown.returncode == 3 and "no batch 'no-such-batch'" in unknown.stderr
    neither = cli("eval", data=tmp_path / "data")
    assert neither.returncode == 2 and "OUT_DIR or --batch" in neither.stderr
