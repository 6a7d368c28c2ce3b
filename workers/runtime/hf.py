"""HFRuntime: a transformers causal LM held in-process, writing prompts in length-sorted padded micro-batches."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from shared.errors import WriterError
from workers.runtime.base import (
    Completion,
    FinishReason,
    Generation,
    GenerationSettings,
    Message,
    ModelIdentity,
    Prompt,
    RuntimeOptions,
)
from workers.runtime.batching import MicroBatch, plan_micro_batches, split_in_half
from workers.runtime.hf_load import import_torch, load_model, resolve_device

log = logging.getLogger(__name__)


class HFRuntime:
    """One loaded model; `generate` batches the prompts it is given (greedy batched == one at a time)."""

    def __init__(self, options: RuntimeOptions, loaded: tuple[Any, Any, ModelIdentity] | None = None) -> None:
        """Load `options.model`; or, given `loaded` (model, tokenizer, identity), hold that model instead."""
        self.options = options
        self._torch = import_torch()
        if loaded is None:
            self.model, self.tokenizer, self.identity, self.device = load_model(options)
        else:
            self.model, self.tokenizer, self.identity = loaded
            self.device, dtype = resolve_device(options, self._torch)
            self.model.to(device=self.device, dtype=dtype).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            # Causal LMs often ship without a pad token; the attention mask hides it anyway.
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        self.pad_id: int = int(self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0)
        self.eos_ids: set[int] = _eos_ids(self.model, self.tokenizer)
        on_cuda = self.device.type == "cuda"
        # Default: a static cache everywhere; compiled on CUDA (≈4× at batch 128 on an H100), eager
        # on the CPU. A dynamic cache grows by concatenation, copying every layer's keys and values
        # at each step: at 32 prompts that was ~40% of a CPU decode step.
        self.static_cache = True if options.static_cache is None else options.static_cache
        self.compile = options.compile or (options.static_cache is None and on_cuda)
        fused = fuse_activations(self.model, self._torch)
        if fused:
            log.debug("%d tanh-GELU activations replaced by the fused kernel", fused)
        self.last_batches: list[MicroBatch] = []

    # -- prompts -> token ids -------------------------------------------------------------------
    def render(self, prompt: Prompt) -> str:
        """The prompt as the model sees it: its chat template when it has one, else the turns joined."""
        if getattr(self.tokenizer, "chat_template", None):
            messages = [{"role": m.role, "content": m.content} for m in prompt]
            text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            return str(text)
        return "\n\n".join(m.content for m in prompt) + "\n\n"

    def encode(self, prompts: Sequence[Prompt]) -> list[list[int]]:
        """Token ids of each prompt (the chat template carries its own special tokens)."""
        templated = bool(getattr(self.tokenizer, "chat_template", None))
        texts = [self.render(p) for p in prompts]
        encoded = self.tokenizer(texts, add_special_tokens=not templated)["input_ids"]
        return [list(ids) for ids in encoded]

    def plan(self, lengths: Sequence[int]) -> list[MicroBatch]:
        return plan_micro_batches(lengths, self.options.token_budget, self.pad_multiple(), self.options.max_batch)

    def pad_multiple(self) -> int:
        """Pad to `pad_multiple` only where shapes must repeat (static cache, compiled decoding).

        Eager CPU decoding gains nothing from it and pays for every pad token in the prefill:
        padding prompts of 60-140 tokens to 192 cost about a third of a batch's work.
        """
        if self.compile or (self.static_cache and self.device.type == "cuda"):
            return self.options.pad_multiple
        return 1  # an eager CPU step is as fast at any width, static cache or not

    def context_length(self) -> int:
        """Most tokens (prompt + new) the model's positions allow; unknown: unbounded."""
        config = self.model.config
        for name in ("max_position_embeddings", "n_positions", "max_sequence_length"):
            value = getattr(config, name, None)
            if isinstance(value, int) and value > 0:
                return value
        return 1 << 30

    def warm_up(self) -> float:
        """One short generation, so the first chunk does not pay for kernels and allocations; seconds."""
        started = time.perf_counter()
        self.generate([(Message("user", "Hello."),)], GenerationSettings(max_new_tokens=2))
        return time.perf_counter() - started

    # -- generation -----------------------------------------------------------------------------
    def generate(self, prompts: Sequence[Prompt], settings: GenerationSettings) -> Generation:
        started = time.perf_counter()
        deadline = started + settings.max_time_s if settings.max_time_s else None
        token_ids = self.encode(prompts)
        results: list[Completion | None] = [None] * len(prompts)
        context = self.context_length()
        fitting = [i for i, ids in enumerate(token_ids) if len(ids) + settings.max_new_tokens <= context]
        for i in set(range(len(prompts))) - set(fitting):
            # A prompt the model cannot hold: an empty section (the writer falls back), not a failed chunk.
            results[i] = Completion("", len(token_ids[i]), 0, "length")
        plan = self.plan([len(token_ids[i]) for i in fitting])
        queue = [MicroBatch(tuple(fitting[j] for j in b.indices), b.padded_length) for b in plan]
        done: list[MicroBatch] = []
        while queue:
            batch = queue.pop(0)
            remaining = None if deadline is None else deadline - time.perf_counter()
            if remaining is not None and remaining <= 0:
                for i in batch.indices:
                    results[i] = Completion("", len(token_ids[i]), 0, "time")
                continue
            try:
                completions = self._run(batch, token_ids, settings, remaining, len(done))
            except self._torch.OutOfMemoryError as exc:
                if len(batch.indices) < 2:
                    raise WriterError(f"one prompt of {batch.padded_length} tokens does not fit: {exc}") from exc
                self._torch.cuda.empty_cache()
                queue[:0] = split_in_half(batch)  # halve and retry, the halves first
                continue
            for i, completion in zip(batch.indices, completions, strict=True):
                results[i] = completion
            done.append(batch)
        self.last_batches = done
        finished = [c for c in results if c is not None]
        return Generation(finished, time.perf_counter() - started, batches=len(done))

    def _run(
        self,
        batch: MicroBatch,
        token_ids: list[list[int]],
        settings: GenerationSettings,
        remaining_s: float | None,
        batch_number: int,
    ) -> list[Completion]:
        torch = self._torch
        width = max(batch.padded_length, max(len(token_ids[i]) for i in batch.indices))
        rows = [token_ids[i] for i in batch.indices]
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for r, ids in enumerate(rows):
            if ids:
                input_ids[r, width - len(ids):] = torch.tensor(ids, dtype=torch.long)
                attention[r, width - len(ids):] = 1
        kwargs: dict[str, Any] = {
            "max_new_tokens": settings.max_new_tokens,
            "pad_token_id": self.pad_id,
            "do_sample": settings.temperature > 0,
        }
        if settings.temperature > 0:
            kwargs.update(temperature=settings.temperature, top_p=settings.top_p, top_k=0)
            # Same seed, same prompts -> same text; each micro-batch gets its own stream.
            torch.manual_seed(settings.seed + batch_number)
        if settings.stop:
            kwargs.update(stop_strings=list(settings.stop), tokenizer=self.tokenizer)
        if remaining_s is not None:
            kwargs["max_time"] = remaining_s
        if self.static_cache:
            kwargs["cache_implementation"] = "static"
        kwargs["disable_compile"] = not self.compile
        with torch.inference_mode():
            output = self.model.generate(
                input_ids=input_ids.to(self.device), attention_mask=attention.to(self.device), **kwargs
            )
        new = output[:, width:].tolist()
        return [self._completion(ids, len(rows[r]), settings) for r, ids in enumerate(new)]

    def _completion(self, new_ids: list[int], prompt_tokens: int, settings: GenerationSettings) -> Completion:
        reason: FinishReason = "time"
        kept: list[int] = []
        for token in new_ids:
            if token in self.eos_ids:
                reason = "stop"
                break
            kept.append(token)
        # Tokens after a finished row's end are padding; a pad id equal to eos was caught above.
        while kept and kept[-1] == self.pad_id and self.pad_id not in self.eos_ids and reason != "stop":
            kept.pop()
        text = self.tokenizer.decode(kept, skip_special_tokens=True)
        for stop in settings.stop:
            if stop in text:
                text = text.split(stop, 1)[0]
                reason = "stop"
        if reason == "time" and len(kept) >= settings.max_new_tokens:
            reason = "length"
        return Completion(
            text=text, prompt_tokens=prompt_tokens, completion_tokens=len(kept), finish_reason=reason,
            token_ids=tuple(kept),
        )

    def close(self) -> None:
        """Let the weights go (and the GPU memory with them)."""
        self.model = None
        if self._torch.cuda.is_available():
            self._torch.cuda.empty_cache()


def fuse_activations(model: Any, torch: Any) -> int:
    """Replace GPT-2's tanh-approximated GELU, written as five elementwise operations, with
    torch's fused kernel of the same formula; how many were replaced.

    In a CPU prefill the five passes over each MLP's activations took ~40% of the time (the
    model's text is unchanged: same formula, float32 rounding aside).
    """
    try:
        from transformers.activations import NewGELUActivation
    except ImportError:
        return 0
    replaced = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if type(child) is NewGELUActivation:
                setattr(module, name, torch.nn.GELU(approximate="tanh"))
                replaced += 1
    return replaced


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    ids: set[int] = set()
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for value in (configured, tokenizer.eos_token_id):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, list):
            ids.update(v for v in value if isinstance(v, int))
    return ids
