"""Benchmark: equilibrium computation (issue 18) against OpenSpiel in the same process.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/equilibria.py`` (``--lp`` runs only the
sequence-form LP parts). Prints median times (CPU time of this process for the LP parts, so that
other load on the machine counts less), the agreement of the results and the speed-up ratio:

* sequence-form LP on Leduc poker: ours (tree build + sparse sequence form + HiGHS) under each
  ``method``: ``"auto"`` (the default: the LP shrunk by colour refinement, 1,562 -> 482 rows and
  columns, its solution lifted back and certified by best responses), ``"lp"`` (the whole LP) and
  ``"crossover"`` (a CFR+ support guess, restricted LPs, the certifying best responses), vs
  ``open_spiel.python.algorithms.sequence_form_lp.solve_zero_sum_game`` (its tree walk + two
  cvxpy/ECOS LPs). OpenSpiel's LP needs ``cvxpy``, which regretlab does not depend on: without
  it the peer is skipped with a note;
* the same Leduc LP under each HiGHS method and formulation (highspy called directly; no peer):
  dual / primal simplex, edge-weight rules, presolve off, interior point with and without
  crossover, player 1's LP instead of player 0's, the root sequence substituted out;
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


def _timed(fn, repeat=3, clock=time.perf_counter):
    times, out = [], None
    for _ in range(repeat):
        t0 = clock()
        out = fn()
        times.append(clock() - t0)
    return statistics.median(times), out


def _cpu(fn, repeat=5):
    return _timed(fn, repeat, time.process_time)


def sequence_form_lp() -> None:
    from regretlab.games.poker import LeducPoker
    from regretlab.games.sequence_form import sequence_form_lp as ours_lp
    from regretlab.games.treeplex import build_treeplex

    print("== sequence-form LP, Leduc poker (936 information sets) ==")
    game = build_treeplex(LeducPoker(2))
    timings = {}
    for method in ("auto", "lp", "crossover"):
        ours_lp(game, method=method)  # compile the kernels once

        def ours_from_scratch(method=method):  # the tree, the sequence form and the LP (no NashConv check, like the peer)
            return ours_lp(build_treeplex(LeducPoker(2)), evaluate=False, method=method)

        t_build, _ = _cpu(lambda: build_treeplex(LeducPoker(2)))
        t_ours, sol = _cpu(ours_from_scratch, repeat=7)
        fresh = [build_treeplex(LeducPoker(2)) for _ in range(7)]  # nothing cached on them yet
        t_solve, _ = _cpu(lambda fresh=fresh, method=method: ours_lp(fresh.pop(), evaluate=False, method=method),
                          repeat=7)
        sol = ours_lp(game, method=method)  # with its NashConv
        timings[method] = (t_ours, t_solve, sol)
        print(f"ours, method={method!r}: {t_ours * 1e3:7.1f} ms from the game definition (tree build "
              f"{t_build * 1e3:.1f} ms); {t_solve * 1e3:.1f} ms on the built treeplex; value {sol.value:.12f}, "
              f"NashConv {sol.nash_conv:.1e}, certified gap {sol.gap:.1e} ({sol.path}, {sol.rounds} LP"
              f"{'s' if sol.rounds > 1 else ''})", flush=True)
    try:
        import cvxpy  # noqa: F401
        import pyspiel
        from open_spiel.python.algorithms import sequence_form_lp as os_lp
    except ImportError as exc:
        print(f"OpenSpiel's sequence_form_lp skipped: {exc} (it needs cvxpy)")
        return
    g = pyspiel.load_game("leduc_poker")
    os_lp.solve_zero_sum_game(g)  # cvxpy's first call loads its solvers
    t_os, (v0, _, _, _) = _cpu(lambda: os_lp.solve_zero_sum_game(g), repeat=5)
    print(f"OpenSpiel sequence_form_lp: {t_os * 1e3:7.1f} ms, value {v0:.12f}", flush=True)
    for method, (t_ours, t_solve, sol) in timings.items():
        print(f"  method={method!r}: |ours - OpenSpiel| = {abs(sol.value - v0):.1e}  ratio {t_os / t_ours:5.1f}x "
              f"from the game definition, {t_os / t_solve:5.1f}x on the built game", flush=True)


def _leduc_lps() -> dict:
    """The Leduc sequence-form LP in three equivalent forms, as (cost, column bounds, row bounds,
    CSC matrix): player 0's LP (the one :func:`sequence_form_lp` solves), player 1's LP, and
    player 0's LP with the empty sequence ``x_0 = 1`` substituted out."""
    import scipy.sparse as sp

    from regretlab.games import leduc_poker
    from regretlab.games.sequence_form import sequence_form

    sf = sequence_form(leduc_poker())
    A, (E, F) = sf.payoff, sf.constraints
    inf = np.inf
    out = {}
    for label, (P, X, Y) in (("player 0's LP (max over x)", (A.T.tocsr(), E, F)),
                             ("player 1's LP (min over y)", (-A.tocsr(), F, E))):
        n, m = X.shape[1], Y.shape[0]  # own sequences, opponent information sets (+ root row)
        M = sp.vstack([sp.hstack([-P, Y.T]), sp.hstack([X, sp.csr_matrix((X.shape[0], m))])]).tocsc()
        c = np.zeros(n + m)
        c[n] = -1.0
        e = np.zeros(X.shape[0])
        e[0] = 1.0
        out[label] = (c, np.r_[np.zeros(n), np.full(m, -inf)], np.full(n + m, inf),
                      np.r_[np.full(P.shape[0], -inf), e], np.r_[np.zeros(P.shape[0]), e], M)
    P = A.T.tocsr()
    n, m = E.shape[1], F.shape[0]
    M = sp.vstack([sp.hstack([-P[:, 1:], F.T]), sp.hstack([E[1:, 1:], sp.csr_matrix((E.shape[0] - 1, m))])]).tocsc()
    c = np.zeros(n - 1 + m)
    c[n - 1] = -1.0
    rhs = -E[1:, 0].toarray().ravel()
    out["player 0's LP, x_0 substituted"] = (
        c, np.r_[np.zeros(n - 1), np.full(m, -inf)], np.full(n - 1 + m, inf),
        np.r_[np.full(P.shape[0], -inf), rhs], np.r_[P[:, 0].toarray().ravel(), rhs], M)
    return out


