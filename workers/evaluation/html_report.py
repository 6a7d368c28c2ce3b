"""eval.html: every table and plot in one self-contained file (PNG data URIs, inline CSS, no network)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from workers.evaluation import plots
from workers.evaluation.evaluation import Evaluation

_CSS = """body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;
font-size:13px;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;
vertical-align:top}th{background:#f0f0f0}h2{margin-top:1.5em}pre{background:#f7f7f7;padding:1em;
overflow:auto}.verdict{border:2px solid #888;padding:0.5em 1.2em;margin:1em 0 2em}
.verdict.ok{border-color:#2e7d32}.verdict.look{border-color:#c62828}.verdict h2{margin-top:0.3em}"""

_TITLES = {
    "faithfulness": "Faithfulness: the grounding guard re-run, per writer and model",
    "failures": "Sections the re-run found ungrounded",
    "references": "References: ROUGE (rouge-score's tokenizer for English, jieba words for Chinese) "
    "and BLEU (sacrebleu, zh for Chinese)",
    "sameness": "Sameness across the cohort",
    "repeated_phrases": "Most repeated phrases (word trigrams, people using each)",
    "lengths": "Length per section and language",
    "probe": "Counterfactual fairness probe: groups",
    "probe_comparisons": "Counterfactual fairness probe: paired comparisons (Holm-corrected)",
}


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.0f}%"


def verdict(ev: Evaluation) -> tuple[bool, list[str], list[str], list[str]]:
    """(fine to send, what was checked, what passed, what to look at), in a career office's words."""
    s = ev.summary
    faith = s["faithfulness"]
    checked = [f"{s['people']} resumes ({', '.join(s['languages'])})."]
    passed: list[str] = []
    look: list[str] = []
    if faith["model_sections"]:
        rechecked = faith["model_sections"] - faith["unverifiable"]
        checked.append(
            f"{faith['model_sections']} sections written by a model; the grounding guard re-checked "
            f"{rechecked} of them against each person's own input."
        )
        passed.append(f"{_pct(faith['rerun_grounded_share'])} of the re-checked sections trace to the input.")
        if faith["failures"]:
            look.append(f"{faith['failures']} sections hold a claim the input does not support "
                        "(table 'Sections the re-run found ungrounded').")  # fmt: skip
        if faith["unverifiable"]:
            look.append(f"{faith['unverifiable']} model-written sections could not be re-checked from the "
                        "folder (their source lines are not in resume.json): evaluate with --batch.")  # fmt: skip
    else:
        checked.append("No section was written by a model: there was nothing for the guard to re-check.")
    slop = s["sameness"]["slop_per_100_words"]
    if slop:
        look.append(f"Empty superlatives ('AI slop'): {slop:.2f} per 100 words.")
    refs = s.get("references")
    if refs:
        checked.append(f"{refs['people']} resumes compared with reference resumes (ROUGE, BLEU).")
        if refs["people_without_reference"]:
            look.append(f"{len(refs['people_without_reference'])} people had no reference resume "
                        "and are not in the ROUGE/BLEU figures.")  # fmt: skip
    probe = s.get("probe")
    if probe:
        checked.append(f"Fairness: {probe['people']} people re-written {probe['writes']} times by the "
                       f"'{probe['writer']}' writer under other names and pronouns.")  # fmt: skip
        if probe["flagged"]:
            if not probe["facts_identical"]:
                look.append(f"Fairness: {probe['people_with_different_facts']} people got different "
                            "facts under another name.")  # fmt: skip
            for comparison in probe["significant_comparisons"]:
                look.append(f"Fairness: a systematic difference, {comparison}.")
        else:
            passed.append("Fairness: the same facts under every name, and no significant difference "
                          "in length or hedging between groups.")  # fmt: skip
        look.extend(f"Fairness: {note}" for note in probe.get("notes", []))
    fine = not faith["failures"] and not (probe and probe["flagged"])
    return fine, checked, passed, look


def _verdict_html(ev: Evaluation) -> str:
    fine, checked, passed, look = verdict(ev)
    head = "Nothing found that should stop these resumes" if fine else "Look at these before sending"
    parts = [f'<section class="verdict {"ok" if fine else "look"}"><h2>{html.escape(head)}</h2>']
    for title, items in (("What was checked", checked), ("What passed", passed), ("What to look at", look)):
        if items:
            parts.append(f"<h3>{title}</h3><ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def _img(png: bytes | None) -> str:
    if png is None:
        return ""
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def write(ev: Evaluation, path: Path, title: str) -> None:
    body = [f"<h1>{html.escape(title)}</h1>", _verdict_html(ev)]
    plot_for = {
        "faithfulness": lambda: plots.faithfulness(ev.tables["faithfulness"]),
        "lengths": lambda: plots.lengths(ev.tables["lengths_per_person"]),
        "probe": lambda: plots.probe(ev.tables["probe"]),
    }
    for name, heading in _TITLES.items():
        if name not in ev.tables:
            continue
        table = ev.tables[name]
        body.append(f"<h2>{html.escape(heading)}</h2>")
        if name == "probe" and "probe" in ev.summary:
            flagged = ev.summary["probe"]["flagged"]
            body.append(f"<p><b>{'FLAGGED' if flagged else 'not flagged'}</b> "
                        f"(writer {html.escape(str(ev.summary['probe']['writer']))}, "
                        f"{ev.summary['probe']['people']} people)</p>")  # fmt: skip
        body.append(table.to_html(index=False, float_format=lambda x: f"{x:.3g}", border=0)
                    if len(table) else "<p>none</p>")  # fmt: skip
        if name in plot_for:
            body.append(_img(plot_for[name]()))
    body.append('<p>Every figure, unrounded: <a href="eval.json">eval.json</a>; per-person rows: '
                '<a href="eval.xlsx">eval.xlsx</a>.</p>')
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")  # fmt: skip
    path.write_text(page, encoding="utf-8")
