"""`cohortcv api` logs cannot be forged (issue 14, item 6): a client's CR/LF, NUL, ESC and bidi
characters in a path, query or header reach the log escaped, on the line of their request."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from tests.e2e.conftest import Services
from tests.processes import free_port, start, stop, wait_for

pytestmark = pytest.mark.e2e

# What a hostile client puts in a URL, percent-encoded as HTTP requires: uvicorn decodes the
# path before the app sees (and logs) it.
HOSTILE = "%0D%0AFORGED-LINE%200%20GET%20/v1/ok%20200%00%1B[31m%E2%80%AEtxt.exe%E2%81%A6%E2%80%A8x"
RAW = ("\r", "\n", "\x00", "\x1b", "\u202e", "\u2066", "\u2028")


def _request(port: int, target: str, headers: dict[str, bytes]) -> bytes:
    """One HTTP/1.1 request written byte by byte (no client library cleans it up)."""
    head = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode()
    for name, value in headers.items():
        head += name.encode() + b": " + value + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head + b"\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def test_control_and_bidi_characters_are_escaped_in_the_api_log(
    services: Services, tmp_path: Path
) -> None:
    key = services.cli("tenant", "create", "Example University").stdout.strip().splitlines()[-1]
    port = free_port()
    log = tmp_path / "api.log"
    api = start(["api", "--port", str(port)], services.env(), log)
    # Header values the HTTP parser lets through (UTF-8 bidi and separator characters)...
    hostile_headers = {
        "User-Agent": "curl\u202e\u2028FORGED".encode(),
        "X-Request-ID": "abc\u2066\u200fFORGED".encode(),
        "Referer": "http://x/\u2066FORGED".encode(),
        "X-Forwarded-For": "1.2.3.4\u2029".encode(),
    }
    # ...and ones it must refuse (raw controls): the request never reaches the app.
    refused = {"User-Agent": b"curl\x1b[2J", "X-Request-ID": b"abc\x1b]0;title\x07\x0b\x0c"}
    try:
        wait_for(
            "the API", lambda: _request(port, "/healthz", {}).startswith(b"HTTP/1.1 200"), [api]
        )
        targets = [
            f"/v1/batches/{HOSTILE}",  # no key: 401
            f"/v1/batches?status={HOSTILE}",  # with a key: 200 (the query is not logged)
            f"/{HOSTILE}",  # no route: 404
        ]
        for i, target in enumerate(targets):
            headers = dict(hostile_headers)
            if i:
                headers["Authorization"] = f"Bearer {key}".encode()
            answer = _request(port, target, headers)
            assert answer.startswith(b"HTTP/1.1 "), answer[:200]
        # A key that is itself hostile.
        _request(port, "/v1/batches", {"Authorization": "Bearer \u202eFORGED".encode()})
        assert _request(port, f"/v1/batches/{HOSTILE}", refused).startswith(b"HTTP/1.1 400")
    finally:
        stop([api])
    text = log.read_text(encoding="utf-8")
    for char in RAW[2:]:
        assert char not in text, (repr(char), text[-3000:])
    assert "\r" not in text.replace("\r\n", "")
    lines = text.splitlines()
    # No line the client wrote: each request is one line that starts with its request id.
    assert not [line for line in lines if line.startswith("FORGED")], text[-3000:]
    access = [line for line in lines if re.search(r"\b[0-9a-f]{16} GET /(?!healthz)", line)]
    assert len(access) == 4, text[-3000:]
    escaped = "\\x0d\\x0aFORGED-LINE 0 GET /v1/ok 200\\x00\\x1b[31m\\u202etxt.exe\\u2066\\u2028x"
    assert sum(escaped in line for line in access) == 2, access
    assert any(" GET /v1/batches 200 " in line for line in access), access
    assert "FORGED-LINE" not in "\n".join(line for line in lines if line not in access)
    assert key not in text
