"""A served resume's policy: the hash of the renderer's own style and nothing a row could add."""

from __future__ import annotations

import base64
import hashlib
import re

from producer.api.resume_policy import resume_policy, style_hashes
from tests.unit.workers.conftest import rich_zh, write
from workers.render.html import to_html


def _sha256(css: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def test_the_policy_allows_exactly_the_documents_style() -> None:
    html = to_html(write(rich_zh()))
    css = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "Noto Sans CJK SC" in css  # the Chinese document's own stylesheet
    policy = resume_policy(html.encode())
    assert f"style-src {_sha256(css)};" in policy
    assert "'unsafe-inline'" not in policy and "'self'" not in policy
    assert policy.startswith("default-src 'none';") and policy.endswith("sandbox")


def test_a_hostile_row_adds_no_style_to_the_policy() -> None:
    data = rich_zh()
    data["basics"]["name"] = "</title></head><style>body{display:none}</style>"
    data["basics"]["label"] = "<style>h1{color:red}</style>"
    html = to_html(write(data))
    assert len(style_hashes(html.encode())) == 1
    assert len(re.findall("sha256-", resume_policy(html.encode()))) == 1


def test_a_document_without_style_gets_none() -> None:
    assert "style-src 'none'" in resume_policy(b"<html><head></head><body>x</body></html>")
    assert "style-src 'none'" in resume_policy(b"<style>body{}</style>")  # no head at all
