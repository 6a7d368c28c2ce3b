"""Model identity: the same files give the same digest; a changed weight file gives another; hashing is cached."""

from __future__ import annotations

import json
import os
from pathlib import Path

from workers.runtime.identity import file_sha256, identify, identify_text


def checkpoint(tmp_path: Path, weights: bytes) -> Path:
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text('{"model_type": "gpt2"}')
    (folder / "model.safetensors").write_bytes(weights)
    (folder / "README.md").write_text("notes that do not change what the model writes")
    return folder


def test_digest_follows_the_weights_not_the_notes(tmp_path: Path) -> None:
    folder = checkpoint(tmp_path, b"weights-1")
    first = identify("model", folder, str(tmp_path / "cache"))
    (folder / "README.md").write_text("edited notes")
    assert identify("model", folder, str(tmp_path / "cache")) == first
    (folder / "model.safetensors").write_bytes(b"weights-2")
    changed = identify("model", folder, str(tmp_path / "cache"))
    assert changed.name == "model" and changed.digest != first.digest
    assert changed.key() == f"model@{changed.digest}" and len(changed.digest) == 12


def test_file_hash_is_remembered_by_path_size_and_mtime(tmp_path: Path) -> None:
    path = tmp_path / "w.gguf"
    path.write_bytes(b"a" * 1000)
    cache = tmp_path / "cache"
    digest = file_sha256(path, str(cache))
    stored = json.loads((cache / "digests.json").read_text())
    assert list(stored.values()) == [digest]
    # Same size, new content and mtime: hashed again, not served from the cache.
    path.write_bytes(b"b" * 1000)
    os.utime(path, ns=(1, 1))
    assert file_sha256(path, str(cache)) != digest


def test_served_model_identity_is_a_digest_of_its_description() -> None:
    a = identify_text("qwen", "qwen", "http://gpu-1:8000/v1")
    assert a == identify_text("qwen", "qwen", "http://gpu-1:8000/v1")
    assert a.digest != identify_text("qwen", "qwen", "/models/other-weights").digest
