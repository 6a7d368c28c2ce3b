"""The runtime contract: chat prompts and generation settings in; completions, token counts, timings out.

Plain dataclasses (no pydantic, no torch) so that every implementation, the writer, the fine-tuning
module and the benchmarks share one vocabulary, and a GPU machine with only torch can import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "time"]


@dataclass(frozen=True)
class Message:
    """One chat turn."""

    role: Role
    content: str


# A prompt is a chat: the runtime applies the model's chat template, or joins the turns when it has none.
Prompt = tuple[Message, ...]


@dataclass(frozen=True)
class GenerationSettings:
    """How to generate; temperature 0 means greedy (deterministic)."""

    max_new_tokens: int = 160
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    # Generation of one prompt ends at the first of these strings (not included in the text).
    stop: tuple[str, ...] = ()
    # Wall-clock cap for one call; prompts cut by it finish with reason "time".
    max_time_s: float | None = None


@dataclass(frozen=True)
class Completion:
    """What the model wrote for one prompt."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason = "stop"
    # The generated token ids when the runtime has them (in-process runtimes; for exact comparisons).
    token_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ModelIdentity:
    """Which model wrote: a readable name and a short digest of its weights or revision."""

    name: str
    digest: str

    def key(self) -> str:
        """Goes into the resume variant key: another model regenerates, the same one reuses."""
        return f"{self.name}@{self.digest}"


@dataclass(frozen=True)
class Generation:
    """The completions of one `generate` call, in prompt order, with what it cost."""

    completions: list[Completion]
    seconds: float
    # Forward micro-batches (or HTTP requests) the runtime needed for this call.
    batches: int = 1

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.completions)

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0


class ModelRuntime(Protocol):
    """A loaded model. Built once per worker process; `generate` may be called from one thread at a time.

    Loading failures raise shared.errors.ModelLoadError with the real reason (bad path, missing
    extra, model that does not fit), never later at generation time.
    """

    identity: ModelIdentity

    def generate(self, prompts: Sequence[Prompt], settings: GenerationSettings) -> Generation: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RuntimeOptions:
    """How to load a runtime; the worker builds this from the `writer` settings group."""

    # "transformers" (in-process) or "openai" (an OpenAI-compatible server: vLLM, SGLang, TGI, Ollama).
    runtime: str = "transformers"
    # A checkpoint directory, a hub id, a .gguf file, or the served model name (openai).
    model: str = ""
    # "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".
    device: str = "auto"
    # "auto" (bfloat16 on CUDA, float32 on CPU), "float32", "bfloat16" or "float16".
    dtype: str = "auto"
    # Upper bound on micro-batch size × padded prompt length for one forward pass.
    token_budget: int = 16384
    # Most prompts in one micro-batch (0: only the token budget limits it).
    max_batch: int = 0
    # Prompt lengths are padded up to a multiple of this, so compiled shapes repeat.
    pad_multiple: int = 64
    # None: a static cache, compiled with torch.compile on CUDA and eager on the CPU.
    static_cache: bool | None = None
    compile: bool = False
    # openai runtime: the server, its key, per-request timeout, requests in flight, retries.
    base_url: str = ""
    api_key: str = ""
    timeout_s: float = 120.0
    concurrency: int = 32
    max_retries: int = 4
    # Where converted weights (e.g. a dequantised GGUF) are cached between worker starts.
    cache_dir: str = ""
