"""Each preference method's trainer step vs the DPO step on the same tiny model and batch (CPU).

Every method runs the trainer's inner ``preference_step`` (one forward over chosen + rejected, its
loss, backward, AdamW step) with the log-probs under pi_ref and pi_t precomputed and its per-pair
extras given (SPPO / DNO win-rate targets, XPO's reference side), so each step costs what DPO's
does: the goal is a ratio <= 1.1 for every method. Steps are interleaved round-robin so machine
load hits all alike; the minimum over repeats is reported (medians too).

    PYTHONPATH=src python benchmarks/preference.py [--hidden 128 --layers 2 --batch 8 --length 48 --repeats 15]
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch

# benchmarks/_lm_batch.py: the shared model and batch; it sets OMP_NUM_THREADS=1 before torch loads
from _lm_batch import batch, parse_args

from regretlab.preference.torch_loss import METHOD_LOSSES
from regretlab.preference.trainer import TrainerConfig, preference_step


def main() -> None:
    args = parse_args(__doc__, repeats=15)
    d = batch(args)
    rng, model = d["rng"], d["model"]
    prompts, chosen, rejected = d["prompts"], d["chosen"], d["rejected"]
    rw, rl, lw, ll, n_params = d["rw"], d["rl"], d["lw"], d["ll"], d["n_params"]
    B, L = args.batch, args.length
    target = torch.tensor(rng.uniform(0.2, 0.8, B), dtype=torch.float32)
    from_ref = torch.tensor(rng.random(B) < 0.5)
    state = {}
    for name in METHOD_LOSSES:
        m = copy.deepcopy(model)
        cfg = TrainerConfig(loss=name, eta=1.0, tau=0.1, beta=0.1, alpha=1e-4, lam=1.0, mixture=0.25)
        state[name] = (m, torch.optim.AdamW(m.parameters(), lr=1e-5), cfg)
    times: dict[str, list[float]] = {k: [] for k in METHOD_LOSSES}
    for r in range(args.repeats + 2):
        for name in METHOD_LOSSES:
            m, opt, cfg = state[name]
            t0 = time.perf_counter()
            preference_step(m, opt, prompts, chosen, rejected, rw, rl, lw, ll, cfg, 0, target=target,
                            from_ref_w=from_ref)
            if r >= 2:
                times[name].append(time.perf_counter() - t0)
    best = {k: min(v) for k, v in times.items()}
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"model: llama-style, {n_params / 1e6:.2f}M parameters; batch {B} pairs, prompt {L // 2} + response ~{L} "
          f"tokens; {args.threads} thread(s); min over {args.repeats} interleaved steps")
    for name in METHOD_LOSSES:
        print(f"{name:10s} step {best[name] * 1e3:8.2f} ms   ratio to DPO {best[name] / best['dpo']:.3f} "
              f"(medians {med[name] / med['dpo']:.3f})")
    worst = max(best[k] / best["dpo"] for k in METHOD_LOSSES)
    print(f"largest ratio to DPO = {worst:.3f}  (goal <= 1.1 for each)")


if __name__ == "__main__":
    main()
