"""Exact LP dimension reduction by colour refinement (equitable partitions), for any LP.

Grohe, Kersting, Mladenov & Selman, "Dimension reduction via colour refinement", ESA 2014: for
the LP ``min cᵀx  s.t.  l <= Mx <= u, lo <= x <= hi``, a partition ``P`` of the columns and
``Q`` of the rows is *equitable* when columns of one class share cost and bounds, rows of one
class share bounds, and for every row class ``k`` and column class ``l`` the block sums agree:
``S_kl = Σ_{j ∈ P_l} M_ij`` is the same for every row ``i ∈ Q_k`` (and ``Σ_{i ∈ Q_k} M_ij``
for every column ``j ∈ P_l``). Averaging over the classes then maps solutions to solutions of
the same cost, so the *reduced* LP over one variable per column class,
``min Σ_l |P_l| c_l z_l  s.t.  l_k <= Σ_l S_kl z_l <= u_k``, has the LP's optimum, ``x_j =
z_{class(j)}`` is an optimal solution and a dual ``w`` of the reduced LP lifts to the dual
``y_i = w_{class(i)} / |Q_k|``. The coarsest equitable partition is found by colour refinement
(1-dimensional Weisfeiler-Leman on the weighted bipartite graph of ``M``): a class splits by the
multiset of (class, block sum) pairs of its members until nothing splits.

The block sums are compared after rounding each to 40 bits of mantissa, relative to itself (and
hashed in 64 bits); a sum that cancels to within 1e-12 of its terms' magnitudes counts as zero.
So two rows whose sums differ only by rounding stay together, sums that differ by more than about
1e-12 relative never merge, and the scale of the LP does not matter: the reduction is exact up to
rounding, and a caller that needs a guarantee checks the lifted solution on the whole problem (the
sequence-form LP does, with exact best responses).

Symmetric games shrink: on Leduc poker (suits interchangeable, and more) the sequence-form LP of
1,562 rows and columns becomes 482 x 482.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numba import njit

_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xBF58476D1CE4E5B9)
_K3 = np.uint64(0x94D049BB133111EB)


@njit(cache=True)
def _mix(a):
    """splitmix64's finaliser (a bijection of uint64)."""
    a = (a ^ (a >> np.uint64(30))) * _K2
    a = (a ^ (a >> np.uint64(27))) * _K3
    return a ^ (a >> np.uint64(31))


@njit(cache=True)
def _relabel(h, out):
    """Classes ``0..k-1`` of equal hashes, numbered by first occurrence; returns ``k``."""
    order = np.argsort(h, kind="mergesort")
    tmp = np.empty(h.shape[0], dtype=np.int64)
    k = -1
    for t in range(order.shape[0]):
        if t == 0 or h[order[t]] != h[order[t - 1]]:
            k += 1
        tmp[order[t]] = k
    # renumber by first occurrence, so that the labels do not depend on hash values
    first = np.full(k + 1, -1, dtype=np.int64)
    n = 0
    for i in range(h.shape[0]):
        c = tmp[i]
        if first[c] < 0:
            first[c] = n
            n += 1
        out[i] = first[c]
    return n


@njit(cache=True)
def _signatures(indptr, indices, data, other, own, acc, mag, seen, touched, out):
    """``out[i]``: hash of ``own[i]`` and the multiset of (class of column, rounded block sum)
    over row ``i`` of a CSR matrix whose columns carry the classes ``other`` (``acc``, ``mag``,
    ``seen``, ``touched``: scratch of one slot per class, ``acc``/``mag`` zero and ``seen`` False
    on entry). A block sum is rounded relative to itself, to 40 bits of mantissa (about 1e-12),
    and counts as zero when it cancels to within 1e-12 of the sum of its terms' magnitudes: sums
    of very different sizes are never merged, whatever the scale of the LP."""
    n = indptr.shape[0] - 1
    for i in range(n):
        nt = 0
        for t in range(indptr[i], indptr[i + 1]):
            c = other[indices[t]]
            if not seen[c]:
                seen[c] = True
                touched[nt] = c
                nt += 1
            acc[c] += data[t]
            mag[c] += abs(data[t])
        h = np.uint64(0)
        for t in range(nt):
            c = touched[t]
            v = acc[c]
            a = mag[c]
            acc[c] = 0.0
            mag[c] = 0.0
            seen[c] = False
            if abs(v) <= 1e-12 * a:
                continue
            m, e = math.frexp(v)  # v = m 2^e, 0.5 <= |m| < 1
            q = np.int64(np.round(m * 1099511627776.0))  # 2^40
            if q == 1099511627776 or q == -1099511627776:  # rounded up to the next power of two
                q //= 2
                e += 1
            h += _mix(_mix(np.uint64(c) * _K1 + np.uint64(1)) ^ np.uint64(q) ^ _mix(np.uint64(e + 4096) * _K2))
        out[i] = _mix(h ^ _mix(np.uint64(own[i]) + np.uint64(7)))


