"""`cohortcv run`, `validate` and `template` as a career-office user runs them: no servers at all."""

from __future__ import annotations

import csv
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.processes import COHORTCV, clean_env

pytestmark = pytest.mark.e2e


def cli(*args: str, data: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = clean_env(COHORTCV_DATA_DIR=str(data))
    return subprocess.run(
        [*COHORTCV, *args], env=env, capture_output=True, text=True, timeout=300, cwd=cwd
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_run_turns_a_mixed_cohort_into_resumes(tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    # A semicolon-separated GB18030 export with Chinese headers, as a Chinese student system writes.
    rows = [
        ["学号", "姓名", "邮箱", "毕业院校", "专业", "毕业年份", "实习经历", "专业技能"],
        ["2024001", "王小明", "wang@example.edu", "示例大学", "软件工程", "2024",
         "腾讯 后端开发实习生（2023年7月-2023年9月）：负责接口测试", "Java、MySQL"],
        ["2024002", "Li Hua", "li@example.edu", "Example University", "Economics", "2024",
         "Analyst at Globex (2023): =HYPERLINK(\"http://x\") <script>alert(1)</script>", "Excel"],
        ["2024003", "坏邮箱", "not-an-email", "", "", "", "", ""],
        ["2024001", "重复学号", "", "", "", "", "", ""],
        ["2024005", "只有名字", "", "", "", "", "", ""],
    ]  # fmt: skip
    with source.open("w", newline="", encoding="gb18030") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    out = tmp_path / "out"
    result = cli("run", str(source), "--out", str(out), "--workers", "2", data=tmp_path / "data")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 rows: 3 accepted, 2 rejected" in result.stdout

    report = read_csv(out / "report.csv")
    assert [r["line"] for r in report] == ["2", "3", "4", "5", "6"]
    assert [r["outcome"] for r in report] == [
        "accepted",
        "accepted",
        "rejected",
        "rejected",
        "accepted",
    ]
    assert all(r["status"] == "done" for r in report if r["outcome"] == "accepted")
    errors = read_csv(out / "errors.csv")
    assert [(e["line"], e["column"]) for e in errors] == [("4", "邮箱"), ("5", "学号")]
    assert "duplicate of line 2" in errors[1]["reason"]

    for row in report:
        if row["outcome"] != "accepted":
            continue
        files = row["outputs"].split(";")
        assert sorted(Path(f).name for f in files) == [
            "resume.html", "resume.json", "resume.md", "resume.pdf",
        ]  # fmt: skip
        for f in files:
            assert (out / f).stat().st_size > 0

    zh = PdfReader(out / "2024001" / "resume.pdf")
    text = "".join(page.extract_text() for page in zh.pages).replace(" ", "")
    assert "王小明" in text and "工作经历" in text and "2023年7月" in text
    en = PdfReader(out / "2024002" / "resume.pdf")
    text = "".join(page.extract_text() for page in en.pages)
    assert "Li Hua" in text and "Experience" in text
    html = (out / "2024002" / "resume.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    thin = json.loads((out / "2024005" / "resume.json").read_text(encoding="utf-8"))
    assert thin["basics"]["name"] == "只有名字"
    assert "summary" not in thin["basics"] and not thin.get("work")

    # The same file again: nothing is written twice, every output is still there.
    again = cli("run", str(source), "--out", str(tmp_path / "again"), data=tmp_path / "data")
    assert again.returncode == 0, again.stderr
    assert len(read_csv(tmp_path / "again" / "report.csv")) == 5


def test_validate_reports_rows_and_whole_file_errors(tmp_path: Path) -> None:
    good = tmp_path / "cohort.csv"
    good.write_text("Full Name,E-mail\nAda Example,ada@example.edu\nBad,bob@\n", encoding="utf-8")
    result = cli("validate", str(good), "--errors", str(tmp_path / "errors.csv"), data=tmp_path)
    assert result.returncode == 0
    assert "2 rows: 1 accepted, 1 rejected" in result.stdout
    assert read_csv(tmp_path / "errors.csv")[0]["line"] == "3"

    no_name = tmp_path / "noname.csv"
    no_name.write_text("colour,size\nred,3\n", encoding="utf-8")
    result = cli("validate", str(no_name), data=tmp_path)
    assert result.returncode == 2
    assert "noname.csv" in result.stderr and "name" in result.stderr

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert cli("validate", str(empty), data=tmp_path).returncode == 2


def test_template_is_a_file_run_accepts(tmp_path: Path) -> None:
    result = cli("template", "--out", str(tmp_path / "t.csv"), data=tmp_path)
    assert result.returncode == 0
    checked = cli("validate", str(tmp_path / "t.csv"), data=tmp_path)
    assert checked.returncode == 0 and "1 accepted, 0 rejected" in checked.stdout


SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cohort.csv"


def assert_done_once(data: Path, batch_lines: int) -> None:
    """Every job of every batch in the data folder done once: one resume, four files each."""
    from sqlalchemy import func, select

    from shared.db.engine import make_engine
    from shared.db.models import Job, ResumeOutput

    engine = make_engine(f"sqlite:///{data / 'cohortcv.db'}")
    with engine.connect() as conn:
        statuses = dict(conn.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        assert statuses == {"done": batch_lines}, statuses
        resume_ids = list(conn.scalars(select(Job.resume_id)))
        files = conn.scalar(select(func.count()).select_from(ResumeOutput))
    engine.dispose()
    assert len(set(resume_ids)) == len(resume_ids) == batch_lines
    assert files == 4 * batch_lines
    # Each run's broker folder goes with it: nothing is left for a later run to trip over.
    assert not any((data / "runs").iterdir())


def test_run_on_the_sample_is_quick(tmp_path: Path) -> None:
    """The sample cohort at a user's defaults (a fresh data folder, one worker per core).

    It took 7.6 s, 5.9 s of them waiting for idle workers to shut down;
    bench/results/2026-11-26-e2e-2core.md states the measured figure. The limit leaves room for a
    loaded 2-core CI machine."""
    data = tmp_path / "data"
    started = time.perf_counter()
    result = cli("run", str(SAMPLE), "--out", str(tmp_path / "out"), data=data, cwd=tmp_path)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert "52 rows: 50 accepted, 2 rejected; 50 resumes done, 0 failed" in result.stdout
    assert seconds < 6.0, f"cohortcv run on the sample took {seconds:.1f}s"
    assert_done_once(data, 50)
    report = read_csv(tmp_path / "out" / "report.csv")
    assert sum(r["status"] == "done" for r in report) == 50


def test_two_runs_at_once_in_one_data_folder_each_finish_every_job(
    tmp_path: Path, write_cohort: Any
) -> None:
    """Two runs share the SQLite file but not their workers' messages: one run stopping its
    workers the moment its own batch is final never takes the other run's chunks with it."""
    data = tmp_path / "data"
    warm = cli("run", str(SAMPLE), "--out", str(tmp_path / "first"), data=data)
    assert warm.returncode == 0, warm.stderr  # the schema exists before the two start
    small = write_cohort(tmp_path / "small.csv", 40)
    # Other people than the large file's first 40, or their resumes would be shared.
    text = small.read_text(encoding="utf-8")
    small.write_text(text.replace("Alex Example", "Blake Sample").replace("张", "李"), "utf-8")
    large = write_cohort(tmp_path / "large.csv", 400)
    env = clean_env(COHORTCV_DATA_DIR=str(data))
    procs = [
        subprocess.Popen(
            [*COHORTCV, "run", str(path), "--out", str(tmp_path / path.stem)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for path in (large, small)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert "400 resumes done, 0 failed" in outputs[0]
    assert "40 resumes done, 0 failed" in outputs[1]
    # The sample's rows were done by the first run; the other two batches are new people.
    assert_done_once(data, 50 + 400 + 40)
