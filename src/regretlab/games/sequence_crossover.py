"""Certified crossover for the sequence-form LP: a CFR+ guess of the equilibrium supports, the LP
restricted to them, and a sequence-level double oracle that grows the supports until the best
responses of the whole game prove the answer exact.

The LP is :func:`regretlab.games.sequence_form.sequence_form_lp`'s (player 0's LP,
``max q_0  s.t.  Fᵀq - Aᵀx <= 0, Ex = e, x >= 0``). A *restriction* keeps player 0's sequences
``S0`` (the other columns are fixed at 0) and player 1's sequences ``S1`` (the other rows are
dropped): the equilibrium of the game where each player may only use its own kept sequences. Both
sets are *closed*: the empty sequence is kept, and every information set whose parent sequence is
kept keeps at least one action, so the restricted LP is feasible and bounded.

Certificate: for plans ``x`` and ``y`` of the whole game, ``min_y' xᵀAy' <= v* <= max_x' x'ᵀAy``
(``v*`` the value of the whole game); both bounds are exact best responses, one backward sweep
over each treeplex (:func:`plan_best_response`). Their difference is the NashConv of ``(x, y)``.
A restricted solution is accepted when the gap is below ``gap_tol``; otherwise the sequences of
the two pure best responses join the supports (McMahan, Gordon & Blum, "Planning in the presence
of cost functions controlled by an adversary", ICML 2003, the double oracle; here on sequences,
with each restricted LP warm-started from the previous basis), and after ``max_rounds`` rounds
every sequence is opened, which is the whole LP. The answer is therefore never less exact than
the whole LP's: only the certificate decides.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit

from regretlab.games.treeplex import Treeplex

GAP_TOL = 1e-11  # accepted NashConv of a certified answer, relative to max |utility| (>= 1)
WARM_ITERATIONS = 200  # CFR+ iterations behind the support guess
SUPPORT_THRESHOLD = 1e-3  # own reach above which a sequence of the CFR+ average joins the guess
MAX_ROUNDS = 60  # double-oracle rounds before every sequence is opened (the whole LP)


@njit(cache=True)
def _best_response(w, sign, infosets, ids, num_actions, parent_seq, plan):
    """Best response on one player's treeplex to the per-sequence payoffs ``w``.

    Maximises ``sign * plan @ w`` over the player's realization plans: a backward sweep (children
    information sets have larger ids than their parents) adds each information set's best action
    value to its parent sequence; a forward sweep writes the pure plan. Returns the optimum of
    ``plan @ w`` (sign restored).
    """
    val = sign * w
    K = infosets.shape[0]
    best = np.zeros(K, dtype=np.int64)
    for k in range(K - 1, -1, -1):
        s = infosets[k]
        b = 0
        bv = val[ids[s, 0]]
        for a in range(1, num_actions[s]):
            v = val[ids[s, a]]
            if v > bv:
                bv = v
                b = a
        best[k] = b
        val[parent_seq[s]] += bv
    plan[:] = 0.0
    plan[0] = 1.0
    for k in range(K):
        s = infosets[k]
        r = plan[parent_seq[s]]
        if r > 0.0:
            plan[ids[s, best[k]]] = r
    return sign * val[0]


@njit(cache=True)
def _close(support, reach, infosets, ids, num_actions, parent_seq):
    """Keep the empty sequence and, at each information set whose parent sequence is kept but no
    action is, its action of largest ``reach`` (parents before children)."""
    support[0] = True
    for k in range(infosets.shape[0]):
        s = infosets[k]
        if not support[parent_seq[s]]:
            continue
        kept = False
        b = 0
        for a in range(num_actions[s]):
            if support[ids[s, a]]:
                kept = True
            if reach[ids[s, a]] > reach[ids[s, b]]:
                b = a
        if not kept:
            support[ids[s, b]] = True


def _tables(game: Treeplex) -> tuple:
    """Per-player ``(infosets ascending, ids, num_actions, parent_seq)`` for the kernels (cached)."""
    cached = game.meta.get("_sequence_tables")
    if cached is not None:
        return cached
    from regretlab.games.sequence_form import sequence_form, sequence_ids

    sf = sequence_form(game)
    ids = np.ascontiguousarray(np.maximum(sequence_ids(game), 0).astype(np.int64))
    nact = np.ascontiguousarray(game.infoset_num_actions.astype(np.int64))
    par = np.ascontiguousarray(np.asarray(sf.parent_sequence, dtype=np.int64))
    mine = tuple(np.flatnonzero(game.infoset_player == p).astype(np.int64) for p in (0, 1))
    for p in (0, 1):  # the sweeps need parents before children
        if mine[p].size and np.any(game.infoset_parent[mine[p]] >= mine[p]):  # pragma: no cover
            raise RuntimeError(f"{game.name!r}: an information set precedes its parent")
    out = (mine, ids, nact, par, sf.payoff.tocsr(), sf.payoff.T.tocsr())
    for a in (*mine, ids, nact, par, *(x for m in out[4:] for x in (m.data, m.indices, m.indptr))):
        a.flags.writeable = False  # memoised on a shared game: read-only, like its other cached arrays
    game.meta["_sequence_tables"] = out
    return out


def plan_best_response(game: Treeplex, plan: Any, player: int) -> tuple[float, np.ndarray]:
    """Exact best response of ``player`` to the opponent's realization plan ``plan``.

    Player 0 maximises and player 1 minimises player 0's payoff ``xᵀAy``.

    Args:
        game: a two-player treeplex.
        plan: ``[S_{1-player} + 1]`` the opponent's realization plan.
        player: 0 or 1.

    Returns:
        ``(value, pure plan [S_player + 1])``: player 0's payoff under the best response.

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> from regretlab.games.sequence_form import realization_plan
        >>> g = kuhn_poker()
        >>> v, br = plan_best_response(g, realization_plan(g, g.uniform_policy(), 1), 0)
        >>> round(v, 6), float(br[0])
        (0.5, 1.0)
    """
    mine, ids, nact, par, A, AT = _tables(game)
    w = A @ plan if player == 0 else AT @ plan
    out = np.zeros(int(game.num_sequences[player]) + 1)
    value = _best_response(np.asarray(w, dtype=np.float64), 1.0 if player == 0 else -1.0,
                           mine[player], ids, nact, par, out)
    return float(value), out


def certify(game: Treeplex, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``(lower, upper)``: ``min_y' xᵀAy' <= v* <= max_x' x'ᵀAy`` by exact best responses.

    ``upper - lower`` is the NashConv of the plans ``(x, y)``; the game value ``v*`` (player 0's)
    lies between the two.

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> from regretlab.games.sequence_form import sequence_form_lp
        >>> g = kuhn_poker()
        >>> lo, hi = certify(g, *sequence_form_lp(g).plans)
        >>> bool(hi - lo < 1e-12), round(lo * 18, 9)
        (True, -1.0)
    """
    return plan_best_response(game, x, 1)[0], plan_best_response(game, y, 0)[0]


