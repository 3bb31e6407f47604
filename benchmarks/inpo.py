"""INPO training step vs. DPO training step on the same model and batch (CPU).

Both steps run ``preference_step`` (the trainer's inner step: one forward over chosen+rejected,
loss, backward, AdamW step) with log pi_ref and log pi_t precomputed, so the goal is a ratio
<= 1.1. A third line times a naive INPO step that recomputes log pi_ref and log pi_t with two
extra forward passes every step, to show what the precomputation saves.

    PYTHONPATH=src python benchmarks/inpo.py [--hidden 128 --layers 2 --batch 8 --length 48 --repeats 20]
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch

# benchmarks/_lm_batch.py: the shared model and batch; it sets OMP_NUM_THREADS=1 before torch loads
from _lm_batch import batch, parse_args

from regretlab.preference.trainer import (
    TrainerConfig,
    preference_step,
    sequence_logprobs,
)


def main() -> None:
    args = parse_args(__doc__, repeats=40)
    d = batch(args)
    model, ref = d["model"], d["ref"]
    prompts, chosen, rejected = d["prompts"], d["chosen"], d["rejected"]
    rw, rl, lw, ll, n_params = d["rw"], d["rl"], d["lw"], d["ll"], d["n_params"]
    B, L = args.batch, args.length

    # one model + optimiser per variant; steps interleaved round-robin so machine-load drift hits
    # all three alike; the minimum over repeats is the least load-sensitive statistic
    variants = {"dpo": ("dpo", False), "inpo": ("inpo", False), "naive": ("inpo", True)}
    state = {}
    for name, (kind, _) in variants.items():
        m = copy.deepcopy(model)
        state[name] = (m, torch.optim.AdamW(m.parameters(), lr=1e-5), TrainerConfig(loss=kind, eta=2.0, tau=0.1, beta=0.1))
    last_model = copy.deepcopy(model).requires_grad_(False)
    times: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(args.repeats + 3):
        for name, (_, naive) in variants.items():
            m, opt, cfg = state[name]
            t0 = time.perf_counter()
            if naive:  # what INPO would cost without precomputed log-probs
                with torch.no_grad():
                    a = sequence_logprobs(ref, prompts + prompts, chosen + rejected, 0)
                    b = sequence_logprobs(last_model, prompts + prompts, chosen + rejected, 0)
                preference_step(m, opt, prompts, chosen, rejected, a[:B], a[B:], b[:B], b[B:], cfg, 0)
            else:
                preference_step(m, opt, prompts, chosen, rejected, rw, rl, lw, ll, cfg, 0)
            if r >= 3:
                times[name].append(time.perf_counter() - t0)
    dpo, inpo, naive = (min(times[k]) for k in ("dpo", "inpo", "naive"))
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"model: llama-style, {n_params / 1e6:.2f}M parameters; batch {B} pairs, prompt {L // 2} + response ~{L} tokens; "
          f"{args.threads} thread(s)")
    print(f"DPO step   (precomputed ref):          {dpo * 1e3:8.2f} ms")
    print(f"INPO step  (precomputed ref and pi_t): {inpo * 1e3:8.2f} ms")
    print(f"INPO naive (ref, pi_t recomputed):     {naive * 1e3:8.2f} ms")
    print(f"ratio INPO / DPO = {inpo / dpo:.3f}  (goal <= 1.1; min over {args.repeats} interleaved steps; "
          f"medians give {med['inpo'] / med['dpo']:.3f})")
    print(f"ratio naive INPO / DPO = {naive / dpo:.3f}")


if __name__ == "__main__":
    main()
