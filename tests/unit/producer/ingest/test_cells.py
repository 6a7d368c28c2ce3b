"""A cell's text: control characters removed, NFC, trimmed; missing markers are not values."""

from __future__ import annotations

from producer.ingest.cells import clean


def test_control_zero_width_and_bidi_characters_are_removed_and_text_is_nfc() -> None:
    assert clean("A\x00n\u200bn\u202e\u2066a\ufeff\x07") == "Anna"
    assert clean("tab\tand\r\nnewline") == "tab\tand\nnewline"
    assert clean("Zoe\u0308") == "Zoë"  # decomposed → composed
    assert clean("  N/A ") is None
