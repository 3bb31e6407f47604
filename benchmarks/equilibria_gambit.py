"""Benchmark: regretlab's Nash solvers against Gambit's (pygambit, C++) on the same games.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/equilibria_gambit.py [--seeds N]`` with the
``[gambit]`` extra installed (``pip install pygambit``: a source build). For seeded generic
3- and 4-player games (payoffs uniform on [-1, 1], 6 decimals) it prints, per method, the median
CPU seconds (``time.process_time``, median of repeated calls after a warm-up) of regretlab and
of Gambit and the ratio (Gambit / regretlab: above 1 means regretlab is faster), and the
number of equilibria each found over the seeds (Gambit's gnm traces past λ = 0 and can report
several; regretlab's gnm, ipa, simpdiv and logit path stop at the first) (every Gambit
equilibrium was in regretlab's set in ``tests/nfg/test_gambit_reference.py``). For random
bimatrix games (integer payoffs 0..9, n x n for n = 4, 6, 8, 10): vertex enumeration (exact
rationals) vs ``enummixed(rational=True)`` and Lemke-Howson vs ``lcp``, in CPU seconds
(``time.process_time``). Only the bimatrix part:
``python -c "import sys; sys.path.insert(0, 'benchmarks'); import pygambit, equilibria_gambit as e;
e.bimatrix(pygambit, [4, 6, 8, 10], range(5))"``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _cpu_time(fn, repeats=3, loops=1):
    """Median CPU seconds (``time.process_time``) per call, over ``repeats`` timings of ``loops``
    calls each after one warm-up call: steadier than the best wall time on a loaded machine
    (Gambit runs in this process, so its time is counted the same way)."""
    out = fn()
    ts = []
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(loops):
            out = fn()
        ts.append((time.process_time() - t0) / loops)
    return statistics.median(ts), out


def _cpu_time_child(fn, repeats=3, timeout=60.0):
    """:func:`_cpu_time` in a forked child process, given up after ``timeout`` seconds:
    ``(None, 0)`` then. Gambit's ``gnm_solve`` does not return on some of these games (seed 3
    of the 3x3x3 games here: over 400 s without an answer), and a C++ call cannot be
    interrupted in-process."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child():
        send.send(_cpu_time(fn, repeats))

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    got = recv.poll(timeout)
    out = recv.recv() if got else (None, 0)
    if proc.is_alive():
        proc.kill()
    proc.join()
    return out


def nplayer(gbt, shapes, seeds) -> None:
    from regretlab.games.normal_form import NormalFormGame
    from regretlab.games.normal_form.nplayer import (
        enumerate_supports,
        global_newton,
        iterated_polymatrix,
        logit_homotopy,
        simplicial_subdivision,
    )

    methods = [
        ("all equilibria", lambda G: len(enumerate_supports(G).equilibria),
         lambda g: len(gbt.nash.enumpoly_solve(g).equilibria)),
        ("gnm", lambda G: len(global_newton(G).equilibria), lambda g: len(gbt.nash.gnm_solve(g).equilibria)),
        ("ipa", lambda G: len(iterated_polymatrix(G).equilibria), lambda g: len(gbt.nash.ipa_solve(g).equilibria)),
        ("simpdiv", lambda G: len(simplicial_subdivision(G).equilibria),
         lambda g: len(gbt.nash.simpdiv_solve(g.mixed_strategy_profile(rational=True)).equilibria)),
        ("logit path", lambda G: len(logit_homotopy(G).equilibria), lambda g: len(gbt.nash.logit_solve(g).equilibria)),
    ]
    print(f"{'game':>9} {'method':>15} {'regretlab s':>12} {'gambit s':>10} {'gambit/ours':>12} {'#eq ours/gambit':>16}")
    for shape in shapes:
        rows = {name: ([], [], [], []) for name, _, _ in methods}
        hung: dict = {}
        for seed in seeds:
            P = np.round(np.random.default_rng(seed).uniform(-1, 1, size=(len(shape), *shape)), 6)
            G, g = NormalFormGame(P), gbt.Game.from_arrays(*P)
            for name, ours, theirs in methods:
                reps = 3 if name == "all equilibria" else 5
                to, no = _cpu_time(lambda f=ours, G=G: f(G), reps)
                if name == "gnm":  # Gambit's gnm may never return: timed in a child process
                    tg, ng = _cpu_time_child(lambda f=theirs, g=g: f(g), reps)
                else:
                    tg, ng = _cpu_time(lambda f=theirs, g=g: f(g), reps)
                r = rows[name]
                if tg is None:
                    hung[name] = hung.get(name, []) + [seed]
                    continue
                r[0].append(to), r[1].append(tg), r[2].append(no), r[3].append(ng)
        for name, _, _ in methods:
            a, b, n0, n1 = rows[name]
            mo, mg = statistics.median(a), statistics.median(b)
            counts = f"{sum(n0)}/{sum(n1)}"
            print(f"{'x'.join(map(str, shape)):>9} {name:>15} {mo:>12.6f} {mg:>10.6f} {mg / mo:>11.2f}x {counts:>16}")
            if name in hung:
                print(f"{'':>9} {'':>15} (Gambit did not return within 60 s on seeds {hung[name]}: left out)")


