"""Benchmark: batched SW-UCB (regretlab, B runs at once) vs a straightforward per-run NumPy loop.

Both play the same piecewise-stationary Bernoulli reward table (K arms, change points every
T/4 rounds, one reward table per run) for T rounds with the window Garivier & Moulines tune to T;
we report nanoseconds per run-round (one run advancing by one round) for

* regretlab's batched SW-UCB on the pure contract, the runner's protocol: ``p = strategy(state)``,
  ``a = rng.sample_actions(action stream, t, p)``, ``update(state, Bandit(a, r, p[a]))`` (the
  window is a shared ring of ``[B, 2τ]`` arms and rewards: ``O(B K)`` per round);
* regretlab's ``SWUCB.play_table``: the same rounds (same arms, checked) in one compiled call
  per ``--chunk`` rounds, the table's pulled rewards read inside (no per-round Python);
* the per-run loop, one run at a time: SW-UCB written the plain way, a ``collections.deque`` of
  the last ``τ`` (arm, reward) pairs and NumPy ``[K]`` counts and sums updated as pairs enter and
  leave, the index in NumPy; timed on ``--loop-runs`` runs and scaled per run-round;
* the definition, one run at a time (:func:`regretlab.bandits.nonstationary.sw_ucb_reference`:
  the window's counts and means recomputed from the last ``τ`` pairs every round, ``O(τ)``).

The two must pull the same arms (checked on the runs both play). Each is timed ``--repeat`` times,
interleaved, and the median is reported, on two clocks: CPU time of this thread (robust to other
work sharing the machine) and wall time.

    PYTHONPATH=src python benchmarks/nonstationary.py [--K 10] [--B 1000] [--T 10000] [--repeat 3]
    PYTHONPATH=src python benchmarks/nonstationary.py --small     # B=200, T=2000: a quick look
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from regretlab.bandits.nonstationary import _sw_window, sw_ucb, sw_ucb_reference  # noqa: E402
from regretlab.core import Bandit, rng  # noqa: E402


def _clocks() -> tuple[int, int]:
    return time.thread_time_ns(), time.perf_counter_ns()


def reward_tables(k: int, t_len: int, batch: int, seed: int = 0) -> np.ndarray:
    """``[T, B, K]`` bool Bernoulli rewards (1 byte each: a per-run table of T=10⁴ rounds stays at
    100 MB): 4 segments, segment s with arm ``s mod K`` best (0.8), the others 0.4."""
    gen = np.random.default_rng(seed)
    seg = np.minimum(np.arange(t_len) * 4 // t_len, 3)
    means = np.full((t_len, k), 0.4)
    means[np.arange(t_len), seg % k] = 0.8
    out = np.empty((t_len, batch, k), dtype=bool)
    for t in range(t_len):
        out[t] = gen.random((batch, k)) < means[t]
    return out


def batched(table: np.ndarray, window: int, seed: int = 0) -> tuple[float, float, np.ndarray, float]:
    """``(CPU ns, wall ns per run-round, arms [T, B], CPU ns of the learner's own calls)`` of batched
    SW-UCB on the runner's protocol (the last: ``strategy`` and ``update`` only, without the
    action draw and the building of the feedback)."""
    t_len, batch, k = table.shape
    learner = sw_ucb(window=window)
    keys = rng.spawn_keys(seed, batch)
    act = rng.derive(keys, "action")
    state = learner.init(keys, k)
    rows = np.arange(batch)
    arms = np.empty((t_len, batch), dtype=np.int64)
    own = 0
    clock = time.thread_time_ns
    cpu, wall = _clocks()
    for t in range(t_len):
        c0 = clock()
        p = learner.strategy(state)
        c1 = clock()
        a = rng.sample_actions(act, t, p)
        fb = Bandit(a, table[t, rows, a].astype(np.float64), p[rows, a])
        c2 = clock()
        state = learner.update(state, fb)
        own += c1 - c0 + clock() - c2
        arms[t] = a
    cpu2, wall2 = _clocks()
    n = t_len * batch
    return (cpu2 - cpu) / n, (wall2 - wall) / n, arms, own / n


def played(table: np.ndarray, window: int, chunk: int, seed: int = 0) -> tuple[float, float, np.ndarray]:
    """``(CPU ns, wall ns per run-round, arms [T, B])`` of ``SWUCB.play_table``, ``chunk`` rounds a call."""
    t_len, batch, k = table.shape
    learner = sw_ucb(window=window)
    state = learner.init(rng.spawn_keys(seed, batch), k)
    arms = np.empty((t_len, batch), dtype=np.int64)
    cpu, wall = _clocks()
    for start in range(0, t_len, chunk):
        out = learner.play_table(state, table[start:start + chunk], history=True)
        state = out.state
        arms[start:start + chunk] = out.actions
    cpu2, wall2 = _clocks()
    n = t_len * batch
    return (cpu2 - cpu) / n, (wall2 - wall) / n, arms


def per_run_loop(table: np.ndarray, window: int, runs: int, xi: float = 0.6) -> tuple[float, float, np.ndarray]:
    """``(CPU ns, wall ns per run-round, arms [T, runs])``: SW-UCB one run at a time (deque + NumPy)."""
    t_len, _, k = table.shape
    arms = np.empty((t_len, runs), dtype=np.int64)
    cpu, wall = _clocks()
    for b in range(runs):
        rewards = table[:, b].astype(np.float64)
        past: collections.deque[tuple[int, float]] = collections.deque()
        count = np.zeros(k)
        total = np.zeros(k)
        for t in range(t_len):
            empty = np.flatnonzero(count == 0)
            if empty.size:
                a = int(empty[0])
            else:
                bonus = np.sqrt(xi * math.log(max(min(t, window), 1)) / count)
                a = int(np.argmax(total / count + bonus))
            x = rewards[t, a]
            past.append((a, x))
            count[a] += 1
            total[a] += x
            if len(past) > window:
                old, y = past.popleft()
                count[old] -= 1
                total[old] = 0.0 if count[old] == 0 else total[old] - y
            arms[t, b] = a
    cpu2, wall2 = _clocks()
    n = t_len * runs
    return (cpu2 - cpu) / n, (wall2 - wall) / n, arms


def definition(table: np.ndarray, window: int, runs: int) -> tuple[float, float, np.ndarray]:
    """``(CPU ns, wall ns per run-round, arms [T, runs])`` of :func:`sw_ucb_reference`, one run at a time."""
    t_len = table.shape[0]
    arms = np.empty((t_len, runs), dtype=np.int64)
    cpu, wall = _clocks()
    for b in range(runs):
        arms[:, b] = sw_ucb_reference(table[:, b].astype(np.float64), window)
    cpu2, wall2 = _clocks()
    n = t_len * runs
    return (cpu2 - cpu) / n, (wall2 - wall) / n, arms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--K", type=int, default=10)
    ap.add_argument("--B", type=int, default=1000)
    ap.add_argument("--T", type=int, default=10_000)
    ap.add_argument("--loop-runs", type=int, default=10, help="runs the per-run loop is timed on")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=1000, help="rounds per play_table call")
    ap.add_argument("--small", action="store_true", help="B=200, T=2000, 3 loop runs (a quick look)")
    args = ap.parse_args()
    if args.small:
        args.B, args.T, args.loop_runs = 200, 2000, 3
    window = _sw_window(args.T, 3)
    table = reward_tables(args.K, args.T, args.B)
    print(f"SW-UCB, K={args.K}, B={args.B}, T={args.T}, window={window} (3 change points); "
          f"per-run loop timed on {args.loop_runs} runs; median of {args.repeat}")
    batched(table[:50, :8], window)  # compile the kernels outside the timings
    played(table[:50, :8], window, 25)
    results: dict[str, list[tuple[float, float]]] = {"batched": [], "play_table": [], "loop": [], "definition": []}
    own = []
    for _ in range(args.repeat):
        cpu, wall, arms, mine = batched(table, window)
        results["batched"].append((cpu, wall))
        own.append(mine)
        cpu, wall, fast = played(table, window, args.chunk)
        results["play_table"].append((cpu, wall))
        if not np.array_equal(arms, fast):
            raise SystemExit("SWUCB.play_table and the pure protocol pulled different arms")
        cpu, wall, ref = per_run_loop(table, window, args.loop_runs)
        results["loop"].append((cpu, wall))
        if not np.array_equal(arms[:, :args.loop_runs], ref):
            raise SystemExit("the batched learner and the per-run loop pulled different arms")
        runs = max(1, args.loop_runs // 3)
        cpu, wall, ref = definition(table, window, runs)
        results["definition"].append((cpu, wall))
        if not np.array_equal(arms[:, :runs], ref):
            raise SystemExit("the batched learner and the definition pulled different arms")
    med = {name: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v)) for name, v in results.items()}
    for name, (cpu, wall) in med.items():
        print(f"  {name:10s} {cpu:10.1f} ns CPU / {wall:10.1f} ns wall per run-round")
    learner = statistics.median(own)
    print(f"  of which the learner's strategy + update: {learner:.1f} ns CPU per run-round "
          f"(the rest is the protocol: the action draw and the Bandit feedback); loop / learner: "
          f"{med['loop'][0] / learner:.1f}x")
    for ours in ("batched", "play_table"):
        for peer in ("loop", "definition"):
            print(f"  ratio ({peer} / {ours}): {med[peer][0] / med[ours][0]:.1f}x CPU, "
                  f"{med[peer][1] / med[ours][1]:.1f}x wall")
    print("  same arms on the runs each peer played (play_table: on every run)")


if __name__ == "__main__":
    main()
