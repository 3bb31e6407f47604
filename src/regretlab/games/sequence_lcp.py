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

The pivots are those of the revised method: ``B⁻¹`` (``[R, R]`` for ``R = S_0 + S_1 + 2(I_0 + I_1 +
2)`` rows, ``S_p`` sequences and ``I_p`` information sets) is updated by a rank-one step per pivot,
columns of ``M`` are sparse.

The float path (the default) is compiled (:mod:`regretlab.games._lcp_kernels`, Numba): each
rank-one update touches only the non-zero rows of the entering column and the non-zero columns of
the pivot row of ``B⁻¹``, which stays sparse because entries below ``1e-14`` after an update are
set to 0. Numerics: a pivot element must exceed :data:`PIVOT_TOL` (``1e-9``) times the scale of ``M`` and of the
column (smaller ones are round-off of zeros; picking one derails the path), ratio ties are within
``1e-9`` (relative) in every lexicographic column, and every :data:`REFACTOR` pivots ``B⁻¹`` is
recomputed from the basis (dense inverse of the block of ``B`` outside its slack columns only),
because the lexicographic rule on a drifting ``B⁻¹`` can cycle (it did, on general-sum liar's dice,
before refactorisation and the tolerances). Even so the float path can revisit a basis (on
Leduc); every basis visited is hashed, and a repeat perturbs the basic values by a seeded
``ε ρ`` (:data:`PERTURBATION`, ``ρ`` uniform on [1/2, 1], i.e. ``r`` by ``B ε ρ``), after which ties
are decided by real margins (first-column tie tolerance ``1e-12``). A secondary ray met with ``z0``
no larger than the perturbation is closed by letting ``z0`` leave for either variable of the
missing complementary pair. At the end the complementary solution is solved once
more directly from the final basis and checked (``z, w >= 0``, ``z ⊥ w`` to ``1e-8`` relative):
a basis that fails raises ``RuntimeError`` rather than returning a wrong equilibrium. On the games
of the tests (Kuhn, general-sum Kuhn, beer-quiche, random one-shot games, liar's dice with 2-sided
dice) the float path takes exactly the pivots of the exact one.
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
REFACTOR = 1000  # float pivots between fresh factorisations of the basis
PIVOT_TOL = 1e-9  # float pivots must exceed this times the scale of M and of the entering column
PERTURBATION = 1e-6  # relative size of the seeded perturbation of the basic values when float pivots cycle
MAX_PERTURBATIONS = 50
SCALE_ABOVE = 1e3  # payoff ranges above this are divided down to 1 before pivoting


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
    perturbations: int = 0  # float path: seeded perturbations that broke a cycle of the float pivots


def _rational(v: float) -> Fraction:
    """The simplest fraction within 1e-15 (relative) of ``v``, else ``v``'s exact binary value."""
    f = Fraction(v).limit_denominator(10**6)
    return f if abs(float(f) - v) <= 1e-15 * max(1.0, abs(v)) else Fraction(v)


def _scale(span: float) -> float:
    """The divisor of a player's shifted payoffs: their span (max − min) when it exceeds
    ``SCALE_ABOVE``, else 1.

    A positive affine change of one player's payoffs keeps the equilibria. The float pivot
    tolerances are relative to entries of order one, so payoffs spanning 1e5 or more would end
    on a false secondary ray unscaled; smaller games keep their payoffs, and their pivots, as they
    are. The exact path divides by the same number, so both paths take the same pivots.
    """
    return span if span > SCALE_ABOVE else 1.0


def _margin(span: float) -> float:
    """How far below 0 the largest shifted payoff goes: 1, or ``span / SCALE_ABOVE`` where the
    payoffs are scaled (so it stays 1/SCALE_ABOVE after scaling, not lost to rounding)."""
    return span / SCALE_ABOVE if span > SCALE_ABOVE else 1.0


