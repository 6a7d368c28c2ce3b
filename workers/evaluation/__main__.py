"""`python -m workers.evaluation`: the process `cohortcv eval` starts; writes eval.html/.xlsx/.json and prints.

Exit codes: 0 done, 2 bad input (no resumes, unreadable references), 3 an unknown batch id.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from workers.evaluation import corpus, html_report, probe, xlsx_report
from workers.evaluation.evaluation import Evaluation, add_probe, evaluate

# A model writer re-writes each probed person three times: a CPU run would take hours on a cohort.
MODEL_PROBE_PEOPLE = 8


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="cohortcv eval", description=__doc__)
    p.add_argument("out_dir", nargs="?", type=Path, help="a `cohortcv run`/`export` folder")
    p.add_argument("--batch", help="a batch id in the database (facts from its jobs)")
    p.add_argument("--refs", type=Path, help="references: DIR/<person>/resume.json or a JSONL")
    p.add_argument("--out", type=Path, help="where eval.html/.xlsx/.json go")
    p.add_argument("--probe-people", type=int, default=None,
                   help="people in the fairness probe (default: all with the template writer, "
                   f"the first {MODEL_PROBE_PEOPLE} with a model writer; 0 skips it)")  # fmt: skip
    p.add_argument("--writer", help="probe writer (default: the batch's, else template)")
    p.add_argument("--model", help="probe writer's model")
    p.add_argument("--runtime", help="probe writer's runtime")
    args = p.parse_args(argv)
    if (args.out_dir is None) == (args.batch is None):
        p.error("give OUT_DIR or --batch ID (one of them)")
    return args


def _probe_writer(args: argparse.Namespace, options: dict[str, Any]) -> Any:
    from shared.settings import get_settings
    from workers.pipeline import writer_spec
    from workers.writers.registry import build_writer

    chosen = dict(options)
    for key in ("writer", "model", "runtime"):
        if getattr(args, key):
            chosen[key] = getattr(args, key)
    return build_writer(writer_spec(get_settings().writer, chosen))


def _print(ev: Evaluation) -> None:
    for name in ("faithfulness", "references", "sameness", "lengths", "probe"):
        table = ev.tables.get(name)
        if table is None or table.empty:
            continue
        print(f"\n{name}")
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        if name == "references":
            _print_unmatched(ev.summary["references"])
    print(json.dumps(ev.summary, ensure_ascii=False, default=str))


def _print_unmatched(refs: dict[str, Any]) -> None:
    for key, what in (
        ("people_without_reference", "people without a reference"),
        ("references_for_nobody", "references that match nobody"),
        ("names_shared_by_several_people", "names several people share (not matched by name)"),
    ):
        if refs[key]:
            shown = ", ".join(refs[key][:20]) + (" …" if len(refs[key]) > 20 else "")
            print(f"{len(refs[key])} {what}: {shown}")


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    started = time.perf_counter()
    options: dict[str, Any] = {}
    try:
        if args.batch:
            from shared.settings import get_settings

            people, options = corpus.from_batch(get_settings().resolved_database_url(), args.batch)
            title = f"cohortcv evaluation: batch {args.batch}"
            out = args.out or Path(f"eval-{args.batch[:8]}")
        else:
            if not args.out_dir.is_dir():
                raise ValueError(f"{args.out_dir}: no such folder")
            people = corpus.from_folder(args.out_dir)
            title = f"cohortcv evaluation: {args.out_dir}"
            out = args.out or args.out_dir
        if not people:
            raise ValueError("no resumes to evaluate (expected <person>/resume.json files)")
        refs = corpus.from_refs(args.refs) if args.refs else None
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ev = evaluate(people, refs)
    metrics_s = time.perf_counter() - started
    writer_name = args.writer or str(options.get("writer") or "template")
    limit = args.probe_people
    if limit is None:
        limit = len(people) if writer_name == "template" else MODEL_PROBE_PEOPLE
    if limit > 0:
        writer = _probe_writer(args, options)
        result = probe.run(writer, [(p.key, p.facts) for p in people[:limit]])
        add_probe(ev, result, getattr(writer, "name", "?"))
    ev.summary["seconds"] = {"metrics": round(metrics_s, 2),
                             "total": round(time.perf_counter() - started, 2)}  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    html_report.write(ev, out / "eval.html", title)
    xlsx_report.write(ev, out / "eval.xlsx")
    (out / "eval.json").write_text(
        json.dumps(ev.summary, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    print(f"wrote {out / 'eval.html'}, {out / 'eval.xlsx'}, {out / 'eval.json'}", file=sys.stderr)
    _print(ev)
    return 0


if __name__ == "__main__":
    sys.exit(main())
