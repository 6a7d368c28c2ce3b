"""Write a tiny random Llama as a .gguf file (F32 tensors, a gpt2-style BPE, a ChatML template) with GGUFWriter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HIDDEN, FFN, LAYERS, HEADS, KV_HEADS = 64, 128, 2, 4, 2


def write_tiny_gguf(path: Path, seed: int = 0) -> Path:
    import gguf
    import numpy as np

    from tests.support.scratch import CHATML_TEMPLATE, train_tokenizer

    tokenizer = train_tokenizer(chat=True)
    state: Any = json.loads(tokenizer.backend_tokenizer.to_str())
    vocab: dict[str, int] = state["model"]["vocab"]
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda item: item[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in state["model"]["merges"]]
    specials = set(tokenizer.all_special_tokens)
    rng = np.random.default_rng(seed)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny-gguf-llama")
    writer.add_context_length(512)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(HIDDEN // HEADS)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(tokens)
    writer.add_token_types([3 if t in specials else 1 for t in tokens])
    writer.add_token_merges(merges)
    writer.add_bos_token_id(vocab["<|endoftext|>"])
    writer.add_eos_token_id(vocab["<|im_end|>"])
    writer.add_pad_token_id(vocab["<|endoftext|>"])
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML_TEMPLATE)

    def tensor(name: str, *shape: int) -> None:
        data = rng.normal(0.0, 0.2, size=shape) if len(shape) > 1 else np.ones(shape)
        writer.add_tensor(name, data.astype(np.float32))

    tensor("token_embd.weight", len(tokens), HIDDEN)
    tensor("output_norm.weight", HIDDEN)
    head_dim = HIDDEN // HEADS
    for n in range(LAYERS):
        tensor(f"blk.{n}.attn_norm.weight", HIDDEN)
        tensor(f"blk.{n}.attn_q.weight", HIDDEN, HIDDEN)
        tensor(f"blk.{n}.attn_k.weight", KV_HEADS * head_dim, HIDDEN)
        tensor(f"blk.{n}.attn_v.weight", KV_HEADS * head_dim, HIDDEN)
        tensor(f"blk.{n}.attn_output.weight", HIDDEN, HIDDEN)
        tensor(f"blk.{n}.ffn_norm.weight", HIDDEN)
        tensor(f"blk.{n}.ffn_gate.weight", FFN, HIDDEN)
        tensor(f"blk.{n}.ffn_up.weight", FFN, HIDDEN)
        tensor(f"blk.{n}.ffn_down.weight", HIDDEN, FFN)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
