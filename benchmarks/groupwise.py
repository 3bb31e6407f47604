"""Groupwise regret on synthetic y_mean: all 10 shuffles (100,000 rounds each) in one batched,
compiled pass vs the straightforward per-seed implementation (one expert object per group, dense
Sherman–Morrison products, one round at a time), in the same process.

Usage: OPENBLAS_NUM_THREADS=1 python benchmarks/groupwise.py [--reference-seeds 10] [--rounds 100000]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402

from regretlab.datasets.synthetic import synthetic_groups  # noqa: E402
from regretlab.regression.groupwise import (  # noqa: E402
    PAPER_SEEDS,
    groupwise_losses,
    groupwise_reference_seed,
    groupwise_regret,
    shuffle_order,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference-seeds", type=int, default=10, help="seeds run by the per-seed reference")
    parser.add_argument("--rounds", type=int, default=100_000)
    args = parser.parse_args()
    data = synthetic_groups("mean", samples=100_000)
    X, y, A = data.X, data.y, data.groups
    orders = np.stack([shuffle_order(s, X.shape[0]) for s in PAPER_SEEDS])[:, : args.rounds]
    # the kernel walks each order to its end: give it row orders of the requested length
    groupwise_losses(X, y, A, orders[:, :200])  # compile (cached on disk after the first run)

    threads = numba.get_num_threads()
    t0 = time.perf_counter()
    anh, base, _ = groupwise_losses(X, y, A, orders)
    batched = time.perf_counter() - t0
    numba.set_num_threads(1)
    t0 = time.perf_counter()
    anh1, _, _ = groupwise_losses(X, y, A, orders)
    batched_one_thread = time.perf_counter() - t0
    numba.set_num_threads(threads)
    assert np.array_equal(anh, anh1)

    ref_seeds = PAPER_SEEDS[: args.reference_seeds]
    t0 = time.perf_counter()
    for b, seed in enumerate(ref_seeds):
        ref_anh, ref_base = groupwise_reference_seed(X, y, A, seed, rounds=args.rounds)
        assert np.allclose(ref_base, base[b], rtol=1e-6, atol=1e-9)
        # AdaNormalHedge amplifies last-bit differences late in the stream; totals agree to 1e-6 relative
        assert abs(ref_anh.sum() - anh[b].sum()) <= 1e-6 * abs(ref_anh.sum())
    reference = (time.perf_counter() - t0) * len(PAPER_SEEDS) / len(ref_seeds)

    t0 = time.perf_counter()
    groupwise_regret(X[: args.rounds], y[: args.rounds], A[: args.rounds], data.group_names) if args.rounds < 100_000 else groupwise_regret(X, y, A, data.group_names)
    full = time.perf_counter() - t0

    print(f"groupwise y_mean, 10 shuffles x {args.rounds} rounds, D={X.shape[1]}, G={A.shape[1]}")
    scale = "" if len(ref_seeds) == len(PAPER_SEEDS) else f" (measured on {len(ref_seeds)} seeds, scaled to 10)"
    print(f"  per-seed reference (NumPy, one round at a time) : {reference:8.2f} s{scale}")
    print(f"  batched compiled pass, {threads} threads           : {batched:8.2f} s   ratio {reference / batched:6.1f}x")
    print(f"  batched compiled pass, 1 thread              : {batched_one_thread:8.2f} s   ratio {reference / batched_one_thread:6.1f}x")
    print(f"  full metric (pass + 100-point hindsight curves) : {full:8.2f} s")


if __name__ == "__main__":
    main()
