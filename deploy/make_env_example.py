"""Print deploy/env.example: every setting of `shared.settings.Settings` with its default.

    .venv/bin/python deploy/make_env_example.py > deploy/env.example

A test checks that the committed file equals this script's output, and this script refuses to
run when a setting has no comment below, so the example can never drift from the code.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from shared.settings import Settings

PREFIX = "COHORTCV_"
NESTED = "__"

# One line per setting, keyed by its dotted path. A new setting without a line here is an error.
COMMENTS: dict[str, str] = {
    "data_dir": "Folder for the SQLite file, the embedded broker and logs (embedded mode).",
    "database_url": "SQLAlchemy URL; empty = SQLite in data_dir. Production: postgresql+psycopg://…",
    "broker_url": "Celery broker URL; empty = embedded filesystem broker. Production: redis://…",
    "chunk_size": "Job ids per task message (one chunk should take seconds to a minute).",
    "window_chunks": "Chunks of one batch in the broker at once, so batches interleave.",
    "writer": "The writer of the prose and its model (docs/design.md §6); --writer/--model/--runtime set it.",
    "writer.name": "template (no model) or llm; recorded in each batch by submit/run.",
    "writer.model": "llm: checkpoint directory, hub id or .gguf file; served model name for openai.",
    "writer.runtime": "transformers (in-process) or openai (vLLM, SGLang, TGI, Ollama, hosted).",
    "writer.device": "auto (CUDA when available, else CPU), cpu, cuda or cuda:N.",
    "writer.dtype": "auto (bfloat16 on CUDA, float32 on CPU), float32, bfloat16 or float16.",
    "writer.token_budget": "Largest micro-batch, in batch size x padded prompt tokens.",
    "writer.max_new_tokens": "Most tokens the model writes for one section.",
    "writer.temperature": "0 = greedy: the model rephrases, it does not invent.",
    "writer.top_p": "Nucleus sampling cut-off when temperature > 0.",
    "writer.seed": "Sampling seed when temperature > 0.",
    "writer.base_url": "openai runtime: the server, e.g. http://vllm:8000/v1.",
    "writer.api_key": "openai runtime: the server's API key.",
    "writer.concurrency": "openai runtime: requests in flight per chunk.",
    "writer.timeout_s": "openai runtime: seconds per request.",
    "writer.generate_chunk_size": "Jobs per write message (0: chunk_size for template, 64 for a model).",
    "writer.cache_dir": "Where converted weights (a dequantised GGUF) are cached between starts.",
    "writer.slop_file": "A file of extra empty superlatives the guard rejects, one per line.",
    "writer.slop_extra": "Extra empty superlatives as a JSON list.",
    "writer.skills_extra": "Skill words the guard checks besides its own list, as a JSON list.",
    "writer.preload": "Load and warm the model before taking messages (cohortcv worker sets it).",
    "language": "Output language: auto, en or zh (the CLI's --lang decides per command).",
    "formats": "Output formats as a JSON list (the CLI's --formats decides per command).",
    "metrics_port": "Workers serve Prometheus metrics on METRICS_ADDRESS:PORT; 0 = off.",
    "metrics_address": "Address the metrics server binds: 127.0.0.1 on a host, 0.0.0.0 in a container.",
    "ingest": "Limits that turn a file into a whole-file error before anything is queued.",
    "ingest.max_file_bytes": "Largest upload accepted, in bytes.",
    "ingest.max_rows": "Most data rows in one file.",
    "ingest.max_cell_chars": "Longest cell accepted, in characters.",
    "worker": "Delivery, retry and time-limit policy of the Celery workers.",
    "worker.max_attempts": "Attempts per job and stage before it goes dead (dead-letter).",
    "worker.soft_time_limit_s": "Celery soft time limit per chunk, in seconds.",
    "worker.hard_time_limit_s": "Celery hard time limit per chunk; the child is killed after it.",
    "worker.visibility_timeout_s": "Redis visibility timeout; keep well above the hard limit.",
    "worker.job_deadline_s": "The reconciler re-sends a job queued or running longer than this.",
    "worker.retry_delay_s": "A failed attempt is retried after this many seconds.",
    "worker.reconcile_interval_s": "Seconds between reconciler runs (cohortcv beat).",
    "flower": "Flower, the Celery monitor (`cohortcv flower`).",
    "flower.address": "Address Flower listens on.",
    "flower.port": "Port Flower listens on.",
    "flower.basic_auth": (
        "Required by `cohortcv flower`: user:password[,user2:password2], a password you "
        "choose (8+ characters; placeholders such as change-me are refused)."
    ),
    "api": "The HTTP API and web page (`cohortcv api`).",
    "api.host": "Address the API listens on (0.0.0.0 only behind a TLS proxy or in a container).",
    "api.port": "Port the API listens on.",
    "api.max_upload_bytes": "Largest upload in bytes; larger is refused with HTTP 413.",
    "api.max_upload_rows": "Most data rows in one upload; more is refused with HTTP 413.",
    "api.retention_days": "Batches older than this many days are purged hourly by beat; 0 keeps them.",
    "api.secure_cookies": "true when the page is served over HTTPS: the session cookie is then HTTPS-only.",
    "api.session_hours": "A web sign-in ends after this many hours (and on sign-out or revoke).",
    "api.signin_max_failures": (
        "Wrong keys on the sign-in page per address and window before 429; 0 = no limit."
    ),
    "api.signin_window_s": "The window, in seconds, over which wrong sign-ins are counted.",
    "api.trusted_proxies": (
        "Reverse proxies' addresses (JSON list): sign-ins count per X-Forwarded-For client."
    ),
    "api.ingest_processes": "Processes per API server process that validate uploads (0: the CPUs shared among them).",
    "api.max_page": "Largest page of a listing (limit=).",
}

HEADER = """\
# cohortcv settings: each one is an environment variable COHORTCV_<NAME>, nested with __.
# Generated by `python deploy/make_env_example.py > deploy/env.example`: do not edit by hand.
# The values are the defaults; a deployment sets at least COHORTCV_DATABASE_URL and
# COHORTCV_BROKER_URL. Copy to .env (docker compose reads it) and change what you need.