def check_positive_tol(gap_tol: Any) -> float:
    from regretlab.core.errors import check_positive

    return check_positive("gap_tol", gap_tol)


PLAN_TOL = 1e-9  # largest |Ex - e|, |Fy - f| of plans a certificate accepts


def plan_residual(game: Treeplex, x: np.ndarray, y: np.ndarray) -> float:
    """``max(|Ex - e|_inf, |Fy - f|_inf, -min(x), -min(y))``: how far ``(x, y)`` are from being
    realization plans (the best-response bounds of :func:`certify` hold for plans only).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> from regretlab.games.sequence_form import realization_plan
        >>> g = kuhn_poker(); u = g.uniform_policy()
        >>> plan_residual(g, realization_plan(g, u, 0), realization_plan(g, u, 1))
        0.0
    """
    from regretlab.games.sequence_form import sequence_form

    E, F = sequence_form(game).constraints
    out = 0.0
    for M, v in ((E, x), (F, y)):
        r = M @ v
        r[0] -= 1.0
        out = max(out, float(np.abs(r).max(initial=0.0)), float(-v.min(initial=0.0)))
    return out


def certified(game: Treeplex, x: np.ndarray, y: np.ndarray, value: float, gap_tol: float = GAP_TOL) -> tuple[bool, float]:
    """``(ok, gap)``: ``ok`` when ``(x, y)`` are realization plans (to :data:`PLAN_TOL`), their
    NashConv ``gap`` (:func:`certify`) is at most ``gap_tol max(1, max|u|)`` and ``value`` lies
    between the two best-response bounds (so within ``gap`` of the game's value).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> from regretlab.games.sequence_form import sequence_form_lp
        >>> g = kuhn_poker(); sol = sequence_form_lp(g)
        >>> certified(g, *sol.plans, sol.value)[0], certified(g, *sol.plans, sol.value + 1e-6)[0]
        (True, False)
    """
    lower, upper = certify(game, x, y)
    tol = gap_tol * max(1.0, float(np.abs(game.utilities).max(initial=0.0)))
    gap = max(upper - lower, 0.0)
    ok = (gap <= tol and lower - tol <= value <= upper + tol and plan_residual(game, x, y) <= PLAN_TOL)
    return bool(ok), gap


