"""Benchmark: batched LinUCB (regretlab, B runs at once) vs river's, MABWiser's LinUCB and VW's
``cb_explore_adf`` (each one run at a time), all in this process.

Every implementation plays the same stream: features ``x_t [D]`` shared by ``K`` arms (unit-norm
Gaussian), Bernoulli rewards with means ``(1 + θ_aᵀx_t)/2``. Reported: nanoseconds per run-round
(one run advancing one round: choose an arm, learn from its reward), timing only the learners'
calls (the stream is drawn before), on two clocks: CPU time of this thread and wall time.

* regretlab, pure contract: ``p = strategy(state, x)``, ``a = argmax p`` (LinUCB is deterministic:
  the driver's draw from the one-hot is that arm), ``update(state, Bandit(a, r, p[a], context=x))``;
* regretlab, ``LinUCB.play``: the same rounds in one compiled call per chunk (same numbers; checked
  below and in tests/contextual/test_linear.py);
* ``river.bandit.LinUCBDisjoint`` (``pull`` / ``update`` with dict contexts);
* ``mabwiser`` ``LearningPolicy.LinUCB`` (``predict`` / ``partial_fit``), when importable;
* ``vowpalwabbit`` ``--cb_explore_adf --epsilon 0.05 -q sa`` (text examples, shared features and
  one line per arm), when importable.

Each implementation is timed ``--repeat`` times (interleaved) and the median is reported.
A peer plays ``--peer-runs`` runs of ``--peer-T`` rounds (a full B x T peer run would take hours);
its ns per run-round is extrapolated from that subset, which the output says. A peer that is not
installed prints "not installed" and the rest goes on.

    PYTHONPATH=src python benchmarks/contextual.py [--B 1000] [--T 10000] [--K 10] [--D 20]
    # peers for measurement only: pip install --target /some/dir mabwiser vowpalwabbit, then add
    # that folder to PYTHONPATH
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from regretlab.bandits.contextual import linucb
from regretlab.core import Bandit, rng


class Problem:
    """The shared stream: ``theta [K, D]`` unit rows; chunk ``(start, n)`` of runs ``rows``."""

    def __init__(self, k: int, d: int, seed: int = 0):
        gen = np.random.default_rng(seed)
        self.k, self.d = k, d
        self.theta = gen.standard_normal((k, d))
        self.theta /= np.linalg.norm(self.theta, axis=1, keepdims=True)
        self.seed = seed

    def chunk(self, start: int, n: int, runs: int) -> tuple[np.ndarray, np.ndarray]:
        """``(contexts [n, B, D], rewards [n, B, K])`` of rounds ``start .. start + n``; run b's stream
        does not depend on how many runs are drawn."""
        keys = rng.spawn_keys(self.seed, runs)
        x = np.stack([rng.normal(rng.derive(keys, "data"), start + i, self.d) for i in range(n)])
        x /= np.linalg.norm(x, axis=2, keepdims=True)
        mean = 0.5 * (1.0 + x @ self.theta.T)
        u = np.stack([rng.uniform(rng.derive(keys, "env"), start + i, self.k) for i in range(n)])
        return x, (u < mean).astype(np.float64)


def _clocks() -> tuple[int, int]:
    return time.thread_time_ns(), time.perf_counter_ns()


def regretlab_pure(problem: Problem, batch: int, horizon: int, chunk: int, alpha: float) -> tuple[float, float, float]:
    """``(CPU ns, wall ns per run-round, mean reward per round)`` on the pure strategy/update path."""
    learner = linucb(dim=problem.d, alpha=alpha)
    state = learner.init(rng.spawn_keys(0, batch), problem.k)
    rows = np.arange(batch)
    total, cpu, wall = 0.0, 0, 0
    for start in range(0, horizon, chunk):
        x, u = problem.chunk(start, min(chunk, horizon - start), batch)
        c0, w0 = _clocks()
        for i in range(x.shape[0]):
            p = learner.strategy(state, x[i])
            a = np.argmax(p, axis=1)
            r = u[i, rows, a]
            state = learner.update(state, Bandit(a, r, p[rows, a], context=x[i]))
            total += r.sum()
        c1, w1 = _clocks()
        cpu, wall = cpu + c1 - c0, wall + w1 - w0
    n = horizon * batch
    return cpu / n, wall / n, total / n


def regretlab_play(problem: Problem, batch: int, horizon: int, chunk: int, alpha: float
                   ) -> tuple[float, float, float, np.ndarray]:
    """As :func:`regretlab_pure` with ``LinUCB.play`` per chunk; also the first chunk's actions."""
    learner = linucb(dim=problem.d, alpha=alpha)
    state = learner.init(rng.spawn_keys(0, batch), problem.k)
    total, cpu, wall, first = 0.0, 0, 0, None
    for start in range(0, horizon, chunk):
        x, u = problem.chunk(start, min(chunk, horizon - start), batch)
        c0, w0 = _clocks()
        state, reward, actions = learner.play(state, x, u, history=first is None)
        c1, w1 = _clocks()
        cpu, wall = cpu + c1 - c0, wall + w1 - w0
        total += reward.sum()
        first = actions if first is None else first
    n = horizon * batch
    return cpu / n, wall / n, total / n, first


