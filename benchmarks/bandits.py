"""Benchmark: batched Exp3 (regretlab, B runs at once) vs river's Exp3 (one run), same process.

All play the same K-armed Bernoulli reward table for T rounds; we report nanoseconds per run-round
(one run advancing by one round: strategy, action draw, importance-weighted update) for

* regretlab's general path: the runner's protocol with the pure contract, ``p = strategy(state)``,
  ``a = rng.sample_actions(action stream, t, p)``, ``update(state, Bandit(a, r, p[a]))``;
* regretlab's compiled specialisation ``Exp3.play_table`` (the same rounds in one compiled call per
  chunk of the table, same numbers: checked below and in tests/bandits/test_play_table.py);
* ``river.bandit.Exp3``, one run.

Each is timed ``--repeat`` times, interleaved, and the median is reported, on two clocks: CPU time
of this thread (robust to other work sharing the machine) and wall time.

    PYTHONPATH=src python benchmarks/bandits.py [--K 10] [--B 1000] [--T 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from regretlab.bandits import exp3  # noqa: E402
from regretlab.core import Bandit, rng  # noqa: E402


def _clocks() -> tuple[int, int]:
    return time.thread_time_ns(), time.perf_counter_ns()


def regretlab_exp3(table: np.ndarray, batch: int, seed: int = 0) -> tuple[float, float, float]:
    """``(CPU ns, wall ns per run-round, mean final cumulative reward)`` for ``batch`` runs of batched
    Exp3 on the general path.

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
    cpu, wall = _clocks()
    for t in range(t_len):
        p = learner.strategy(state)
        a = rng.sample_actions(act, t, p)
        r = table[t, a]
        total += r
        state = learner.update(state, Bandit(a, r, p[rows, a]))
    cpu2, wall2 = _clocks()
    n = t_len * batch
    return (cpu2 - cpu) / n, (wall2 - wall) / n, float(total.mean())


def regretlab_exp3_play(table: np.ndarray, batch: int, seed: int = 0, chunk: int = 1000) -> tuple[float, float, float]:
    """As :func:`regretlab_exp3` with ``Exp3.play_table``, ``chunk`` rounds per compiled call."""
    t_len, k = table.shape
    learner = exp3(horizon=t_len, reward_range=(0.0, 1.0))
    keys = rng.spawn_keys(seed, batch)
    act = rng.derive(keys, "action")
    state = learner.init(keys, k)
    total = np.zeros(batch)
    cpu, wall = _clocks()
    for start in range(0, t_len, chunk):
        state, reward, _ = learner.play_table(state, act, table[start:start + chunk])
        total += reward
    cpu2, wall2 = _clocks()
    n = t_len * batch
    return (cpu2 - cpu) / n, (wall2 - wall) / n, float(total.mean())


def river_exp3(table: np.ndarray, seed: int = 0) -> tuple[float, float, float]:
    """``(CPU ns, wall ns per run-round, final cumulative reward)`` of one run of ``river.bandit.Exp3``."""
    from river import bandit

    t_len, k = table.shape
    policy = bandit.Exp3(gamma=0.1, seed=seed)
    arms = list(range(k))
    total = 0.0
    cpu, wall = _clocks()
    for t in range(t_len):
        arm = policy.pull(arms)
        r = float(table[t, arm])
        policy.update(arm, r)
        total += r
    cpu2, wall2 = _clocks()
    return (cpu2 - cpu) / t_len, (wall2 - wall) / t_len, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--K", type=int, default=10)
    parser.add_argument("--B", type=int, default=1000)
    parser.add_argument("--T", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        import river  # noqa: F401
    except ImportError:
        print("river is not installed: pip install river")
        return
    g = np.random.default_rng(0)
    means = np.linspace(0.3, 0.7, args.K)
    table = (g.uniform(size=(args.T, args.K)) < means).astype(np.float64)  # Bernoulli rewards
    regretlab_exp3(table[:80], 4)  # compile / load the kernels outside the timing
    regretlab_exp3_play(table[:80], 4)
    runs: dict[str, list[tuple[float, float, float]]] = {"pure": [], "play": [], "river": []}
    for _ in range(args.repeat):
        runs["pure"].append(regretlab_exp3(table, args.B))
        runs["play"].append(regretlab_exp3_play(table, args.B))
        runs["river"].append(river_exp3(table))
    if abs(runs["pure"][0][2] - runs["play"][0][2]) > 1e-9:
        raise SystemExit(f"play_table and the general path disagree: {runs['pure'][0][2]} vs {runs['play'][0][2]}")
    med = {name: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs), rs[0][2])
           for name, rs in runs.items()}
    river_cpu, river_wall, river_reward = med["river"]
    print(f"K={args.K}  B={args.B}  T={args.T}  median of {args.repeat} (CPU = this thread's CPU time)")
    print(f"{'':46s}{'CPU ns/run-round':>17s}{'wall ns/run-round':>19s}")
    labels = {"pure": "strategy/update", "play": "play_table (compiled)"}
    for name, label in labels.items():
        cpu, wall, reward = med[name]
        print(f"{'regretlab batched Exp3, ' + label:46s}{cpu:17.1f}{wall:19.1f}   (mean reward {reward:.0f})")
    print(f"{'river Exp3 (one run)':46s}{river_cpu:17.1f}{river_wall:19.1f}   (reward {river_reward:.0f})")
    for name, label in labels.items():
        cpu, wall, _ = med[name]
        print(f"{'ratio river / regretlab ' + label:46s}{river_cpu / cpu:16.1f}x{river_wall / wall:18.1f}x   (goal >= 100x)")

if __name__ == "__main__":
    main()
