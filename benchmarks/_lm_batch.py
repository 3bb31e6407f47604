"""Shared set-up of the preference-step benchmarks (inpo.py, preference.py): one tiny causal LM,
its frozen reference copy and one random batch of pairs with their log-probs precomputed."""

from __future__ import annotations

import argparse
import copy
import os
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch

from regretlab.preference.tiny import tiny_causal_lm
from regretlab.preference.trainer import sequence_logprobs


def parse_args(doc: str, repeats: int) -> argparse.Namespace:
    """The model and batch sizes every preference-step benchmark takes."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--length", type=int, default=48, help="response tokens (prompt: half of it)")
    ap.add_argument("--repeats", type=int, default=repeats)
    ap.add_argument("--threads", type=int, default=1)
    return ap.parse_args()


def batch(args: argparse.Namespace) -> dict[str, Any]:
    """Model, reference, a seeded batch of ``args.batch`` pairs and log pi_ref / log pi_t of both sides."""
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    model = tiny_causal_lm(args.vocab, hidden=args.hidden, layers=args.layers, heads=4, max_positions=256, seed=0)
    ref = copy.deepcopy(model).requires_grad_(False)
    V, B, L = args.vocab, args.batch, args.length
    prompts = [rng.integers(3, V, L // 2).tolist() for _ in range(B)]
    chosen = [rng.integers(3, V, L).tolist() for _ in range(B)]
    rejected = [rng.integers(3, V, L - 4).tolist() for _ in range(B)]
    with torch.no_grad():
        rw, rl = sequence_logprobs(ref, prompts, chosen, 0), sequence_logprobs(ref, prompts, rejected, 0)
    return {"rng": rng, "model": model, "ref": ref, "prompts": prompts, "chosen": chosen, "rejected": rejected,
            "rw": rw, "rl": rl, "lw": rw.clone(), "ll": rl.clone(),
            "n_params": sum(p.numel() for p in model.parameters())}
