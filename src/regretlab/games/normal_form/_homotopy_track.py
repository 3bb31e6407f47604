"""The path tracker of :mod:`support_homotopy`, compiled with Numba: one call tracks a range of
paths (a loop over paths inside the kernel), with the same RK4 predictor, three-step Newton
corrector and step control as the NumPy reference ``support_homotopy._track``, except that
the first RK4 stage is not re-evaluated after a rejected step (the same point) and after an
accepted one is taken from the corrector's last Jacobian (within ``1e-11`` of the new point):
the endpoints agree with the reference's up to rounding.

The homotopy ``H(y, t) = (1 - t) γ G(y) + t F(y)`` (plus the chart rows ``<c_j, y_j> - 1``)
is evaluated from flat arrays:

* the target rows ``F`` as a list of terms ``coef · Π_l y[var_l]`` (one variable from each
  group a row involves: the entries of the payoff-gap tensors), summed into ``row``;
* the start rows ``G_e = Π_{j used by e} <L_{e,j}, y_j>``;
* the chart ``c`` (concatenated, group offsets ``off``).

Linear systems are solved with the (linear) chart rows eliminated first and LU with partial
pivoting on the rest; an exactly zero pivot gives NaN (the step is then rejected, as a
singular LAPACK solve is in the reference).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def _eval(y, t, want_f, coef, var, deg, row, L, uses, ks, off, c, gamma, Hv, Hy, Ht, lv, pre):
    """Fill ``Hv [N]``, ``Hy [N, N]``, ``Ht [N]`` at ``(y, t)`` (``Hv`` only when ``want_f``)."""
    N = y.shape[0]
    P = ks.shape[0]
    neq = N - P
    w0 = (1.0 - t) * gamma
    w1 = t
    for a in range(N):
        Hv[a] = 0.0
        Ht[a] = 0.0
        for b in range(N):
            Hy[a, b] = 0.0
    # target rows: F into Ht (temporarily), t * JF into Hy
    for q in range(coef.shape[0]):
        d = deg[q]
        r = row[q]
        a = coef[q]
        if d == 2:  # the common degrees written out (no temporary array in the dependency chain)
            v0, v1 = var[q, 0], var[q, 1]
            y0, y1 = y[v0], y[v1]
            a0 = a * y0
            Ht[r] += a0 * y1
            Hy[r, v1] += w1 * a0
            Hy[r, v0] += (w1 * a) * y1
        elif d == 3:
            v0, v1, v2 = var[q, 0], var[q, 1], var[q, 2]
            y0, y1, y2 = y[v0], y[v1], y[v2]
            a0 = a * y0
            a01 = a0 * y1
            s2 = w1 * y2
            Ht[r] += a01 * y2
            Hy[r, v2] += w1 * a01
            Hy[r, v1] += a0 * s2
            Hy[r, v0] += a * (s2 * y1)
        elif d == 4:
            v0, v1, v2, v3 = var[q, 0], var[q, 1], var[q, 2], var[q, 3]
            y0, y1, y2, y3 = y[v0], y[v1], y[v2], y[v3]
            a0 = a * y0
            a01 = a0 * y1
            a012 = a01 * y2
            s3 = w1 * y3
            s23 = s3 * y2
            Ht[r] += a012 * y3
            Hy[r, v3] += w1 * a012
            Hy[r, v2] += a01 * s3
            Hy[r, v1] += a0 * s23
            Hy[r, v0] += a * (s23 * y1)
        elif d == 5:
            v0, v1, v2, v3, v4 = var[q, 0], var[q, 1], var[q, 2], var[q, 3], var[q, 4]
            y0, y1, y2, y3, y4 = y[v0], y[v1], y[v2], y[v3], y[v4]
            a0 = a * y0
            a01 = a0 * y1
            a012 = a01 * y2
            a0123 = a012 * y3
            s4 = w1 * y4
            s34 = s4 * y3
            s234 = s34 * y2
            Ht[r] += a0123 * y4
            Hy[r, v4] += w1 * a0123
            Hy[r, v3] += a012 * s4
            Hy[r, v2] += a01 * s34
            Hy[r, v1] += a0 * s234
            Hy[r, v0] += a * (s234 * y1)
        else:
            pre[0] = a
            for l in range(d):
                pre[l + 1] = pre[l] * y[var[q, l]]
            Ht[r] += pre[d]
            s = w1  # the product of the factors after l (prefix and suffix products)
            for l in range(d - 1, -1, -1):
                Hy[r, var[q, l]] += pre[l] * s
                s = s * y[var[q, l]]
    # start rows
    for e in range(neq):
        for j in range(P):
            if uses[e, j]:
                s = 0.0j
                for i in range(ks[j]):
                    s += L[e, j, i] * y[off[j] + i]
                lv[j] = s
            else:
                lv[j] = 1.0
        G = 1.0 + 0.0j
        for j in range(P):
            G = G * lv[j]
        for j in range(P):
            if uses[e, j]:
                p = w0
                for m in range(P):
                    if m != j:
                        p = p * lv[m]
                for i in range(ks[j]):
                    Hy[e, off[j] + i] += p * L[e, j, i]
        F = Ht[e]
        if want_f:
            Hv[e] = w0 * G + w1 * F
        Ht[e] = F - gamma * G
    # chart rows
    for j in range(P):
        s = -1.0 + 0.0j
        for i in range(ks[j]):
            s += c[off[j] + i] * y[off[j] + i]
            Hy[neq + j, off[j] + i] = c[off[j] + i]
        if want_f:
            Hv[neq + j] = s
        Ht[neq + j] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _lu_solve(A, b, x):
    """Solve ``A x = b`` in place of ``A`` (destroyed) by LU with partial pivoting; NaN when a
    pivot is exactly zero."""
    n = b.shape[0]
    for i in range(n):
        x[i] = b[i]
    for k in range(n):
        p = k
        best = abs(A[k, k].real) + abs(A[k, k].imag)  # LAPACK's izamax measure
        for i in range(k + 1, n):
            v = abs(A[i, k].real) + abs(A[i, k].imag)
            if v > best:
                best = v
                p = i
        if not best > 0.0:  # zero (or NaN) pivot: singular
            for i in range(n):
                x[i] = np.nan + 0.0j
            return
        if p != k:
            for j in range(n):
                tmp = A[k, j]
                A[k, j] = A[p, j]
                A[p, j] = tmp
            tmp = x[k]
            x[k] = x[p]
            x[p] = tmp
        inv = 1.0 / A[k, k]
        for i in range(k + 1, n):
            f = A[i, k] * inv
            if f != 0.0:
                for j in range(k + 1, n):
                    A[i, j] -= f * A[k, j]
                x[i] -= f * x[k]
    for i in range(n - 1, -1, -1):
        s = x[i]
        for j in range(i + 1, n):
            s -= A[i, j] * x[j]
        x[i] = s / A[i, i]


@njit(cache=True, nogil=True, error_model="numpy")
def _chart_solve(Hy, rhs, x, ks, piv, invc, free, grp, ratio, Ar, br, xr):
    """Solve ``Hy x = rhs`` (``Hy [N, N]`` whose last P rows are the chart rows ``c_j``) with
    the chart rows eliminated first: in each group j the variable ``piv[j]`` (the largest
    ``|c|``) is ``(rhs_j - Σ_{other i in j} c_i x_i) / c_piv``, which leaves a square system in
    the ``free`` variables (``neq`` of them), solved by LU. Exact Gaussian elimination with
    these pivots, so the same solution as the full system (a quarter to a half of its work)."""
    P = ks.shape[0]
    neq = free.shape[0]
    for e in range(neq):
        b = rhs[e]
        for j in range(P):
            b -= Hy[e, piv[j]] * (rhs[neq + j] * invc[j])
        br[e] = b
        for f in range(neq):
            Ar[e, f] = Hy[e, free[f]] - Hy[e, piv[grp[f]]] * ratio[f]
    _lu_solve(Ar, br, xr)
    for f in range(neq):
        x[free[f]] = xr[f]
    for j in range(P):
        x[piv[j]] = rhs[neq + j] * invc[j]
    for f in range(neq):
        x[piv[grp[f]]] -= ratio[f] * xr[f]


@njit(cache=True, nogil=True, error_model="numpy")
def _nrm(v):
    s = 0.0
    for i in range(v.shape[0]):
        s += v[i].real * v[i].real + v[i].imag * v[i].imag
    return np.sqrt(s)


@njit(cache=True, nogil=True, error_model="numpy")
def track_paths(Y0, lo, hi, max_rounds, coef, var, deg, row, L, uses, ks, off, c, gamma, Yout, ok, steps):
    """Track paths ``lo .. hi - 1`` of ``Y0 [M, N]`` from t = 0 to 1 into ``Yout``; ``ok[m]``:
    whether path m arrived (the step control of ``support_homotopy._track``); ``steps[m]``: the
    predictor-corrector steps it took (accepted or not)."""
    N = Y0.shape[1]
    P = ks.shape[0]
    Hv = np.empty(N, np.complex128)
    Hy = np.empty((N, N), np.complex128)
    Ht = np.empty(N, np.complex128)
    lv = np.empty(P, np.complex128)
    pre = np.empty(var.shape[1] + 1, np.complex128)
    k1 = np.empty(N, np.complex128)
    k2 = np.empty(N, np.complex128)
    k3 = np.empty(N, np.complex128)
    k4 = np.empty(N, np.complex128)
    z = np.empty(N, np.complex128)
    yp = np.empty(N, np.complex128)
    dy = np.empty(N, np.complex128)
    neq = N - P
    piv = np.empty(P, np.int64)  # the chart's pivot variable in each group, the others free
    free = np.empty(neq, np.int64)
    grp = np.empty(neq, np.int64)
    f = 0
    for j in range(P):
        piv[j] = off[j]
        for i in range(ks[j]):
            if abs(c[off[j] + i]) > abs(c[piv[j]]):
                piv[j] = off[j] + i
        for i in range(ks[j]):
            if off[j] + i != piv[j]:
                free[f] = off[j] + i
                grp[f] = j
                f += 1
    invc = np.empty(P, np.complex128)
    for j in range(P):
        invc[j] = 1.0 / c[piv[j]]
    ratio = np.empty(neq, np.complex128)  # c_i / c_piv
    for f in range(neq):
        ratio[f] = c[free[f]] * invc[grp[f]]
    Ar = np.empty((neq, neq), np.complex128)
    br = np.empty(neq, np.complex128)
    xr = np.empty(neq, np.complex128)
    for m in range(lo, hi):
        y = Y0[m].copy()
        t = 0.0
        h = 0.02
        done = False
        failed = False
        have_k1 = False
        ns = 0
        for _ in range(max_rounds):
            if done or failed:
                break
            ns += 1
            hh = min(h, 1.0 - t)
            # RK4 on dy/dt = -H_y^{-1} H_t; k1 is kept from the last step when that was rejected
            # (y, t unchanged) or taken at the corrector's last iterate when it was accepted
            # (within 1e-11 of y: the Jacobian already evaluated there)
            if not have_k1:
                _eval(y, t, False, coef, var, deg, row, L, uses, ks, off, c, gamma, Hv, Hy, Ht, lv, pre)
                _chart_solve(Hy, Ht, k1, ks, piv, invc, free, grp, ratio, Ar, br, xr)
                for i in range(N):
                    k1[i] = -k1[i]
                have_k1 = True
            for i in range(N):
                z[i] = y[i] + 0.5 * hh * k1[i]
            _eval(z, t + 0.5 * hh, False, coef, var, deg, row, L, uses, ks, off, c, gamma, Hv, Hy, Ht, lv, pre)
            _chart_solve(Hy, Ht, k2, ks, piv, invc, free, grp, ratio, Ar, br, xr)
            for i in range(N):
                k2[i] = -k2[i]
                z[i] = y[i] + 0.5 * hh * k2[i]
            _eval(z, t + 0.5 * hh, False, coef, var, deg, row, L, uses, ks, off, c, gamma, Hv, Hy, Ht, lv, pre)
            _chart_solve(Hy, Ht, k3, ks, piv, invc, free, grp, ratio, Ar, br, xr)
            for i in range(N):
                k3[i] = -k3[i]
                z[i] = y[i] + hh * k3[i]
            _eval(z, t + hh, False, coef, var, deg, row, L, uses, ks, off, c, gamma, Hv, Hy, Ht, lv, pre)
            _chart_solve(Hy, Ht, k4, ks, piv, invc, free, grp, ratio, Ar, br, xr)
            for i in range(N):
                k4[i] = -k4[i]
                yp[i] = y[i] + hh / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])
            t1 = 1.0 if 1.0 - (t + hh) < 1e-14 else t + hh
            scale = 1.0 + _nrm(y)
            first = 0.0
            last = 0.0
            for it in range(3):
                _eval(yp, t1, True, coef, var, deg, row, L, uses, ks, off, c, gamma, Hv, Hy, Ht, lv, pre)
                _chart_solve(Hy, Hv, dy, ks, piv, invc, free, grp, ratio, Ar, br, xr)
                for i in range(N):
                    yp[i] -= dy[i]
                last = _nrm(dy) / scale
                if it == 0:
                    first = last
            good = np.isfinite(last) and np.isfinite(first) and last < 1e-11 and first < 1e-3
            if good:
                for i in range(N):
                    y[i] = yp[i]
                t = t1
                h = min((2.0 if first < 1e-6 else 1.25) * hh, 0.2)
                if t >= 1.0:
                    done = True
                else:  # H_t and H_y at the last corrector iterate are still in Ht, Hy
                    _chart_solve(Hy, Ht, k1, ks, piv, invc, free, grp, ratio, Ar, br, xr)
                    for i in range(N):
                        k1[i] = -k1[i]
            else:
                h = 0.5 * hh
                if h < 1e-9:
                    failed = True
            ny = _nrm(yp)
            if not np.isfinite(ny) or ny > 1e12:
                failed = True
        for i in range(N):
            Yout[m, i] = y[i]
        ok[m] = done and not failed
        steps[m] = ns
