"""Benchmark: equilibrium computation (issue 18) against OpenSpiel in the same process.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/equilibria.py``. Prints median wall times,
the agreement of the results and the speed-up ratio:

* sequence-form LP on Leduc poker: ours (tree build + sparse sequence form + one HiGHS LP) vs
  ``open_spiel.python.algorithms.sequence_form_lp.solve_zero_sum_game`` (its tree walk + two
  cvxpy/ECOS LPs). OpenSpiel's LP needs ``cvxpy``, which regretlab does not depend on: without
  it the peer is skipped with a note;
* α-rank vs ``open_spiel.python.egt.alpharank.compute`` on a single-population meta-game (global
  selection model, m = 50) and on multi-population meta-games;
* reported without a peer: the double oracle on Kuhn and Leduc to NashConv 1e-3, and tracing the
  logit QRE branch of a random 3-player game.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np


def _timed(fn, repeat=3):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def sequence_form_lp() -> None:
    from regretlab.games.poker import LeducPoker
    from regretlab.games.sequence_form import sequence_form_lp as ours_lp
    from regretlab.games.treeplex import build_treeplex

    print("== sequence-form LP, Leduc poker (936 information sets) ==")
    game = build_treeplex(LeducPoker(2))
    ours_lp(game)  # compile the best-response kernels once

    def ours_from_scratch():  # the tree, the sequence form and the LP (no NashConv check, like the peer)
        return ours_lp(build_treeplex(LeducPoker(2)), evaluate=False)

    t_build, _ = _timed(lambda: build_treeplex(LeducPoker(2)))
    t_ours, sol = _timed(ours_from_scratch, repeat=5)
    fresh = [build_treeplex(LeducPoker(2)) for _ in range(5)]  # nothing cached on them yet
    t_solve, _ = _timed(lambda: ours_lp(fresh.pop(), evaluate=False), repeat=5)
    sol = ours_lp(game)  # with its NashConv
    print(f"ours: {t_ours * 1e3:7.1f} ms from the game definition (tree build {t_build * 1e3:.1f} ms); "
          f"{t_solve * 1e3:.1f} ms on the built treeplex (sequence form + LP); "
          f"value {sol.value:.12f}, NashConv {sol.nash_conv:.1e}", flush=True)
    try:
        import cvxpy  # noqa: F401
        import pyspiel
        from open_spiel.python.algorithms import sequence_form_lp as os_lp
    except ImportError as exc:
        print(f"OpenSpiel's sequence_form_lp skipped: {exc} (it needs cvxpy)")
        return
    g = pyspiel.load_game("leduc_poker")
    t_os, (v0, v1, _, _) = _timed(lambda: os_lp.solve_zero_sum_game(g), repeat=3)
    print(f"OpenSpiel sequence_form_lp: {t_os * 1e3:7.1f} ms, value {v0:.12f} "
          f"(|ours - OpenSpiel| = {abs(sol.value - v0):.1e})  ratio {t_os / t_ours:5.1f}x from the game "
          f"definition, {t_os / t_solve:5.1f}x on the built game", flush=True)


def alpha_rank() -> None:
    import pyspiel  # noqa: F401
    from open_spiel.python.egt import alpharank as os_ar

    from regretlab.games.normal_form.alpharank import alpharank

    print("== α-rank vs OpenSpiel's alpharank.compute ==")
    rng = np.random.default_rng(0)
    cases = []
    M = rng.uniform(-1, 1, size=(12, 12))
    cases.append(("single population, 12 strategies, global model, m=50, α=1",
                  [M], dict(alpha=1.0, m=50, local=False)))
    M = rng.uniform(-1, 1, size=(40, 40))
    cases.append(("single population, 40 strategies, local model, m=50, α=1",
                  [M], dict(alpha=1.0, m=50, local=True)))
    for shape in ((20, 20), (6, 6, 6)):
        T = list(rng.uniform(-1, 1, size=(len(shape), *shape)))
        cases.append((f"{len(shape)} populations, {'x'.join(map(str, shape))} profiles, m=50, α=1",
                      T, dict(alpha=1.0, m=50, local=True)))
    for label, tables, kw in cases:
        pop = "single" if len(tables) == 1 else "multi"
        t_ours, res = _timed(lambda: alpharank(tables, kw["alpha"], kw["m"], population=pop,
                                               local_selection=kw["local"]), repeat=5)
        with np.errstate(all="ignore"):
            t_os, out = _timed(lambda: os_ar.compute(tables, m=kw["m"], alpha=kw["alpha"],
                                                     use_local_selection_model=kw["local"]), repeat=1)
        diff = float(np.abs(out[2] - res.pi).max())
        print(f"{label}: ours {t_ours * 1e3:8.2f} ms | OpenSpiel {t_os * 1e3:9.1f} ms | max |Δπ| {diff:.1e}"
              f"  ratio {t_os / t_ours:7.1f}x", flush=True)


def reported() -> None:
    from regretlab.games import kuhn_poker, leduc_poker
    from regretlab.games.normal_form import random_game
    from regretlab.games.normal_form.qre import logit_branch
    from regretlab.games.psro import double_oracle

    print("== reported without a peer ==")
    for g in (kuhn_poker(), leduc_poker()):
        t, res = _timed(lambda: double_oracle(g, tol=1e-3), repeat=1)
        print(f"double oracle on {g.name} to NashConv <= 1e-3: {t:6.2f} s, {res.iterations} iterations, "
              f"populations {res.population_sizes}, final NashConv {res.nash_conv[-1]:.2e}", flush=True)
    g = random_game(4, num_players=3, seed=0)
    t, br = _timed(lambda: logit_branch(g, 100.0), repeat=3)
    print(f"logit QRE branch of a random 4x4x4 game to λ=100: {t * 1e3:6.1f} ms, {len(br.lam)} points, "
          f"max fixed-point residual {br.residual.max():.1e}", flush=True)


def main() -> None:
    warnings.simplefilter("ignore")
    sequence_form_lp()
    alpha_rank()
    reported()


if __name__ == "__main__":
    main()
