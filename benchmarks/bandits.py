"""Benchmark: batched Exp3 (regretlab, B runs at once) vs river's Exp3 (one run), same process.

Both play the same K-armed reward table for T rounds; we report nanoseconds per run-round
(one run advancing by one round: strategy, action draw, importance-weighted update).

    PYTHONPATH=src python benchmarks/bandits.py [--K 10] [--B 1000] [--T 10000]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from regretlab.bandits import exp3  # noqa: E402
from regretlab.core import Bandit, rng  # noqa: E402


def regretlab_exp3(table: np.ndarray, batch: int, seed: int = 0) -> tuple[float, float]:
    """``(ns per run-round, mean final cumulative reward)`` for ``batch`` runs of batched Exp3.

    The loop is the runner's protocol: ``strategy``, ``rng.sample_actions`` on the run's action
    stream, ``update(Bandit(...))``.
    """
    t_len, k = table.shape
    learner = exp3(horizon=t_len, reward_range=(0.0, 1.0))
    keys = rng.spawn_keys(seed, batch)
    act = rng.derive(keys, "action")
    state = learner.init(keys, k)
    rows = np.arange(batch)
    total = np.zeros(batch)
    start = time.perf_counter_ns()
    for t in range(t_len):
        p = learner.strategy(state)
        a = rng.sample_actions(act, t, p)
        r = table[t, a]
        total += r
        state = learner.update(state, Bandit(a, r, p[rows, a]))
    elapsed = time.perf_counter_ns() - start
    return elapsed / (t_len * batch), float(total.mean())


def river_exp3(table: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """``(ns per run-round, final cumulative reward)`` of one run of ``river.bandit.Exp3``."""
    from river import bandit

    t_len, k = table.shape
    policy = bandit.Exp3(gamma=0.1, seed=seed)
    arms = list(range(k))
    total = 0.0
    start = time.perf_counter_ns()
    for t in range(t_len):
        arm = policy.pull(arms)
        r = float(table[t, arm])
        policy.update(arm, r)
        total += r
    elapsed = time.perf_counter_ns() - start
    return elapsed / t_len, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--K", type=int, default=10)
    parser.add_argument("--B", type=int, default=1000)
    parser.add_argument("--T", type=int, default=10_000)
    args = parser.parse_args()
    g = np.random.default_rng(0)
    means = np.linspace(0.3, 0.7, args.K)
    table = (g.uniform(size=(args.T, args.K)) < means).astype(np.float64)  # Bernoulli rewards
    regretlab_exp3(table[:80], 4)  # compile the kernels outside the timing
    ours, our_reward = regretlab_exp3(table, args.B)
    try:
        theirs, their_reward = river_exp3(table)
    except ImportError:
        print("river is not installed: pip install river")
        return
    print(f"K={args.K}  B={args.B}  T={args.T}")
    print(f"regretlab batched Exp3 : {ours:10.1f} ns per run-round   (mean reward {our_reward:.0f})")
    print(f"river Exp3 (one run)   : {theirs:10.1f} ns per run-round   (reward {their_reward:.0f})")
    print(f"ratio river / regretlab: {theirs / ours:10.1f}x  (goal >= 100x)")


if __name__ == "__main__":
    main()
