"""Benchmark: `cohortcv eval`'s metrics over a synthetic cohort; prints resumes/s on one core.

Usage: python bench/eval.py [--n 10000] [--probe-n 1000] [--seed 7] [--unique]

The cohort (one in three Chinese, bench/render.py's profiles) is written by the template writer;
every summary and bullet list is then marked model-written ("llm:bench", meta says passed), so
the faithfulness re-run checks every section, as it would after an LLM run. Timed apart: the
metrics other than the probe (faithfulness, sameness, lengths, slop, references against the
cohort itself) and the probe (three template re-writes per person). One thread, one process:
each rate is a per-core figure. The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render import make_profile  # bench/render.py: the same synthetic profiles

from shared.profile import GroundingCheck, Profile, Resume
from workers.evaluation import faithfulness, lengths, probe, references, sameness
from workers.evaluation.corpus import Person, References, sections
from workers.evaluation.evaluation import evaluate
from workers.evaluation.text import clear_cache
from workers.writers.template import TemplateWriter


def cohort(n: int, seed: int, unique: bool = False) -> list[Person]:
    rng = random.Random(seed)
    writer = TemplateWriter()
    people = []
    for i in range(n):
        profile = Profile.model_validate(make_profile(rng, i))
        resume: Resume = writer.write_one(profile)
        if unique:  # a word of the person's own on every line: no two texts alike, no new claim
            mark = f" p{i:05d}"
            resume.basics.summary = (resume.basics.summary or "") + mark
            for entry in (*resume.work, *resume.projects):
                entry.highlights = [h + mark for h in entry.highlights]
        for path, _, _ in sections(resume):
            resume.meta.provenance[path] = "llm:bench"
            resume.meta.grounding.append(
                GroundingCheck(section=path, outcome="passed", writer="llm", model="bench")
            )
        people.append(Person(f"p{i:05d}", resume, profile, "db"))
    return people


def _references(people: list[Person], refs: References) -> object:
    matched = references.scored(people, refs)
    return references.by_language(matched.per_person, matched.bleu_stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--probe-n", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--unique", action="store_true",
        help="end every summary and bullet with a word of the person's own, so that no two texts "
        "are alike (the template cohort repeats its sentences; a model's cohort repeats fewer)",
    )  # fmt: skip
    args = parser.parse_args()

    started = time.perf_counter()
    people = cohort(args.n, args.seed, args.unique)
    build_s = time.perf_counter() - started
    # Load jieba's dictionaries once (a one-off of about a second that every run pays): one
    # person of each language, so that the part-of-speech tagger is loaded too.
    evaluate([next(p for p in people if p.language == lang) for lang in ("en", "zh")])

    clear_cache()
    started = time.perf_counter()
    cpu = time.process_time()
    refs = References({p.key: p.resume for p in people}, "id")
    ev = evaluate(people, refs=refs)
    metrics_s = time.perf_counter() - started
    metrics_cpu = time.process_time() - cpu

    # Each metric alone, to say where the time goes (the guard is shared/grounding's).
    parts = {
        "faithfulness": lambda: faithfulness.by_writer(faithfulness.per_section(people)),
        "sameness": lambda: (sameness.table(people), sameness.repeated_phrases(people),
                             sameness.slop(people)),
        "lengths": lambda: lengths.summary(lengths.per_person(people)),
        "references": lambda: _references(people, refs),
    }  # fmt: skip
    part_rates = {}
    for name, fn in parts.items():
        clear_cache()  # each part pays for its own tokenising
        cpu = time.process_time()
        fn()
        part_rates[f"{name}_resumes_per_cpu_s"] = round(
            len(people) / (time.process_time() - cpu), 1
        )
    clear_cache()
    cpu = time.process_time()
    parts["sameness"]()
    parts["lengths"]()
    without = time.process_time() - cpu
    part_rates["sameness_and_lengths_resumes_per_cpu_s"] = round(len(people) / without, 1)

    subset = people[: args.probe_n]
    started = time.perf_counter()
    result = probe.run(TemplateWriter(), [(p.key, p.facts) for p in subset])
    probe_s = time.perf_counter() - started

    figures = {
        "resumes": len(people),
        "unique_texts": args.unique,
        "distinct_sections": len({t for p in people for _, _, t in sections(p.resume)}),
        "model_sections_checked": ev.summary["faithfulness"]["model_sections"],
        "rerun_grounded_share": ev.summary["faithfulness"]["rerun_grounded_share"],
        "cohort_build_s": round(build_s, 2),
        "metrics_s": round(metrics_s, 2),
        "metrics_cpu_s": round(metrics_cpu, 2),
        "eval_resumes_per_s": round(len(people) / metrics_s, 1),
        "eval_resumes_per_cpu_s": round(len(people) / metrics_cpu, 1),
        "target_resumes_per_s": 1000,
        **part_rates,
        "probe_people": len(subset),
        "probe_s": round(probe_s, 2),
        "probe_resumes_per_s": round(len(subset) / probe_s, 1),
        "probe_flagged": result.summary["flagged"],
    }
    print(f"{'figure':<28} value")
    for key, value in figures.items():
        print(f"{key:<28} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