def sequence_form_lp_variants() -> None:
    try:
        import highspy
    except ImportError as exc:
        print(f"HiGHS method comparison skipped: {exc}")
        return
    print("== the Leduc LP under each HiGHS method (CPU ms, median of 5; highspy called directly) ==")
    tol = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10, "output_flag": False}
    methods = {
        # HiGHS' choice of pricing (what scipy's "steepest-devex" asks for) picks steepest edge here
        "dual simplex, HiGHS' pricing (ours)": {"solver": "simplex", "simplex_strategy": 1},
        "dual simplex, steepest edge": {"solver": "simplex", "simplex_strategy": 1,
                                        "simplex_dual_edge_weight_strategy": 2},
        "dual simplex, devex": {"solver": "simplex", "simplex_strategy": 1,
                                "simplex_dual_edge_weight_strategy": 1},
        "dual simplex, presolve off": {"solver": "simplex", "simplex_strategy": 1, "presolve": "off"},
        "primal simplex": {"solver": "simplex", "simplex_strategy": 4},
        "interior point + crossover": {"solver": "ipm", "run_crossover": "on"},
        "interior point, no crossover": {"solver": "ipm", "run_crossover": "off"},
    }

    def run(form, opts):
        c, lo, hi, rlo, rhi, M = form
        h = highspy.Highs()
        for k, v in {**tol, **opts}.items():
            h.setOptionValue(k, v)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(c), len(rlo)
        lp.col_cost_, lp.col_lower_, lp.col_upper_, lp.row_lower_, lp.row_upper_ = c, lo, hi, rlo, rhi
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = M.indptr, M.indices, M.data
        h.passModel(lp)
        h.run()
        info = h.getInfo()
        return info.objective_function_value, info.simplex_iteration_count, info.ipm_iteration_count

    for label, form in _leduc_lps().items():
        print(f"-- {label}: {form[5].shape[0]} rows, {form[5].shape[1]} columns, {form[5].nnz} nonzeros")
        for name, opts in methods.items():
            t, (obj, it, ipm) = _cpu(lambda form=form, opts=opts: run(form, opts))
            its = f"{it} simplex" + (f" + {ipm} IPM" if ipm > 0 else "") + " iterations"
            print(f"   {name:40s} {t * 1e3:6.1f} ms  {its:34s} |value| {abs(obj):.12f}", flush=True)


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
    import sys

    warnings.simplefilter("ignore")
    sequence_form_lp()
    sequence_form_lp_variants()
    if "--lp" in sys.argv[1:]:
        return
    alpha_rank()
    reported()


if __name__ == "__main__":
    main()
