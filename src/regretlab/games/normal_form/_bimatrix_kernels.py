"""Compiled kernels for the bimatrix solvers: exact vertex enumeration and Lemke–Howson.

* :func:`polytope_vertices` enumerates the vertices of ``{z >= 0 : C z <= 1}`` for a positive
  *integer* matrix ``C`` over every basis, like the exact reference in
  :mod:`~regretlab.games.normal_form.vertex`, but in int64 with fraction-free (Bareiss /
  lrs-style) Gauss–Jordan elimination: every entry of the working matrix is a minor of ``[C | 1]``
  and every division is exact, so the vertices, their tight constraints and hence the
  equilibria are decided without tolerance. The elimination runs in float64 while all its
  integers are below ``2^26`` (there float64 products, differences and exact quotients of
  integers are exact, and faster than int64 division), then in int64: before each step the
  kernel checks that every entry is below ``2^31`` (so that a product of two entries and their difference fit in
  int64); a basis that fails that check, or whose slack sums could overflow, is *flagged* and left
  to the caller's rational (Python ``Fraction``) arithmetic — nothing is rounded, ever.
* :func:`certify_pairs` is the exact best-response check of each completely labelled pair, in
  int64 with the same kind of guard (a pair it cannot check safely is flagged for the rational
  :func:`~regretlab.games.normal_form.vertex.certify_equilibrium`).
* :func:`lemke_howson_core` runs the Lemke–Howson pivots of
  :func:`~regretlab.games.normal_form.nash.lemke_howson` (same tableaux, same floating-point
  operations, same lexicographic ratio test, hence the same path and pivot count), with the
  tableau pivot of :mod:`~regretlab.games.normal_form._kernels`.
"""

from __future__ import annotations

import numba
import numpy as np

from regretlab.games.normal_form._kernels import _pivot

LIMIT = 2_147_483_647  # 2^31 - 1: a*b - c*d with |a|,|b|,|c|,|d| <= LIMIT fits in int64
FLOAT_EXACT = 67_108_864.0  # 2^26: below it the float64 elimination is exact integer arithmetic
SAFE_SUM = 4.0e18  # float bound under which a nonnegative int64 sum of products cannot overflow


@numba.njit(cache=True, nogil=True)
def _eliminate_float(C, S, T, k, W, used, prow):
    """Fraction-free Gauss–Jordan on ``[C[T, S] | 1]`` carried in float64 while every entry is
    an integer below ``2^26`` (then each product is below ``2^52`` and each difference below
    ``2^53``, all exactly representable, and each exact division of integers is exact).
    Returns ``(status, det)``: 0 done, 1 singular, 2 an entry grew past ``2^26``."""
    for t in range(k):
        for s in range(k):
            W[t, s] = C[T[t], S[s]]
        W[t, k] = 1.0
        used[t] = False
    prev = 1.0
    for c in range(k):
        r = -1
        for i in range(k):
            if not used[i] and W[i, c] != 0.0:
                r = i
                break
        if r < 0:
            return 1, 0.0
        used[r] = True
        prow[c] = r
        piv = W[r, c]
        mx = 0.0
        for i in range(k):
            if i == r:
                continue
            f = W[i, c]
            for j in range(c + 1, k + 1):
                v = (piv * W[i, j] - f * W[r, j]) / prev
                W[i, j] = v
                mx = max(mx, abs(v))
        prev = piv
        if mx > FLOAT_EXACT:
            return 2, 0.0
    return 0, prev


