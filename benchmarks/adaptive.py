"""Batched FLH and CBCE (AdaHedge bases) vs the same learners one run at a time, and vs Hedge.

B runs x K experts x T rounds of uniform losses (drawn per round, never stored). Prints
nanoseconds per run-round of the learner loop (strategy + update) for the batched learner, for
the same learner driven one run at a time (``B`` solo runs of one row each: what a per-run
library does), the ratio, and the cost relative to batched Hedge (the price of the ``O(log t)``
instances). Batched and solo loops are timed in alternation (best of ``--repeats``).

    python benchmarks/adaptive.py            # B=200, K=10, T=4,096
    python benchmarks/adaptive.py --quick    # smaller, for a smoke check
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from regretlab.core import FullInfo, rng  # noqa: E402
from regretlab.experts import adahedge, hedge  # noqa: E402
from regretlab.experts.adaptive import cbce, flh  # noqa: E402


def _loop(learner, b: int, k: int, t_len: int, seed: int = 0) -> float:
    """Seconds for ``t_len`` rounds of strategy + update over ``b`` runs."""
    state = learner.init(rng.spawn_keys(seed, b), k)
    gen = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(t_len):
        learner.strategy(state)
        state = learner.update(state, FullInfo(-gen.random((b, k))))
    return time.perf_counter() - start


def batched(make, b: int, k: int, t_len: int) -> float:
    """ns per run-round, all ``b`` runs in one batch."""
    return _loop(make(t_len), b, k, t_len) / (b * t_len) * 1e9


def solo(make, runs: int, k: int, t_len: int) -> float:
    """ns per run-round, ``runs`` runs one at a time."""
    total = sum(_loop(make(t_len), 1, k, t_len, seed=i) for i in range(runs))
    return total / (runs * t_len) * 1e9


LEARNERS = {
    "flh(adahedge)": lambda t: flh(base=adahedge(), horizon=t),
    "cbce(adahedge)": lambda t: cbce(base=adahedge()),
    "hedge": lambda t: hedge(horizon=t),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--K", type=int, default=10)
    ap.add_argument("--T", type=int, default=4096)
    ap.add_argument("--solo-runs", type=int, default=4, help="runs timed one at a time (per run-round cost)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.runs, a.T, a.solo_runs, a.repeats = 50, 512, 2, 1
    print(f"B={a.runs} runs, K={a.K}, T={a.T}; ns per run-round (best of {a.repeats})")
    for make in LEARNERS.values():  # compile the kernels (numba) before timing
        _loop(make(64), 2, a.K, 64)
    best: dict[str, dict[str, float]] = {}
    for _ in range(a.repeats):
        for name, make in LEARNERS.items():
            row = best.setdefault(name, {"batched": float("inf"), "solo": float("inf")})
            row["batched"] = min(row["batched"], batched(make, a.runs, a.K, a.T))
            if name != "hedge":
                row["solo"] = min(row["solo"], solo(make, a.solo_runs, a.K, a.T))
    h = best["hedge"]["batched"]
    for name, row in best.items():
        if name == "hedge":
            print(f"  {name:16s} batched {row['batched']:9.0f}")
            continue
        print(f"  {name:16s} batched {row['batched']:9.0f}   one run at a time {row['solo']:9.0f}   "
              f"ratio {row['solo'] / row['batched']:6.1f}x   vs batched Hedge {row['batched'] / h:5.1f}x")


if __name__ == "__main__":
    main()
