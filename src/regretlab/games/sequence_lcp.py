"""Nash equilibria of two-player general-sum extensive-form games: the sequence-form LCP solved by
Lemke's algorithm (Koller, Megiddo & von Stengel, "Efficient computation of equilibria for
extensive two-person games", GEB 14, 1996).

With realization plans ``x`` (``Ex = e``), ``y`` (``Fy = f``) and the sequence-form payoff
matrices ``A`` (player 0) and ``B`` (player 1) of :mod:`regretlab.games.sequence_form`, ``(x, y)``
is an equilibrium iff there are ``p``, ``q`` with

    Eᵀp - A y >= 0 ⊥ x >= 0,   Fᵀq - Bᵀx >= 0 ⊥ y >= 0,   Ex = e,   Fy = f

(each plan is a best response: the LP duality of von Stengel 1996). The free ``p``, ``q`` are
split into non-negative parts and each equality into two inequalities, which gives a standard
LCP ``w = r + Mz >= 0 ⊥ z >= 0`` with ``z = (x, y, p⁺, p⁻, q⁺, q⁻)`` and

    M = [[0, -A, Eᵀ, -Eᵀ, 0, 0], [-Bᵀ, 0, 0, 0, Fᵀ, -Fᵀ], [-E, 0, ...], [E, 0, ...],
         [0, -F, ...], [0, F, ...]],   r = (0, 0, e, -e, f, -f),

whose equation blocks are skew-symmetric. Payoffs are first shifted to be negative (which
changes no equilibrium: ``xᵀ S y = 1`` for every plan pair, ``S`` the chance weights), so ``M`` is
copositive (``zᵀMz = -xᵀ(A + B)y >= 0``), the condition under which KMvS (1996, §4) show that
Lemke's complementary pivoting reaches a solution; here the covering vector is ``d = 1``. A
secondary ray, were one met, raises ``RuntimeError`` (none occurred on the games tested).

Degeneracy: splitting the equalities makes every basis degenerate (``w_{p⁺} = w_{p⁻} = 0`` at any
solution), and games with ties (signalling games, indifferent off-path choices) add more. Ties
in the minimum-ratio test are broken by the **lexicographic** rule (the ratio rows of
``[r, B⁻¹]``, i.e. Lemke's algorithm on the perturbed ``r + (ε, ε², ...)``), which makes every
pivot unique and the path finite without random perturbation (Cottle, Pang & Stone, *The Linear
Complementarity Problem*, 1992, §4.9). ``exact=True`` runs the same pivots in rational arithmetic
(``fractions.Fraction``), so degenerate ties are decided exactly and the equilibrium is certified.

The pivots are those of the revised method: ``B⁻¹`` (dense, ``[R, R]`` for ``R = 2(S_0 + S_1 + I_0
+ I_1 + 2)`` rows) is updated by a rank-one step per pivot, columns of ``M`` are sparse.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from regretlab.core.errors import check_int, check_positive
from regretlab.games.sequence_form import _check_two_player, behavioural, sequence_form
from regretlab.games.treeplex import Treeplex

MAX_ROWS = 12_000  # LCPs with more rows are refused (B⁻¹ is dense: R² floats)


class LCPSolution(NamedTuple):
    """A Nash equilibrium of a two-player extensive-form game from the sequence-form LCP."""

    policy: np.ndarray  # [I, A] behavioural equilibrium profile
    plans: tuple[np.ndarray, np.ndarray]  # realization plans [S0+1], [S1+1] (Fractions when exact)
    values: np.ndarray  # [2] each player's expected payoff (floats)
    nash_conv: float  # NashConv of ``policy`` by the exact best response
    pivots: int  # complementary pivots taken
    seconds: float
    exact: bool  # True when solved in rational arithmetic
    exact_values: tuple[Fraction, Fraction] | None  # the players' payoffs as fractions (exact only)


def _rational(v: float) -> Fraction:
    """The simplest fraction within 1e-15 (relative) of ``v``, else ``v``'s exact binary value."""
    f = Fraction(v).limit_denominator(10**6)
    return f if abs(float(f) - v) <= 1e-15 * max(1.0, abs(v)) else Fraction(v)


