"""Compiled (Numba) Lemke pivots for :mod:`regretlab.games.sequence_lcp` (float arithmetic).

The basis inverse is kept transposed, ``T[j, i] = B⁻¹[i, j]`` (row ``j`` of ``T`` is column ``j``
of ``B⁻¹``), so that both the entering column ``B⁻¹ a = Σ_k a_k B⁻¹[:, k]`` (``a`` a sparse column
of ``M``) and the rank-one update are contiguous sweeps. The update ``B⁻¹ -= c ⊗ (B⁻¹[r] / c_r)``
touches only the columns ``j`` where row ``r`` of ``B⁻¹`` is non-zero and, in each, only the rows
``i`` where ``c_i ≠ 0``: on sequence-form LCPs both stay far below ``R``, so a pivot costs much
less than the dense ``R²`` of the NumPy outer product (each entry gets the same single
multiply-subtract as that outer product, so the pivots are those of the dense float method).

The minimum-ratio test is lexicographic over ``[r, B⁻¹]`` with the tolerances of
:func:`regretlab.games.sequence_lcp.lemke`'s docstring (a tie is a ratio within ``1e-9`` relative
of the best in the ``r`` column, ``1e-12`` in the columns of ``B⁻¹``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

RUNNING, DONE, RAY, CYCLE = 0, 1, 2, 3
ZAP = 1e-14  # |entries| of B⁻¹ below this after an update are set to 0


@njit(cache=True)
def _lexmin(cands, ncand, col, rhs, T, first_tol, lex_tol=1e-9):
    """Row among ``cands[:ncand]`` whose ``[rhs, B⁻¹ row] / col`` is lexicographically smallest
    (``cands`` is overwritten; candidates are kept in increasing row order, the first wins)."""
    R = rhs.shape[0]
    best = np.inf
    for k in range(ncand):
        best = min(best, rhs[cands[k]] / col[cands[k]])
    lim = best + first_tol * max(1.0, abs(best))
    m = 0
    for k in range(ncand):
        i = cands[k]
        if rhs[i] / col[i] <= lim:
            cands[m] = i
            m += 1
    j = 0
    while m > 1 and j < R:
        best = np.inf
        for k in range(m):
            best = min(best, T[j, cands[k]] / col[cands[k]])
        lim = best + lex_tol * max(1.0, abs(best))
        n = 0
        for k in range(m):
            i = cands[k]
            if T[j, i] / col[i] <= lim:
                cands[n] = i
                n += 1
        m = n
        j += 1
    return cands[0]


@njit(cache=True)
def _column(var, T, Mp, Mi, Mx, out):
    """``out = B⁻¹`` times the tableau column of ``var`` in ``w - Mz - d z0 = r`` (``d = 1``)."""
    R = out.shape[0]
    out[:] = 0.0
    if var < R:
        out[:] = T[var]
    elif var == 2 * R:
        for k in range(R):
            for i in range(R):
                out[i] -= T[k, i]
    else:
        j = var - R
        for p in range(Mp[j], Mp[j + 1]):
            a = Mx[p]
            row = T[Mi[p]]
            for i in range(R):
                out[i] -= a * row[i]


@njit(cache=True)
def _pivot(row, col, var, T, rhs, basis, brow, nzj, nzi):
    """Pivot ``var`` into the basis at ``row`` (``col = B⁻¹ a_var``); returns the leaving variable."""
    R = rhs.shape[0]
    piv = col[row]
    nj = 0
    for j in range(R):
        v = T[j, row]
        if v != 0.0:
            brow[nj] = v / piv
            nzj[nj] = j
            nj += 1
    ni = 0
    for i in range(R):
        if col[i] != 0.0 and i != row:
            nzi[ni] = i
            ni += 1
    for k in range(nj):
        j = nzj[k]
        b = brow[k]
        t = T[j]
        for m in range(ni):
            i = nzi[m]
            v = t[i] - col[i] * b
            t[i] = v if abs(v) > ZAP else 0.0  # round-off of a zero: keeps B⁻¹ sparse
        t[row] = b
    rrow = rhs[row] / piv
    for m in range(ni):
        i = nzi[m]
        rhs[i] = rhs[i] - col[i] * rrow
    rhs[row] = rrow
    leaving = basis[row]
    basis[row] = var
    return leaving


@njit(cache=True)
def lemke_start(T, rhs, basis, Mp, Mi, Mx, work):
    """The first pivot: ``z0`` enters at the lexicographically most negative row of ``r``.
    Returns the leaving variable (``-1`` when ``r >= 0`` and ``z = 0`` solves the LCP)."""
    R = rhs.shape[0]
    col, brow, cands = work[0], work[1], np.empty(R, dtype=np.int64)
    nzj, nzi = np.empty(R, dtype=np.int64), np.empty(R, dtype=np.int64)
    n = 0
    for i in range(R):
        if rhs[i] < 0.0:
            cands[n] = i
            n += 1
    if n == 0:
        return -1
    _column(2 * R, T, Mp, Mi, Mx, col)
    neg = -col
    row = _lexmin(cands, n, neg, rhs, T, 1e-9)
    return _pivot(row, col, 2 * R, T, rhs, basis, brow, nzj, nzi)


@njit(cache=True)
def _mix(pos, var):
    """A 64-bit hash of ``(basis position, variable)`` (splitmix64 finaliser)."""
    x = np.uint64(pos) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(var) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True)
def basis_hash(basis):
    h = np.uint64(0)
    for i in range(basis.shape[0]):
        h += _mix(i, basis[i])
    return h


@njit(cache=True)
def lemke_steps(T, rhs, basis, Mp, Mi, Mx, tol, state, steps, work, seen, first_tol=1e-9):
    """Up to ``steps`` complementary pivots. ``state = [leaving, pivots, status, hash]`` is updated
    in place; ``status`` becomes ``DONE`` when ``z0`` leaves, ``RAY`` on a secondary ray and
    ``CYCLE`` when the path returns to a basis it visited: exact lexicographic pivots visit each
    basis at most once, float ones (ties decided to a tolerance) did cycle. ``seen`` (a typed
    dict) holds the hashes of the bases visited (since the last perturbation)."""
    R = rhs.shape[0]
    Z0 = 2 * R
    col, brow = work[0], work[1]
    cands = np.empty(R, dtype=np.int64)
    nzj, nzi = np.empty(R, dtype=np.int64), np.empty(R, dtype=np.int64)
    leaving = state[0]
    for _ in range(steps):
        entering = leaving + R if leaving < R else leaving - R
        _column(entering, T, Mp, Mi, Mx, col)
        big = 0.0
        for i in range(R):
            big = max(big, abs(col[i]))
        lim = tol * max(1.0, big)  # a pivot below this is round-off of a zero
        n = 0
        for i in range(R):
            if col[i] > lim:
                cands[n] = i
                n += 1
        if n == 0:
            state[0] = leaving
            state[2] = RAY
            return
        z0_row = -1
        for i in range(R):
            if basis[i] == Z0:
                z0_row = i
                break
        z0_cand = z0_row >= 0 and col[z0_row] > lim
        row = _lexmin(cands, n, col, rhs, T, first_tol)
        if z0_cand and row != z0_row:
            # z0 leaves as soon as it is among the minimum ratios (the path ends there)
            b = rhs[row] / col[row]
            if rhs[z0_row] / col[z0_row] <= b + first_tol * max(1.0, abs(b)):
                row = z0_row
        old = basis[row]
        leaving = _pivot(row, col, entering, T, rhs, basis, brow, nzj, nzi)
        state[1] += 1
        h = np.uint64(state[3]) - _mix(row, old) + _mix(row, entering)
        state[3] = np.int64(h)
        if state[3] in seen:  # exact Lemke visits a basis at most once
            state[0] = leaving
            state[2] = CYCLE
            return
        seen[state[3]] = state[1]
        if leaving == Z0:
            state[0] = leaving
            state[2] = DONE
            return
    state[0] = leaving
