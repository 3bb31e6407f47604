"""Benchmark: batched OCO learners (B runs at once) vs the same learner one run at a time, same process.

Online Newton Step and projected OGD on log-loss portfolios (D assets, one synthetic market per
run, the same price relatives for both ways of running). Reported: nanoseconds per run-round
(strategy, loss gradient, update with the generalised projection) for

* regretlab's batched learner on all ``B`` runs at once;
* the same learner driven one run at a time (``B = 1``, a Python loop over runs: what a per-run
  implementation costs in the same NumPy code);

and their ratio. Interleaved ``--repeat`` times, median of CPU time of this thread.

    PYTHONPATH=src python benchmarks/oco.py [--D 5] [--B 200] [--T 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from regretlab.core import Gradient, rng  # noqa: E402
from regretlab.oco import oco_ogd, ons  # noqa: E402


def market(T: int, B: int, D: int, seed: int = 0) -> np.ndarray:
    """``[T, B, D]`` price relatives."""
    return np.exp(0.05 * np.random.default_rng(seed).standard_normal((T, B, D)))


def play(learner, r: np.ndarray) -> tuple[np.ndarray, float]:
    """``(final points [B, D], CPU ns)`` of one batched pass over ``r [T, B, D]``."""
    t_len, b, d = r.shape
    start = time.thread_time_ns()
    state = learner.init(rng.spawn_keys(0, b), d)
    for t in range(t_len):
        x = learner.strategy(state)
        grad = r[t] / np.einsum("bd,bd->b", r[t], x)[:, None]  # the utility gradient of -log <r, x>
        state = learner.update(state, Gradient(grad))
    return learner.strategy(state), float(time.thread_time_ns() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--D", type=int, default=5)
    ap.add_argument("--B", type=int, default=200)
    ap.add_argument("--T", type=int, default=500)
    ap.add_argument("--solo", type=int, default=20, help="runs timed one at a time (scaled to B)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    r = market(args.T, args.B, args.D)
    G = float(np.sqrt(args.D) * (r.max(axis=2) / r.min(axis=2)).max())
    for name, make in (("ons", lambda: ons("simplex", G=G)), ("oco_ogd", lambda: oco_ogd("simplex", G=G))):
        batched, solo = [], []
        play(make(), r[:5, :2])  # warm-up (imports, compiled kernels)
        for _ in range(args.repeat):
            xb, ns = play(make(), r)
            batched.append(ns / (args.T * args.B))
            total = 0.0
            for b in range(args.solo):
                xs, ns = play(make(), r[:, b:b + 1])
                np.testing.assert_allclose(xs[0], xb[b], rtol=1e-9, atol=1e-12)  # the same numbers
                total += ns
            solo.append(total / (args.T * args.solo))
        nb, ns_ = statistics.median(batched), statistics.median(solo)
        print(f"{name:8s} D={args.D} B={args.B} T={args.T}: batched {nb:,.0f} ns per run-round; "
              f"one run at a time {ns_:,.0f} ns; ratio {ns_ / nb:.1f}x")


if __name__ == "__main__":
    main()