@njit(cache=True)
def _refine(rp, ri, rd, cp, ci, cd, colc, rowc, max_rounds):
    """Colour refinement of the columns ``colc`` and rows ``rowc`` (both updated in place) over
    a matrix given in CSR (``rp, ri, rd``) and CSC (``cp, ci, cd``); returns the rounds done."""
    nr = rowc.shape[0]
    nc = colc.shape[0]
    hr = np.empty(nr, dtype=np.uint64)
    hc = np.empty(nc, dtype=np.uint64)
    acc = np.zeros(max(nr, nc))
    mag = np.zeros(max(nr, nc))
    seen = np.zeros(max(nr, nc), dtype=np.bool_)
    touched = np.empty(max(nr, nc), dtype=np.int64)
    kr = rowc.max() + 1 if nr else 0
    kc = colc.max() + 1 if nc else 0
    for r in range(max_rounds):
        _signatures(rp, ri, rd, colc, rowc, acc, mag, seen, touched, hr)
        kr2 = _relabel(hr, rowc)
        _signatures(cp, ci, cd, rowc, colc, acc, mag, seen, touched, hc)
        kc2 = _relabel(hc, colc)
        if kr2 == kr and kc2 == kc:
            return r + 1
        kr = kr2
        kc = kc2
    return max_rounds


def _classes(*keys: np.ndarray) -> np.ndarray:
    """Initial colours: one class per distinct tuple of keys (infinities allowed)."""
    code = np.zeros(np.asarray(keys[0]).shape[0], dtype=np.int64)
    for k in keys:  # combine the codes of each key (1-D uniques are fast; np.unique(axis=0) is not)
        inv = np.unique(np.asarray(k, dtype=np.float64), return_inverse=True)[1].ravel()
        code = code * (int(inv.max(initial=0)) + 1) + inv
        code = np.unique(code, return_inverse=True)[1].ravel().astype(np.int64)
    return code


class Partition(NamedTuple):
    """An equitable partition of an LP's columns and rows."""

    columns: np.ndarray  # [n] class of each column (0..kc-1)
    rows: np.ndarray  # [m] class of each row (0..kr-1)
    rounds: int  # refinement rounds until stable

    @property
    def shape(self) -> tuple[int, int]:
        """``(row classes, column classes)``: the reduced LP's shape."""
        return int(self.rows.max(initial=-1)) + 1, int(self.columns.max(initial=-1)) + 1


def equitable_partition(matrix: sp.spmatrix, cost: np.ndarray, col_lower: np.ndarray, col_upper: np.ndarray,
                        row_lower: np.ndarray, row_upper: np.ndarray, max_rounds: int = 10_000) -> Partition:
    """The coarsest equitable partition of the LP ``min cᵀx, row_lower <= Mx <= row_upper,
    col_lower <= x <= col_upper`` by colour refinement (block sums rounded to ~1e-12 relative).

    Example:
        >>> import numpy as np, scipy.sparse as sp
        >>> M = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
        >>> p = equitable_partition(M, np.ones(3), np.zeros(3), np.full(3, np.inf),
        ...                         np.ones(2), np.full(2, np.inf))
        >>> p.columns.tolist(), p.rows.tolist()  # the middle column is alone; the two rows alike
        ([0, 1, 0], [0, 0])
    """
    csr = sp.csr_matrix(matrix)
    csc = csr.tocsc()
    colc = _classes(cost, col_lower, col_upper)
    rowc = _classes(row_lower, row_upper)
    rounds = _refine(csr.indptr.astype(np.int64), csr.indices.astype(np.int64), csr.data.astype(np.float64),
                     csc.indptr.astype(np.int64), csc.indices.astype(np.int64), csc.data.astype(np.float64),
                     colc, rowc, int(max_rounds))
    return Partition(colc, rowc, int(rounds))