def _payoff_matrices(game: Treeplex, exact: bool) -> tuple[list[Any], float | Fraction]:
    """Both players' sequence-form payoff matrices with payoffs shifted below 0, and the shifts."""
    sf = sequence_form(game)
    z0, z1 = sf.terminal_sequences[:, 0], sf.terminal_sequences[:, 1]
    n0, n1 = sf.payoff.shape
    if not exact:
        shift = [float(game.utilities[:, p].max()) + 1.0 for p in range(2)]
        mats = [sp.csr_matrix((sf.terminal_chance * (game.utilities[:, p] - shift[p]), (z0, z1)), shape=(n0, n1))
                for p in range(2)]
        for m in mats:
            m.sum_duplicates()
        return mats, shift
    # chance of each terminal as a product of rational edge probabilities
    chance = [Fraction(1)] * game.num_nodes
    par = game.node_parent
    for node in range(1, game.num_nodes):  # breadth-first: parents first
        c = chance[par[node]]
        chance[node] = c * _rational(float(game.node_chance_prob[node])) if game.node_player[par[node]] == -1 else c
    term = np.flatnonzero(game.node_terminal >= 0)
    util = [[_rational(float(u)) for u in game.utilities[:, p]] for p in range(2)]
    shift = [max(u) + 1 for u in util]
    mats = []
    for p in range(2):
        m = np.full((n0, n1), Fraction(0), dtype=object)
        for node in term:
            zi = game.node_terminal[node]
            m[z0[zi], z1[zi]] += chance[node] * (util[p][zi] - shift[p])
        mats.append(m)
    return mats, shift


def _lcp(game: Treeplex, exact: bool) -> tuple[Any, np.ndarray, tuple[int, int, int, int], Any]:
    """``(M, r, (n0, n1, m0, m1), shift)`` of the standard LCP of the module docstring."""
    sf = sequence_form(game)
    E, F = sf.constraints
    (a, b), shift = _payoff_matrices(game, exact)
    n0, n1 = sf.payoff.shape
    m0, m1 = E.shape[0], F.shape[0]
    R = n0 + n1 + 2 * m0 + 2 * m1
    if R > MAX_ROWS:
        raise ValueError(f"the sequence-form LCP of {game.name!r} has {R:,} rows; Lemke's dense basis "
                         f"inverse is limited to {MAX_ROWS:,}")
    if exact:
        Ed = E.toarray().astype(np.int64).astype(object)
        Fd = F.toarray().astype(np.int64).astype(object)
        M = np.full((R, R), Fraction(0), dtype=object)
    else:
        Ed, Fd = E, F
    blocks = [[None, -a, Ed.T, -Ed.T, None, None],
              [-b.T, None, None, None, Fd.T, -Fd.T],
              [-Ed, None, None, None, None, None],
              [Ed, None, None, None, None, None],
              [None, -Fd, None, None, None, None],
              [None, Fd, None, None, None, None]]
    sizes = [n0, n1, m0, m0, m1, m1]
    off = np.concatenate([[0], np.cumsum(sizes)])
    if exact:
        for i, row in enumerate(blocks):
            for j, blk in enumerate(row):
                if blk is not None:
                    M[off[i]:off[i + 1], off[j]:off[j + 1]] = blk
        r = np.full(R, Fraction(0), dtype=object)
    else:
        filled = [[sp.csr_matrix((sizes[i], sizes[j])) if blk is None else sp.csr_matrix(blk)
                   for j, blk in enumerate(row)] for i, row in enumerate(blocks)]
        M = sp.bmat(filled, format="csc")
        r = np.zeros(R)
    one = Fraction(1) if exact else 1.0
    r[off[2]] = one   # e: the empty sequence's row of E
    r[off[3]] = -one
    r[off[4]] = one   # f
    r[off[5]] = -one
    return M, r, (n0, n1, m0, m1), shift


