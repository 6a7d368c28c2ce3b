"""`cohortcv run`, `validate` and `template` as a career-office user runs them: no servers at all."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

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
