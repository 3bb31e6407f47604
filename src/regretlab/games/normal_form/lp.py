"""Equilibria by linear programming (scipy HiGHS): zero-sum Nash, CE and CCE.

References: von Neumann's minimax LP (Dantzig 1951); correlated equilibrium (Aumann 1974) and
its LP (Papadimitriou & Roughgarden 2008); coarse correlated equilibrium (Moulin & Vial 1978);
maximum-entropy CE via the convex dual (Ortiz, Schapire & Kakade, AISTATS 2007).
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog, minimize

from regretlab.core.simplex import softmax
from regretlab.games.normal_form.game import NormalFormGame

_HIGHS_OPTIONS = {
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
}


class ZeroSumSolution(NamedTuple):
    """A Nash equilibrium of a two-player zero-sum game."""

    row: np.ndarray  # [K1] maximin strategy of player 0
    col: np.ndarray  # [K2] minimax strategy of player 1
    value: float  # player 0's equilibrium payoff


class CorrelatedSolution(NamedTuple):
    """A (coarse) correlated equilibrium."""

    joint: np.ndarray  # [K1, ..., KP] distribution over joint actions
    utilities: np.ndarray  # [P] expected utility of each player
    kind: str  # "ce" or "cce"
    objective: str  # "welfare", "weights", "linear" or "max_entropy"
    max_violation: float  # largest incentive-constraint value (<= 0 up to solver tolerance)


def _clean(x: np.ndarray) -> np.ndarray:
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    return x / x.sum()


def _maximin(a: np.ndarray) -> tuple[np.ndarray, float]:
    """``max_x min_j (xᵀA)_j`` over the simplex, by LP."""
    k1, k2 = a.shape
    c = np.zeros(k1 + 1)
    c[-1] = -1.0  # maximise v
    a_ub = np.hstack([-a.T, np.ones((k2, 1))])  # v - xᵀA_j <= 0
    a_eq = np.hstack([np.ones((1, k1)), np.zeros((1, 1))])
    bounds = [(0, None)] * k1 + [(None, None)]
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(k2), A_eq=a_eq, b_eq=[1.0], bounds=bounds,
                  method="highs", options=_HIGHS_OPTIONS)
    if res.status != 0:
        raise RuntimeError(f"zero-sum LP failed: {res.message}")
    x = _clean(res.x[:k1])
    return x, float((x @ a).min())


def zero_sum_nash(game: NormalFormGame | Any) -> ZeroSumSolution:
    """Nash equilibrium of a two-player zero-sum (or constant-sum) game by LP.

    ``max_x min_y xᵀAy = min_y max_x xᵀAy = v`` (von Neumann 1928); each side is one LP.

    Args:
        game: a 2-player constant-sum :class:`NormalFormGame`, or the row player's matrix ``A [K1, K2]``.

    Returns:
        :class:`ZeroSumSolution` (row strategy, column strategy, value for the row player).

    Example:
        >>> from regretlab.games.normal_form import matching_pennies
        >>> sol = zero_sum_nash(matching_pennies())
        >>> sol.row.round(6).tolist(), round(sol.value, 9) + 0.0
        ([0.5, 0.5], 0.0)
    """
    if isinstance(game, NormalFormGame):
        if game.num_players != 2:
            raise ValueError(f"game must have 2 players, got {game.num_players}")
        if not game.is_zero_sum(atol=1e-9):
            raise ValueError("game must be zero-sum (or constant-sum): payoffs[0] + payoffs[1] varies")
        a = game.payoffs[0]
    else:
        a = np.asarray(game, dtype=np.float64)
        if a.ndim != 2 or not np.isfinite(a).all():
            raise ValueError(f"game must be a finite matrix [K1, K2] or a NormalFormGame, got shape {list(a.shape)}")
    x, v = _maximin(a)
    y, w = _maximin(-a.T)
    return ZeroSumSolution(x, y, v)


def incentive_matrix(game: NormalFormGame, kind: str = "cce") -> sp.csr_matrix:
    """The incentive constraints ``G μ <= 0`` over the flat joint distribution ``μ [prod K]``.

    CCE rows, one per (i, a'): ``Σ_a μ(a)[u_i(a', a_{-i}) - u_i(a)]``.
    CE rows, one per (i, a, a' ≠ a): ``Σ_{a_{-i}} μ(a, a_{-i})[u_i(a', a_{-i}) - u_i(a, a_{-i})]``.

    Returns:
        sparse ``[C, prod K]``.

    Example:
        >>> from regretlab.games.normal_form import chicken
        >>> incentive_matrix(chicken(), "ce").shape  # one row per (player, action, other action)
        (4, 4)
    """
    if kind not in ("ce", "cce"):
        raise ValueError(f"kind must be 'ce' or 'cce', got {kind!r}")
    shape = game.num_actions
    n = int(np.prod(shape))
    idx = np.arange(n).reshape(shape)
    rows, cols, vals = [], [], []
    r = 0
    for i, k in enumerate(shape):
        ix = np.moveaxis(idx, i, 0).reshape(k, -1)  # [K_i, R] flat indices
        u = np.moveaxis(game.payoffs[i], i, 0).reshape(k, -1)  # [K_i, R]
        for dev in range(k):
            if kind == "cce":
                rows.append(np.full(n, r))
                cols.append(ix.ravel())
                vals.append((u[dev][None, :] - u).ravel())
                r += 1
            else:
                for a in range(k):
                    if a == dev:
                        continue
                    rows.append(np.full(ix.shape[1], r))
                    cols.append(ix[a])
                    vals.append(u[dev] - u[a])
                    r += 1
    if r == 0:  # every player has one action: no incentive constraint
        return sp.csr_matrix((0, n))
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n)
    )


def _objective_vector(game: NormalFormGame, objective: Any) -> tuple[np.ndarray, str]:
    shape = game.num_actions
    if isinstance(objective, str):
        if objective != "welfare":
            raise ValueError(
                f"objective must be 'welfare', 'max_entropy', player weights [P] or a linear "
                f"objective {list(shape)}, got {objective!r}"
            )
        return game.payoffs.sum(axis=0).ravel(), "welfare"
    w = np.asarray(objective, dtype=np.float64)
    if w.shape == (game.num_players,):
        return np.tensordot(w, game.payoffs, axes=1).ravel(), "weights"
    if w.shape == shape:
        return w.ravel(), "linear"
    raise ValueError(
        f"objective must be 'welfare', 'max_entropy', weights of shape [{game.num_players}] or "
        f"a linear objective of shape {list(shape)}, got shape {list(w.shape)}"
    )


def correlated_equilibrium(
    game: NormalFormGame, kind: str = "cce", objective: Any = "welfare"
) -> CorrelatedSolution:
    """A CE or CCE maximising a linear objective (LP), or the maximum-entropy one.

    LP: ``max_μ cᵀμ`` s.t. ``G μ <= 0``, ``1ᵀμ = 1``, ``μ >= 0`` with G from
    :func:`incentive_matrix`. Max-entropy: ``max H(μ)`` over the same polytope, solved through the
    dual ``min_{λ>=0} log Σ_a exp(-(Gᵀλ)_a)`` (Ortiz et al. 2007), then mixed with the welfare LP
    solution by the smallest weight that makes every constraint hold exactly.

    Args:
        game: any :class:`NormalFormGame`.
        kind: ``"cce"`` (coarse) or ``"ce"``.
        objective: ``"welfare"`` (Σ_i u_i), ``"max_entropy"``, player weights ``[P]`` or a linear
            objective ``[K1..KP]`` (maximised).

    Returns:
        :class:`CorrelatedSolution`.

    Example:
        >>> from regretlab.games.normal_form import chicken, ce_gap
        >>> sol = correlated_equilibrium(chicken(), "ce")
        >>> bool(ce_gap(chicken(), sol.joint) < 1e-9), sol.joint.shape
        (True, (2, 2))
    """
    if not isinstance(game, NormalFormGame):
        raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
    g = incentive_matrix(game, kind)
    n = g.shape[1]
    if isinstance(objective, str) and objective == "max_entropy":
        mu = _max_entropy(game, g, kind)
        name = "max_entropy"
    else:
        c, name = _objective_vector(game, objective)
        mu = _solve_lp(g, c)
    joint = mu.reshape(game.num_actions)
    utils = np.tensordot(game.payoffs, joint, axes=game.num_players)
    viol = float((g @ mu).max()) if g.shape[0] else 0.0
    return CorrelatedSolution(joint, utils, kind, name, viol)


def _solve_lp(g: sp.csr_matrix, c: np.ndarray) -> np.ndarray:
    n = g.shape[1]
    a_ub, b_ub = (g, np.zeros(g.shape[0])) if g.shape[0] else (None, None)
    res = linprog(-c, A_ub=a_ub, b_ub=b_ub, A_eq=np.ones((1, n)), b_eq=[1.0],
                  bounds=(0, None), method="highs-ds", options=_HIGHS_OPTIONS)
    if res.status != 0:  # a CCE/CE always exists, so this is numerical trouble
        raise RuntimeError(f"correlated-equilibrium LP failed: {res.message}")
    return _clean(res.x)


def _most_feasible(g: sp.csr_matrix) -> np.ndarray:
    """``argmax_μ t`` s.t. ``Gμ + t <= 0``, ``μ`` in the simplex, ``0 <= t <= 1``."""
    c_count, n = g.shape
    a_ub = sp.hstack([g, sp.csr_matrix(np.ones((c_count, 1)))]).tocsr()
    a_eq = np.hstack([np.ones((1, n)), np.zeros((1, 1))])
    c = np.zeros(n + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(c_count), A_eq=a_eq, b_eq=[1.0],
                  bounds=[(0, None)] * n + [(0, 1)], method="highs", options=_HIGHS_OPTIONS)
    if res.status != 0:
        raise RuntimeError(f"correlated-equilibrium LP failed: {res.message}")
    return _clean(res.x[:n])


def _project_l1(g: sp.csr_matrix, target: np.ndarray) -> np.ndarray:
    """``argmin_μ ||μ - target||_1`` over the (C)CE polytope (variables μ and d >= |μ - target|)."""
    c_count, n = g.shape
    eye = sp.identity(n, format="csr")
    a_ub = sp.vstack([
        sp.hstack([g, sp.csr_matrix((c_count, n))]),
        sp.hstack([eye, -eye]),
        sp.hstack([-eye, -eye]),
    ]).tocsr()
    b_ub = np.concatenate([np.zeros(c_count), target, -target])
    a_eq = np.hstack([np.ones((1, n)), np.zeros((1, n))])
    c = np.concatenate([np.zeros(n), np.ones(n)])
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=(0, None),
                  method="highs-ds", options=_HIGHS_OPTIONS)
    if res.status != 0:
        raise RuntimeError(f"correlated-equilibrium LP failed: {res.message}")
    return _clean(res.x[:n])


def _max_entropy(game: NormalFormGame, g: sp.csr_matrix, kind: str) -> np.ndarray:
    gd = g.toarray()
    if gd.shape[0] == 0:  # no constraint: the uniform distribution
        return np.full(gd.shape[1], 1.0 / gd.shape[1])
    scale = max(float(np.abs(gd).max()), 1e-300)
    gs = gd / scale  # scale-free dual

    def fun(lam: np.ndarray) -> tuple[float, np.ndarray]:
        z = -(gs.T @ lam)
        m = z.max()
        e = np.exp(z - m)
        s = e.sum()
        mu = e / s
        return float(np.log(s) + m), -(gs @ mu)

    lam0 = np.zeros(gs.shape[0])
    res = minimize(fun, lam0, jac=True, method="L-BFGS-B", bounds=[(0, None)] * gs.shape[0],
                   options={"maxiter": 1000, "ftol": 1e-15, "gtol": 1e-12})
    mu = softmax(-(gs.T @ res.x))
    # Mix with the most strictly feasible point just enough to satisfy every constraint exactly.
    viol = gd @ mu
    if viol.max() > 1e-13:
        anchor = _most_feasible(g)
        va = gd @ anchor
        bad = viol > 0
        if (va[bad] < 0).all():
            theta = min(1.0, float(np.max(viol[bad] / (viol[bad] - va[bad]))))
            if theta > 1e-6:
                warnings.warn(
                    f"max-entropy {kind}: the dual solver stopped short of feasibility; mixed in "
                    f"{theta:.3g} of a strictly feasible point", RuntimeWarning, stacklevel=3)
            mu = (1 - theta) * mu + theta * anchor
        else:  # no strictly feasible point: L1-project onto the polytope instead
            mu = _project_l1(g, mu)
    return _clean(mu)