def lemke(M: Any, r: np.ndarray, *, exact: bool = False, max_pivots: int = 1_000_000,
          time_limit: float | None = None, what: str = "LCP") -> tuple[np.ndarray, int]:
    """Lemke's complementary pivoting for ``w = r + Mz >= 0 ⊥ z >= 0`` (covering vector ``d = 1``),
    with the lexicographic minimum-ratio rule.

    Args:
        M: ``[R, R]`` matrix (scipy sparse or dense; dense ``object`` array of Fractions when ``exact``).
        r: ``[R]`` vector.
        exact: rational arithmetic (``M`` and ``r`` hold Fractions; ties decided exactly).
        max_pivots: most pivots.
        time_limit: seconds (``None``: no limit).
        what: the problem's name in errors.

    Returns:
        ``(z [R], pivots)``.

    Raises:
        RuntimeError: secondary-ray termination or ``max_pivots`` reached; TimeoutError: ``time_limit``.

    Example:
        >>> z, k = lemke(np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([-5.0, -6.0]))
        >>> z.round(9).tolist()
        [1.333333333, 2.333333333]
    """
    R = r.shape[0]
    zero = Fraction(0) if exact else 0.0
    started = time.perf_counter()
    if exact:
        binv = np.full((R, R), Fraction(0), dtype=object)
        for i in range(R):
            binv[i, i] = Fraction(1)
        Md = M
        rhs = r.copy()
    else:
        binv = np.eye(R)
        Md = M.tocsc() if sp.issparse(M) else sp.csc_matrix(np.asarray(M, dtype=np.float64))
        rhs = np.asarray(r, dtype=np.float64).copy()
        scale = max(1.0, float(abs(Md).max()) if Md.nnz else 1.0, float(np.abs(rhs).max()))
    if all(v >= zero for v in rhs):
        return np.zeros(R, dtype=object if exact else np.float64), 0
    basis = np.arange(R)  # variable ids: w_i = i, z_i = R + i, z0 = 2R
    Z0 = 2 * R

    def column(var: int) -> np.ndarray:
        """``B⁻¹`` times the tableau column of ``var`` (``w - Mz - d z0 = r``)."""
        if var < R:
            return binv[:, var].copy()
        if var == Z0:
            return -binv.sum(axis=1)
        j = var - R
        if exact:
            return -(binv @ Md[:, j])
        lo, hi = Md.indptr[j], Md.indptr[j + 1]
        return -(binv[:, Md.indices[lo:hi]] @ Md.data[lo:hi])

    def lexmin(cands: np.ndarray, col: np.ndarray, first: np.ndarray) -> int:
        """The candidate row whose ``[first, B⁻¹ row] / col`` is lexicographically smallest."""
        if exact:
            keys = [first[i] / col[i] for i in cands]
            best = min(keys)
            cands = np.array([i for i, k in zip(cands, keys) if k == best])
        else:
            ratio = first[cands] / col[cands]
            best = ratio.min()
            cands = cands[ratio <= best + 1e-9 * max(1.0, abs(best))]
        j = 0
        while cands.size > 1 and j < R:
            if exact:
                keys = [binv[i, j] / col[i] for i in cands]
                best = min(keys)
                cands = np.array([i for i, k in zip(cands, keys) if k == best])
            else:
                ratio = binv[cands, j] / col[cands]
                best = ratio.min()
                cands = cands[ratio <= best + 1e-12 * max(1.0, abs(best))]
            j += 1
        return int(cands[0])

    def pivot(row: int, col: np.ndarray, var: int) -> int:
        nonlocal binv, rhs
        piv = col[row]
        leaving = int(basis[row])
        binv_row = binv[row] / piv
        rhs_row = rhs[row] / piv
        if exact:
            for i in range(R):
                c = col[i]
                if i != row and c != 0:
                    binv[i] = binv[i] - c * binv_row
                    rhs[i] = rhs[i] - c * rhs_row
        else:
            binv -= np.outer(col, binv_row)
            rhs -= col * rhs_row
        binv[row] = binv_row
        rhs[row] = rhs_row
        basis[row] = var
        return leaving

    # z0 enters at the row of the most negative r (lexicographic among ties)
    col = column(Z0)  # = -d: the ratio rows are those with r_i < 0
    neg = np.array([i for i in range(R) if rhs[i] < zero]) if exact else np.flatnonzero(rhs < 0)
    row = lexmin(neg, -col, rhs)  # z0 = max_i -r_i / d_i: the lexicographically most negative row
    leaving = pivot(row, col, Z0)
    pivots = 1
    tol = 0 if exact else 1e-11 * scale
    while True:
        if pivots >= max_pivots:
            raise RuntimeError(f"{what}: Lemke's algorithm reached max_pivots={max_pivots}")
        if time_limit is not None and time.perf_counter() - started > time_limit:
            raise TimeoutError(f"{what}: Lemke's algorithm reached time_limit={time_limit:g} s after {pivots} pivots")
        entering = leaving + R if leaving < R else leaving - R  # the complement of the leaving variable
        col = column(entering)
        cands = np.array([i for i in range(R) if col[i] > 0]) if exact else np.flatnonzero(col > tol)
        if cands.size == 0:
            raise RuntimeError(f"{what}: Lemke's algorithm ended on a secondary ray after {pivots} pivots")
        z0_row = np.flatnonzero(basis == Z0)
        row = lexmin(cands, col, rhs)
        if z0_row.size and z0_row[0] in cands and row != z0_row[0]:
            # z0 leaves as soon as it is among the minimum ratios (the path ends there)
            k = int(z0_row[0])
            if (rhs[k] / col[k] == rhs[row] / col[row]) if exact else (
                    rhs[k] / col[k] <= rhs[row] / col[row] + 1e-9 * max(1.0, abs(rhs[row] / col[row]))):
                row = k
        leaving = pivot(row, col, entering)
        pivots += 1
        if leaving == Z0:
            break
    z = np.full(R, zero, dtype=object) if exact else np.zeros(R)
    for i, var in enumerate(basis):
        if R <= var < Z0:
            z[var - R] = rhs[i]
    return z, pivots


