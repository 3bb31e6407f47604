"""Each preference method's trainer step vs the DPO step on the same tiny model and batch (CPU).

Every method runs the trainer's inner ``preference_step`` (one forward over chosen + rejected, its
loss, backward, AdamW step) with the log-probs under pi_ref and pi_t precomputed and its per-pair
extras given (SPPO / DNO win-rate targets, XPO's reference side), so each step costs what DPO's
does: the goal is a ratio <= 1.1 for every method. Steps are interleaved round-robin so machine
load hits all alike; the minimum over repeats is reported (medians too).

    PYTHONPATH=src python benchmarks/preference.py [--hidden 128 --layers 2 --batch 8 --length 48 --repeats 15]
"""

from __future__ import annotations

import argparse
import copy
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from regretlab.preference.tiny import tiny_causal_lm  # noqa: E402
from regretlab.preference.torch_loss import METHOD_LOSSES  # noqa: E402
from regretlab.preference.trainer import TrainerConfig, preference_step, sequence_logprobs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--length", type=int, default=48, help="response tokens (prompt: half of it)")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
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
    lw, ll = rw.clone(), rl.clone()
    target = torch.tensor(rng.uniform(0.2, 0.8, B), dtype=torch.float32)
    from_ref = torch.tensor(rng.random(B) < 0.5)
    n_params = sum(p.numel() for p in model.parameters())
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