def _peer_stream(problem: Problem, runs: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    x, u = problem.chunk(0, horizon, runs)
    return x, u


def river_linucb(problem: Problem, runs: int, horizon: int, alpha: float) -> tuple[float, float, float] | None:
    try:
        from river import bandit
    except ModuleNotFoundError:
        return None
    x, u = _peer_stream(problem, runs, horizon)
    arms = list(range(problem.k))
    cpu = wall = 0
    total = 0.0
    for b in range(runs):
        policy = bandit.LinUCBDisjoint(alpha=alpha, seed=b)
        contexts = [{i: float(v) for i, v in enumerate(row)} for row in x[:, b]]  # river's input format
        c0, w0 = _clocks()
        for t in range(horizon):
            a = policy.pull(arms, context=contexts[t])
            policy.update(a, contexts[t], float(u[t, b, a]))
            total += u[t, b, a]
        c1, w1 = _clocks()
        cpu, wall = cpu + c1 - c0, wall + w1 - w0
    n = runs * horizon
    return cpu / n, wall / n, total / n


def mabwiser_linucb(problem: Problem, runs: int, horizon: int, alpha: float) -> tuple[float, float, float] | None:
    try:
        from mabwiser.mab import MAB, LearningPolicy
    except ModuleNotFoundError:
        return None
    x, u = _peer_stream(problem, runs, horizon)
    arms = list(range(problem.k))
    cpu = wall = 0
    total = 0.0
    for b in range(runs):
        mab = MAB(arms=arms, learning_policy=LearningPolicy.LinUCB(alpha=alpha, l2_lambda=1.0), seed=b)
        mab.fit([0], [0.5], x[:1, b])  # MABWiser needs one fit before partial_fit / predict
        c0, w0 = _clocks()
        for t in range(horizon):
            a = int(mab.predict(x[t:t + 1, b]))
            mab.partial_fit([a], [float(u[t, b, a])], x[t:t + 1, b])
            total += u[t, b, a]
        c1, w1 = _clocks()
        cpu, wall = cpu + c1 - c0, wall + w1 - w0
    n = runs * horizon
    return cpu / n, wall / n, total / n


def vw_cb_explore_adf(problem: Problem, runs: int, horizon: int) -> tuple[float, float, float] | None:
    try:
        import vowpalwabbit
    except ModuleNotFoundError:
        return None
    x, u = _peer_stream(problem, runs, horizon)
    cpu = wall = 0
    total = 0.0
    arm_lines = [f"|a arm{a}" for a in range(problem.k)]
    for b in range(runs):
        vw = vowpalwabbit.Workspace(f"--cb_explore_adf --epsilon 0.05 -q sa --quiet --random_seed {b}")
        draws = np.random.default_rng(b).random(horizon)
        c0, w0 = _clocks()
        for t in range(horizon):
            shared = "shared |s " + " ".join(f"f{i}:{v:.6f}" for i, v in enumerate(x[t, b]))
            pmf = np.asarray(vw.predict("\n".join([shared] + arm_lines)))
            a = min(int(np.searchsorted(np.cumsum(pmf), draws[t] * pmf.sum())), problem.k - 1)
            r = float(u[t, b, a])
            lines = [shared] + arm_lines
            lines[a + 1] = f"0:{-r}:{pmf[a]:.6f} {arm_lines[a]}"  # VW minimises cost = -reward
            vw.learn("\n".join(lines))
            total += r
        c1, w1 = _clocks()
        vw.finish()
        cpu, wall = cpu + c1 - c0, wall + w1 - w0
    n = runs * horizon
    return cpu / n, wall / n, total / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--B", type=int, default=1000, help="runs of batched LinUCB")
    ap.add_argument("--T", type=int, default=10_000, help="rounds")
    ap.add_argument("--K", type=int, default=10)
    ap.add_argument("--D", type=int, default=20)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--chunk", type=int, default=100, help="rounds of the stream drawn (and played) at a time")
    ap.add_argument("--peer-runs", type=int, default=2, help="runs each peer plays (one at a time)")
    ap.add_argument("--peer-T", type=int, default=1000, help="rounds of each peer run (capped at T)")
    ap.add_argument("--repeat", type=int, default=3, help="timings of each implementation (median reported)")
    args = ap.parse_args()
    problem = Problem(args.K, args.D)
    peer_t = min(args.peer_T, args.T)

    # warm up the compiled kernels and check the two regretlab paths agree on a small case
    x, u = problem.chunk(0, 30, 4)
    lrn = linucb(dim=args.D, alpha=args.alpha)
    state = lrn.init(rng.spawn_keys(0, 4), args.K)
    played = lrn.play(state, x, u, history=True).actions
    rows = np.arange(4)
    for t in range(30):
        p = lrn.strategy(state, x[t])
        a = np.argmax(p, axis=1)
        assert (a == played[t]).all(), "LinUCB.play and the pure path disagree"
        state = lrn.update(state, Bandit(a, u[t, rows, a], p[rows, a], context=x[t]))

    print(f"LinUCB (disjoint), K={args.K}, D={args.D}, alpha={args.alpha}; regretlab B={args.B} runs x T={args.T}")
    peers = {
        "river LinUCBDisjoint": lambda: river_linucb(problem, args.peer_runs, peer_t, args.alpha),
        "mabwiser LinUCB": lambda: mabwiser_linucb(problem, args.peer_runs, peer_t, args.alpha),
        "vw cb_explore_adf": lambda: vw_cb_explore_adf(problem, args.peer_runs, peer_t),
    }
    runs: dict[str, list] = {}
    for _ in range(args.repeat):
        runs.setdefault("regretlab pure strategy/update", []).append(
            regretlab_pure(problem, args.B, args.T, args.chunk, args.alpha))
        runs.setdefault("regretlab LinUCB.play", []).append(
            regretlab_play(problem, args.B, args.T, args.chunk, args.alpha)[:3])
        for name, go in peers.items():
            runs.setdefault(name, []).append(go())

    def median(got: list) -> tuple[float, float, float] | None:
        if got[0] is None:
            return None
        return (statistics.median(g[0] for g in got), statistics.median(g[1] for g in got), got[0][2])

    ours = {name: median(runs[name]) for name in ("regretlab pure strategy/update", "regretlab LinUCB.play")}
    print(f"  median of {args.repeat}")
    for name, (c, w, r) in ours.items():
        print(f"  {name:32s} {c:10.1f} ns CPU  {w:10.1f} ns wall per run-round  (mean reward {r:.4f})")
    measured = {}
    for name in peers:
        got = median(runs[name])
        if got is None:
            print(f"  {name:32s} not installed")
            continue
        c, w, r = got
        full = w * args.B * args.T / 1e9
        print(f"  {name:32s} {c:10.1f} ns CPU  {w:10.1f} ns wall per run-round  (mean reward {r:.4f}; "
              f"{args.peer_runs} runs x {peer_t} rounds, extrapolated: a full B x T run would take {full:,.0f} s)")
        measured[name] = got
    if not measured:
        print("no peer installed: no ratio")
        return
    fastest = min(measured, key=lambda n: measured[n][0])
    for name, (c, w, _) in ours.items():
        ratios = ", ".join(f"{peer}: {pc / c:.1f}x CPU / {pw / w:.1f}x wall" for peer, (pc, pw, _) in measured.items())
        print(f"  ratio {name} -> {ratios}")
        print(f"  vs the fastest peer ({fastest}): {measured[fastest][0] / c:.1f}x CPU (goal >= 100x)")


if __name__ == "__main__":
    main()
