"""Where an embedded run's sends go: its own folder, a live run's folder, or adopted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from producer.runbroker import OWNER, RunBroker
from shared.settings import Settings
from shared.tasks import WRITE_CHUNK


def messages(folder: Path) -> int:
    return sum(1 for p in (folder / "broker" / "queue").iterdir() if p.is_file())


def test_each_run_has_its_own_folder_and_leaves_none_behind(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    run = RunBroker(settings, "batch-a")
    assert run.settings.resolved_database_url() == settings.resolved_database_url()
    assert run.settings.broker_folder() == tmp_path / "runs" / "batch-a" / "broker"
    assert (run.folder / OWNER).read_text() == str(os.getpid())
    run.send(WRITE_CHUNK, "batch-a", [1, 2])
    assert messages(run.folder) == 1 and not run.adopted
    run.close()
    assert not (tmp_path / "runs" / "batch-a").exists()


def test_sends_for_another_live_run_go_to_its_folder(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    other = RunBroker(settings, "batch-b")  # owned by this (live) process
    mine = RunBroker(settings, "batch-a")
    mine.send(WRITE_CHUNK, "batch-b", [3])
    assert messages(other.folder) == 1
    assert not (mine.folder / "broker" / "queue").exists() or messages(mine.folder) == 0
    assert not mine.adopted


def test_a_batch_whose_run_is_gone_is_adopted_and_its_folder_cleared(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = tmp_path / "runs" / "batch-c"
    dead.mkdir(parents=True)
    (dead / OWNER).write_text(gone.stdout.strip())
    dead_run_batch = "batch-d"  # a batch with no folder at all (e.g. its run was killed)
    mine = RunBroker(settings, "batch-a")
    assert not dead.exists()  # an abandoned folder is removed when the next run starts
    mine.send(WRITE_CHUNK, "batch-c", [4])
    mine.send(WRITE_CHUNK, dead_run_batch, [5])
    assert messages(mine.folder) == 2
    assert mine.adopted == {"batch-c", "batch-d"}
