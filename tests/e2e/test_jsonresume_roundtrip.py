"""The official JSON Resume sample through `cohortcv run` as one JSONL line: nothing lost."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft7Validator, FormatChecker
from pypdf import PdfReader

from tests.processes import COHORTCV, clean_env

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parents[1] / "data" / "jsonresume"
FORMATS = FormatChecker(formats=["email"])


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme == "mailto")


def leaves(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every scalar in a JSON document with the path that reaches it."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def at(document: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(document, list) or step >= len(document):
                return KeyError(path)
        elif not isinstance(document, dict) or step not in document:
            return KeyError(path)
        document = document[step]
    return document


def test_the_official_sample_comes_back_whole(tmp_path: Path) -> None:
    sample = json.loads((DATA / "sample.resume.json").read_text(encoding="utf-8"))
    source = tmp_path / "sample.jsonl"
    source.write_text(json.dumps(sample, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    env = clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [*COHORTCV, "run", str(source), "--out", str(out), "--workers", "1"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    document = json.loads((folder / "resume.json").read_text(encoding="utf-8"))

    # Every value of the input, at the same place. An empty string ("image": "") carries no
    # data: the ingest rules treat it as a missing value, so it is not counted.
    expected = [(p, v) for p, v in leaves(sample) if v != ""]
    lost = [(p, v) for p, v in expected if at(document, p) != v]
    assert lost == [], f"{len(expected) - len(lost)} of {len(expected)} values kept"

    schema = json.loads((DATA / "schema.json").read_text(encoding="utf-8"))
    errors = list(Draft7Validator(schema, format_checker=FORMATS).iter_errors(document))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []

    html = (folder / "resume.html").read_text(encoding="utf-8")
    md = (folder / "resume.md").read_text(encoding="utf-8")
    pdf = " ".join(p.extract_text() for p in PdfReader(folder / "resume.pdf").pages)
    pdf = " ".join(pdf.split())
    for text in (html, md, pdf):
        for heading in ("Publications", "References", "Volunteering", "Interests"):
            assert heading in text
        assert "Video compression for 3d media" in text
        assert "Erlich Bachman" in text
        assert "It is my pleasure to recommend Richard" in text
        assert "Smoogle" in text and "Awesome compression company" in text
