"""benchmarks/bandits.py plays the same numbers as before its rewrite, on both of regretlab's paths."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bandits.py"


def test_benchmark_paths_agree_with_the_pinned_reward():
    spec = importlib.util.spec_from_file_location("bench_bandits", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    g = np.random.default_rng(0)
    table = (g.uniform(size=(2000, 10)) < np.linspace(0.3, 0.7, 10)).astype(np.float64)
    # 1213.64: the mean final reward of 50 runs, recorded with the previous (unfused) implementation
    assert abs(bench.regretlab_exp3(table, 50)[2] - 1213.64) < 1e-9
    assert abs(bench.regretlab_exp3_play(table, 50, chunk=300)[2] - 1213.64) < 1e-9