def _payoff_matrices(game: Treeplex, exact: bool) -> tuple[list[Any], list[Any], list[Any]]:
    """Both players' sequence-form payoff matrices with payoffs shifted below 0 and divided by
    :func:`_scale`, the shifts and the divisors."""
    sf = sequence_form(game)
    z0, z1 = sf.terminal_sequences[:, 0], sf.terminal_sequences[:, 1]
    n0, n1 = sf.payoff.shape
    if not exact:
        spans = [float(game.utilities[:, p].max() - game.utilities[:, p].min()) for p in range(2)]
        shift = [float(game.utilities[:, p].max()) + _margin(spans[p]) for p in range(2)]
        scale = [_scale(spans[p]) for p in range(2)]
        mats = [sp.csr_matrix((sf.terminal_chance * (game.utilities[:, p] - shift[p]) / scale[p], (z0, z1)),
                              shape=(n0, n1)) for p in range(2)]
        for m in mats:
            m.sum_duplicates()
        return mats, shift, scale
    # chance of each terminal as a product of rational edge probabilities
    chance = [Fraction(1)] * game.num_nodes
    par = game.node_parent
    for node in range(1, game.num_nodes):  # breadth-first: parents first
        c = chance[par[node]]
        chance[node] = c * _rational(float(game.node_chance_prob[node])) if game.node_player[par[node]] == -1 else c
    term = np.flatnonzero(game.node_terminal >= 0)
    util = [[_rational(float(u)) for u in game.utilities[:, p]] for p in range(2)]
    spans = [float(game.utilities[:, p].max() - game.utilities[:, p].min()) for p in range(2)]
    shift = [max(util[p]) + Fraction(_margin(spans[p])) for p in range(2)]
    scale = [Fraction(_scale(spans[p])) for p in range(2)]
    mats = []
    for p in range(2):
        m = np.full((n0, n1), Fraction(0), dtype=object)
        for node in term:
            zi = game.node_terminal[node]
            m[z0[zi], z1[zi]] += chance[node] * (util[p][zi] - shift[p]) / scale[p]
        mats.append(m)
    return mats, shift, scale


def _lcp(game: Treeplex, exact: bool) -> tuple[Any, np.ndarray, tuple[int, int, int, int], Any]:
    """``(M, r, (n0, n1, m0, m1), shift)`` of the standard LCP of the module docstring."""
    sf = sequence_form(game)
    E, F = sf.constraints
    (a, b), shift, _ = _payoff_matrices(game, exact)
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


