"""Benchmark: n-player Nash solvers on seeded random games; vertex enumeration vs nashpy.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/equilibria_nplayer.py``. For seeded 3- and
4-player games it prints each solver's median time to its first verified equilibrium
(NashConv < 1e-9) and to all (support enumeration), with the ratio to support enumeration's
first equilibrium; for random nondegenerate bimatrix games, regretlab's vertex enumeration vs
nashpy's ``vertex_enumeration`` (same process) with the ratio, after checking the sets agree.
Gambit is compared in benchmarks/equilibria_gambit.py (the [gambit] extra).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from regretlab.games.normal_form import nash_conv, random_game
from regretlab.games.normal_form.nplayer import (
    enumerate_supports,
    global_newton,
    iterated_polymatrix,
    logit_homotopy,
    simplicial_subdivision,
)
from regretlab.games.normal_form.vertex import vertex_enumeration


def _time(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def nplayer(shapes=((3, 3), (3, 4), (4, 2), (4, 3)), seeds=range(5)) -> None:
    print("n-player solvers: median seconds to the first verified equilibrium (5 seeded games)")
    print(f"{'game':>10} {'enum first':>11} {'enum all':>9} {'#eq':>4} {'logit-path':>10} {'ratio':>6} "
          f"{'ipa':>8} {'ratio':>6} {'simpdiv':>8} {'ratio':>6} {'gnm':>8} {'ratio':>6}")
    for players, k in shapes:
        cols = {"first": [], "all": [], "n": [], "gnm": [], "ipa": [], "simpdiv": [], "gnmgw": []}
        for s in seeds:
            g = random_game(k, num_players=players, seed=s)
            t, r = _time(lambda g=g: enumerate_supports(g, first_only=True, time_limit=120))
            cols["first"].append(t)
            t, r = _time(lambda g=g: enumerate_supports(g, time_limit=120))
            cols["all"].append(t)
            cols["n"].append(len(r.equilibria))
            for name, fn in (("gnm", logit_homotopy), ("ipa", iterated_polymatrix),
                             ("simpdiv", simplicial_subdivision), ("gnmgw", global_newton)):
                t, r = _time(lambda g=g, fn=fn: fn(g, time_limit=120))
                assert r.equilibria and nash_conv(g, r.equilibria[0]) < 1e-9
                cols[name].append(t)
        med = {c: statistics.median(v) for c, v in cols.items()}
        label = "x".join([str(k)] * players)
        print(f"{label:>10} {med['first']:11.4f} {med['all']:9.3f} {med['n']:4.0f} {med['gnm']:10.4f} "
              f"{med['first'] / med['gnm']:6.2f} {med['ipa']:8.4f} {med['first'] / med['ipa']:6.2f} "
              f"{med['simpdiv']:8.4f} {med['first'] / med['simpdiv']:6.2f} "
              f"{med['gnmgw']:8.4f} {med['first'] / med['gnmgw']:6.2f}")
    print("(ratio = enumeration's first-equilibrium time / the method's; > 1: the method is faster)")


def bimatrix(sizes=(4, 6, 8), seeds=range(3)) -> None:
    import nashpy

    print("\nbimatrix vertex enumeration vs nashpy.vertex_enumeration (median of 3 seeded games)")
    print(f"{'size':>6} {'regretlab':>10} {'nashpy':>9} {'ratio':>7} {'exact':>8}")
    for n in sizes:
        ours, ref, ex = [], [], []
        for s in seeds:
            g = random_game(n, seed=s)
            t1, a = _time(lambda g=g: vertex_enumeration(g))
            t2, b = _time(lambda g=g: list(nashpy.Game(*g.bimatrix()).vertex_enumeration()))
            key = lambda e: tuple(np.round(np.concatenate(e), 8))
            assert sorted(map(key, a)) == sorted(map(key, b))
            ours.append(t1)
            ref.append(t2)
            if n <= 6:
                ex.append(_time(lambda g=g: vertex_enumeration(g, exact=True))[0])
        mo, mr = statistics.median(ours), statistics.median(ref)
        exs = f"{statistics.median(ex):8.3f}" if ex else "       -"
        print(f"{n:>3}x{n:<2} {mo:10.4f} {mr:9.4f} {mr / mo:7.1f}x {exs}")


if __name__ == "__main__":
    nplayer()
    bimatrix()
