"""The one settings object: every knob is an environment variable `COHORTCV_…` (nested with `__`)."""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.api_settings import ApiSettings
from shared.errors import ConfigurationError
from shared.options import FORMATS
from shared.policy import Policy


def _default_data_dir() -> Path:
    return Path.home() / ".cohortcv"


class IngestSettings(BaseModel):
    """Limits that turn a file into a whole-file error before anything is queued."""

    max_file_bytes: int = 512 * 1024 * 1024
    max_rows: int = 2_000_000
    max_cell_chars: int = 20_000


class WorkerSettings(BaseModel):
    """Delivery, retry and time-limit policy for the Celery workers (docs/design.md §5)."""

    max_attempts: int = 3
    soft_time_limit_s: int = 300
    hard_time_limit_s: int = 420
    visibility_timeout_s: int = 3600
    # A job queued or running longer than this is re-sent by the reconciler.
    job_deadline_s: int = 600
    # A failed attempt is retried after this long.
    retry_delay_s: int = 5
    reconcile_interval_s: float = 30.0

    def check_time_limits(self) -> None:
        """Refuse limits that contradict each other: soft < hard < job deadline < visibility.

        The soft limit lets a chunk fail cleanly before the hard limit kills it; the hard limit
        must end a run before the reconciler re-sends its jobs at the job deadline, or the
        jobs run twice at once; and Redis must not redeliver a message (visibility timeout)
        while the jobs it names are still within their deadline.
        """
        order = [
            ("COHORTCV_WORKER__SOFT_TIME_LIMIT_S", self.soft_time_limit_s),
            ("COHORTCV_WORKER__HARD_TIME_LIMIT_S", self.hard_time_limit_s),
            ("COHORTCV_WORKER__JOB_DEADLINE_S", self.job_deadline_s),
            ("COHORTCV_WORKER__VISIBILITY_TIMEOUT_S", self.visibility_timeout_s),
        ]
        wrong = [
            f"{a}={x} is not below {b}={y}"
            for (a, x), (b, y) in itertools.pairwise(order)
            if not 0 < x < y
        ]
        if wrong:
            raise ConfigurationError(
                "the worker time limits must grow soft < hard < job deadline < visibility "
                f"timeout (seconds), but {'; '.join(wrong)}"
            )


class WriterSettings(BaseModel):
    """Which writer fills the prose, and how its model is loaded and sampled (docs/design.md §6)."""

    # "template" (no model) or "llm"; a batch records the name it was submitted with.
    name: str = "template"
    # llm: a checkpoint directory, hub id or .gguf file; the served model name for "openai".
    model: str = ""
    # "transformers" (in-process) or "openai" (vLLM, SGLang, TGI, Ollama, hosted services).
    runtime: str = "transformers"
    device: str = "auto"
    dtype: str = "auto"
    token_budget: int = 16384
    max_new_tokens: int = 160
    # 0 = greedy (deterministic): the writer rephrases, it does not invent.
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    base_url: str = ""
    api_key: SecretStr = SecretStr("")
    concurrency: int = 32
    timeout_s: float = 120.0
    # Jobs per write message, apart from the render chunk size: a GPU wants 64-256 sections in
    # flight. 0: chunk_size for the template writer, 64 for a model writer.
    generate_chunk_size: int = 0
    cache_dir: str = ""
    # Operator's extra empty superlatives: a file (one phrase a line) and/or a list.
    slop_file: str = ""
    slop_extra: list[str] = Field(default_factory=list)
    # Skill words the guard should know besides its built-in list.
    skills_extra: list[str] = Field(default_factory=list)
    # Load and warm the model when the worker process starts (set by `cohortcv worker`).
    preload: bool = False


# Passwords that show a value was copied from an example, not chosen (compared lower-case,
# without punctuation): Flower's API can run tasks and stop workers, so these are refused.
_PLACEHOLDERS = frozenset(
    {
        "changeme", "changeit", "change", "password", "passwd", "pass", "secret", "admin",
        "example", "placeholder", "default", "test", "todo", "xxx", "xxxxxxxx", "12345678",
        "pw", "user", "yourpassword", "mypassword", "flower", "cohortcv",
    }
)  # fmt: skip
MIN_FLOWER_PASSWORD = 8


class FlowerSettings(BaseModel):
    """Flower's bind address and basic-auth credentials (no default: an operator chooses them)."""

    address: str = "127.0.0.1"
    port: int = 5555
    basic_auth: SecretStr = SecretStr("")

    def credentials(self) -> str:
        """The `user:password[,user:password]` list, or a ConfigurationError saying what to set."""
        raw = self.basic_auth.get_secret_value().strip()
        var = "COHORTCV_FLOWER__BASIC_AUTH"
        if not raw:
            raise ConfigurationError(
                f"Flower has no credentials: set {var}=user:password (a password you chose, "
                f"at least {MIN_FLOWER_PASSWORD} characters) before starting it"
            )
        for n, pair in enumerate(raw.split(","), start=1):
            user, sep, password = pair.strip().partition(":")
            where = f"{var} (entry {n})"
            if not sep or not user.strip() or not password:
                raise ConfigurationError(f"{where} must have the shape user:password")
            if "".join(c for c in password.lower() if c.isalnum()) in _PLACEHOLDERS:
                raise ConfigurationError(
                    f"{where} holds a placeholder password ({password!r}): choose your own"
                )
            if len(password) < MIN_FLOWER_PASSWORD:
                raise ConfigurationError(
                    f"{where}: the password is shorter than {MIN_FLOWER_PASSWORD} characters"
                )
        return raw


class Settings(BaseSettings):
    """Everything a deployment can set; read once at each composition root.

    Only the environment variables `COHORTCV_…` configure cohortcv (no `.env` file is read:
    docker compose reads its own). The groups below are plain models, not settings classes,
    so an unprefixed `PORT` or `MAX_ROWS` in the environment never reaches them.
    """

    model_config = SettingsConfigDict(
        env_prefix="COHORTCV_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    # Default: a SQLite file in data_dir (embedded mode). Production: postgresql+psycopg://…
    database_url: str = ""
    # Default: the embedded filesystem broker in data_dir. Production: redis://host:6379/0
    broker_url: str = ""
    chunk_size: int = 32
    # Chunks of one batch in the broker at once: batches interleave, none starves another.
    window_chunks: int = 8
    language: str = "auto"
    formats: list[str] = Field(default_factory=lambda: list(FORMATS))
    metrics_port: int = 0
    # 127.0.0.1 on a host; 0.0.0.0 inside a container so Prometheus can scrape it.
    metrics_address: str = "127.0.0.1"
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    flower: FlowerSettings = Field(default_factory=FlowerSettings)
    writer: WriterSettings = Field(default_factory=WriterSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cohortcv.db'}"

    def resolved_broker_url(self) -> str:
        return self.broker_url or "filesystem://"

    def broker_folder(self) -> Path:
        """Where the embedded filesystem broker keeps its messages."""
        return self.data_dir / "broker"

    def policy(self) -> Policy:
        """The dispatch/reconcile policy these settings describe."""
        write_chunk = self.writer.generate_chunk_size or (
            self.chunk_size if self.writer.name == "template" else 64
        )
        return Policy(
            chunk_size=self.chunk_size,
            window_chunks=self.window_chunks,
            deadline_s=self.worker.job_deadline_s,
            retry_delay_s=self.worker.retry_delay_s,
            write_chunk_size=write_chunk,
        )

    @property
    def embedded_broker(self) -> bool:
        return self.resolved_broker_url().startswith("filesystem://")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once per process (composition roots only)."""
    return Settings()