def sequence_form_lcp(game: Treeplex, *, exact: bool = False, max_pivots: int = 1_000_000,
                      time_limit: float | None = None) -> LCPSolution:
    """A Nash equilibrium of a two-player (general-sum) extensive-form game by Lemke's algorithm
    on the sequence-form LCP (Koller, Megiddo & von Stengel 1996).

    Args:
        game: a two-player treeplex (zero-sum or general-sum).
        exact: pivot in rational arithmetic (payoffs and chance probabilities read as the
            simplest fractions within 1e-15 of the floats; small games only).
        max_pivots: most complementary pivots.
        time_limit: seconds (``None``: no limit); reaching it raises ``TimeoutError``.

    Returns:
        :class:`LCPSolution` (behavioural policy, realization plans, values, NashConv, pivots).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> sol = sequence_form_lcp(kuhn_poker(), exact=True)
        >>> sol.exact_values[0], sol.nash_conv < 1e-12
        (Fraction(-1, 18), True)

    References:
        D. Koller, N. Megiddo, B. von Stengel, GEB 14 (1996); C. E. Lemke, Management Science 11
        (1965); R. Cottle, J.-S. Pang, R. Stone, The Linear Complementarity Problem (1992), §4.9.
    """
    from regretlab.games.evaluation import expected_value, nash_conv

    game = _check_two_player(game)
    check_int("max_pivots", max_pivots, minimum=1)
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    if not isinstance(exact, bool):
        raise TypeError(f"exact must be True or False, got {exact!r}")
    started = time.perf_counter()
    M, r, (n0, n1, _, _), shift = _lcp(game, exact)
    z, pivots = lemke(M, r, exact=exact, max_pivots=max_pivots, time_limit=time_limit,
                      what=f"sequence-form LCP of {game.name!r}")
    x, y = z[:n0], z[n0:n0 + n1]
    xf = np.maximum(np.array([float(v) for v in x]), 0.0)
    yf = np.maximum(np.array([float(v) for v in y]), 0.0)
    policy = behavioural(game, (xf, yf))
    values = expected_value(game, policy)
    exact_values = None
    if exact:  # xᵀ A_p y with the shifted matrices, plus the shift (xᵀ S y = 1 for plans)
        mats, _ = _payoff_matrices(game, True)
        exact_values = tuple(x @ mats[p] @ y + shift[p] for p in range(2))
    return LCPSolution(policy, (x, y) if exact else (xf, yf), values, nash_conv(game, policy), pivots,
                       time.perf_counter() - started, exact, exact_values)


__all__ = ["MAX_ROWS", "LCPSolution", "lemke", "sequence_form_lcp"]
