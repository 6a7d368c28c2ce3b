"""Markdown output: the display view as CommonMark, with every data character that Markdown
would read as structure or HTML escaped."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote

from shared.profile import Language, Resume
from workers.render.labels import LABEL_SEPARATOR
from workers.render.view import Entry, Link, build_view

# Inline-significant characters anywhere in a line; `&` so entities (`&lt;`) stay literal, `#`
# and `|` so no heading or table cell can start inside data.
_INLINE: Final = re.compile(r"([\\`*_\[\]{}<>#|~&!])")
# Block markers that only matter at the start of a line: list bullets, ordered lists, setext.
_LINE_START: Final = re.compile(r"^([-+=])|^(\d+)([.)])")
_WHITESPACE: Final = re.compile(r"\s+")


def escape(text: str) -> str:
    """One line of literal text: whitespace collapsed so no data can start a new block."""
    flat = _WHITESPACE.sub(" ", text).strip()
    escaped = _INLINE.sub(r"\\\1", flat)
    # A backslash only escapes punctuation, so "1." becomes "1\." rather than "\1.".
    return _LINE_START.sub(_escape_line_start, escaped, count=1)


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


def _link(link: Link) -> str:
    text = escape(link["text"])
    if link["href"] is None:
        return text
    # Percent-encode what could end the destination early; the scheme was checked upstream.
    return f"[{text}]({quote(link['href'], safe=':/?#@!$&*+,;=%~.-_')})"


def _entry(entry: Entry) -> list[str]:
    title = escape(entry["heading"])
    if entry["subheading"]:
        title += f" — {escape(entry['subheading'])}"
    lines = [f"### {title}", ""]
    meta = [escape(entry["dates"])] if entry["dates"] else []
    if entry["link"]:
        meta.append(_link(entry["link"]))
    if meta:
        lines += [" · ".join(meta), ""]
    if entry["text"]:
        lines += [escape(entry["text"]), ""]
    for detail in entry["details"]:
        lines += [escape(detail), ""]
    if entry["bullets"]:
        lines += [f"- {escape(b)}" for b in entry["bullets"]] + [""]
    return lines


def _item(entry: Entry, lang: Language) -> str:
    """A short entry (an award, a certificate) as one list item, not a heading of its own."""
    head = f"**{escape(entry['heading'])}**" if entry["heading"] else ""
    if entry["subheading"]:
        head += f" — {escape(entry['subheading'])}"
    meta = [escape(entry["dates"])] if entry["dates"] else []
    if entry["link"]:
        meta.append(_link(entry["link"]))
    item = " · ".join([head, *meta] if head else meta)
    texts = [escape(t) for t in [entry["text"], *entry["details"], *entry["bullets"]] if t]
    if texts:
        item += f"{LABEL_SEPARATOR[lang]}{' '.join(texts)}" if item else " ".join(texts)
    return f"- {item}"


def to_markdown(resume: Resume) -> str:
    """The resume as a Markdown document."""
    view = build_view(resume)
    lines = [f"# {escape(view['name'])}", ""]
    if view["label"]:
        lines += [escape(view["label"]), ""]
    if view["contact"]:
        lines += [" · ".join(_link(c) for c in view["contact"]), ""]
    for section in view["sections"]:
        lines += [f"## {escape(section['title'])}", ""]
        if "text" in section:
            lines += [escape(section["text"]), ""]
        if section.get("compact"):
            lines += [_item(entry, view["lang"]) for entry in section.get("entries", [])] + [""]
        else:
            for entry in section.get("entries", []):
                lines += _entry(entry)
        colon = LABEL_SEPARATOR[view["lang"]]
        for line in section.get("lines", []):
            label = f"**{escape(line['label'])}**" if line["label"] else ""
            text = escape(line["text"])
            lines.append(f"- {label}{colon}{text}" if label and text else f"- {label or text}")
        if section.get("lines"):
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


class MarkdownRenderer:
    """Renders `resume.md`."""

    format = "md"
    extension = "md"
    media_type = "text/markdown; charset=utf-8"

    def render(self, resume: Resume) -> bytes:
        return to_markdown(resume).encode("utf-8")
