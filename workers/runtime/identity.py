"""Model identity: a readable name and a short digest of the weight files, hashed once per file version."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from workers.runtime.base import ModelIdentity

# Files whose bytes decide what a model writes (weights, and the tokenizer/template that shape input).
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")
DECISIVE_NAMES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json")
DIGEST_CHARS = 12

_lock = threading.Lock()
_memo: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path, cache_dir: str = "") -> str:
    """sha256 of one file, remembered by (path, size, mtime) in memory and in `cache_dir` when set."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key in _memo:
            return _memo[key]
    store = Path(cache_dir) / "digests.json" if cache_dir else None
    stored = _read_store(store)
    text_key = f"{key[0]}|{key[1]}|{key[2]}"
    digest = stored.get(text_key)
    if digest is None:
        hasher = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
        digest = hasher.hexdigest()
        if store is not None:
            stored[text_key] = digest
            _write_store(store, stored)
    with _lock:
        _memo[key] = digest
    return digest


def _read_store(store: Path | None) -> dict[str, str]:
    if store is None or not store.is_file():
        return {}
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged cache only costs a re-hash
    return data if isinstance(data, dict) else {}


def _write_store(store: Path, data: dict[str, str]) -> None:
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        temporary = store.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        temporary.replace(store)
    except OSError:
        pass  # a read-only cache directory must not stop a model from loading


def model_files(source: Path) -> list[Path]:
    """The files of a checkpoint directory (or the one file) that the digest covers, in a fixed order."""
    if source.is_file():
        return [source]
    return sorted(
        p for p in source.iterdir()
        if p.is_file() and (p.suffix in WEIGHT_SUFFIXES or p.name in DECISIVE_NAMES)
    )


def identify(name: str, source: Path, cache_dir: str = "") -> ModelIdentity:
    """The identity of the model at `source`: another weight file gives another digest."""
    combined = hashlib.sha256()
    for path in model_files(source):
        combined.update(path.name.encode("utf-8") + b"\0")
        combined.update(file_sha256(path, cache_dir).encode("ascii"))
    return ModelIdentity(name=name, digest=combined.hexdigest()[:DIGEST_CHARS])


def identify_text(name: str, *parts: str) -> ModelIdentity:
    """An identity for a model known only by name (a served model): a digest of the describing strings."""
    combined = hashlib.sha256("\0".join(parts).encode("utf-8"))
    return ModelIdentity(name=name, digest=combined.hexdigest()[:DIGEST_CHARS])
