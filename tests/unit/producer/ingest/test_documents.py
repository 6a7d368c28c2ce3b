"""JSONL lines: one JSON Resume document each, under the same rules as a table row."""

from __future__ import annotations

import json

import pytest

from producer.ingest.pipeline import AcceptedRow, RejectedRow
from shared.dates import PRESENT_WORDS


def test_a_long_json_value_still_names_the_rejected_line(ingest) -> None:
    line = '{"id": "S1", "basics": {"name": "Ann", "summary": "' + "x" * 25_000 + '"}}\n'
    _, (outcome,) = ingest(line, name="p.jsonl")
    assert isinstance(outcome, RejectedRow) and outcome.column == "basics.summary"
    assert (outcome.external_id, outcome.name) == ("S1", "Ann")


@pytest.mark.parametrize("word", ["Present", "CURRENTLY", "至今", "目前", *PRESENT_WORDS])
def test_an_open_end_word_in_a_document_means_ongoing(ingest, word) -> None:
    document = {
        "basics": {"name": "Ann"},
        "work": [{"name": "Acme", "startDate": "2021-06", "endDate": word}],
        "education": [{"institution": "Example University", "endDate": word}],
    }
    _, (outcome,) = ingest(json.dumps(document, ensure_ascii=False) + "\n", name="p.jsonl")
    assert isinstance(outcome, AcceptedRow)
    assert outcome.profile.work[0].endDate is None
    assert outcome.profile.work[0].startDate == "2021-06"
    assert outcome.profile.education[0].endDate is None
