"""Fine-tuning a causal LM on prompt/answer examples: LoRA (merged) or full, held-out loss, early stopping.

Needs torch, transformers and peft only (no pydantic, no rich): bench/finetune.py runs it on a GPU
box. A plain loop rather than transformers.Trainer: the loss is masked by hand (workers.finetune.examples), and
the loop reports every step to a callback, so the caller draws the progress bar. The result is a
directory `load_model` reads unchanged: adapters merged into the weights, tokenizer and chat
template saved beside them.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workers.finetune.examples import Encoded, Example, collate, encode
from workers.runtime.base import RuntimeOptions
from workers.runtime.hf_load import import_torch, import_transformers, load_model


@dataclass(frozen=True)
class TrainConfig:
    """How to train; the defaults suit a LoRA run on a small model."""

    base: str
    out: str
    full: bool = False  # False: LoRA adapters (merged on save); True: every weight trains
    epochs: float = 3.0
    max_steps: int = 0  # 0: epochs decide
    batch_size: int = 4
    learning_rate: float = 0.0  # 0: 2e-4 for LoRA, 2e-5 for a full fine-tune
    warmup_steps: int = 2
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    eval_every: int = 10  # steps between held-out evaluations
    patience: int = 3  # evaluations without improvement before stopping
    min_delta: float = 0.001
    max_length: int = 1024  # longer examples are left out (and counted), never cut
    seed: int = 0
    device: str = "auto"
    cache_dir: str = ""

    def lr(self) -> float:
        return self.learning_rate or (2e-5 if self.full else 2e-4)


@dataclass
class Step:
    """One optimiser step as the callback sees it."""

    step: int
    total: int
    loss: float
    held_out_loss: float | None = None
    tokens: int = 0


@dataclass
class TrainResult:
    """What a run did; written to report.json by finetune_report."""

    config: dict[str, Any]
    device: str
    dtype: str
    trainable_params: int
    total_params: int
    train_examples: int
    held_out_examples: int
    too_long: int
    steps: int
    planned_steps: int
    stopped_early: bool
    seconds: float
    train_tokens: int
    losses: list[float] = field(default_factory=list)
    held_out: list[tuple[int, float]] = field(default_factory=list)  # (step, loss)
    best_step: int | None = None
    best_held_out_loss: float | None = None

    @property
    def tokens_per_s(self) -> float:
        return self.train_tokens / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tokens_per_s"] = round(self.tokens_per_s, 1)
        return data


def seed_everything(seed: int, torch: Any) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def prepare(model: Any, config: TrainConfig) -> Any:
    """The model to train: wrapped in LoRA adapters on every linear layer, or as it is (--full)."""
    if config.full:
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(
        r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
        target_modules="all-linear", task_type="CAUSAL_LM",
    )  # fmt: skip
    return get_peft_model(model, lora)


def _mean_loss(model: Any, batches: Sequence[dict[str, Any]], device: Any, autocast: Any) -> float:
    """Token-weighted mean loss over `batches` (each batch's mean weighted by its answer tokens)."""
    torch = import_torch()
    total, tokens = 0.0, 0
    model.eval()
    with torch.no_grad():
        for batch in batches:
            moved = {k: v.to(device) for k, v in batch.items()}
            with autocast():
                loss = model(**moved).loss
            n = int((batch["labels"][:, 1:] != -100).sum())
            total += float(loss) * n
            tokens += n
    model.train()
    return total / tokens if tokens else float("nan")


def _batches(encoded: Sequence[Encoded], size: int, pad_id: int, order: list[int]) -> list[dict[str, Any]]:
    return [collate([encoded[i] for i in order[s:s + size]], pad_id) for s in range(0, len(order), size)]


def train(
    config: TrainConfig,
    train_examples: Sequence[Example],
    held_out: Sequence[Example] = (),
    on_step: Callable[[Step], None] | None = None,
    loaded: tuple[Any, Any] | None = None,
) -> TrainResult:
    """Train on `train_examples`, evaluate on `held_out`, save the merged model to `config.out`.

    `loaded` (model, tokenizer) trains a model already in memory (tests, benchmarks) instead of
    loading `config.base` through the worker's own loading code.
    """
    torch = import_torch()
    seed_everything(config.seed, torch)
    options = RuntimeOptions(model=config.base, device=config.device, dtype="float32", cache_dir=config.cache_dir)
    if loaded is None:
        model, tokenizer, _, device = load_model(options)
    else:
        from workers.runtime.hf_load import resolve_device

        model, tokenizer = loaded
        device, _ = resolve_device(options, torch)
        model.to(device)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    pad_id = int(tokenizer.pad_token_id)
    # CUDA: float32 master weights with bfloat16 compute (autocast); CPU: float32 throughout.
    on_cuda = device.type == "cuda"
    dtype_name = "bfloat16 (autocast)" if on_cuda else "float32"

    def autocast() -> Any:
        if on_cuda:
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return torch.autocast(device_type="cpu", enabled=False)

    encoded = [encode(tokenizer, e) for e in train_examples]
    kept = [e for e in encoded if len(e.input_ids) <= config.max_length]
    held = [e for e in (encode(tokenizer, x) for x in held_out) if len(e.input_ids) <= config.max_length]
    too_long = len(encoded) - len(kept) + len(held_out) - len(held)
    if not kept:
        raise ValueError(f"no training example fits in --max-length {config.max_length} tokens")

    model = prepare(model, config)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr(), weight_decay=0.0)
    per_epoch = math.ceil(len(kept) / config.batch_size)
    planned = config.max_steps or max(1, math.ceil(per_epoch * config.epochs))

    def schedule(step: int) -> float:
        # Linear warm-up, then linear decay to a tenth of the rate.
        if step < config.warmup_steps:
            return (step + 1) / (config.warmup_steps + 1)
        return max(0.1, 1.0 - (step - config.warmup_steps) / max(1, planned - config.warmup_steps))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    held_batches = _batches(held, config.batch_size, pad_id, list(range(len(held))))
    result = TrainResult(
        config=asdict(config), device=str(device), dtype=dtype_name,
        trainable_params=sum(p.numel() for p in params),
        total_params=sum(p.numel() for p in model.parameters()),
        train_examples=len(kept), held_out_examples=len(held), too_long=too_long,
        steps=0, planned_steps=planned, stopped_early=False, seconds=0.0, train_tokens=0,
    )  # fmt: skip
    best_state: dict[str, Any] | None = None
    stale = 0
    rng = random.Random(config.seed)
    queue: list[dict[str, Any]] = []
    started = time.perf_counter()
    if held_batches:
        result.held_out.append((0, _mean_loss(model, held_batches, device, autocast)))
    while result.steps < planned:
        if not queue:
            order = list(range(len(kept)))
            rng.shuffle(order)
            queue = _batches(kept, config.batch_size, pad_id, order)
        batch = {k: v.to(device) for k, v in queue.pop(0).items()}
        with autocast():
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        result.steps += 1
        result.train_tokens += int(batch["attention_mask"].sum())
        result.losses.append(float(loss.detach()))
        report = Step(result.steps, planned, result.losses[-1], tokens=result.train_tokens)
        if held_batches and (result.steps % config.eval_every == 0 or result.steps == planned):
            value = _mean_loss(model, held_batches, device, autocast)
            result.held_out.append((result.steps, value))
            report.held_out_loss = value
            if result.best_held_out_loss is None or value < result.best_held_out_loss - config.min_delta:
                result.best_held_out_loss, result.best_step, stale = value, result.steps, 0
                best_state = {n: p.detach().to("cpu", copy=True) for n, p in model.named_parameters()
                              if p.requires_grad}  # fmt: skip
            else:
                stale += 1
        if on_step is not None:
            on_step(report)
        if stale >= config.patience:
            result.stopped_early = True
            break
    result.seconds = time.perf_counter() - started
    if best_state is not None and result.best_step != result.steps:
        # Early stopping keeps the weights of the best held-out loss, not the last step's.
        named = dict(model.named_parameters())
        with torch.no_grad():
            for name, value in best_state.items():
                named[name].copy_(value.to(named[name].device))
    save(model, tokenizer, Path(config.out), config.full)
    return result


def save(model: Any, tokenizer: Any, out: Path, full: bool) -> None:
    """A directory the worker loads with `--model DIR`: merged float32 weights, tokenizer, chat template."""
    torch = import_torch()
    import_transformers().utils.logging.disable_progress_bar()  # a report, not a shard-writing bar
    merged = model if full else model.merge_and_unload()
    merged = merged.to(device="cpu", dtype=torch.float32).eval()
    # A base converted from GGUF keeps a "gguf" quantization_config, and save_pretrained refuses it;
    # the weights here are plain float32, so the checkpoint is saved as an ordinary model.
    if getattr(merged.config, "quantization_config", None) is not None:
        del merged.config.quantization_config
        merged.hf_quantizer = None
        merged.is_quantized = False
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