# scipy's names for HiGHS' dual edge-weight rules (scipy.optimize._linprog_highs) -> HiGHS' values
_EDGE_WEIGHTS = {"dantzig": 0, "devex": 1, "steepest-devex": -1, "steepest": 2}


def set_options(h: Any, options: dict) -> None:
    """Set scipy-style HiGHS ``options`` on a ``highspy`` solver (edge-weight names translated;
    dual simplex unless ``options`` say otherwise, as scipy's ``method="highs-ds"``)."""
    for k, v in {"simplex_strategy": 1, **options}.items():
        if k == "simplex_dual_edge_weight_strategy" and isinstance(v, str):
            v = _EDGE_WEIGHTS[v]
        h.setOptionValue(k, v)


def _highspy() -> Any:
    """The ``highspy`` module (warm-started rounds), or None (each round a cold scipy solve)."""
    try:
        import highspy
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    needed = ("Highs", "HighsLp", "MatrixFormat", "HighsModelStatus")
    return highspy if all(hasattr(highspy, n) for n in needed) else None


class _RestrictedLP:
    """Player 0's sequence-form LP whose columns outside ``S0`` are fixed at 0 and whose rows
    outside ``S1`` are free; ``open`` widens both, ``solve`` re-solves from the last basis."""

    def __init__(self, game: Treeplex, S0: np.ndarray, S1: np.ndarray, options: dict) -> None:
        from regretlab.games.sequence_form import sequence_form

        sf = sequence_form(game)
        E, F = sf.constraints
        self.n0, self.n1 = sf.payoff.shape
        self.m0, self.m1 = E.shape[0], F.shape[0]
        self.S0, self.S1 = S0, S1
        self.options = options
        self.a_ub = sp.hstack([-sf.payoff.T, F.T], format="csr")
        self.a_eq = sp.hstack([E, sp.csr_matrix((self.m0, self.m1))], format="csr")
        self.c = np.zeros(self.n0 + self.m1)
        self.c[self.n0] = -1.0
        self.e = np.zeros(self.m0)
        self.e[0] = 1.0
        self.iterations = 0
        hs = _highspy()
        self.h = None if hs is None else self._highs(hs)

    def _highs(self, hs: Any) -> Any:
        inf = math.inf
        n0, n1, m1 = self.n0, self.n1, self.m1
        M = sp.vstack([self.a_ub, self.a_eq]).tocsc()
        # the bare binding: highspy.Highs's Python wrapper prints a banner and adds callbacks
        h = getattr(getattr(hs, "_core", None), "_Highs", hs.Highs)()
        h.setOptionValue("output_flag", False)
        set_options(h, self.options)
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = n0 + m1, M.shape[0]
        lp.col_cost_ = self.c
        lp.col_lower_ = np.r_[np.zeros(n0), np.full(m1, -inf)]
        lp.col_upper_ = np.r_[np.where(self.S0, inf, 0.0), np.full(m1, inf)]
        lp.row_lower_ = np.r_[np.full(n1, -inf), self.e]
        lp.row_upper_ = np.r_[np.where(self.S1, 0.0, inf), self.e]
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = M.indptr, M.indices, M.data
        h.passModel(lp)
        self.hs = hs
        return h

    def open(self, new0: np.ndarray, new1: np.ndarray) -> None:
        self.S0[new0] = True
        self.S1[new1] = True
        if self.h is not None:
            if new0.size:
                self.h.changeColsBounds(new0.size, new0.astype(np.int32), np.zeros(new0.size),
                                        np.full(new0.size, math.inf))
            if new1.size:
                self.h.changeRowsBounds(new1.size, new1.astype(np.int32), np.full(new1.size, -math.inf),
                                        np.zeros(new1.size))

    def solve(self, time_limit: float | None, name: str) -> tuple[float, np.ndarray, np.ndarray]:
        """``(value, x [S0+1], y [S1+1])`` of the current restriction."""
        if self.h is not None:
            return self._solve_highspy(time_limit, name)
        from scipy.optimize import linprog

        rows = np.flatnonzero(self.S1)
        bounds = np.array([(0.0, None) if k else (0.0, 0.0) for k in self.S0] + [(None, None)] * self.m1,
                          dtype=object)
        options = dict(self.options)
        if time_limit is not None:
            options["time_limit"] = time_limit
        res = linprog(self.c, A_ub=self.a_ub[rows], b_ub=np.zeros(rows.size), A_eq=self.a_eq, b_eq=self.e,
                      bounds=bounds, method="highs-ds", options=options)
        if res.status == 1:
            raise TimeoutError(f"sequence-form LP of {name!r} reached time_limit={time_limit:g} s before an "
                               "optimum; raise time_limit")
        if res.status != 0:  # pragma: no cover - solver failure
            raise RuntimeError(f"restricted sequence-form LP of {name!r} failed: {res.message}")
        self.iterations += int(getattr(res, "nit", 0))
        y = np.zeros(self.n1)
        y[rows] = np.maximum(-res.ineqlin.marginals, 0.0)
        return float(-res.fun), np.maximum(res.x[:self.n0], 0.0), y

    def _solve_highspy(self, time_limit: float | None, name: str) -> tuple[float, np.ndarray, np.ndarray]:
        h, hs = self.h, self.hs
        h.setOptionValue("time_limit", math.inf if time_limit is None else float(time_limit))
        h.run()
        status = h.getModelStatus()
        if status == hs.HighsModelStatus.kTimeLimit:
            raise TimeoutError(f"sequence-form LP of {name!r} reached time_limit={time_limit:g} s before an "
                               "optimum; raise time_limit")
        if status != hs.HighsModelStatus.kOptimal:  # pragma: no cover - solver failure
            raise RuntimeError(f"restricted sequence-form LP of {name!r} failed: {h.modelStatusToString(status)}")
        info = h.getInfo()
        self.iterations += int(info.simplex_iteration_count)
        sol = h.getSolution()
        x = np.maximum(np.asarray(sol.col_value)[:self.n0], 0.0)
        y = np.maximum(-np.asarray(sol.row_dual)[:self.n1], 0.0)
        return float(-info.objective_function_value), x, y