def bimatrix(gbt, sizes, seeds) -> None:
    from fractions import Fraction

    from regretlab.games.normal_form import NormalFormGame
    from regretlab.games.normal_form.nash import lemke_howson
    from regretlab.games.normal_form.vertex import vertex_enumeration

    # warm the compiled kernels (Numba's cache; the first call of a fresh install compiles)
    vertex_enumeration(np.eye(2, dtype=int), np.eye(2, dtype=int), exact=True)
    lemke_howson(np.eye(2), np.eye(2))
    print(f"\n{'bimatrix':>9} {'method':>15} {'regretlab s':>12} {'gambit s':>10} {'gambit/ours':>12} {'same set':>9}"
          "   (CPU seconds, median over games)")
    for n in sizes:
        ve, em, lh, lc, same = [], [], [], [], True
        for seed in seeds:
            A, B = np.random.default_rng(200 + seed).integers(0, 10, size=(2, n, n))
            g = gbt.Game.from_arrays(A.astype(int), B.astype(int))
            reps = 3 if n <= 8 else 1
            t1, ours = _cpu_time(lambda A=A, B=B: vertex_enumeration(A, B, exact=True, time_limit=600), reps)
            t2, theirs = _cpu_time(lambda g=g: gbt.nash.enummixed_solve(g, rational=True).equilibria, reps)
            a = {(tuple(x), tuple(y)) for x, y in ours}
            b = {tuple(tuple(Fraction(str(e[s])) for s in p.strategies) for p in g.players) for e in theirs}
            same &= a == b  # as sets: Gambit may list an equilibrium twice
            ve.append(t1), em.append(t2)
            G = NormalFormGame.from_bimatrix(A.astype(float), B.astype(float))
            t3, _ = _cpu_time(lambda G=G: lemke_howson(G), 5, 200)
            t4, _ = _cpu_time(lambda g=g: gbt.nash.lcp_solve(g, rational=False, stop_after=1), 5, 20)
            lh.append(t3), lc.append(t4)
        for name, a, b, s in (("vertex (exact)", ve, em, str(same)), ("lemke-howson", lh, lc, "")):
            mo, mg = statistics.median(a), statistics.median(b)
            print(f"{f'{n}x{n}':>9} {name:>15} {mo:>12.6f} {mg:>10.6f} {mg / mo:>11.2f}x {s:>9}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    try:
        import pygambit as gbt
    except ImportError:
        print("pygambit is not installed (pip install 'regretlab[gambit]'): nothing to compare")
        return
    print(f"pygambit {gbt.__version__}; medians over {args.seeds} seeded games")
    nplayer(gbt, [(2, 2, 2), (3, 3, 3), (2, 2, 2, 2)], range(args.seeds))
    bimatrix(gbt, [4, 6, 8, 10], range(args.seeds))


if __name__ == "__main__":
    main()
