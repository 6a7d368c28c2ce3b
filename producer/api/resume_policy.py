"""The Content-Security-Policy of a served HTML resume: its own inline style, by hash, and nothing else."""

from __future__ import annotations

import base64
import hashlib
import re

# The renderer writes its stylesheet into the document's <head>; everything taken from a
# person's row is escaped, so a <style> element there can only be the renderer's own.
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_STYLE = re.compile(rb"<style(?:\s[^>]*)?>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)


def style_hashes(html: bytes) -> list[str]:
    """CSP sources (`'sha256-…'`) of the <style> elements in the document's head."""
    end = _HEAD_END.search(html)
    head = html[: end.start()] if end else b""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode("ascii") + "'"
        for m in _STYLE.finditer(head)
    ]


def resume_policy(html: bytes) -> str:
    """Only the document's own style applies: no script, image, font, frame, form or fetch.

    `sandbox` makes the document's origin opaque as well, so even a script that got in could
    neither run nor read the site's cookies or API.
    """
    styles = " ".join(style_hashes(html)) or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'; sandbox"
    )
