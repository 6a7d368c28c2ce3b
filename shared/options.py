"""Typed batch options (docs/design.md §8): what a submit asks for, validated once for the CLI and the API."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.errors import ConfigurationError, InputError

# One Literal per kind of name: settings, the OpenAPI enums, the CLI help and the workers'
# registries all read them from here (the tuples are the same names, for loops and messages).
Format = Literal["pdf", "html", "md", "json"]
Language = Literal["auto", "en", "zh"]
WriterName = Literal["template", "llm"]
RuntimeName = Literal["transformers", "openai"]
Theme = Literal["classic"]
FORMATS: tuple[str, ...] = get_args(Format)
LANGUAGES: tuple[str, ...] = get_args(Language)
WRITERS: tuple[str, ...] = get_args(WriterName)
RUNTIMES: tuple[str, ...] = get_args(RuntimeName)
THEMES: tuple[str, ...] = get_args(Theme)
MAX_TARGET_JOB_CHARS = 20_000


def parse_formats(value: str | Iterable[str] | None) -> list[str]:
    """`pdf,html` or ["pdf", "html"] → a de-duplicated list in FORMATS order; InputError if unknown."""
    if value is None:
        return list(FORMATS)
    items = value.split(",") if isinstance(value, str) else list(value)
    chosen = [str(f).strip().lower().lstrip(".") for f in items if str(f).strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise InputError(
            f"formats: unknown {', '.join(repr(f) for f in unknown) or '(none given)'}; "
            f"choose from {', '.join(FORMATS)}"
        )
    return [f for f in FORMATS if f in chosen]


class BatchOptions(BaseModel):
    """Options of one batch, stored with it (batches.options) and read back by the workers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: Language = Field("auto", description="Output language: auto, en or zh.")
    writer: WriterName = Field("template", description="template (no model) or llm.")
    model: str | None = Field(None, max_length=500, description="llm: the model to use.")
    runtime: RuntimeName | None = Field(None, description="llm: transformers or openai.")
    formats: list[Format] = Field(default_factory=lambda: list(get_args(Format)))
    target_job: str | None = Field(
        None, max_length=MAX_TARGET_JOB_CHARS, description="A job description to tailor to."
    )
    theme: Theme = Field("classic", description="Rendering theme.")

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> str:
        text = str(value or "auto").strip().lower()
        aliases = {"english": "en", "chinese": "zh", "中文": "zh", "英文": "en", "zh-cn": "zh"}
        text = aliases.get(text, text)
        if text not in LANGUAGES:
            raise ValueError(f"language {value!r} is not supported; use {', '.join(LANGUAGES)}")
        return text

    @field_validator("writer", mode="before")
    @classmethod
    def _writer(cls, value: Any) -> str:
        text = str(value or "template").strip().lower()
        if text not in WRITERS:
            raise ValueError(f"writer {value!r} is unknown; use {', '.join(WRITERS)}")
        return text

    @field_validator("runtime", mode="before")
    @classmethod
    def _runtime(cls, value: Any) -> str | None:
        if value is None or str(value).strip() == "":
            return None
        text = str(value).strip().lower()
        if text not in RUNTIMES:
            raise ValueError(f"runtime {value!r} is unknown; use {', '.join(RUNTIMES)}")
        return text

    @field_validator("formats", mode="before")
    @classmethod
    def _formats(cls, value: Any) -> list[str]:
        try:
            return parse_formats(value)
        except InputError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("theme", mode="before")
    @classmethod
    def _theme(cls, value: Any) -> str:
        text = str(value or "classic").strip().lower()
        if text not in THEMES:
            raise ValueError(f"theme {value!r} is unknown; use {', '.join(THEMES)}")
        return text

    @field_validator("model", "target_job", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> str | None:
        if value is None:
            return None
        text = str(value).strip()
        return text or None

    def stored(self) -> dict[str, Any]:
        """The JSON stored in batches.options: unset optional fields left out."""
        return self.model_dump(exclude_none=True)

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> BatchOptions:
        """The options back from batches.options, as the workers read them.

        Rows stored by older versions may lack fields, hold keys no longer known or values no
        longer valid: those are left out (their defaults apply), never a failed job. What the
        row did hold is in `model_fields_set`, for readers whose fallback is not the default.
        A writer no version offers is the exception (ConfigurationError): running another
        writer in its place would hand the batch resumes it did not ask for.
        """
        known = {k: v for k, v in (stored or {}).items() if k in cls.model_fields}
        writer = known.get("writer")
        if writer and str(writer).strip().lower() not in WRITERS:
            raise ConfigurationError(
                f"unknown writer {str(writer)[:60]!r}: this version offers {', '.join(WRITERS)}"
            )
        try:
            return cls.model_validate(known)
        except ValidationError as exc:
            bad = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
            return cls.model_validate({k: v for k, v in known.items() if k not in bad})


def build_options(**values: Any) -> BatchOptions:
    """BatchOptions from loose input (CLI flags, form fields); InputError naming each bad field."""
    given = {k: v for k, v in values.items() if v is not None}
    try:
        return BatchOptions(**given)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "options"
            message = str(err["msg"]).removeprefix("Value error, ")
            # Our validators' messages name their field already ("formats: unknown 'exe'",
            # "language 'fr' is not supported"): say it once.
            named = message.startswith((f"{field}:", f"{field} "))
            problems.append(message if named else f"{field}: {message}")
        raise InputError("; ".join(problems)) from None
