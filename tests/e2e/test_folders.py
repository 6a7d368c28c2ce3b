"""Hostile ids through `cohortcv run` and `cohortcv export`: every accepted row its own folder."""

from __future__ import annotations

import csv
import json
import subprocess
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.processes import COHORTCV, clean_env

pytestmark = pytest.mark.e2e

_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"{d}{n}" for d in ("com", "lpt") for n in "123456789"),
}

# (id, name, skills): ids that a careless or hostile export holds. The two id-less rows share a
# name and differ only in their skills, so a swapped folder shows.
HOSTILE = [
    ("..", "Dot Dot", "Alpha"),
    (".", "Single Dot", "Beta"),
    ("~", "Tilde Person", "Gamma"),
    ("a/b", "Slash Person", "Delta"),
    ("a\\b", "Backslash Person", "Epsilon"),
    ("x" * 60 + "A" * 40, "Long One", "Zeta"),
    ("x" * 60 + "B" * 40, "Long Two", "Eta"),
    ("CON", "Con Person", "Theta"),
    ("con.txt", "Con Txt Person", "Iota"),
    ("Ab", "Upper A", "Kappa"),
    ("aB", "Upper B", "Lambda"),
    ("😀", "Emoji Person", "Mu"),
    ("🎉", "Party Person", "Nu"),
    ("学号一", "张三", "Xi"),
    ("学号二", "李四", "Omicron"),
    ("", "Sam Same", "Pi"),
    ("", "Sam Same", "Rho"),
    ("ab.", "Trailing Dot", "Sigma"),
    (" lpt1 ", "Printer Person", "Tau"),
]


def _cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(COHORTCV_DATA_DIR=str(data))
    return subprocess.run([*COHORTCV, *args], env=env, capture_output=True, text=True, timeout=300)


def _report(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _check_folders(out: Path) -> None:
    """What a career office checks: one folder per accepted row, each holding that row's person."""
    report = _report(out / "report.csv")
    accepted = [r for r in report if r["outcome"] == "accepted"]
    assert len(accepted) == len(HOSTILE), report
    assert all(r["status"] == "done" for r in accepted)
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == len(accepted)
    # Unique as macOS and Windows compare names (case-insensitive, normalised).
    folded = {unicodedata.normalize("NFC", p.name).casefold() for p in folders}
    assert len(folded) == len(folders)
    for p in folders:
        name = p.name
        assert len(name.encode("utf-8")) <= 100
        assert not name.endswith((".", " ")) and not name.startswith(".")
        assert all(ord(c) >= 32 for c in name)
        assert not set(name) & set('<>:"/\\|?*')
        assert name.split(".")[0].casefold() not in _WINDOWS_RESERVED, name
    by_line = {int(r["line"]): r for r in accepted}
    seen_dirs: set[str] = set()
    for i, (_, name, skill) in enumerate(HOSTILE):
        row = by_line[i + 2]
        outputs = row["outputs"].split(";")
        assert len(outputs) == 4, row
        folder = {Path(o).parent.as_posix() for o in outputs}
        assert len(folder) == 1 and "/" not in next(iter(folder)), row
        assert not folder & seen_dirs
        seen_dirs |= folder
        resume = json.loads((out / f"{next(iter(folder))}/resume.json").read_text("utf-8"))
        assert resume["basics"]["name"] == name
        keywords = [k for s in resume.get("skills", []) for k in s.get("keywords", [])]
        assert skill in keywords, (row, resume.get("skills"))


def test_hostile_ids_get_one_folder_each_in_run_and_export(tmp_path: Path) -> None:
    source = tmp_path / "hostile.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student ID", "Full Name", "Skills"])
        w.writerows(HOSTILE)
    data = tmp_path / "data"
    out = tmp_path / "run-out"
    result = _cli("run", str(source), "--out", str(out), "--workers", "1", data=data)
    assert result.returncode == 0, result.stdout + result.stderr
    _check_folders(out)

    engine = create_engine(f"sqlite:///{data / 'cohortcv.db'}")
    with engine.connect() as conn:
        batch = conn.execute(text("SELECT id FROM batches")).scalar_one()
    engine.dispose()
    exported = tmp_path / "export-out"
    result = _cli("export", str(batch), "--out", str(exported), data=data)
    assert result.returncode == 0, result.stdout + result.stderr
    _check_folders(exported)
    # Deterministic: the same batch exports to the same folder names.
    assert sorted(p.name for p in exported.iterdir()) == sorted(p.name for p in out.iterdir())
