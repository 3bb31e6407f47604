"""CFR speed against OpenSpiel's C++ solvers, in one process.

Prints ms per iteration of regretlab's compiled CFR / CFR+ (the fused kernels of the built-in
local rules; on Leduc also CFR+ on the general local-rule path) and of ``pyspiel.CFRSolver`` /
``pyspiel.CFRPlusSolver`` on Leduc, 3-player Leduc and liar's dice, and the time of one exact
exploitability evaluation (``regretlab.games.exploitability`` vs ``pyspiel.exploitability``) on
Leduc, with the ratio OpenSpiel / regretlab (higher is better for regretlab).

Usage: ``python benchmarks/cfr.py [--quick] [--skip-leduc3]``. Building a game's flat arrays is
a one-off cost, reported apart. Set OPENBLAS/OMP threads to 1 (spec §0) for stable numbers.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def best_time(fn, repeats: int) -> float:
    """Smallest wall time of ``repeats`` calls (seconds)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_game(label, tp, os_game, its_ours, its_os, repeats, general=False):
    """ms/iteration of both libraries, measured in alternation (A B A B ...) so that a load
    change on the machine hits both; the best block of each is kept. With ``general``, also
    CFR+ on the general local-rule path (``fused=False``: the sweep, then the experts learner's
    own update), the path every non-built-in local rule takes."""
    import pyspiel

    from regretlab.games.cfr import cfr_plus, vanilla_cfr

    rows = []
    pairs = [(vanilla_cfr(), pyspiel.CFRSolver), (cfr_plus(), pyspiel.CFRPlusSolver)]
    if general:
        pairs.append((cfr_plus(fused=False, name="cfr+ (general)"), pyspiel.CFRPlusSolver))
    for ours, theirs in pairs:
        n_ours = its_ours if ours.fused_rule is not None else max(its_ours // 20, 5)
        st = ours.update(ours.init(tp), tp, 1)  # compile + warm caches
        solver = theirs(os_game)
        solver.evaluate_and_update_policy()
        t_ours = t_os = float("inf")
        for _ in range(repeats):
            t_ours = min(t_ours, best_time(lambda: ours.update(st, tp, n_ours), 1) / n_ours)
            t_os = min(t_os, best_time(
                lambda: [solver.evaluate_and_update_policy() for _ in range(its_os)], 1) / its_os)
        rows.append((label, ours.name, t_ours * 1e3, t_os * 1e3, t_os / t_ours))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations and repeats")
    ap.add_argument("--skip-leduc3", action="store_true", help="skip 3-player Leduc (slow to build)")
    args = ap.parse_args()
    import pyspiel

    from regretlab.games.cfr import cfr_plus
    from regretlab.games.evaluation import exploitability
    from regretlab.games.openspiel import from_openspiel, to_openspiel_policy
    from regretlab.games.poker import leduc_poker

    reps = 2 if args.quick else 5
    rows = []
    builds = []

    t0 = time.perf_counter()
    leduc = leduc_poker()
    builds.append(("leduc_poker", time.perf_counter() - t0))
    og = pyspiel.load_game("leduc_poker")
    rows += bench_game("leduc_poker", leduc, og, 1000 if not args.quick else 100, 20, reps, general=True)

    t0 = time.perf_counter()
    liars = from_openspiel("liars_dice")
    builds.append(("liars_dice (from OpenSpiel)", time.perf_counter() - t0))
    rows += bench_game("liars_dice", liars, pyspiel.load_game("liars_dice"), 50, 2, reps)

    if not args.skip_leduc3:
        t0 = time.perf_counter()
        leduc3 = leduc_poker(3)
        builds.append(("leduc_poker(players=3)", time.perf_counter() - t0))
        rows += bench_game("leduc_poker(players=3)", leduc3,
                           pyspiel.load_game("leduc_poker", {"players": 3}), 3, 1, 2)

    # exploitability of a CFR+ average policy on Leduc
    s = cfr_plus()
    st = s.solve(leduc, 100)
    pol = s.average_policy(st, leduc)
    exploitability(leduc, pol)
    t_ours = best_time(lambda: exploitability(leduc, pol), reps * 10)
    tab = to_openspiel_policy(leduc, pol, og)
    cpp_policy = pyspiel.TabularPolicy(tab.to_dict())
    t_os = best_time(lambda: pyspiel.exploitability(og, cpp_policy), reps)
    e_ours, e_os = exploitability(leduc, pol), pyspiel.exploitability(og, cpp_policy)
    rows.append(("leduc_poker", "exploitability", t_ours * 1e3, t_os * 1e3, t_os / t_ours))

    print(f"{'game':<26}{'what':<16}{'regretlab ms':>14}{'OpenSpiel ms':>14}{'ratio':>9}")
    for game, what, a, b, r in rows:
        print(f"{game:<26}{what:<16}{a:>14.4f}{b:>14.3f}{r:>8.1f}x")
    print(f"exploitability values: regretlab {e_ours:.12f}  OpenSpiel {e_os:.12f}")
    for name, sec in builds:
        print(f"one-off build of {name}: {sec:.2f} s")


if __name__ == "__main__":
    main()
