"""Random-weight models built from a config, with a tokenizer trained on the spot: for tests and benchmarks.

No download: the tokenizer is a byte-level BPE trained on a few resume sentences, the weights are the
config's random initialisation. Shapes of real models (distilgpt2, SmolLM2-135M) are kept exactly so
timings mean something; the text they write is gibberish.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

CORPUS = [
    "Built a weekly sales dashboard used by the regional team of 12 analysts.",
    "Cleaned and merged survey data from 1,200 respondents with Python and SQL.",
    "Wrote unit tests for the billing service and cut release defects by 30%.",
    "Presented findings to the product group every sprint at Acme Corp.",
    "Summary: data analyst with two years of experience in retail forecasting.",
    "Education: BSc Computer Science, Example University, 2021 to 2024.",
    "Skills: Python, SQL, Excel, Tableau, Git, Docker, statistics, writing.",
    "Rewrite the person's own lines as strong resume bullets. Do not add facts.",
    "You write resume prose. Use only the facts given below, in English.",
    "Research assistant at the Institute of Technology: ran experiments and kept the lab notebook.",
]

# (model type, architecture shape) of the real models the benchmarks imitate; vocab sizes are theirs.
SHAPES: dict[str, dict[str, Any]] = {
    # Tiny shapes for tests: a wider initialisation, so greedy text varies from prompt to prompt
    # (at the usual 0.02 a tiny random model writes one token over and over, which proves little).
    "tiny-gpt2": {"kind": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "n_positions": 512,
                  "initializer_range": 0.2},
    "tiny-llama": {
        "kind": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 512,
        "initializer_range": 0.2,
    },
    "distilgpt2": {"kind": "gpt2", "vocab_size": 50257, "n_embd": 768, "n_layer": 6, "n_head": 12,
                   "n_positions": 1024},
    "smollm2-135m": {
        "kind": "llama", "vocab_size": 49152, "hidden_size": 576, "intermediate_size": 1536,
        "num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3,
        "max_position_embeddings": 8192, "rope_theta": 100000.0, "rms_norm_eps": 1e-5,
    },
}


def train_tokenizer(vocab_size: int = 1000, chat: bool = False, corpus: list[str] | None = None) -> Any:
    """A byte-level BPE trained on `corpus`, wrapped as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] if chat else ["<|endoftext|>"]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tokenizer.train_from_iterator((corpus or CORPUS) * 4, trainer=trainer)
    eos = "<|im_end|>" if chat else "<|endoftext|>"
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token=eos, bos_token="<|endoftext|>", pad_token="<|endoftext|>",
    )
    if chat:
        wrapped.chat_template = CHATML_TEMPLATE
    return wrapped


def build_model(shape: str, tokenizer: Any, seed: int = 0, **overrides: Any) -> Any:
    """A randomly initialised causal LM of `shape` (see SHAPES), its special ids taken from `tokenizer`."""
    import torch
    from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig

    spec = dict(SHAPES[shape])
    spec.update(overrides)
    kind = spec.pop("kind")
    spec.setdefault("vocab_size", len(tokenizer))
    ids = {
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    if kind == "gpt2":
        config: Any = GPT2Config(**spec, **ids)
    else:
        config = LlamaConfig(**spec, **ids, tie_word_embeddings=True)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model.eval()


def save_scratch_model(directory: Path, shape: str, chat: bool | None = None, seed: int = 0) -> Path:
    """Build a scratch model of `shape` and save it (weights + tokenizer) with save_pretrained."""
    chat = SHAPES[shape]["kind"] == "llama" if chat is None else chat
    tokenizer = train_tokenizer(chat=chat)
    model = build_model(shape, tokenizer, seed=seed)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory
