"""Finding and loading a transformers model: a checkpoint dir, a hub id, a .gguf file or a package holding one."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.errors import ModelLoadError
from workers.runtime.base import ModelIdentity, RuntimeOptions
from workers.runtime.identity import file_sha256, identify

LLM_EXTRA_HINT = "install the llm extra: pip install 'cohortcv[llm]' (CPU torch: pip install torch==2.13.0 first)"
_PACKAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class ModelSource:
    """Where the weights are: a directory (maybe with a .gguf inside), and the name users know it by."""

    name: str
    directory: Path
    gguf_file: str = ""

    @property
    def weights(self) -> Path:
        return self.directory / self.gguf_file if self.gguf_file else self.directory


def default_cache_dir() -> str:
    """Where converted weights live when options.cache_dir is empty: the user's cache directory."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cohortcv", "models")


def import_torch() -> Any:
    """torch, or ModelLoadError saying how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ModelLoadError(f"torch is not installed ({exc}); {LLM_EXTRA_HINT}") from exc
    return torch


def import_transformers() -> Any:
    try:
        import transformers
    except ImportError as exc:
        raise ModelLoadError(f"transformers is not installed ({exc}); {LLM_EXTRA_HINT}") from exc
    return transformers


def _gguf_in_package(name: str) -> Path | None:
    """The single .gguf inside an installed package, found without importing the package."""
    if not _PACKAGE_NAME.match(name):
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    found = [p for loc in spec.submodule_search_locations for p in sorted(Path(loc).glob("*.gguf"))]
    if len(found) != 1:
        raise ModelLoadError(
            f"package {name!r} must hold exactly one .gguf file; found {len(found)}"
            f" in {list(spec.submodule_search_locations)}"
        )
    return found[0]


def _hub_snapshot(repo_id: str) -> Path:
    """A hub id's local snapshot; offline (HF_HUB_OFFLINE=1) only what the cache already holds."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise ModelLoadError(f"huggingface_hub is not installed ({exc}); {LLM_EXTRA_HINT}") from exc
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}
    try:
        return Path(snapshot_download(repo_id, local_files_only=offline))
    except Exception as exc:
        how = "offline (HF_HUB_OFFLINE is set) and not in the local hub cache" if offline else "not fetchable"
        raise ModelLoadError(
            f"{repo_id!r} is not a local directory, and as a hub id it is {how}: {type(exc).__name__}: {exc}"
        ) from exc


def resolve_source(model: str) -> ModelSource:
    """Turn `--model` into a directory (and .gguf name): path, installed package, then hub id."""
    if not model.strip():
        raise ModelLoadError("no model given: pass --model with a checkpoint directory, .gguf file or hub id")
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            ggufs = sorted(path.glob("*.gguf"))
            if len(ggufs) == 1:
                return ModelSource(ggufs[0].stem, path.resolve(), ggufs[0].name)
            raise ModelLoadError(f"{model}: not a model directory (no config.json and no single .gguf file)")
        return ModelSource(path.resolve().name, path.resolve())
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise ModelLoadError(f"{model}: a file must be a .gguf model; give a checkpoint directory otherwise")
        return ModelSource(path.stem, path.resolve().parent, path.name)
    packaged = _gguf_in_package(model)
    if packaged is not None:
        return ModelSource(model, packaged.parent, packaged.name)
    if _HUB_ID.match(model) and not model.startswith((".", "/", "~")):
        return ModelSource(model, _hub_snapshot(model))
    raise ModelLoadError(f"{model}: no such file, directory, installed model package or hub id")


def gguf_conversion(source: ModelSource, cache_dir: str) -> Path:
    """A safetensors copy of a GGUF model, made once: dequantising takes 20-30 s, reloading 0.05 s."""
    digest = file_sha256(source.weights, cache_dir)[:16]
    target = Path(cache_dir) / f"gguf-{digest}"
    if (target / "config.json").is_file():
        return target
    transformers = import_transformers()
    torch = import_torch()
    try:
        import gguf  # noqa: F401  (transformers needs it to read the file)
    except ImportError as exc:
        raise ModelLoadError(f"{source.weights}: reading .gguf needs the gguf package; {LLM_EXTRA_HINT}") from exc
    try:
        loaded = transformers.AutoModelForCausalLM.from_pretrained(
            str(source.directory), gguf_file=source.gguf_file, dtype=torch.float32
        )
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(source.directory), gguf_file=source.gguf_file)
    except Exception as exc:
        raise ModelLoadError(f"{source.weights}: cannot load GGUF: {type(exc).__name__}: {exc}") from exc
    # save_pretrained refuses a GGUF-loaded model: rebuild it from its config and weights.
    rebuilt = transformers.AutoModelForCausalLM.from_config(loaded.config, dtype=torch.float32)
    rebuilt.load_state_dict(loaded.state_dict())
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".gguf-{digest}-", dir=cache_dir))
    try:
        rebuilt.save_pretrained(str(staging))
        tokenizer.save_pretrained(str(staging))
        os.replace(staging, target)  # atomic: a second worker sees all of it or none
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (target / "config.json").is_file():
            raise
    return target


def resolve_device(options: RuntimeOptions, torch: Any) -> tuple[Any, Any]:
    """(device, dtype): CUDA + bfloat16 when available and asked for by "auto", CPU + float32 otherwise."""
    wanted = options.device or "auto"
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    if wanted.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError(f"device {options.device!r} asked for, but torch sees no CUDA device")
    try:
        device = torch.device(wanted)
    except RuntimeError as exc:
        raise ModelLoadError(f"device {options.device!r}: {exc}") from exc
    names = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if options.dtype in ("", "auto"):
        dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    elif options.dtype in names:
        dtype = names[options.dtype]
    else:
        raise ModelLoadError(f"dtype {options.dtype!r}: use auto, float32, bfloat16 or float16")
    return device, dtype


def load_model(options: RuntimeOptions) -> tuple[Any, Any, ModelIdentity, Any]:
    """(model, tokenizer, identity, device) for `options.model`, in eval mode on its device."""
    torch = import_torch()
    transformers = import_transformers()
    transformers.utils.logging.disable_progress_bar()  # a worker's log is no place for progress bars
    source = resolve_source(options.model)
    cache_dir = options.cache_dir or default_cache_dir()
    identity = identify(source.name, source.weights, cache_dir)
    directory = gguf_conversion(source, cache_dir) if source.gguf_file else source.directory
    device, dtype = resolve_device(options, torch)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(directory))
        model = transformers.AutoModelForCausalLM.from_pretrained(str(directory), dtype=dtype)
    except Exception as exc:
        raise ModelLoadError(f"{options.model}: cannot load: {type(exc).__name__}: {exc}") from exc
    try:
        model.to(device)
    except torch.OutOfMemoryError as exc:
        raise ModelLoadError(f"{options.model} does not fit on {device} in {dtype}: {exc}") from exc
    model.eval()
    return model, tokenizer, identity, device
