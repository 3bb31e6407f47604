"""INPO training step vs. DPO training step on the same model and batch (CPU).

Both steps run ``preference_step`` (the trainer's inner step: one forward over chosen+rejected,
loss, backward, AdamW step) with log pi_ref and log pi_t precomputed, so the goal is a ratio
<= 1.1. A third line times a naive INPO step that recomputes log pi_ref and log pi_t with two
extra forward passes every step, to show what the precomputation saves.

    PYTHONPATH=src python benchmarks/inpo.py [--hidden 128 --layers 2 --batch 8 --length 48 --repeats 20]
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
from regretlab.preference.trainer import TrainerConfig, preference_step, sequence_logprobs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--length", type=int, default=48, help="response tokens (prompt: half of it)")
    ap.add_argument("--repeats", type=int, default=40)
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
    n_params = sum(p.numel() for p in model.parameters())

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
