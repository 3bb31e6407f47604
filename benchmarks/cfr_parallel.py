"""Every core and seeds as a batch axis: the compiled CFR sweeps on 1 vs 2 threads, and B seeds
of Monte-Carlo CFR in one compiled pass vs B sequential single-seed runs.

Prints, per game, ms per CFR+ iteration at 1 and at N threads (wall clock, measured in
alternation so a load change hits both; best block kept), the wall-clock speedup, and a
CPU-time figure ``N x cpu_1 / cpu_N`` (process CPU seconds: the speedup N otherwise idle cores
would give if the work splits evenly, which the subtree groups are built to do; the machine
this runs on is shared, so the wall-clock ratio understates it). Checks that both give the
same strategies bit for bit.

The hold'em river and turn spots of ``benchmarks/subgame.py`` (full ranges) with range-vector
DCFR, 1 vs N threads, the same way.

Then batched MCCFR: ``mccfr_batch(seeds=range(64))`` against 64 calls of the single-seed
solver on Leduc, for several run lengths (the batched pass saves the per-run Python work;
the sampled traversals themselves cost the same), with identical per-seed results checked.

Usage: ``python benchmarks/cfr_parallel.py [--quick] [--threads N] [--skip-leduc3] [--skip-subgame] [--skip-batch]``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def timed(fn):
    """(wall seconds, process CPU seconds) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def bench_threads(label, game, iterations, repeats, threads, **kw):
    from regretlab.games.cfr import cfr_plus

    return versus(label, cfr_plus(**kw), cfr_plus(threads=threads, **kw), game, iterations, repeats, threads)


def versus(label, one, many, game, iterations, repeats, threads):
    """The same solver at 1 thread (``one``) and at ``threads`` (``many``), timed in alternation
    (best block of each kept), and whether they give the same numbers bit for bit."""
    import numpy as np

    s1 = one.update(one.init(game), game, 1)  # compile + warm
    sn = many.update(many.init(game), game, 1)
    w1 = wn = c1 = cn = float("inf")
    for _ in range(repeats):
        a = timed(lambda: one.update(s1, game, iterations))
        b = timed(lambda: many.update(sn, game, iterations))
        if a[0] < w1:
            w1, c1 = a
        if b[0] < wn:
            wn, cn = b
    x, y = one.update(s1, game, 3), many.update(sn, game, 3)
    same = np.array_equal(x.cumulative, y.cumulative) and np.array_equal(x.strategy, y.strategy)
    return (label, w1 / iterations * 1e3, wn / iterations * 1e3, w1 / wn, threads * c1 / cn, same)


def bench_subgame(label, spec, iterations, repeats, threads, algo="dcfr"):
    """Range-vector DCFR on a hold'em subgame (benchmarks/subgame.py's spots), 1 vs ``threads``."""
    from regretlab.games.subgame import make_solver, subgame

    game = subgame(**spec)
    return versus(label, make_solver(algo), make_solver(algo, threads=threads), game, iterations, repeats, threads)


def bench_batch(game, seeds, iterations, sampling, threads=1):
    import numpy as np

    from regretlab.games.mccfr import mccfr, mccfr_batch

    solo = mccfr(sampling, seed=0)
    solo.solve(game, 1)
    batch = mccfr_batch(sampling, seeds=range(seeds))
    batch.solve(game, 1)
    wide = mccfr_batch(sampling, seeds=range(seeds), threads=threads)
    wide.solve(game, 1)
    t_seq = timed(lambda: [mccfr(sampling, seed=b).solve(game, iterations) for b in range(seeds)])
    t_one = timed(lambda: batch.solve(game, iterations))
    t_wide = timed(lambda: wide.solve(game, iterations))
    st = wide.solve(game, iterations)
    ref = mccfr(sampling, seed=seeds - 1).solve(game, iterations)
    same = np.array_equal(st.cumulative[-1], ref.cumulative)
    return t_seq, t_one, t_wide, same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations and repeats")
    ap.add_argument("--threads", type=int, default=2, help="threads of the parallel runs (default 2)")
    ap.add_argument("--skip-leduc3", action="store_true", help="skip 3-player Leduc (slow to build)")
    ap.add_argument("--skip-batch", action="store_true", help="skip batched MCCFR")
    ap.add_argument("--skip-subgame", action="store_true", help="skip the hold'em river and turn spots")
    args = ap.parse_args()
    from regretlab.games.openspiel import from_openspiel
    from regretlab.games.poker import leduc_poker

    reps = 2 if args.quick else 4
    rows = []
    leduc = leduc_poker()
    rows.append(bench_threads("leduc_poker", leduc, 200 if args.quick else 1000, reps, args.threads))
    liars = from_openspiel("liars_dice")
    rows.append(bench_threads("liars_dice", liars, 5 if args.quick else 20, reps, args.threads))
    rows.append(bench_threads("liars_dice (per-history)", liars, 3 if args.quick else 10, reps,
                              args.threads, backend="numba_nodes"))
    if not args.skip_leduc3:
        rows.append(bench_threads("leduc_poker(players=3)", leduc_poker(3), 2 if args.quick else 4,
                                  reps, args.threads))
    if not args.skip_subgame:
        import sys

        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from subgame import RIVER, TURN

        rows.append(bench_subgame("NLHE river spot (DCFR)", RIVER, 10 if args.quick else 50, reps, args.threads))
        if not args.quick:
            rows.append(bench_subgame("NLHE turn spot (DCFR)", TURN, 2, 2, args.threads))
    print(f"CFR+ per iteration (range-vector DCFR on the hold'em spots), 1 vs {args.threads} threads")
    print(f"{'game':<26}{'1 thread ms':>13}{f'{args.threads} threads ms':>14}{'wall x':>9}{'cpu-time x':>12}  same")
    for label, a, b, r, c, same in rows:
        print(f"{label:<26}{a:>13.4f}{b:>14.4f}{r:>8.2f}x{c:>11.2f}x  {same}")
    if args.skip_batch:
        return
    B = 64
    T = args.threads
    print(f"\nMCCFR on leduc_poker, {B} seeds: one batched pass (1 thread; {T} threads) vs {B} sequential solo runs")
    print(f"{'sampling':<10}{'iterations':>11}{'sequential s':>14}{'batched s':>11}{'wall x':>9}{'cpu x':>8}"
          f"{f'{T} threads s':>14}{'wall x':>9}{'cpu-time x':>12}  same per-seed result")
    for its in ((10, 200) if args.quick else (10, 100, 1000, 5000)):
        for sampling in ("external", "outcome"):
            (ws, cs), (wb, cb), (ww, cw), same = bench_batch(leduc, B, its, sampling, T)
            print(f"{sampling:<10}{its:>11}{ws:>14.3f}{wb:>11.3f}{ws / wb:>8.1f}x{cs / cb:>7.1f}x"
                  f"{ww:>14.3f}{ws / ww:>8.1f}x{T * cs / cw:>11.1f}x  {same}")


if __name__ == "__main__":
    main()