@numba.njit(cache=True, nogil=True)
def _eliminate_int(C, S, T, k, W, used, prow):
    """The same elimination in int64, with every entry kept at or below ``LIMIT``.
    Returns ``(status, det)``: 0 done, 1 singular, 2 an entry grew past ``LIMIT``."""
    for t in range(k):
        for s in range(k):
            W[t, s] = C[T[t], S[s]]
        W[t, k] = 1
        used[t] = False
    prev = 1
    for c in range(k):
        r = -1
        for i in range(k):
            if not used[i] and W[i, c] != 0:
                r = i
                break
        if r < 0:
            return 1, 0
        used[r] = True
        prow[c] = r
        piv = W[r, c]
        mx = 0
        for i in range(k):
            if i == r:
                continue
            f = W[i, c]
            for j in range(c + 1, k + 1):
                v = (piv * W[i, j] - f * W[r, j]) // prev
                W[i, j] = v
                if v > mx:
                    mx = v
                elif -v > mx:
                    mx = -v
        prev = piv
        if mx > LIMIT:
            return 2, 0
    return 0, prev


@numba.njit(cache=True, nogil=True)
def polytope_vertices(C, S_sets, T_sets, p_lo, p_hi, out_zero, out_tight, out_num, out_den,
                      flags):
    """Feasible bases of ``{z >= 0 : C z <= 1}`` with support ``S`` and tight rows ``T``.

    For every ``S = S_sets[p]`` (``p_lo <= p < p_hi``, variables, size k) and ``T`` in
    ``T_sets`` (constraint rows, size k) solve ``C[T, S] z_S = 1`` exactly (fraction-free
    elimination: in float64 while its integers stay below ``2^26``, else in int64); when
    ``z >= 0`` and every other row has ``C z <= 1``, write the vertex as
    ``out_num[c] / out_den[c]`` (integers, ``out_den > 0``) with ``out_zero[c]`` the bit mask of
    zero variables and ``out_tight[c]`` that of tight rows. Bases that could overflow int64 are
    written to ``flags`` as ``(p, q)`` rows. Returns ``(count, nflags)``; the buffers hold one
    row per basis.
    """
    nc, nv = C.shape
    k = S_sets.shape[1]
    Wf = np.empty((k, k + 1))
    Wi = np.empty((k, k + 1), dtype=np.int64)
    used = np.empty(k, dtype=np.bool_)
    prow = np.empty(k, dtype=np.int64)
    num = np.empty(k, dtype=np.int64)
    inT = np.empty(nc, dtype=np.bool_)
    count = 0
    nflag = 0
    for p in range(p_lo, p_hi):
        S = S_sets[p]
        cmax = 0
        for t in range(nc):
            for s in range(k):
                cmax = max(cmax, C[t, S[s]])
        for q in range(T_sets.shape[0]):
            T = T_sets[q]
            if cmax > LIMIT:  # not even the first int64 step is safe
                flags[nflag, 0] = p
                flags[nflag, 1] = q
                nflag += 1
                continue
            status, detf = 2, 0.0
            if cmax <= FLOAT_EXACT:
                status, detf = _eliminate_float(C, S, T, k, Wf, used, prow)
            if status == 1:
                continue
            if status == 0:
                den = np.int64(detf)
                for c in range(k):
                    num[c] = np.int64(Wf[prow[c], k])
            else:
                status, den = _eliminate_int(C, S, T, k, Wi, used, prow)
                if status == 1:
                    continue
                if status == 2:
                    flags[nflag, 0] = p
                    flags[nflag, 1] = q
                    nflag += 1
                    continue
                for c in range(k):
                    num[c] = Wi[prow[c], k]
            if den < 0:
                den = -den
                for c in range(k):
                    num[c] = -num[c]
            feasible = True
            total = 0
            for c in range(k):
                if num[c] < 0:
                    feasible = False
                    break
                total += num[c]
            if not feasible:
                continue
            if float(cmax) * float(total) > SAFE_SUM:
                flags[nflag, 0] = p
                flags[nflag, 1] = q
                nflag += 1
                continue
            for t in range(nc):
                inT[t] = False
            for t in range(k):
                inT[T[t]] = True
            tight = 0
            for t in range(nc):
                if inT[t]:
                    tight |= np.int64(1) << t
                    continue
                val = 0
                for s in range(k):
                    val += C[t, S[s]] * num[s]
                if val > den:
                    feasible = False
                    break
                if val == den:
                    tight |= np.int64(1) << t
            if not feasible:
                continue
            zero = np.int64(0)
            for v in range(nv):
                zero |= np.int64(1) << v
                out_num[count, v] = 0
            for s in range(k):
                out_num[count, S[s]] = num[s]
                if num[s] != 0:
                    zero &= ~(np.int64(1) << S[s])
            out_zero[count] = zero
            out_tight[count] = tight
            out_den[count] = den
            count += 1
    return count, nflag