def support_guess(game: Treeplex, warm_iterations: int = WARM_ITERATIONS,
                  threshold: float = SUPPORT_THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """Closed sequence supports ``(S0, S1)`` (boolean, ``[S_p + 1]``) of a CFR+ average after
    ``warm_iterations`` iterations: the sequences of own reach above ``threshold``.

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> S0, S1 = support_guess(kuhn_poker(), 50)
        >>> bool(S0[0] and S1[0]), S0.shape
        (True, (13,))
    """
    from regretlab.games.cfr import cfr_plus
    from regretlab.games.sequence_form import realization_plan

    mine, ids, nact, par, _, _ = _tables(game)
    solver = cfr_plus()
    state = solver.update(solver.init(game), game, warm_iterations)
    avg = solver.average_policy(state, game)
    out = []
    for p in (0, 1):
        reach = realization_plan(game, avg, p)
        S = reach > threshold
        _close(S, reach, mine[p], ids, nact, par)
        out.append(S)
    return out[0], out[1]


def crossover(game: Treeplex, *, time_limit: float | None = None, options: dict,
              warm_iterations: int = WARM_ITERATIONS, threshold: float = SUPPORT_THRESHOLD,
              max_rounds: int = MAX_ROUNDS, gap_tol: float = GAP_TOL) -> dict:
    """The certified crossover solve (see the module docstring); ``sequence_form_lp`` wraps it.

    Returns:
        dict with ``value``, ``x``, ``y``, ``gap`` (certified NashConv of the plans), ``rounds``
        (restricted LPs solved), ``path`` (``"crossover"``, or ``"crossover+lp"`` when every
        sequence had to be opened), ``iterations`` (simplex iterations in all).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> out = crossover(kuhn_poker(), options={}, warm_iterations=1, threshold=0.9)
        >>> round(out["value"] * 18, 9), bool(out["gap"] < 1e-12), out["path"]
        (-1.0, True, 'crossover')
    """
    from regretlab.core.errors import check_int, check_probability

    warm_iterations = check_int("warm_iterations", warm_iterations)
    threshold = check_probability("threshold", threshold)
    max_rounds = check_int("max_rounds", max_rounds)
    gap_tol = check_positive_tol(gap_tol)
    started = time.perf_counter()
    scale = max(1.0, float(np.abs(game.utilities).max(initial=0.0)))
    tol = gap_tol * scale
    S0, S1 = support_guess(game, warm_iterations, threshold)
    lp = _RestrictedLP(game, S0, S1, options)
    path = "crossover"
    rounds = 0
    while True:
        left = None if time_limit is None else time_limit - (time.perf_counter() - started)
        if left is not None and left <= 0:
            raise TimeoutError(f"sequence-form LP of {game.name!r} reached time_limit={time_limit:g} s "
                               "before an optimum; raise time_limit")
        value, x, y = lp.solve(left, game.name)
        rounds += 1
        lower, br_1 = plan_best_response(game, x, 1)  # player 1's best response to x
        upper, br_0 = plan_best_response(game, y, 0)  # player 0's best response to y
        gap = upper - lower
        if gap <= tol and lower - tol <= value <= upper + tol and plan_residual(game, x, y) <= PLAN_TOL:
            break
        if S0.all() and S1.all():
            break
        new0 = np.flatnonzero((br_0 > 0) & ~S0)
        new1 = np.flatnonzero((br_1 > 0) & ~S1)
        if rounds >= max_rounds or (new0.size == 0 and new1.size == 0):
            new0, new1 = np.flatnonzero(~S0), np.flatnonzero(~S1)  # the whole LP
            path = "crossover+lp"
        lp.open(new0, new1)
    return {"value": value, "x": x, "y": y, "gap": max(gap, 0.0), "rounds": rounds, "path": path,
            "iterations": lp.iterations}


__all__ = ["certified", "certify", "crossover", "plan_best_response", "plan_residual", "support_guess"]
