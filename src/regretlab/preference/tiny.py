"""Tiny randomly initialised causal LMs and word-level tokenizers built in code (no downloads).

``[llm]`` extra: imports torch and transformers.
"""

from __future__ import annotations

from typing import Sequence

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedModel, PreTrainedTokenizerFast

from regretlab.core.errors import check_int

__all__ = ["SPECIALS", "word_tokenizer", "tiny_causal_lm"]

SPECIALS = ("[PAD]", "[EOS]", "[UNK]")


def word_tokenizer(words: Sequence[str]) -> PreTrainedTokenizerFast:
    """A whitespace word-level tokenizer over ``[PAD], [EOS], [UNK]`` + ``words`` (ids in that order)."""
    words = list(dict.fromkeys(words))
    if not words:
        raise ValueError("words must be a non-empty list of tokens")
    bad = [w for w in words if not isinstance(w, str) or not w or any(c.isspace() for c in w) or w in SPECIALS]
    if bad:
        raise ValueError(f"words must be non-empty strings without whitespace, got {bad[:3]!r}")
    vocab = {t: i for i, t in enumerate(list(SPECIALS) + words)}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tk.decoder = decoders.WordPiece(prefix="##", cleanup=False)  # joins words with spaces
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="[PAD]", eos_token="[EOS]", unk_token="[UNK]")


def tiny_causal_lm(vocab_size: int, *, arch: str = "llama", hidden: int = 32, layers: int = 2, heads: int = 2,
                   max_positions: int = 64, seed: int = 0, pad_token_id: int = 0, eos_token_id: int = 1,
                   **extra: object) -> PreTrainedModel:
    """A randomly initialised causal LM from a config (``arch`` in ``{"llama", "gpt2"}``), seeded.

    Args:
        vocab_size: vocabulary size.  hidden: width.  layers: blocks.  heads: attention heads.
        max_positions: context length.  seed: initialisation seed.  extra: more config fields.
    Returns:
        The model in eval mode (dropout off; training mode is set by the trainer).
    """
    V = check_int("vocab_size", vocab_size, minimum=2)
    check_int("hidden", hidden)
    check_int("layers", layers)
    check_int("heads", heads)
    if arch == "llama":
        from transformers import LlamaConfig, LlamaForCausalLM  # imported on use: each model family is slow to import

        cfg = LlamaConfig(vocab_size=V, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                          num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=max_positions,
                          pad_token_id=pad_token_id, eos_token_id=eos_token_id, bos_token_id=eos_token_id,
                          tie_word_embeddings=False, **extra)
        cls: type = LlamaForCausalLM
    elif arch == "gpt2":
        from transformers import GPT2Config, GPT2LMHeadModel

        cfg = GPT2Config(vocab_size=V, n_embd=hidden, n_layer=layers, n_head=heads, n_positions=max_positions,
                         resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, pad_token_id=pad_token_id,
                         eos_token_id=eos_token_id, bos_token_id=eos_token_id, **extra)
        cls = GPT2LMHeadModel
    else:
        raise ValueError(f"arch must be 'llama' or 'gpt2', got {arch!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = cls(cfg)
    return model.eval()
