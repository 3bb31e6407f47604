"""Range-vector CFR on no-limit hold'em subgames: time to a target exploitability.

One run prints, for a river spot with full ranges (1,081 hands each on the board), bets of 33%
and 75% of the pot plus all-in, raise cap 3 (pot 10, stacks 95):

* per algorithm (DCFR, CFR+, PCFR+): iterations and solver time to 0.5% and to 0.3% of the pot
  (wall and CPU seconds, exploitability evaluations excluded; evaluated every ``--every``
  iterations), iterations per second, peak memory (tracemalloc) of the solve;
* the bytes one iteration must move (its arrays: node range vectors and the rows' regrets,
  strategies and averages) against the memory bandwidth measured in the same run (a large
  array copy) and the cache-resident working set, the arithmetic of the limit;
* the same for a turn spot (full ranges, 75% pot + all-in, raise cap 2; 48 river cards);
* suit isomorphism on a monotone turn (Ks9s5s2s, same ranges and bets): the solve with every
  river card against the one with a branch per orbit (22 of 48 cards): time to 0.3% and the
  ratio (the rainbow turn above has no suit symmetry: its tree is unchanged);
* the peer in the same process: regretlab's treeplex CFR+ on the same tiny-deck subgame built
  history by history (``regretlab.games.subgame.history``): ms/iteration and the ratio.

Usage: ``python benchmarks/subgame.py [--quick] [--skip-turn] [--skip-isomorphism | --only-isomorphism]
[--threads N] [--dtype float32]``. Numba compiles on the first
call (cached afterwards); a warm-up solve runs before anything is timed.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

RIVER = dict(board="Ks7h2d3c8s", pot=10, stacks=95, oop_range="full", ip_range="full", bets="0.33,0.75,allin",
             raise_cap=3)
TURN = dict(board="Ks7h2d3c", pot=10, stacks=95, oop_range="full", ip_range="full", bets="0.75,allin", raise_cap=2)


def bandwidth(mb: int = 256, repeats: int = 5) -> float:
    """Bytes per second of a large array copy (read + write), best of ``repeats``."""
    a = np.ones(mb * 2**20 // 8)
    b = np.empty_like(a)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t0)
    return 2 * a.nbytes / best


def solve_to(game, algo: str, targets: tuple[float, ...], every: int, max_iterations: int, max_seconds: float,
             threads: int = 1, dtype: str = "float64"):
    """Solve in blocks of ``every``; the solver time (wall, CPU) and iterations at which each
    target (% of the pot) was first reached; peak traced memory."""
    from regretlab.games.subgame import exploitability, make_solver

    s = make_solver(algo, threads=threads, dtype=dtype)
    tracemalloc.start()
    state = s.init(game)
    wall = cpu = 0.0
    reached: dict[float, tuple[int, float, float, float]] = {}
    last = float("nan")
    while state.t < max_iterations and wall < max_seconds and len(reached) < len(targets):
        w0, c0 = time.perf_counter(), time.process_time()
        state = s.update(state, game, every)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        last = exploitability(game, s.average_policy(state, game))["pct_pot"]
        for t in targets:
            if t not in reached and last <= t:
                reached[t] = (state.t, wall, cpu, last)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return reached, state.t, wall, cpu, last, peak


def report(label: str, game, algos, targets, every, max_iterations, max_seconds, bw: float, threads: int = 1,
           dtype: str = "float64") -> None:
    print(f"\n{label}: {game.describe()}; {threads} thread(s), {dtype} storage "
          f"({game.solver_bytes(dtype)['total'] / 2**20:.0f} MiB of solver arrays)")
    moved = game.bytes_per_iteration()
    N, H = game.tree.num_nodes, game.tree.num_hands
    working = 3 * N * H * 8 + 4 * game.num_rows * game.max_actions * 8
    print(f"  bytes moved per iteration (lower bound): {moved / 1e6:.1f} MB; working set {working / 1e6:.1f} MB; "
          f"at the measured {bw / 1e9:.1f} GB/s the floor is {1e3 * moved / bw:.2f} ms/iteration")
    from regretlab.games.subgame import make_solver

    warm = make_solver(algos[0], threads=threads, dtype=dtype)
    warm.update(warm.init(game), game, 2)  # compile / load the kernels
    for algo in algos:
        reached, its, wall, cpu, last, peak = solve_to(game, algo, targets, every, max_iterations, max_seconds,
                                                       threads, dtype)
        ms = 1e3 * wall / max(its, 1)
        print(f"  {algo:6s} {its} iterations in {wall:.2f} s wall / {cpu:.2f} s CPU ({its / wall:.0f} it/s, "
              f"{ms:.2f} ms/it = {moved / (ms / 1e3) / 1e9:.1f} GB/s moved, {100 * moved / (ms / 1e3) / bw:.0f}% of "
              f"the copy bandwidth); last {last:.3f}% pot; peak traced memory {peak / 2**20:.0f} MiB")
        for t in targets:
            if t in reached:
                i, w, c, e = reached[t]
                print(f"         to {t}% of the pot: {i} iterations, {w:.2f} s wall, {c:.2f} s CPU ({e:.3f}%)")
            else:
                print(f"         to {t}% of the pot: not reached in {its} iterations / {wall:.1f} s")


def isomorphism(quick: bool, bw: float) -> None:
    """A monotone turn solved with every river card, then with one branch per suit orbit."""
    from regretlab.games.subgame import subgame

    spot = dict(TURN, board="Ks9s5s2s")
    seconds = 60 if quick else 240
    out = {}
    for iso in (False, True):
        g = subgame(**spot, isomorphism=iso)
        label = "suit isomorphism" if iso else "every card"
        print(f"\nmonotone turn, {label}: {g.describe()}")
        reached, its, wall, cpu, last, peak = solve_to(g, "dcfr", (0.5, 0.3), 20, 2000, seconds)
        out[iso] = (reached, its, wall, cpu, last, peak)
        print(f"  dcfr {its} iterations in {wall:.2f} s wall / {cpu:.2f} s CPU ({1e3 * wall / its:.1f} ms/it); "
              f"last {last:.4f}% pot; peak traced memory {peak / 2**20:.0f} MiB")
        for t in (0.5, 0.3):
            if t in reached:
                i, w, c, e = reached[t]
                print(f"         to {t}% of the pot: {i} iterations, {w:.2f} s wall, {c:.2f} s CPU ({e:.4f}%)")
    a, b = out[False], out[True]
    print(f"  isomorphism speedup per iteration {(a[2] / a[1]) / (b[2] / b[1]):.2f}x, memory {a[5] / b[5]:.2f}x less")
    if 0.3 in a[0] and 0.3 in b[0]:
        print(f"  to 0.3% of the pot: {a[0][0.3][2]:.2f} s -> {b[0][0.3][2]:.2f} s CPU "
              f"({a[0][0.3][2] / b[0][0.3][2]:.2f}x)")


def peer(quick: bool) -> None:
    """ms/iteration of range-vector CFR+ vs the treeplex CFR+ on the same tiny-deck game."""
    from regretlab.games.cfr import cfr_plus
    from regretlab.games.subgame import SubgameCFR, subgame
    from regretlab.games.subgame.history import history_treeplex

    deck = [4 * r + s for r in (8, 9, 10, 11) for s in range(4)][:14]
    g = subgame("TsThJsJhQs", 4, 12, "full", "full", bets="0.5,1,allin", raise_cap=2, deck=deck)
    tp = history_treeplex(g)
    solver = cfr_plus()
    ours = SubgameCFR(solver)
    its = 50 if quick else 300
    st = ours.update(ours.init(g), g, 2)
    ts = solver.update(solver.init(tp), tp, 2)
    best_o = best_t = float("inf")
    for _ in range(3):  # in alternation, best of each
        t0 = time.perf_counter()
        ours.update(st, g, its)
        best_o = min(best_o, time.perf_counter() - t0)
        t0 = time.perf_counter()
        solver.update(ts, tp, its)
        best_t = min(best_t, time.perf_counter() - t0)
    print(f"\ntiny deck ({len(deck)} cards, river): {g.describe()}; history by history {tp.describe()}")
    print(f"  range-vector CFR+ {1e3 * best_o / its:.4f} ms/it, treeplex CFR+ {1e3 * best_t / its:.4f} ms/it: "
          f"ratio {best_t / best_o:.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer algorithms and a shorter turn budget")
    ap.add_argument("--skip-turn", action="store_true")
    ap.add_argument("--skip-isomorphism", action="store_true", help="skip the monotone-turn isomorphism comparison")
    ap.add_argument("--only-isomorphism", action="store_true", help="only the monotone-turn isomorphism comparison")
    ap.add_argument("--every", type=int, default=10, help="iterations between evaluations (river)")
    ap.add_argument("--threads", type=int, default=1, help="cores of the river and turn solves (default 1)")
    ap.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                    help="storage of regrets and averages of the river and turn solves")
    args = ap.parse_args()
    from regretlab.games.subgame import subgame

    bw = bandwidth()
    print(f"memory bandwidth (256 MiB copy, read + write): {bw / 1e9:.1f} GB/s")
    if args.only_isomorphism:
        isomorphism(args.quick, bw)
        return
    algos = ("dcfr",) if args.quick else ("dcfr", "cfr+", "pcfr+")
    t0 = time.perf_counter()
    river = subgame(**RIVER)
    print(f"river tree built in {time.perf_counter() - t0:.2f} s")
    report("river spot, full ranges, 33%/75% pot + all-in, cap 3", river, algos, (0.5, 0.3), args.every, 5000, 60, bw,
           args.threads, args.dtype)
    if not args.skip_turn:
        t0 = time.perf_counter()
        turn = subgame(**TURN)
        print(f"\nturn tree built in {time.perf_counter() - t0:.2f} s")
        report("turn spot, full ranges, 75% pot + all-in, cap 2", turn, ("dcfr",), (0.5, 0.3), 20, 2000,
               60 if args.quick else 240, bw, args.threads, args.dtype)
    if not args.skip_turn and not args.skip_isomorphism:
        isomorphism(args.quick, bw)
    peer(args.quick)
    print(f"\nprocess peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MiB")


if __name__ == "__main__":
    main()