class ReducedLP(NamedTuple):
    """The LP over one variable per column class (see the module docstring)."""

    matrix: sp.csc_matrix  # [kr, kc] block sums S_kl
    cost: np.ndarray  # [kc] |P_l| c_l
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    column_size: np.ndarray  # [kc] |P_l|
    row_size: np.ndarray  # [kr] |Q_k|


def reduce_lp(matrix: sp.spmatrix, cost: np.ndarray, col_lower: np.ndarray, col_upper: np.ndarray,
              row_lower: np.ndarray, row_upper: np.ndarray, partition: Partition) -> ReducedLP:
    """The reduced LP of an equitable ``partition`` (one row and column per class).

    Example:
        >>> import numpy as np, scipy.sparse as sp
        >>> M = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
        >>> args = (M, np.ones(3), np.zeros(3), np.full(3, np.inf), np.ones(2), np.full(2, np.inf))
        >>> red = reduce_lp(*args, equitable_partition(*args))
        >>> red.matrix.toarray().tolist(), red.cost.tolist()
        ([[1.0, 1.0]], [2.0, 1.0])
    """
    kr, kc = partition.shape
    colc, rowc = partition.columns, partition.rows
    n, m = colc.shape[0], rowc.shape[0]
    indicator = sp.csr_matrix((np.ones(n), (np.arange(n), colc)), shape=(n, kc))
    sums = (sp.csr_matrix(matrix) @ indicator).tocsr()
    crep = np.empty(kc, dtype=np.int64)
    crep[colc[::-1]] = np.arange(n)[::-1]  # first column of each class
    rrep = np.empty(kr, dtype=np.int64)
    rrep[rowc[::-1]] = np.arange(m)[::-1]
    csize = np.bincount(colc, minlength=kc)
    rsize = np.bincount(rowc, minlength=kr)
    red = sums[rrep].tocsc()
    red.eliminate_zeros()
    return ReducedLP(red, np.asarray(cost, dtype=np.float64)[crep] * csize, np.asarray(col_lower)[crep],
                     np.asarray(col_upper)[crep], np.asarray(row_lower)[rrep], np.asarray(row_upper)[rrep],
                     csize, rsize)


