"""Benchmark: the section 3.2 mechanism LP, compact sparse formulation vs two peers.

Peers, in the same process, on the same random instances:
* the same LP handed to HiGHS as dense matrices;
* the enumerated formulation (one IC row per deviation effort and report map psi, |S_i|^|S_i|
  of them, no z variables), sparse.
Prints median build+solve times and the ratios (peer / compact). Run:
``OPENBLAS_NUM_THREADS=1 PYTHONPATH=src python benchmarks/mechanisms.py``.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from regretlab.mechanisms import random_instance, solve_correlated  # noqa: E402


def _time(fn, repeat: int) -> tuple[float, float]:
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn().value
        times.append(time.perf_counter() - t0)
    return statistics.median(times), value


def main() -> None:
    cases = [
        ("tiny n=2 |B|=|S|=|Theta|=|A|=2", dict(agents=2, efforts=2, signals=2, states=2, actions=2), 20),
        ("small n=2 |B|=3 |S|=3 |Theta|=3 |A|=3", dict(agents=2, efforts=3, signals=3, states=3, actions=3), 5),
        ("medium n=3 |B|=2 |S|=4 |Theta|=3 |A|=3", dict(agents=3, efforts=2, signals=4, states=3, actions=3), 3),
    ]
    print(f"{'instance':42s} {'compact ms':>11s} {'dense ms':>9s} {'ratio':>6s} {'enum ms':>9s} {'ratio':>6s}")
    for label, kw, repeat in cases:
        rng = np.random.default_rng(0)
        rows = []
        for _ in range(3):
            inst = random_instance(rng, cost_scale=0.05, **kw)
            tc, vc = _time(lambda: solve_correlated(inst), repeat)
            td, vd = _time(lambda: solve_correlated(inst, dense=True), repeat)
            te, ve = _time(lambda: solve_correlated(inst, formulation="enumerated"), max(1, repeat // 2))
            assert abs(vc - vd) < 1e-7 and abs(vc - ve) < 1e-7, (vc, vd, ve)
            rows.append((tc, td, te))
        tc, td, te = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"{label:42s} {1e3 * tc:11.2f} {1e3 * td:9.2f} {td / tc:6.2f} {1e3 * te:9.2f} {te / tc:6.2f}")


if __name__ == "__main__":
    main()
