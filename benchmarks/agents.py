"""Agent-harness overhead: the harness (``regretlab.agents.play``) vs the plain runner
(``regretlab.run.run``) on the same learner, environment and seed, and the text-agent round trip
(render + HTTP to a local fake endpoint + parse) per query.

    python benchmarks/agents.py            # T=20,000 rounds, B in {1, 100}; 200 chat queries
    python benchmarks/agents.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from regretlab.agents import ChatAgent, play  # noqa: E402
from regretlab.envs import gaussian  # noqa: E402
from regretlab.experts import hedge  # noqa: E402
from regretlab.run import run  # noqa: E402


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def overhead(T: int, B: int) -> tuple[float, float]:
    """Seconds for run() and play() of tuned Hedge on Gaussian losses (K = 5)."""
    t_run = best_of(lambda: run(hedge(horizon=T), gaussian(num_actions=5), T, batch=B, seed=0))
    t_play = best_of(lambda: play(hedge(horizon=T), gaussian(num_actions=5), T, batch=B, seed=0))
    a = run(hedge(horizon=T), gaussian(num_actions=5), T, batch=B, seed=0).regret
    b = play(hedge(horizon=T), gaussian(num_actions=5), T, batch=B, seed=0).regret
    assert np.allclose(a, b), "the harness and the runner disagree"
    return t_run, t_play


def chat_round_trip(queries: int) -> float:
    """Seconds per chat query through the text protocol to a local loopback fake endpoint."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "agents"))
    from conftest import FakeServer

    server = FakeServer(lambda n, body: (200, json.dumps({"A1": 0.5, "A2": 0.5})))
    try:
        agent = ChatAgent(server.url, "fake")
        start = time.perf_counter()
        play(agent, gaussian(), T=queries)
        return (time.perf_counter() - start) / queries
    finally:
        server.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    T = 2_000 if args.quick else 20_000
    for B in (1, 100):
        t_run, t_play = overhead(T, B)
        print(f"T={T} B={B}: run() {t_run * 1e6 / T:.1f} us/round, play() {t_play * 1e6 / T:.1f} us/round, "
              f"harness/runner = {t_play / t_run:.2f}")
    q = 50 if args.quick else 200
    per = chat_round_trip(q)
    print(f"chat agent via loopback fake endpoint: {per * 1e3:.2f} ms/query ({q} queries); "
          f"vs harness round with Hedge: {per / (overhead(T, 1)[1] / T):.0f}x")


if __name__ == "__main__":
    main()