@numba.njit(cache=True, nogil=True)
def complete_pairs(mp, mq, full):
    """Index pairs ``(i, j)`` with ``mp[i] | mq[j] == full`` (completely labelled), in order."""
    cnt = 0
    for i in range(mp.shape[0]):
        for j in range(mq.shape[0]):
            if (mp[i] | mq[j]) == full:
                cnt += 1
    out = np.empty((cnt, 2), dtype=np.int64)
    c = 0
    for i in range(mp.shape[0]):
        for j in range(mq.shape[0]):
            if (mp[i] | mq[j]) == full:
                out[c, 0] = i
                out[c, 1] = j
                c += 1
    return out


@numba.njit(cache=True, nogil=True)
def certify_pairs(A, B, X, Y):
    """Exact equilibrium check of ``(X[p] / sum, Y[p] / sum)`` for integer ``A, B >= 0``.

    ``X [P, m]``, ``Y [P, n]`` hold nonnegative integer numerators. Returns per pair 1 (every
    action in each support is a best response, checked in exact integers), 0 (it is not) or
    -1 (the sums could overflow int64: check it in rationals instead).
    """
    m, n = A.shape
    amax = 0
    bmax = 0
    for i in range(m):
        for j in range(n):
            amax = max(amax, A[i, j])
            bmax = max(bmax, B[i, j])
    out = np.empty(X.shape[0], dtype=np.int64)
    row = np.empty(m, dtype=np.int64)
    col = np.empty(n, dtype=np.int64)
    for p in range(X.shape[0]):
        sx = 0
        sy = 0
        ok = True
        for i in range(m):
            if X[p, i] < 0:
                ok = False
            sx += X[p, i]
        for j in range(n):
            if Y[p, j] < 0:
                ok = False
            sy += Y[p, j]
        if not ok or sx <= 0 or sy <= 0:
            out[p] = 0
            continue
        if float(amax) * float(sy) > SAFE_SUM or float(bmax) * float(sx) > SAFE_SUM:
            out[p] = -1
            continue
        best = -1
        for i in range(m):
            s = 0
            for j in range(n):
                s += A[i, j] * Y[p, j]
            row[i] = s
            best = max(best, s)
        for i in range(m):
            if X[p, i] > 0 and row[i] != best:
                ok = False
        best = -1
        for j in range(n):
            s = 0
            for i in range(m):
                s += B[i, j] * X[p, i]
            col[j] = s
            best = max(best, s)
        for j in range(n):
            if Y[p, j] > 0 and col[j] != best:
                ok = False
        out[p] = 1 if ok else 0
    return out


@numba.njit(cache=True, nogil=True)
def _lex_pivot(t, basis, slack, enter, col):
    """One Lemke–Howson pivot on tableau ``t`` (last column the right-hand side): the
    lexicographic minimum ratio over rows with ``t[r, enter] > 1e-12`` (right-hand side first,
    then the identity columns ``slack``; exact ties go to the lowest row), then the pivot.
    Returns the leaving label, or -1 on an unbounded ray."""
    rows = t.shape[0]
    last = t.shape[1] - 1
    best = -1
    for r in range(rows):
        a = t[r, enter]
        if not a > 1e-12:
            continue
        if best < 0:
            best = r
            continue
        b = t[best, enter]
        less = False
        kk = -1
        while True:
            c = last if kk < 0 else slack[kk]
            u = t[r, c] / a
            v = t[best, c] / b
            if u < v:
                less = True
                break
            if u > v:
                break
            kk += 1
            if kk == slack.shape[0]:
                break
        if less:
            best = r
    if best < 0:
        return -1
    _pivot(t, best, enter, col)
    leaving = basis[best]
    basis[best] = enter
    return leaving