def _lemke_float(M: Any, r: np.ndarray, *, max_pivots: int, time_limit: float | None,
                 what: str, perturb: bool = False) -> tuple[np.ndarray, int, int]:
    """The float path of :func:`lemke`: the compiled pivots of :mod:`._lcp_kernels`, then the final
    basis solved once more directly (:func:`_resolve`) to clean the accumulated error. Returns
    ``(z, pivots, perturbations)``; ``perturb`` perturbs from the first pivot on (as after a cycle)."""
    from regretlab.games import _lcp_kernels as K

    started = time.perf_counter()
    Md = M.tocsc() if sp.issparse(M) else sp.csc_matrix(np.asarray(M, dtype=np.float64))
    Md = sp.csc_matrix(Md, dtype=np.float64)
    Md.sort_indices()
    R = Md.shape[0]
    rhs = np.asarray(r, dtype=np.float64).copy()
    if Md.shape != (R, R) or rhs.shape != (R,):
        raise ValueError(f"{what}: M must be square [R, R] and r [R], got {Md.shape} and {rhs.shape}")
    if R > MAX_ROWS:
        raise ValueError(f"{what}: {R:,} rows; the dense basis inverse is limited to {MAX_ROWS:,}")
    r0 = rhs.copy()
    scale = max(1.0, float(abs(Md).max()) if Md.nnz else 1.0, float(np.abs(rhs).max()))
    tol = PIVOT_TOL * scale
    Mp, Mi, Mx = Md.indptr.astype(np.int64), Md.indices.astype(np.int64), Md.data
    T = np.eye(R)
    basis = np.arange(R, dtype=np.int64)
    work = np.zeros((2, R))
    leaving = K.lemke_start(T, rhs, basis, Mp, Mi, Mx, work)
    if leaving < 0:
        return np.zeros(R), 0, 0
    from numba import types
    from numba.typed import Dict

    seen = Dict.empty(key_type=types.int64, value_type=types.int64)
    state = np.array([leaving, 1, K.CYCLE if perturb else K.RUNNING, 0], dtype=np.int64)
    state[3] = np.uint64(K.basis_hash(basis)).view(np.int64)
    steps, since, refactor, perturbed = 64, 1, REFACTOR, 0
    r_eff = r0.copy()  # r plus the perturbations that broke cycles (the final solve uses r)
    rng = np.random.default_rng(0)
    while state[2] in (K.RUNNING, K.CYCLE):
        if state[1] >= max_pivots:
            raise RuntimeError(f"{what}: Lemke's algorithm reached max_pivots={max_pivots}")
        if time_limit is not None and time.perf_counter() - started > time_limit:
            raise TimeoutError(f"{what}: Lemke's algorithm reached time_limit={time_limit:g} s "
                               f"after {int(state[1])} pivots")
        if state[2] == K.CYCLE:
            # float ties broke the lexicographic rule: perturb the basic values by a seeded
            # ε ρ (ρ in [1/2, 1]), i.e. r by B ε ρ, which decides the ties by real margins
            perturbed += 1
            if perturbed > MAX_PERTURBATIONS:
                raise RuntimeError(f"{what}: the float Lemke path cycled {perturbed} times; try exact=True")
            bump = PERTURBATION * scale * rng.uniform(0.5, 1.0, R)
            r_eff = r_eff + _basis_matrix(Md, basis) @ bump
            rhs += bump
            seen.clear()
            state[2] = K.RUNNING
        t0 = time.perf_counter()
        n = min(steps, max_pivots - int(state[1]), refactor - since)
        K.lemke_steps(T, rhs, basis, Mp, Mi, Mx, tol, state, n, work, seen, 1e-12 if perturbed else 1e-9)
        since += n
        if since >= refactor and state[2] == K.RUNNING:
            try:  # B⁻¹ afresh: the lexicographic test needs it accurate
                T, rhs = _refactor(Md, r_eff, basis)
            except np.linalg.LinAlgError:
                raise RuntimeError(f"{what}: the float Lemke basis became singular after {int(state[1])} "
                                   "pivots (a round-off pivot); try exact=True") from None
            since = 0
        # about 0.05 s between checks of the limits
        steps = int(min(4096, max(16, steps * 2 if time.perf_counter() - t0 < 0.05 else steps // 2)))
    pivots = int(state[1])
    if state[2] == K.RAY:
        z0_at = np.flatnonzero(basis == 2 * R)
        if perturbed and z0_at.size and rhs[z0_at[0]] <= 1e-4 * scale:
            # a ray with z0 at the size of the perturbation: the unperturbed path ends here;
            # z0 leaves for one of the two variables of the missing complementary pair
            lv = int(state[0])
            for var in (lv + R if lv < R else lv - R, lv):
                cand = basis.copy()
                cand[z0_at[0]] = var
                try:
                    return _resolve(Md, r0, cand, None, what), pivots + 1, perturbed
                except (RuntimeError, np.linalg.LinAlgError):
                    continue
        raise RuntimeError(f"{what}: Lemke's algorithm ended on a secondary ray after {pivots} pivots")
    del T
    return _resolve(Md, r0, basis, rhs, what), pivots, perturbed


def _basis_matrix(M: sp.csc_matrix, basis: np.ndarray) -> sp.csc_matrix:
    """The basis columns of ``w - Mz - d z0 = r`` (``d = 1``) as a sparse ``[R, R]`` matrix."""
    R = M.shape[0]
    zc = basis[(basis >= R) & (basis < 2 * R)] - R
    Mz = M[:, zc]
    cols = np.empty(R + 1, dtype=np.int64)
    rows, vals = [], []
    counts = np.zeros(R, dtype=np.int64)
    pos = {int(j): k for k, j in enumerate(zc)}
    for i, v in enumerate(basis):
        if v < R:
            rows.append(np.array([v])); vals.append(np.array([1.0]))
        elif v < 2 * R:
            k = pos[int(v - R)]
            lo, hi = Mz.indptr[k], Mz.indptr[k + 1]
            rows.append(Mz.indices[lo:hi]); vals.append(-Mz.data[lo:hi])
        else:
            rows.append(np.arange(R)); vals.append(-np.ones(R))
        counts[i] = rows[-1].size
    cols[0] = 0
    cols[1:] = np.cumsum(counts)
    return sp.csc_matrix((np.concatenate(vals), np.concatenate(rows), cols), shape=(R, R))


class _Reduced(NamedTuple):
    """A complementary basis split by its slack columns: rows ``W`` hold a basic ``w_i`` (an
    identity column), the other rows ``N`` and the remaining basic columns ``G`` (those of ``z``
    and ``z0`` in ``w - Mz - d z0 = r``) form the square block ``G_N``; then ``B v = b`` reads
    ``v_Z = G_N⁻¹ b_N``, ``v_W = b_W - G_W v_Z``."""

    W: np.ndarray  # rows whose slack is basic
    N: np.ndarray  # the other rows
    pos_w: np.ndarray  # basis position of each w_i, i in W
    pos_z: np.ndarray  # basis positions of the other basic variables (the columns of G)
    GN: np.ndarray  # [|N|, |N|] dense
    GW: sp.csr_matrix  # [|W|, |N|]


def _reduced(M: sp.csc_matrix, basis: np.ndarray) -> _Reduced:
    R = M.shape[0]
    is_w = basis < R
    pos_w, pos_z = np.flatnonzero(is_w), np.flatnonzero(~is_w)
    W = basis[pos_w]
    N = np.setdiff1d(np.arange(R), W)
    G = _basis_matrix(M, basis)[:, pos_z].tocsr()
    return _Reduced(W, N, pos_w, pos_z, G[N].toarray(), G[W])


def _refactor(M: sp.csc_matrix, r: np.ndarray, basis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(B⁻¹ transposed, B⁻¹ r)`` afresh: a dense inverse of the block ``G_N`` only (the rows of
    the basic slacks need none), see :class:`_Reduced`."""
    R = M.shape[0]
    red = _reduced(M, basis)
    H = np.linalg.inv(red.GN)  # [|Z|, |N|]: the rows of B⁻¹ at the z positions, on columns N
    HW = red.GW @ H
    for X in (H, HW):
        X[np.abs(X) < 1e-14] = 0.0  # round-off of zeros (B⁻¹ of a sequence-form basis is sparse)
    T = np.zeros((R, R))  # T[j, i] = B⁻¹[i, j]
    T[np.ix_(red.N, red.pos_z)] = H.T
    T[red.W, red.pos_w] = 1.0
    T[np.ix_(red.N, red.pos_w)] = -HW.T
    b = np.asarray(r, dtype=np.float64)
    v = np.empty(R)
    v[red.pos_z] = H @ b[red.N]
    v[red.pos_w] = b[red.W] - red.GW @ v[red.pos_z]
    return T, v


def _solve(red: _Reduced, b: np.ndarray, R: int) -> np.ndarray:
    """``v`` with ``B v = b`` by one dense LU of ``G_N`` (:class:`_Reduced`)."""
    v = np.empty(R)
    vz = np.linalg.solve(red.GN, b[red.N])
    v[red.pos_z] = vz
    v[red.pos_w] = b[red.W] - red.GW @ vz
    return v


def _resolve(M: sp.csc_matrix, r: np.ndarray, basis: np.ndarray, values: np.ndarray, what: str) -> np.ndarray:
    """``z`` of the complementary basis ``basis``, by one direct solve of ``B v = r`` (the columns of
    ``w - Mz = r``), kept only if its residual beats the pivoted ``values``; then checked: a basis
    whose solution violates ``z >= 0``, ``w >= 0`` or ``z ⊥ w`` by more than ``1e-8`` (relative)
    raises ``RuntimeError`` instead of returning a wrong equilibrium."""
    R = r.shape[0]
    B = _basis_matrix(M, basis)
    best = values
    res = np.abs(B @ values - r).max() if values is not None else np.inf
    try:
        v = _solve(_reduced(M, basis), np.asarray(r, dtype=np.float64), R)
        res_v = np.abs(B @ v - r).max()
        if np.isfinite(res_v) and res_v <= res:
            best, res = v, res_v
    except np.linalg.LinAlgError:  # a singular basis block: keep the pivoted values
        pass
    if best is None:
        raise RuntimeError(f"{what}: the float Lemke basis is singular; try exact=True")
    z = np.zeros(R)
    zi = basis >= R
    z[basis[zi] - R] = best[zi]
    w = r + M @ z
    scale = max(1.0, float(np.abs(r).max()), float(np.abs(z).max()))
    worst = max(-z.min(), -w.min(), float(np.abs(z * w).max()), res)
    if worst > 1e-8 * scale:
        raise RuntimeError(f"{what}: the float Lemke basis is not a solution (violation {worst:.1e}); "
                           f"try exact=True")
    return np.maximum(z, 0.0)


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
    if not exact:
        return _lemke_float(M, r, max_pivots=max_pivots, time_limit=time_limit, what=what)[:2]
    return _lemke_exact(M, r, max_pivots=max_pivots, time_limit=time_limit, what=what)


def _lemke_exact(M: Any, r: np.ndarray, *, max_pivots: int, time_limit: float | None,
                 what: str) -> tuple[np.ndarray, int]:
    """The rational path of :func:`lemke` (``fractions.Fraction``; ties decided exactly). Sparse
    where it is free to be: the columns of ``M`` by their non-zeros, and each rank-one update
    only on the rows with ``c_i ≠ 0`` and the columns where the pivot row of ``B⁻¹`` is non-zero."""
    R = r.shape[0]
    zero = Fraction(0)
    started = time.perf_counter()
    binv = np.full((R, R), zero, dtype=object)
    for i in range(R):
        binv[i, i] = Fraction(1)
    Md = np.asarray(M, dtype=object)
    nz_cols = [np.flatnonzero(Md[:, j] != 0) for j in range(R)]
    rhs = np.array([Fraction(v) for v in r], dtype=object)
    if all(v >= zero for v in rhs):
        return np.full(R, zero, dtype=object), 0
    basis = np.arange(R)  # variable ids: w_i = i, z_i = R + i, z0 = 2R
    Z0 = 2 * R

    def column(var: int) -> np.ndarray:
        """``B⁻¹`` times the tableau column of ``var`` (``w - Mz - d z0 = r``)."""
        if var < R:
            return binv[:, var].copy()
        if var == Z0:
            return -binv.sum(axis=1)
        j = var - R
        idx = nz_cols[j]
        return -(binv[:, idx] @ Md[idx, j]) if idx.size else np.full(R, zero, dtype=object)

    def lexmin(cands: list[int], col: np.ndarray, first: np.ndarray) -> int:
        """The candidate row whose ``[first, B⁻¹ row] / col`` is lexicographically smallest."""
        keys = [first[i] / col[i] for i in cands]
        best = min(keys)
        cands = [i for i, k in zip(cands, keys) if k == best]
        j = 0
        while len(cands) > 1 and j < R:
            keys = [binv[i, j] / col[i] for i in cands]
            best = min(keys)
            cands = [i for i, k in zip(cands, keys) if k == best]
            j += 1
        return int(cands[0])

    def pivot(row: int, col: np.ndarray, var: int) -> int:
        piv = col[row]
        leaving = int(basis[row])
        nzj = np.flatnonzero(binv[row] != 0)
        brow = binv[row, nzj] / piv
        rhs_row = rhs[row] / piv
        for i in range(R):
            c = col[i]
            if i != row and c != 0:
                binv[i, nzj] = binv[i, nzj] - c * brow
                rhs[i] = rhs[i] - c * rhs_row
        binv[row, nzj] = brow
        rhs[row] = rhs_row
        basis[row] = var
        return leaving

    # z0 enters at the row of the most negative r (lexicographic among ties)
    col = column(Z0)  # = -d: the ratio rows are those with r_i < 0
    row = lexmin([i for i in range(R) if rhs[i] < zero], -col, rhs)
    leaving = pivot(row, col, Z0)
    pivots = 1
    while True:
        if pivots >= max_pivots:
            raise RuntimeError(f"{what}: Lemke's algorithm reached max_pivots={max_pivots}")
        if time_limit is not None and time.perf_counter() - started > time_limit:
            raise TimeoutError(f"{what}: Lemke's algorithm reached time_limit={time_limit:g} s after {pivots} pivots")
        entering = leaving + R if leaving < R else leaving - R  # the complement of the leaving variable
        col = column(entering)
        cands = [i for i in range(R) if col[i] > 0]
        if not cands:
            raise RuntimeError(f"{what}: Lemke's algorithm ended on a secondary ray after {pivots} pivots")
        z0_row = np.flatnonzero(basis == Z0)
        row = lexmin(cands, col, rhs)
        if z0_row.size and col[z0_row[0]] > 0 and row != z0_row[0]:
            # z0 leaves as soon as it is among the minimum ratios (the path ends there)
            k = int(z0_row[0])
            if rhs[k] / col[k] == rhs[row] / col[row]:
                row = k
        leaving = pivot(row, col, entering)
        pivots += 1
        if leaving == Z0:
            break
    z = np.full(R, zero, dtype=object)
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
    solve = _lemke_exact if exact else _lemke_float
    z, pivots, *perturbed = solve(M, r, max_pivots=max_pivots, time_limit=time_limit,
                      what=f"sequence-form LCP of {game.name!r}")
    x, y = z[:n0], z[n0:n0 + n1]
    xf = np.maximum(np.array([float(v) for v in x]), 0.0)
    yf = np.maximum(np.array([float(v) for v in y]), 0.0)
    policy = behavioural(game, (xf, yf))
    values = expected_value(game, policy)
    exact_values = None
    if exact:  # xᵀ A_p y with the shifted, scaled matrices, scaled back, plus the shift (xᵀ S y = 1 for plans)
        mats, _, scale = _payoff_matrices(game, True)
        exact_values = tuple(scale[p] * (x @ mats[p] @ y) + shift[p] for p in range(2))
    return LCPSolution(policy, (x, y) if exact else (xf, yf), values, nash_conv(game, policy), pivots,
                       time.perf_counter() - started, exact, exact_values, perturbed[0] if perturbed else 0)


__all__ = ["MAX_ROWS", "LCPSolution", "lemke", "sequence_form_lcp"]