def lift(partition: Partition, reduced: ReducedLP, z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Primal ``x_j = z_{class(j)}`` and dual ``y_i = w_{class(i)} / |Q_{class(i)}|`` of the LP
    from a primal-dual solution ``(z, w)`` of its reduced LP.

    Example:
        >>> import numpy as np, scipy.sparse as sp
        >>> M = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))  # min -x, x1 + x2 <= 1, x2 + x3 <= 1
        >>> args = (M, -np.ones(3), np.zeros(3), np.full(3, np.inf), np.full(2, -np.inf), np.ones(2))
        >>> part = equitable_partition(*args); red = reduce_lp(*args, part)
        >>> obj, z, w, _ = solve_lp(red.matrix, red.cost, red.col_lower, red.col_upper,
        ...                         red.row_lower, red.row_upper, {})
        >>> x, y = lift(part, red, z, w)
        >>> obj, x.tolist(), y.tolist()
        (-2.0, [1.0, 0.0, 1.0], [-1.0, -1.0])
    """
    return np.asarray(z)[partition.columns], np.asarray(w)[partition.rows] / reduced.row_size[partition.rows]


def solve_lp(matrix: sp.spmatrix, cost: np.ndarray, col_lower: np.ndarray, col_upper: np.ndarray,
             row_lower: np.ndarray, row_upper: np.ndarray, options: dict, time_limit: float | None = None,
             name: str = "LP") -> tuple[float, np.ndarray, np.ndarray, int]:
    """``min cᵀx`` by HiGHS (``highspy`` when installed, else scipy's ``linprog``, dual simplex).

    Returns:
        ``(objective, x [n], row duals [m], simplex iterations)`` (HiGHS' sign convention: a
        ``<=`` row at its bound has a dual <= 0 in a minimisation). TimeoutError when
        ``time_limit`` seconds pass first, RuntimeError when HiGHS finds no optimum.

    Example:
        >>> import numpy as np, scipy.sparse as sp
        >>> M = sp.csr_matrix(np.array([[1.0, 1.0]]))
        >>> obj, x, dual, _ = solve_lp(M, np.array([-1.0, -2.0]), np.zeros(2), np.full(2, np.inf),
        ...                            np.array([-np.inf]), np.array([1.0]), {})
        >>> obj, x.tolist(), dual.tolist()
        (-2.0, [0.0, 1.0], [-2.0])
    """
    from regretlab.games.sequence_crossover import _highspy, set_options

    hs = _highspy()
    limit = "" if time_limit is None else f"={time_limit:g} s"
    if hs is not None:
        M = sp.csc_matrix(matrix)
        h = getattr(getattr(hs, "_core", None), "_Highs", hs.Highs)()  # the bare binding: no banner
        h.setOptionValue("output_flag", False)
        set_options(h, options)
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = M.shape[1], M.shape[0]
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
        lp.row_lower_, lp.row_upper_ = row_lower, row_upper
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = M.indptr, M.indices, M.data
        h.passModel(lp)
        h.run()
        status = h.getModelStatus()
        if status == hs.HighsModelStatus.kTimeLimit:
            raise TimeoutError(f"{name} reached time_limit{limit} before an optimum; raise time_limit")
        if status != hs.HighsModelStatus.kOptimal:  # pragma: no cover - solver failure
            raise RuntimeError(f"{name} failed: {h.modelStatusToString(status)}")
        info = h.getInfo()
        sol = h.getSolution()
        return (float(info.objective_function_value), np.asarray(sol.col_value), np.asarray(sol.row_dual),
                int(info.simplex_iteration_count))
    from scipy.optimize import linprog

    M = sp.csr_matrix(matrix)
    row_lower, row_upper = np.asarray(row_lower, dtype=float), np.asarray(row_upper, dtype=float)
    eq = row_lower == row_upper
    up = ~eq & np.isfinite(row_upper)
    lo = ~eq & np.isfinite(row_lower)
    a_ub = sp.vstack([M[up], -M[lo]], format="csr")
    b_ub = np.r_[row_upper[up], -row_lower[lo]]
    bounds = [(None if not np.isfinite(a) else a, None if not np.isfinite(b) else b)
              for a, b in zip(col_lower, col_upper)]
    opts = dict(options)
    if time_limit is not None:
        opts["time_limit"] = time_limit
    res = linprog(cost, A_ub=a_ub if a_ub.shape[0] else None, b_ub=b_ub if a_ub.shape[0] else None,
                  A_eq=M[eq] if eq.any() else None, b_eq=row_upper[eq] if eq.any() else None,
                  bounds=bounds, method="highs-ds", options=opts)
    if res.status == 1:
        raise TimeoutError(f"{name} reached time_limit{limit} before an optimum; raise time_limit")
    if res.status != 0:  # pragma: no cover - solver failure
        raise RuntimeError(f"{name} failed: {res.message}")
    dual = np.zeros(M.shape[0])
    nu = int(up.sum())
    if nu:
        dual[up] = res.ineqlin.marginals[:nu]
    if lo.any():
        dual[lo] -= res.ineqlin.marginals[nu:]
    if eq.any():
        dual[eq] = res.eqlin.marginals
    return float(res.fun), np.asarray(res.x), dual, int(getattr(res, "nit", 0))


__all__ = ["Partition", "ReducedLP", "equitable_partition", "lift", "reduce_lp", "solve_lp"]
