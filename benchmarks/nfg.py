"""Benchmark: all Nash equilibria of random bimatrix games vs nashpy (same process), CCE/CE LP times.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/nfg.py [--full]``. Prints the median wall time of
each method and the speed-up ratio, and checks the equilibrium sets:

* ours vs nashpy ``vertex_enumeration`` (finds every equilibrium of a nondegenerate game):
  identical sets expected;
* ours vs nashpy ``support_enumeration``: nashpy's set is a subset of ours (its indifference
  solve rejects off-support entries of about -1e-17, `all(prob >= 0)`, and so drops equilibria).

``--full`` adds nashpy's default ``support_enumeration()`` (which walks all (2^n - 1)^2 support
pairs) on 10x10 and vertex enumeration on 10x10; it takes minutes.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings

import numpy as np


def _timed(fn, repeat=1):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _same(ours, theirs, atol=1e-8):
    if len(ours) != len(theirs):
        return False
    return all(any(np.allclose(x, a, atol=atol) and np.allclose(y, b, atol=atol) for a, b in theirs)
               for x, y in ours)


def _subset(small, big, atol=1e-8):
    return all(any(np.allclose(x, a, atol=atol) and np.allclose(y, b, atol=atol) for a, b in big)
               for x, y in small)


def main() -> None:
    import nashpy

    from regretlab.games.normal_form import (
        correlated_equilibrium, random_game, support_enumeration, support_enumeration_numpy,
    )

    full = "--full" in sys.argv
    warnings.simplefilter("ignore")
    support_enumeration(random_game(3, seed=0))  # compile the Numba kernel once
    print("== all Nash equilibria of random bimatrix games (U[0,1] payoffs) ==")
    cases = [(8, s) for s in range(3)] + [(10, s) for s in range(2 if full else 1)]
    for k, seed in cases:
        g = random_game(k, seed=seed)
        a, b = g.bimatrix()
        t_ours, ours = _timed(lambda: support_enumeration(g), repeat=5)
        t_np_ref, ours_np = _timed(lambda: support_enumeration_numpy(g), repeat=3)
        t_se, se = _timed(lambda: list(nashpy.Game(a, b).support_enumeration(non_degenerate=True)))
        line = (f"{k}x{k} seed {seed}: ours {t_ours * 1e3:8.2f} ms ({len(ours)} eq) | numpy reference "
                f"{t_np_ref * 1e3:8.1f} ms | nashpy support_enumeration(non_degenerate=True) {t_se:7.2f} s "
                f"({len(se)} eq)  ratio {t_se / t_ours:7.0f}x  nashpy ⊆ ours: {_subset(se, ours)}"
                f"  numpy ref identical: {_same(ours, ours_np)}")
        print(line, flush=True)
        if k == 8 or full:
            t_default, se_all = _timed(lambda: list(nashpy.Game(a, b).support_enumeration()))
            t_ve, ve = _timed(lambda: list(nashpy.Game(a, b).vertex_enumeration()))
            print(f"    nashpy support_enumeration() default {t_default:7.2f} s  ratio {t_default / t_ours:7.0f}x"
                  f" | nashpy vertex_enumeration {t_ve:7.2f} s ({len(ve)} eq) ratio {t_ve / t_ours:7.0f}x"
                  f"  identical sets: {_same(ours, ve)}", flush=True)
    print("== correlated equilibria by LP (HiGHS), random 3-player 6x6x6 game ==")
    g = random_game(6, num_players=3, seed=0)
    for kind in ("cce", "ce"):
        for obj in ("welfare", "max_entropy"):
            t, sol = _timed(lambda: correlated_equilibrium(g, kind, obj), repeat=5)
            print(f"{kind:3s} {obj:11s}: {t * 1e3:7.1f} ms  max incentive violation {sol.max_violation:.1e}"
                  f"  welfare {sol.utilities.sum():.4f}")


if __name__ == "__main__":
    main()
