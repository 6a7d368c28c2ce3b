"""eval.html: every table and plot in one self-contained file (PNG data URIs, inline CSS, no network)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from workers.evaluation import plots
from workers.evaluation.evaluation import Evaluation

_CSS = """body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;
font-size:13px;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;
vertical-align:top}th{background:#f0f0f0}h2{margin-top:1.5em}pre{background:#f7f7f7;padding:1em;
overflow:auto}"""

_TITLES = {
    "faithfulness": "Faithfulness: the grounding guard re-run, per writer and model",
    "failures": "Sections the re-run found ungrounded",
    "references": "References: ROUGE (rouge-score's tokenizer for English, jieba words for Chinese) "
    "and BLEU (sacrebleu, zh for Chinese)",
    "sameness": "Sameness across the cohort",
    "repeated_phrases": "Most repeated phrases (word trigrams, people using each)",
    "lengths": "Length per section and language",
    "probe": "Counterfactual fairness probe",
}


def _img(png: bytes | None) -> str:
    if png is None:
        return ""
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def write(ev: Evaluation, path: Path, title: str) -> None:
    body = [f"<h1>{html.escape(title)}</h1>"]
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
            body.append(f"<p><b>{'FLAGGED' if flagged else 'not flagged'}</b>: "
                        f"{html.escape(json.dumps(ev.summary['probe'], ensure_ascii=False))}</p>")  # fmt: skip
        body.append(table.to_html(index=False, float_format=lambda x: f"{x:.3f}", border=0)
                    if len(table) else "<p>none</p>")  # fmt: skip
        if name in plot_for:
            body.append(_img(plot_for[name]()))
    body.append("<h2>All figures (eval.json)</h2><pre>"
                + html.escape(json.dumps(ev.summary, ensure_ascii=False, indent=1)) + "</pre>")  # fmt: skip
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")  # fmt: skip
    path.write_text(page, encoding="utf-8")