"""


def _nested_model(info: FieldInfo) -> type[BaseModel] | None:
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _render(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, Path):
        home = str(Path.home())
        text = str(value)
        # A default under the home folder depends on the user: show it as ~ (not expanded).
        return "~" + text[len(home) :] if text.startswith(home + "/") else text
    return str(value)


def settings_fields(
    model: type[BaseModel] = Settings, path: str = "", env: str = PREFIX
) -> Iterator[tuple[str, str, FieldInfo]]:
    """(dotted path, environment variable, field) of every leaf setting, in declaration order."""
    for name, info in model.model_fields.items():
        dotted = f"{path}.{name}" if path else name
        var = env + name.upper()
        nested = _nested_model(info)
        if nested is not None:
            yield from settings_fields(nested, dotted, var + NESTED)
        else:
            yield dotted, var, info


def env_example() -> str:
    missing = [p for p, _, _ in settings_fields() if p not in COMMENTS]
    missing += [
        n for n, i in Settings.model_fields.items() if _nested_model(i) and n not in COMMENTS
    ]
    if missing:
        raise SystemExit(f"make_env_example.py: add a comment for {', '.join(missing)}")
    lines = [HEADER]
    section = ""
    for dotted, var, info in settings_fields():
        group = dotted.rpartition(".")[0]
        if group != section:
            section = group
            title = f"{group}: {COMMENTS[group]}" if group else "general"
            lines.append(f"\n# --- {title}\n")
        value = _render(info.get_default(call_default_factory=True))
        lines.append(f"# {COMMENTS[dotted]}\n")
        if value.startswith("~"):
            lines.append(f"# {var}={value}\n")
        else:
            lines.append(f"{var}={value}\n")
    return "".join(lines)


if __name__ == "__main__":
    sys.stdout.write(env_example())
