"""`python -m workers.evaluation`: the process `cohortcv eval` starts; writes eval.html/.xlsx/.json and prints.

Exit codes: 0 done, 2 bad input (no resumes, unreadable references), 3 an unknown batch id.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
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
    p.add_argument("--writer", help="probe writer (default: the one the batch or folder was written with)")
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


def written_with(people: list[corpus.Person]) -> dict[str, str]:
    """The writer (and model) a folder's resumes were written with, from their provenance:
    the most common model writer's "llm:<model>", else the template writer."""
    counts = Counter(
        who for p in people for who in corpus.model_written(p.resume).values() if ":" in who
    )
    if not counts:
        return {"writer": "template"}
    writer, model = counts.most_common(1)[0][0].split(":", 1)
    return {"writer": writer, "model": model}


def _probe_note(people: list[corpus.Person], facts_from: str) -> str | None:
    unverifiable = sum(len(p.unverifiable) for p in people)
    if facts_from != "resume" or not unverifiable:
        return None
    return (f"re-written from resume.json: {unverifiable} model-written sections have no source "
            "lines left in the folder, so the probe's writer wrote them from less than the original "
            "input; evaluate with --batch to probe every section.")  # fmt: skip


def _print(ev: Evaluation) -> None:
    for name in ("faithfulness", "references", "sameness", "lengths", "probe", "probe_comparisons"):
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
            options = written_with(people)
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
        name = getattr(writer, "name", "?")
        subset = people[:limit]
        model = args.model or options.get("model") or ""
        print(f"probe: {len(subset)} people, writer {name} {model}".rstrip(), file=sys.stderr)
        result = probe.run(writer, [(p.key, p.facts) for p in subset],
                           progress=lambda line: print(line, file=sys.stderr, flush=True))  # fmt: skip
        add_probe(ev, result, name, _probe_note(subset, subset[0].facts_from if subset else "db"))
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
