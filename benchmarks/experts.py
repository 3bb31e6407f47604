"""Batched Hedge vs one-run-at-a-time NumPy and vs noregret's MultiplicativeWeightsUpdate.

B runs x K experts x T rounds, losses drawn per round (never stored). Prints nanoseconds per
run-round for each, the ratios, and for K=100 the cost per run-round-expert next to one exp().
The batched and per-run loops are timed in alternation (best of ``--repeats``).

    python benchmarks/experts.py            # B=1000, K=10, T=10,000 (about a minute)
    python benchmarks/experts.py --quick    # smaller, for a smoke check
"""

from __future__ import annotations

import argparse
import math
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from regretlab.core import FullInfo, rng  # noqa: E402
from regretlab.envs import gaussian  # noqa: E402
from regretlab.experts import hedge  # noqa: E402
from regretlab.run import run  # noqa: E402


def batched_learner(b: int, k: int, t_len: int) -> float:
    """ns per run-round of the batched learner loop (strategy + update)."""
    lr = math.sqrt(8 * math.log(k) / t_len)
    learner = hedge(lr=lr)
    state = learner.init(rng.spawn_keys(0, b), k)
    gen = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(t_len):
        learner.strategy(state)
        state = learner.update(state, FullInfo(-gen.random((b, k))))
    return (time.perf_counter() - start) / (b * t_len) * 1e9


def batched_runner(b: int, k: int, t_len: int) -> float:
    """ns per run-round of the full runner (environment, action sampling, regret accounting)."""
    start = time.perf_counter()
    run(hedge(horizon=t_len), gaussian(k), T=t_len, batch=b, seed=0, every=t_len, progress=False)
    return (time.perf_counter() - start) / (b * t_len) * 1e9


def per_run_numpy(runs: int, k: int, t_len: int) -> float:
    """ns per run-round of the same algorithm, one run at a time, in a NumPy loop."""
    lr = math.sqrt(8 * math.log(k) / t_len)
    gen = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(runs):
        cum = np.zeros(k)
        for _ in range(t_len):
            w = np.exp(lr * (cum - cum.max()))
            w /= w.sum()
            cum -= gen.random(k)
    return (time.perf_counter() - start) / (runs * t_len) * 1e9


def noregret_mwu(runs: int, k: int, t_len: int) -> float | None:
    """ns per run-round of noregret's MultiplicativeWeightsUpdate (one run at a time)."""
    try:
        from noregret.regret_minimizers import MultiplicativeWeightsUpdate
    except ImportError:
        return None
    lr = math.sqrt(8 * math.log(k) / t_len)
    gen = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(runs):
        m = MultiplicativeWeightsUpdate(k, learning_rate=lr, is_time_symmetric=True)
        for _ in range(t_len):
            m.next_strategy()
            m.observe_utility(-gen.random(k))
    return (time.perf_counter() - start) / (runs * t_len) * 1e9


def exp_cost() -> float:
    """ns of one exp() on this CPU, measured on a 10^7 array (the floor per run-round-expert)."""
    x = np.random.default_rng(0).random(10_000_000)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        np.exp(x)
        best = min(best, time.perf_counter() - start)
    return best / x.size * 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3, help="alternating timings of the batched and per-run loops")
    args = ap.parse_args()
    b, k, t_len = (200, 10, 1000) if args.quick else (1000, 10, 10_000)
    solo_runs = 3 if args.quick else 10
    rows = []
    batched_learner(b, k, 50)  # warm-up: loads the compiled kernels once, outside the timing
    # the batched loop and the per-run loop are timed in alternation (A B A B ...), the best of
    # each kept, so that a load change on a shared machine hits both
    ours = loop = math.inf
    for _ in range(args.repeats):
        ours = min(ours, batched_learner(b, k, t_len))
        loop = min(loop, per_run_numpy(solo_runs, k, t_len))
    ours_run = batched_runner(b, k, t_len)
    peer = noregret_mwu(solo_runs, k, t_len)
    rows.append(("regretlab hedge, batched learner loop", ours, 1.0))
    rows.append(("regretlab run(): env + sampling + regret accounting", ours_run, ours_run / ours))
    rows.append(("same algorithm, one run at a time, NumPy loop", loop, loop / ours))
    if peer is not None:
        rows.append(("noregret MultiplicativeWeightsUpdate, one run at a time", peer, peer / ours))
    print(f"Hedge, B={b} runs, K={k} experts, T={t_len} rounds (ns per run-round; ratio vs batched)")
    for label, ns, ratio in rows:
        print(f"  {label:<58s} {ns:10.1f} ns   x{ratio:8.1f}")
    print(f"  speed-up vs per-run NumPy loop: {loop / ours:.1f}x"
          + (f"; vs noregret: {peer / ours:.1f}x" if peer is not None else " (noregret not installed)"))
    k_big = 100
    batched_learner(b, k_big, 20)
    big = batched_learner(b, k_big, max(t_len // 10, 100))
    e = exp_cost()
    print(f"K={k_big}: {big / k_big:.2f} ns per run-round-expert; one exp() costs {e:.2f} ns "
          f"(ratio to the floor: {big / k_big / e:.1f}x)")


if __name__ == "__main__":
    main()