@numba.njit(cache=True, nogil=True)
def _pairwise_sum(v, lo, hi):
    """``v[lo:hi].sum()`` for ``hi - lo <= 128`` with NumPy's summation order (eight
    accumulators), so that a normalisation ``v / v.sum()`` here is bit-for-bit the NumPy one.
    (NumPy splits longer arrays recursively; the caller normalises those itself.)"""
    n = hi - lo
    if n < 8:
        res = 0.0
        for i in range(lo, hi):
            res += v[i]
        return res
    r0, r1, r2, r3 = v[lo], v[lo + 1], v[lo + 2], v[lo + 3]
    r4, r5, r6, r7 = v[lo + 4], v[lo + 5], v[lo + 6], v[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += v[lo + i]
        r1 += v[lo + i + 1]
        r2 += v[lo + i + 2]
        r3 += v[lo + i + 3]
        r4 += v[lo + i + 4]
        r5 += v[lo + i + 5]
        r6 += v[lo + i + 6]
        r7 += v[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += v[lo + i]
        i += 1
    return res


@numba.njit(cache=True, nogil=True)
def lemke_howson_core(a, b, initial_label, max_pivots):
    """Lemke–Howson on ``a, b [m, n]``, shifted to ``a - min a + 1``, from ``initial_label``.

    Returns ``(code, x [m], y [n], pivots)``: code 0 done, 1 unbounded ray, 2 pivot cap; ``x, y``
    are normalised when ``m, n <= 128`` (else the caller divides by the NumPy sums).
    """
    m, n = a.shape
    amin = a.min()
    bmin = b.min()
    ap = np.empty((m, n))
    bp = np.empty((m, n))
    for i in range(m):
        for j in range(n):
            ap[i, j] = a[i, j] - amin + 1.0
            bp[i, j] = b[i, j] - bmin + 1.0
    t1 = np.zeros((n, m + n + 1))
    for j in range(n):
        for i in range(m):
            t1[j, i] = bp[i, j]
        t1[j, m + j] = 1.0
        t1[j, m + n] = 1.0
    t2 = np.zeros((m, m + n + 1))
    for i in range(m):
        t2[i, i] = 1.0
        for j in range(n):
            t2[i, m + j] = ap[i, j]
        t2[i, m + n] = 1.0
    basis1 = np.arange(m, m + n)
    basis2 = np.arange(m)
    slack1 = np.arange(m, m + n)
    slack2 = np.arange(m)
    col1 = np.empty(n)
    col2 = np.empty(m)
    x = np.zeros(m)
    y = np.zeros(n)
    enter = initial_label
    first = initial_label < m
    pivots = 0
    done = False
    for step in range(max_pivots):
        if (step % 2 == 0) == first:
            leaving = _lex_pivot(t1, basis1, slack1, enter, col1)
        else:
            leaving = _lex_pivot(t2, basis2, slack2, enter, col2)
        if leaving < 0:
            return 1, x, y, pivots
        pivots += 1
        if leaving == initial_label:
            done = True
            break
        enter = leaving
    if not done:
        return 2, x, y, pivots
    for r in range(n):
        if basis1[r] < m:
            x[basis1[r]] = t1[r, m + n]
    for r in range(m):
        if basis2[r] >= m:
            y[basis2[r] - m] = t2[r, m + n]
    if m <= 128 and n <= 128:
        sx = _pairwise_sum(x, 0, m)
        sy = _pairwise_sum(y, 0, n)
        for i in range(m):
            x[i] /= sx
        for j in range(n):
            y[j] /= sy
    return 0, x, y, pivots
