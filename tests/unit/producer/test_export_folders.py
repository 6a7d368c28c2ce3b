"""Folder names for an export: one per accepted row, portable, unique as macOS/Windows compare."""

from __future__ import annotations

import unicodedata

from producer.export import folder_names

RESERVED = {"con", "prn", "aux", "nul", *(f"{d}{n}" for d in ("com", "lpt") for n in "123456789")}
HOSTILE_IDS = [
    "..", ".", "~", "a/b", "a\\b", "x" * 60 + "A" * 40, "x" * 60 + "B" * 40, "CON", "con.txt",
    "Ab", "aB", "😀", "🎉", "张" * 200, "张" * 199 + "三", "Café", "Cafe\u0301", "ab.", " lpt1 ",
    "COM9.tar.gz", "tab\there", "nul\x00byte", "\u202eevil", "-", "_", "a" * 300,
]  # fmt: skip


def _people(ids: list[str | None]) -> list[tuple[int, str | None, str, str]]:
    return [
        (i + 2, x, "Sam Same", f"{i:032x}" if x is None else "k" * 32) for i, x in enumerate(ids)
    ]


def test_every_row_gets_its_own_portable_folder() -> None:
    ids: list[str | None] = [*HOSTILE_IDS, None, None]
    names = folder_names(_people(ids))
    assert len(names) == len(ids)
    folded = {unicodedata.normalize("NFC", n).casefold() for n in names.values()}
    assert len(folded) == len(ids)
    for name in names.values():
        assert name and len(name.encode("utf-8")) <= 64
        assert name[0] not in ". " and name[-1] not in ". "
        assert all(ord(c) >= 32 and c not in '<>:"/\\|?*\x7f' for c in name), name
        assert name.split(".")[0].rstrip(" ").casefold() not in RESERVED, name


def test_safe_ids_are_kept_as_they_are() -> None:
    names = folder_names(_people(["2024001", "S-17", "王小明", "jane.doe"]))
    assert list(names.values()) == ["2024001", "S-17", "王小明", "jane.doe"]


def test_same_input_same_folders() -> None:
    people = _people([*HOSTILE_IDS, None, None])
    assert folder_names(people) == folder_names(list(reversed(people)))


def test_suffixes_stay_within_the_byte_cap() -> None:
    names = list(folder_names(_people(["张" * 100, "张" * 100, "张" * 100])).values())
    assert len({n.casefold() for n in names}) == 3
    assert all(len(n.encode("utf-8")) <= 64 for n in names)
