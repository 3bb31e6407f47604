"""Compiled kernels for the n-player solvers: expected payoffs and their Jacobian at a profile.

The solvers in :mod:`~regretlab.games.normal_form.nplayer` evaluate, many times per path step,
every player's expected payoff vector ``V_i(a) = u_i(a, x_-i)`` and its derivatives
``∂V_i(a)/∂x_j(b) = u_i(a, b, x_-ij)`` at a mixed profile. On the small tensors of those games
the einsum calls cost far more in Python overhead than in arithmetic; these Numba kernels do
one pass over the pure profiles instead.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def payoff_jacobian(T: np.ndarray, ks: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``V [n]`` and ``JV [n, n]`` of the payoff tensor at the concatenated profile ``x [n]``.

    Args:
        T: ``[P, N]`` payoffs, each player's tensor flattened in C order (``N = Π k_i``).
        ks: ``[P]`` int64 numbers of actions.
        x: ``[n]`` the P mixtures concatenated (``n = Σ k_i``; need not be normalised).

    Returns:
        ``V[off_i + a] = Σ_{a_-i} T_i(a, a_-i) Π_{l≠i} x_l(a_l)`` and
        ``JV[off_i + a, off_j + b] = Σ T_i(a, b, a_-ij) Π_{l≠i,j} x_l(a_l)`` (0 for j = i).
    """
    p = ks.shape[0]
    off = np.zeros(p + 1, dtype=np.int64)
    for i in range(p):
        off[i + 1] = off[i] + ks[i]
    n = off[p]
    V = np.zeros(n)
    JV = np.zeros((n, n))
    _jacobian_into(T, ks, off, x, V, JV, np.zeros(p, dtype=np.int64), np.empty(p))
    return V, JV


@numba.njit(cache=True, nogil=True)
def _jacobian_into(T, ks, off, x, V, JV, idx, xv):
    """:func:`payoff_jacobian` into ``V [n]`` and ``JV [n, n]`` (both zero on entry; ``idx [P]``
    zero and ``xv [P]`` scratch), so a loop can reuse its arrays."""
    p = ks.shape[0]
    for flat in range(T.shape[1]):
        if flat > 0:  # the next pure profile in C order (an odometer; no divisions)
            l = p - 1
            idx[l] += 1
            while idx[l] == ks[l]:
                idx[l] = 0
                l -= 1
                idx[l] += 1
        for l in range(p):
            xv[l] = x[off[l] + idx[l]]
        for i in range(p):
            t = T[i, flat]
            if t == 0.0:
                continue
            ri = off[i] + idx[i]
            prod = t
            for l in range(p):
                if l != i:
                    prod *= xv[l]
            V[ri] += prod
            for j in range(p):
                if j == i:
                    continue
                q = t
                for l in range(p):
                    if l != i and l != j:
                        q *= xv[l]
                JV[ri, off[j] + idx[j]] += q


@numba.njit(cache=True, nogil=True)
def payoff_vectors(T: np.ndarray, ks: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``V [n]`` alone (see :func:`payoff_jacobian`)."""
    p = ks.shape[0]
    off = np.zeros(p + 1, dtype=np.int64)
    for i in range(p):
        off[i + 1] = off[i] + ks[i]
    V = np.zeros(off[p])
    idx = np.zeros(p, dtype=np.int64)
    xv = np.empty(p)
    for flat in range(T.shape[1]):
        if flat > 0:  # the next pure profile in C order (an odometer; no divisions)
            l = p - 1
            idx[l] += 1
            while idx[l] == ks[l]:
                idx[l] = 0
                l -= 1
                idx[l] += 1
        for l in range(p):
            xv[l] = x[off[l] + idx[l]]
        for i in range(p):
            prod = T[i, flat]
            for l in range(p):
                if l != i:
                    prod *= xv[l]
            V[off[i] + idx[i]] += prod
    return V


def flat_payoffs(payoffs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(T [P, N], ks [P])`` for the kernels from a payoff tensor ``[P, k_1..k_P]``."""
    p = payoffs.shape[0]
    return (np.ascontiguousarray(payoffs, dtype=np.float64).reshape(p, -1),
            np.asarray(payoffs.shape[1:], dtype=np.int64))


@numba.njit(cache=True, nogil=True)
def _offsets(ks: np.ndarray) -> np.ndarray:
    off = np.zeros(ks.shape[0] + 1, dtype=np.int64)
    for i in range(ks.shape[0]):
        off[i + 1] = off[i] + ks[i]
    return off


@numba.njit(cache=True, nogil=True)
def solve_dense(A: np.ndarray, b: np.ndarray) -> tuple[bool, np.ndarray]:
    """``A x = b`` by Gaussian elimination with partial pivoting (what LAPACK's getrf/getrs do);
    ``(False, ...)`` when a pivot is exactly 0 (where ``np.linalg.solve`` raises)."""
    x = b.copy()
    return _solve_into(A.copy(), x), x


@numba.njit(cache=True, nogil=True)
def _solve_into(M: np.ndarray, x: np.ndarray) -> bool:
    """:func:`solve_dense` in place: ``M`` is overwritten by its elimination and ``x`` (the
    right-hand side on entry) by the solution; False when a pivot is exactly 0."""
    n = x.shape[0]
    for c in range(n):
        piv, best = c, abs(M[c, c])
        for r in range(c + 1, n):
            if abs(M[r, c]) > best:
                piv, best = r, abs(M[r, c])
        if best == 0.0:
            return False
        if piv != c:
            for k in range(n):
                M[c, k], M[piv, k] = M[piv, k], M[c, k]
            x[c], x[piv] = x[piv], x[c]
        for r in range(c + 1, n):
            f = M[r, c] / M[c, c]
            if f != 0.0:
                for k in range(c + 1, n):
                    M[r, k] -= f * M[c, k]
                x[r] -= f * x[c]
    for c in range(n - 1, -1, -1):
        s = x[c]
        for k in range(c + 1, n):
            s -= M[c, k] * x[k]
        x[c] = s / M[c, c]
    return True


@numba.njit(cache=True, nogil=True)
def project_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection onto the probability simplex (sort-based; Held, Wolfe & Crowder 1974)."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    r = 0
    for k in range(v.size):
        if u[k] * (k + 1) > css[k]:
            r = k
    return np.maximum(v - css[r] / (r + 1.0), 0.0)


@numba.njit(cache=True, nogil=True)
def gnm_system(T, ks, g, z, lam, active, use_active):
    """``H(z, λ) = z - r(z) - V(r(z)) - λ g`` ``[n]``, its Jacobian ``[n, n+1]``, ``x = r(z)`` and
    the support mask (``active`` when ``use_active``, else ``x > 0``) of the global Newton path."""
    off = _offsets(ks)
    p = ks.shape[0]
    n = off[p]
    x = np.zeros(n)
    act = np.zeros(n, dtype=np.bool_)
    for i in range(p):
        zi = z[off[i]:off[i + 1]]
        if use_active:
            s, c = 0.0, 0
            for a in range(ks[i]):
                if active[off[i] + a]:
                    s += zi[a]
                    c += 1
            tau = (s - 1.0) / c
            for a in range(ks[i]):
                act[off[i] + a] = active[off[i] + a]
                if active[off[i] + a]:
                    x[off[i] + a] = zi[a] - tau
        else:
            xi = project_simplex(zi)
            for a in range(ks[i]):
                x[off[i] + a] = xi[a]
                act[off[i] + a] = xi[a] > 0
    V, JV = payoff_jacobian(T, ks, x)
    H = z - x - V - lam * g
    R = np.zeros((n, n))
    for i in range(p):
        c = 0
        for a in range(ks[i]):
            if act[off[i] + a]:
                c += 1
        for a in range(ks[i]):
            if act[off[i] + a]:
                for b in range(ks[i]):
                    if act[off[i] + b]:
                        R[off[i] + a, off[i] + b] = (1.0 if a == b else 0.0) - 1.0 / c
    JR = JV @ R
    J = np.zeros((n, n + 1))
    for r in range(n):
        for c in range(n):
            J[r, c] = (1.0 if r == c else 0.0) - R[r, c] - JR[r, c]
        J[r, n] = -g[r]
    return H, J, x, act


@numba.njit(cache=True, nogil=True)
def det_sign(A: np.ndarray) -> float:
    """``sign det A`` by Gaussian elimination with partial pivoting (0.0 when a pivot is 0)."""
    M = A.copy()
    n = M.shape[0]
    sign = 1.0
    for c in range(n):
        piv, best = c, abs(M[c, c])
        for r in range(c + 1, n):
            if abs(M[r, c]) > best:
                piv, best = r, abs(M[r, c])
        if best == 0.0:
            return 0.0
        if piv != c:
            sign = -sign
            for k in range(n):
                M[c, k], M[piv, k] = M[piv, k], M[c, k]
        if M[c, c] < 0:
            sign = -sign
        for r in range(c + 1, n):
            f = M[r, c] / M[c, c]
            if f != 0.0:
                for k in range(c + 1, n):
                    M[r, k] -= f * M[c, k]
    return sign


@numba.njit(cache=True, nogil=True)
def gnm_tangent(T, ks, g, y, act, ref):
    """The unit null vector t of ∂H at ``y`` on the faces ``act`` and ``sign det [∂H; tᵀ]``.

    With a reference direction ``ref`` (the previous tangent; empty for none) t solves
    ``[∂H; refᵀ] t = e`` (normalised), accepted when ``|refᵀ t| > 0.1``; otherwise, and for
    the first tangent, t is the last right singular vector of ∂H.
    """
    n = y.shape[0] - 1
    _, J, _, _ = gnm_system(T, ks, g, y[:n], y[n], act, True)
    return gnm_tangent_of(J, ref)


@numba.njit(cache=True, nogil=True)
def solve_dense_sign(A: np.ndarray, b: np.ndarray) -> tuple[bool, np.ndarray, float]:
    """:func:`solve_dense` that also returns ``sign det A`` from the same elimination."""
    n = b.shape[0]
    M = A.copy()
    x = b.copy()
    sign = 1.0
    for c in range(n):
        piv, best = c, abs(M[c, c])
        for r in range(c + 1, n):
            if abs(M[r, c]) > best:
                piv, best = r, abs(M[r, c])
        if best == 0.0:
            return False, x, 0.0
        if piv != c:
            sign = -sign
            for k in range(n):
                M[c, k], M[piv, k] = M[piv, k], M[c, k]
            x[c], x[piv] = x[piv], x[c]
        if M[c, c] < 0:
            sign = -sign
        for r in range(c + 1, n):
            f = M[r, c] / M[c, c]
            if f != 0.0:
                for k in range(c + 1, n):
                    M[r, k] -= f * M[c, k]
                x[r] -= f * x[c]
    for c in range(n - 1, -1, -1):
        s = x[c]
        for k in range(c + 1, n):
            s -= M[c, k] * x[k]
        x[c] = s / M[c, c]
    return True, x, sign


@numba.njit(cache=True, nogil=True)
def gnm_tangent_of(J, ref):
    """:func:`gnm_tangent` from the Jacobian ``J = ∂H [n, n+1]`` already evaluated. With the
    reference row, ``sign det [J; tᵀ] = sign det [J; refᵀ]`` (``t = w/|w|`` with
    ``[J; refᵀ] w = e``: the matrix determinant lemma gives the factor ``tᵀw = |w| > 0``), so
    one elimination gives both the tangent and its orientation."""
    n = J.shape[0]
    A = np.empty((n + 1, n + 1))
    A[:n] = J
    found = False
    t = np.empty(n + 1)
    if ref.shape[0] == n + 1:
        A[n] = ref
        e = np.zeros(n + 1)
        e[n] = 1.0
        ok, w, sgn = solve_dense_sign(A, e)
        if ok and np.isfinite(w).all():
            nw = np.linalg.norm(w)
            if nw > 0:
                t = w / nw
                found = abs(np.dot(ref, t)) > 0.1
                if found:
                    return t, sgn
    if not found:
        vt = np.linalg.svd(J)[2]
        t = vt[n].copy()
    A[n] = t
    return t, det_sign(A)


@numba.njit(cache=True, nogil=True)
def gnm_correct(T, ks, g, z, t, act):
    """Pseudo-arclength Newton corrector (12 iterations at most); ``(False, z)`` on a singular
    system or a non-finite iterate."""
    n = z.shape[0] - 1
    z = z.copy()
    A = np.empty((n + 1, n + 1))
    rhs = np.zeros(n + 1)
    for _ in range(12):
        H, Jz, _, _ = gnm_system(T, ks, g, z[:n], z[n], act, True)
        A[:n] = Jz
        A[n] = t
        rhs[:n] = H
        rhs[n] = 0.0
        ok, dz = solve_dense(A, rhs)
        if not ok:
            return False, z
        z -= dz
        if not np.isfinite(z).all():
            return False, z
        if np.abs(dz).max() < 1e-12:
            break
    return True, z


@numba.njit(cache=True, nogil=True)
def gnm_step(T, ks, g, y, t, act, h):
    """One predictor–corrector step inside the support piece ``act``, halving ``h`` (down to
    1e-9) until the corrected point stays on the piece, solves ``H = 0`` to 1e-10 and lies
    within ``1.5 h``; returns ``(accepted, z, h)``."""
    n = y.shape[0] - 1
    while h > 1e-9:
        ok, z = gnm_correct(T, ks, g, y + h * t, t, act)
        if ok:
            H, _, _, act_z = gnm_system(T, ks, g, z[:n], z[n], act, False)
            same = True
            for k in range(n):
                if act[k] != act_z[k]:
                    same = False
            if same and np.abs(H).max() < 1e-10 and np.linalg.norm(z - y) < 1.5 * h:
                return True, z, h
        h *= 0.5
    return False, y, h


@numba.njit(cache=True, nogil=True)
def gnm_correct_n(T, ks, g, z, t, act):
    """:func:`gnm_correct` that also returns the number of Newton iterations it took."""
    n = z.shape[0] - 1
    z = z.copy()
    A = np.empty((n + 1, n + 1))
    rhs = np.zeros(n + 1)
    for it in range(12):
        H, Jz, _, _ = gnm_system(T, ks, g, z[:n], z[n], act, True)
        A[:n] = Jz
        A[n] = t
        rhs[:n] = H
        rhs[n] = 0.0
        ok, dz = solve_dense(A, rhs)
        if not ok:
            return False, z, it + 1
        z -= dz
        if not np.isfinite(z).all():
            return False, z, it + 1
        if np.abs(dz).max() < 1e-12:
            return True, z, it + 1
    return True, z, 12


@numba.njit(cache=True, nogil=True)
def _face_gaps(ks, z, act):
    """Per action, how far ``z`` is inside the support piece ``act``: ``x_ia = z_ia - τ_i`` for
    an active action, ``τ_i - z_ia`` for an unused one (``τ_i`` from the active set); the piece
    is where every gap is >= 0 (the projection's active set is then ``act``)."""
    off = _offsets(ks)
    p = ks.shape[0]
    out = np.empty(off[p])
    for i in range(p):
        s, c = 0.0, 0
        for a in range(ks[i]):
            if act[off[i] + a]:
                s += z[off[i] + a]
                c += 1
        tau = (s - 1.0) / c
        for a in range(ks[i]):
            v = z[off[i] + a] - tau
            out[off[i] + a] = v if act[off[i] + a] else -v
    return out


@numba.njit(cache=True, nogil=True)
def _projection_faces(ks, z):
    """The support mask ``r(z) > 0`` of the per-player simplex projection (what
    :func:`gnm_system` returns without ``use_active``, without the Jacobian)."""
    off = _offsets(ks)
    act = np.zeros(off[ks.shape[0]], dtype=np.bool_)
    u = np.empty(ks.max())
    for i in range(ks.shape[0]):
        # project_simplex's threshold without its allocations: the block sorted descending
        # (insertion sort: the same values as np.sort), the same running sums, the same r
        k = ks[i]
        for a in range(k):
            v = z[off[i] + a]
            b = a
            while b > 0 and u[b - 1] < v:
                u[b] = u[b - 1]
                b -= 1
            u[b] = v
        cs, r, cr = 0.0, 0, 0.0
        for a in range(k):
            cs += u[a]
            c = cs - 1.0
            if u[a] * (a + 1) > c:
                r, cr = a, c
        theta = cr / (r + 1.0)
        for a in range(k):  # max(v - θ, 0) > 0 exactly when v - θ > 0
            act[off[i] + a] = z[off[i] + a] - theta > 0.0
    return act


@numba.njit(cache=True, nogil=True)
def gnm_step_adaptive(T, ks, g, y, t, act, h):
    """:func:`gnm_step` with the support boundary located instead of approached by halving.

    A corrected point that solves the piece's (smooth) system but lies past the piece's
    boundary brackets the crossing: regula falsi (Illinois) on the first gap to turn negative,
    along the predictor–corrector family ``h -> z(h)``, lands within ``1e-11`` of the boundary
    (code 1: the caller switches the support there). Code 0: an ordinary accepted step; code 2:
    no step down to ``h = 1e-9``. Returns ``(code, z, h, corrector iterations, J)`` with ``J``
    the piece's ``∂H`` at an accepted ``z`` (code 0; empty otherwise), which the next step's
    tangent reuses."""
    n = y.shape[0] - 1
    gy = _face_gaps(ks, y[:n], act)
    none = np.empty((0, n + 1))
    while h > 1e-9:
        ok, z, its = gnm_correct_n(T, ks, g, y + h * t, t, act)
        if ok and np.linalg.norm(z - y) < 1.5 * h:
            H, Jz, _, _ = gnm_system(T, ks, g, z[:n], z[n], act, True)
            if np.abs(H).max() < 1e-10:
                gz = _face_gaps(ks, z[:n], act)
                k, wbest = -1, 2.0
                for q in range(n):
                    if gz[q] < 0.0:
                        w = gy[q] / (gy[q] - gz[q]) if gy[q] > 0.0 else 0.0
                        if w < wbest:
                            k, wbest = q, w
                if k < 0:  # every gap >= 0: the projection's faces are act, H is the piece's H
                    return 0, z, h, its, Jz
                elif gy[k] > 0.0:
                    lo, glo, hi, ghi = 0.0, gy[k], h, gz[k]
                    side = 0
                    best = y
                    for _ in range(40):
                        hm = lo + (hi - lo) * glo / (glo - ghi)
                        okm, zm, _ = gnm_correct_n(T, ks, g, y + hm * t, t, act)
                        if not okm:
                            break
                        gm = _face_gaps(ks, zm[:n], act)
                        inside = True
                        for q in range(n):
                            if q != k and gm[q] < 0.0:
                                inside = False
                        if not inside:  # another gap crossed first: bracket on it instead
                            hi = hm
                            k2, w2 = k, 2.0
                            for q in range(n):
                                if gm[q] < 0.0 and q != k:
                                    w = gy[q] / (gy[q] - gm[q]) if gy[q] > 0.0 else 0.0
                                    if w < w2:
                                        k2, w2 = q, w
                            if gy[k2] <= 0.0:
                                break
                            k, lo, glo, ghi = k2, 0.0, gy[k2], gm[k2]
                            side = 0
                            continue
                        if abs(gm[k]) <= 1e-11:
                            return 1, zm, hm, 0, none
                        if gm[k] > 0.0:
                            lo, glo = hm, gm[k]
                            best = zm
                            if side == 1:
                                ghi *= 0.5
                            side = 1
                        else:
                            hi, ghi = hm, gm[k]
                            if side == -1:
                                glo *= 0.5
                            side = -1
                        if hi - lo < 1e-13:
                            break
                    if best is not y:
                        return 1, best, lo, 0, none
        h *= 0.5
    return 2, y, h, 0, none


@numba.njit(cache=True, nogil=True)
def logit_system(T, ks, w, lam):
    """Residual ``[n]`` and Jacobian ``[n, n+1]`` (last column ∂/∂λ) of the logit QRE system
    in ``w = log x``: per player, ``w_a - w_0 - λ (V_a - V_0)`` for ``a ≥ 1`` and ``Σ x - 1``."""
    off = _offsets(ks)
    p = ks.shape[0]
    n = off[p]
    x = np.exp(w)
    V, JV = payoff_jacobian(T, ks, x)
    F = np.empty(n)
    J = np.zeros((n, n + 1))
    for i in range(p):
        r0, k, o = off[i], ks[i], off[i]
        s = 0.0
        for a in range(k):
            s += x[o + a]
            J[r0 + k - 1, o + a] = x[o + a]
        F[r0 + k - 1] = s - 1.0
        for a in range(1, k):
            F[r0 + a - 1] = w[o + a] - w[o] - lam * (V[o + a] - V[o])
            J[r0 + a - 1, o + a] = 1.0
            J[r0 + a - 1, o] = -1.0
            J[r0 + a - 1, n] = -(V[o + a] - V[o])
        if k == 1:
            continue
        for j in range(p):
            if j == i:
                continue
            for a in range(1, k):
                for b in range(ks[j]):
                    d = (JV[o + a, off[j] + b] - JV[o, off[j] + b]) * x[off[j] + b]
                    J[r0 + a - 1, off[j] + b] -= lam * d
    return F, J


@numba.njit(cache=True, nogil=True)
def logit_tangent(T, ks, y):
    """The null vector of the logit system's Jacobian at ``y = (w, λ)`` (last right singular vector)."""
    n = y.shape[0] - 1
    _, J = logit_system(T, ks, y[:n], y[n])
    return np.linalg.svd(J)[2][n].copy()


@numba.njit(cache=True, nogil=True)
def logit_step(T, ks, y, t, h):
    """Euler predictor + Gauss–Newton corrector (8 least-squares steps at most), halving ``h``
    (down to 1e-12) until the point solves the system to 1e-9 within ``2.5 h``; returns
    ``(accepted, z, h)``."""
    n = y.shape[0] - 1
    rcond = 2.220446049250313e-16 * (n + 1)  # numpy's default for lstsq
    while h > 1e-12:
        z = y + h * t
        for _ in range(8):
            F, Jz = logit_system(T, ks, z[:n], z[n])
            if not (np.isfinite(F).all() and np.isfinite(Jz).all()):
                break  # overflow: numba's lstsq refuses non-finite input; the check below fails
            dz = np.linalg.lstsq(Jz, F, rcond)[0]
            z = z - dz
            if np.abs(dz).max() < 1e-11:
                break
        F, _ = logit_system(T, ks, z[:n], z[n])
        if np.isfinite(z).all() and np.abs(F).max() < 1e-9 and np.linalg.norm(z - y) < 2.5 * h:
            return True, z, h
        h *= 0.5
    return False, y, h


@numba.njit(cache=True, nogil=True)
def support_system(T, ks, z):
    """Residual ``[n]`` and Jacobian ``[n, n]`` of a support's indifference system at ``z``
    (per player ``V_a - V_0`` for the support's actions ``a ≥ 1``, then ``Σ x - 1``);
    ``T, ks`` describe the payoff tensor restricted to the support."""
    off = _offsets(ks)
    p = ks.shape[0]
    n = off[p]
    V, JV = payoff_jacobian(T, ks, z)
    F = np.empty(n)
    J = np.zeros((n, n))
    _system_into(ks, off, z, V, JV, F, J)
    return F, J


@numba.njit(cache=True, nogil=True)
def _system_into(ks, off, z, V, JV, F, J):
    """:func:`support_system` from the payoff vectors and Jacobian ``V, JV`` at ``z``, into
    ``F [n]`` and ``J [n, n]`` (``J`` zero on entry)."""
    p = ks.shape[0]
    for i in range(p):
        o, k = off[i], ks[i]
        s = 0.0
        for a in range(k):
            s += z[o + a]
            J[o + k - 1, o + a] = 1.0
        F[o + k - 1] = s - 1.0
        for a in range(1, k):
            F[o + a - 1] = V[o + a] - V[o]
            for j in range(p):
                if j != i:
                    for b in range(ks[j]):
                        J[o + a - 1, off[j] + b] = JV[o + a, off[j] + b] - JV[o, off[j] + b]


@numba.njit(cache=True, nogil=True)
def support_newton(T, ks, z, iters, tol):
    """Newton's method on :func:`support_system` from ``z`` (pseudo-inverse step where the
    Jacobian is singular); stops when the max residual is ``<= tol`` times the payoff scale
    (``ok``), or an iterate is non-finite or beyond 1e6 (kept at the last good one)."""
    scale = max(1.0, np.abs(T).max())
    z = z.copy()
    for _ in range(iters):
        F, J = support_system(T, ks, z)
        if np.abs(F).max() <= tol * scale:
            return z, True
        ok, step = solve_dense(J, F)
        if not ok:
            step = np.linalg.pinv(J) @ F
        znew = z - step
        if not np.isfinite(znew).all() or np.abs(znew).max() > 1e6:
            return z, False
        z = znew
    return z, False


@numba.njit(cache=True, nogil=True)
def nash_conv(T, ks, x):
    """``Σ_i [max_a V_i(a) - V_i · x_i]`` at the concatenated profile ``x``."""
    off = _offsets(ks)
    V = payoff_vectors(T, ks, x)
    tot = 0.0
    for i in range(ks.shape[0]):
        best, val = -np.inf, 0.0
        for a in range(ks[i]):
            best = max(best, V[off[i] + a])
            val += V[off[i] + a] * x[off[i] + a]
        tot += best - val
    return tot


@numba.njit(cache=True, nogil=True)
def nash_map_label(T, ks, v, scale):
    """Sperner label of the grid point ``v`` (int64 ``[n]``) of simplicial subdivision: the
    heaviest block's player labels with the support action whose projection-map coordinate
    falls most below its own (see ``nplayer._nash_map_label``)."""
    off = _offsets(ks)
    p = ks.shape[0]
    i, wbest = 0, -1.0
    x = np.empty(off[p])
    for j in range(p):
        w = 0.0
        for a in range(ks[j]):
            w += float(v[off[j] + a])
        if w > wbest:
            i, wbest = j, w
        for a in range(ks[j]):
            x[off[j] + a] = float(v[off[j] + a]) / w if w > 0 else 1.0 / ks[j]
    V = payoff_vectors(T, ks, x)
    xi = x[off[i]:off[i + 1]]
    f = project_simplex(xi + scale * V[off[i]:off[i + 1]])
    best, lab = np.inf, -1
    for a in range(ks[i]):
        if v[off[i] + a] > 0 and f[a] - xi[a] < best:
            best, lab = f[a] - xi[a], a
    return off[i] + lab


@numba.njit(cache=True, nogil=True)
def sperner_run(T, ks, m, scale, verts, labs, st, budget):
    """Up to ``budget`` pivots of Kuhn's door-in/door-out path (see ``nplayer._sperner_path``).

    State, updated in place: ``verts [K, K]`` (the first ``st[2]`` rows are the current
    simplex's vertices, in path order), ``labs [K]`` their labels, ``st = [level, came_from,
    count]`` with ``came_from`` -1 (entered from below), -2 (from above) or the door vertex.
    Returns ``(code, pivots)``: code 0 = budget spent, 1 = a completely labelled simplex is in
    ``verts``, 2 = the path broke (cannot happen on a proper labelling).
    """
    K = verts.shape[1]
    level, came, nv = st[0], st[1], st[2]
    seen = np.zeros(K, dtype=np.bool_)
    new = np.empty(K, dtype=np.int64)
    done = 0
    code = 0
    while done < budget:
        done += 1
        seen[:] = False
        distinct = 0
        for t in range(nv):
            if not seen[labs[t]]:
                seen[labs[t]] = True
                distinct += 1
        full = distinct == level + 1
        if full and came != -2:
            if level == K - 1:
                code = 1
                break
            a = -1
            for t in range(nv):  # the edge that is the wrap step e_level - e_0 (0 at level 0)
                u = (t + 1) % nv
                ok = True
                for c in range(K):
                    d = verts[u, c] - verts[t, c]
                    want = 0
                    if level > 0:
                        want = 1 if c == level else (-1 if c == 0 else 0)
                    if d != want:
                        ok = False
                        break
                if ok:
                    a = t
                    break
            if a < 0:
                code = 2
                break
            for t in range(nv, a + 1, -1):
                verts[t] = verts[t - 1]
                labs[t] = labs[t - 1]
            verts[a + 1] = verts[a]
            verts[a + 1, level + 1] += 1
            verts[a + 1, 0] -= 1
            labs[a + 1] = nash_map_label(T, ks, verts[a + 1], scale)
            nv += 1
            level += 1
            came = a + 1
            continue
        if full:
            out = 0
            for t in range(nv):
                if labs[t] == level:
                    out = t
                    break
        else:
            if came < 0:
                code = 2
                break
            out = -1
            for t in range(nv):
                if labs[t] == labs[came] and t != came:
                    out = t
                    break
        lo, hi = (out - 1) % nv, (out + 1) % nv
        bad = False
        for c in range(K):
            new[c] = verts[lo, c] + verts[hi, c] - verts[out, c]
            if new[c] < 0 or (c > level and new[c] != 0):
                bad = True
        if bad:  # the facet lies on the boundary of F_{level+1}, so in F_level: descend
            for t in range(out, nv - 1):
                verts[t] = verts[t + 1]
                labs[t] = labs[t + 1]
            nv -= 1
            level -= 1
            came = -2
            continue
        verts[out] = new
        labs[out] = nash_map_label(T, ks, new, scale)
        came = out
    st[0], st[1], st[2] = level, came, nv
    return code, done


@numba.njit(cache=True, nogil=True)
def _pivot(T, r, c, col):
    """Pivot the tableau ``T`` on ``(r, c)``: row r divided by the pivot, eliminated elsewhere."""
    pv = T[r, c]
    for k in range(T.shape[1]):
        T[r, k] /= pv
    for i in range(T.shape[0]):
        col[i] = T[i, c]
    col[r] = 0.0
    for i in range(T.shape[0]):
        if col[i] != 0.0:
            for k in range(T.shape[1]):
                T[i, k] -= col[i] * T[r, k]


@numba.njit(cache=True, nogil=True)
def lemke_core(M, q, d, max_pivots):
    """Lemke's method on ``w = q + M z`` with covering vector ``d`` and the lexicographic ratio
    test of ``nplayer.lemke`` (its caller handles ``q >= 0``); ``(True, z)`` or ``(False, ·)``
    on ray termination or the pivot cap."""
    n = q.shape[0]
    T = np.zeros((n, 2 * n + 2))
    for i in range(n):
        T[i, i] = 1.0
        for j in range(n):
            T[i, n + j] = -M[i, j]
        T[i, 2 * n] = -d[i]
        T[i, 2 * n + 1] = q[i]
    basis = np.arange(n)
    col = np.empty(n)

    r, best = 0, q[0] / d[0]
    for i in range(1, n):
        if q[i] / d[i] < best:
            r, best = i, q[i] / d[i]
    _pivot(T, r, 2 * n, col)
    leaving = basis[r]
    basis[r] = 2 * n
    cand = np.empty(n, dtype=np.int64)
    keep = np.empty(n, dtype=np.int64)
    ratios = np.empty(n)
    for _ in range(max_pivots):
        enter = leaving + n if leaving < n else leaving - n
        nc = 0
        for i in range(n):
            if T[i, enter] > 1e-12:
                cand[nc] = i
                nc += 1
        if nc == 0:
            return False, np.zeros(n)
        z0 = -1
        for t in range(nc):
            if basis[cand[t]] == 2 * n:
                z0 = cand[t]
                break
        for step in range(n + 1):
            c = 2 * n + 1 if step == 0 else step - 1
            best = np.inf
            for t in range(nc):
                ratios[t] = T[cand[t], c] / T[cand[t], enter]
                best = min(best, ratios[t])
            lim = best + 1e-11 * max(1.0, abs(best))
            nk = 0
            has0 = False
            for t in range(nc):
                if ratios[t] <= lim:
                    keep[nk] = cand[t]
                    nk += 1
                    if cand[t] == z0:
                        has0 = True
            cand[:nk] = keep[:nk]
            nc = nk
            if nc == 1 or (z0 >= 0 and has0):
                break
        has0 = False
        for t in range(nc):
            if cand[t] == z0:
                has0 = True
        r = z0 if (z0 >= 0 and has0) else cand[0]
        _pivot(T, r, enter, col)
        leaving = basis[r]
        basis[r] = enter
        if leaving == 2 * n:
            z = np.zeros(2 * n + 1)
            for i in range(n):
                z[basis[i]] = T[i, 2 * n + 1]
            return True, np.maximum(z[n:2 * n], 0.0)
    return False, np.zeros(n)


@numba.njit(cache=True, nogil=True)
def _oriented(T, ks, g, y, act, orient, ref):
    t, sign = gnm_tangent(T, ks, g, y, act, ref)
    return _orient(t, sign, orient)


@numba.njit(cache=True, nogil=True)
def _orient(t, sign, orient):
    if np.isnan(orient):
        orient = sign if t[-1] < 0 else -sign
    if sign != orient:
        t = -t
    return t, orient


@numba.njit(cache=True, nogil=True)
def gnm_trace(T, ks, g, y, forced, has_forced, h, orient, steps, stop, adaptive=True):
    """Follow the global Newton path from ``y`` until λ changes sign (code 1), the path breaks
    (code 2) or ``steps`` reaches ``stop`` (code 0), as ``nplayer.global_newton`` describes.

    Returns ``(code, steps, prev, y, forced, has_forced, h, orient)``; ``orient`` is NaN until
    the first tangent fixes the path's orientation.
    """
    off = _offsets(ks)
    p = ks.shape[0]
    n = off[p]
    prev = y
    ref = np.empty(0)
    can_back = False
    back_y, back_prev, back_act, back_h = y, y, forced, h
    back_forced, back_has_forced = forced, has_forced
    cached, cache_act, cache_J = False, forced, np.empty((0, n + 1))
    while steps < stop:
        steps += 1
        if has_forced:
            act = forced
        elif adaptive:
            act = _projection_faces(ks, y[:n])
        else:
            act = gnm_system(T, ks, g, y[:n], y[n], forced, False)[3]
        if cached and (act == cache_act).all():  # ∂H at y on these faces: the last check's
            t, sign = gnm_tangent_of(cache_J, ref)
            t, orient = _orient(t, sign, orient)
        else:
            t, orient = _oriented(T, ks, g, y, act, orient, ref)
        cached = False
        if adaptive and can_back and np.dot(t, ref) < 0.9:
            # the tangent turned by more than ~25° over the last step: it may have jumped
            # across a fold of the path; redo that step from its start with a quarter of it
            y, prev, act, t, h = back_y, back_prev, back_act, ref, back_h * 0.25
            forced, has_forced = back_forced, back_has_forced
        ref = t
        its = 12
        if adaptive:
            back_y, back_prev, back_act, back_h = y, prev, act, h
            back_forced, back_has_forced = forced, has_forced
            code, acc, h, its, cache_J = gnm_step_adaptive(T, ks, g, y, t, act, h)
            cached, cache_act = code == 0, act
            can_back = code == 0 and h > 1e-6
            ok = code == 0
            if code == 1:  # landed on the piece's boundary: switch there
                prev, y = y, acc
                if prev[n] * y[n] <= 0.0 and prev[n] != y[n]:
                    return 1, steps, prev, y, forced, has_forced, h, orient
        else:
            ok, acc, h = gnm_step(T, ks, g, y, t, act, h)
        if not ok:
            # a support change within ~h: switch the membership of the action nearest to the
            # boundary of the piece (probability reaching 0, or an unused action's z reaching
            # the threshold) and step onto the next piece
            best, bi, ba = np.inf, 0, 0
            for i in range(p):
                s, c = 0.0, 0
                for a in range(ks[i]):
                    if act[off[i] + a]:
                        s += y[off[i] + a]
                        c += 1
                tau = (s - 1.0) / c
                for a in range(ks[i]):
                    zi = y[off[i] + a]
                    gap = abs(zi - tau if act[off[i] + a] else tau - zi)
                    if gap < best:
                        best, bi, ba = gap, i, a
            new = act.copy()
            new[off[bi] + ba] = not new[off[bi] + ba]
            if not new[off[bi]:off[bi + 1]].any():
                return 2, steps, prev, y, forced, has_forced, h, orient
            forced, has_forced = new, True
            h = 1e-6
            t2, orient = _oriented(T, ks, g, y, forced, orient, ref)
            ref = t2
            good, z = gnm_correct(T, ks, g, y + h * t2, t2, forced)
            if not good:
                return 2, steps, prev, y, forced, has_forced, h, orient
            prev, y = y, z
            h = 1e-4 if not adaptive else 1e-3
        else:
            prev, y = y, acc
            has_forced = False
            # step-length control: grow fast while the corrector converges in a few iterations
            grow = 1.5 if not adaptive else (3.0 if its <= 3 else (2.0 if its <= 5 else 1.2))
            h = min(h * grow, (0.2 if not adaptive else 0.5) * max(1.0, abs(y[n])))
        if prev[n] * y[n] <= 0.0 and prev[n] != y[n]:
            return 1, steps, prev, y, forced, has_forced, h, orient
    return 0, steps, prev, y, forced, has_forced, h, orient


@numba.njit(cache=True, nogil=True)
def restrict(T, ks, mask):
    """The payoff tensor restricted to the supports ``mask [n]``: ``(T_S [P, N_S], k_S [P])``."""
    off = _offsets(ks)
    p = ks.shape[0]
    kss = np.zeros(p, dtype=np.int64)
    for i in range(p):
        for a in range(ks[i]):
            if mask[off[i] + a]:
                kss[i] += 1
    acts = np.empty(off[p], dtype=np.int64)  # acts[off_i + r] = the r-th support action of i
    for i in range(p):
        r = 0
        for a in range(ks[i]):
            if mask[off[i] + a]:
                acts[off[i] + r] = a
                r += 1
    N = 1
    for i in range(p):
        N *= kss[i]
    Ts = np.empty((p, N))
    idx = np.zeros(p, dtype=np.int64)
    for f in range(N):
        r = f
        for l in range(p - 1, -1, -1):
            idx[l] = r % kss[l]
            r //= kss[l]
        flat = 0
        for l in range(p):
            flat = flat * ks[l] + acts[off[l] + idx[l]]
        for i in range(p):
            Ts[i, f] = T[i, flat]
    return Ts, kss


@numba.njit(cache=True, nogil=True)
def _support_newton_buffered(T, ks, z, iters, tol):
    """:func:`support_newton` (the same iterates bit for bit) on work arrays allocated once per
    run instead of per iteration (:func:`_jacobian_into`, :func:`_system_into` and
    :func:`_solve_into`, the in-place forms of the functions it calls)."""
    scale = max(1.0, np.abs(T).max())
    p = ks.shape[0]
    off = _offsets(ks)
    n = off[p]
    z = z.copy()
    V = np.empty(n)
    JV = np.empty((n, n))
    F = np.empty(n)
    J = np.empty((n, n))
    M = np.empty((n, n))
    w = np.empty(n)
    znew = np.empty(n)
    idx = np.empty(p, dtype=np.int64)
    xv = np.empty(p)
    for _ in range(iters):
        V[:] = 0.0
        JV[:, :] = 0.0
        idx[:] = 0
        _jacobian_into(T, ks, off, z, V, JV, idx, xv)
        J[:, :] = 0.0
        _system_into(ks, off, z, V, JV, F, J)
        r = 0.0  # np.abs(F).max(), NaN included
        for a in range(n):
            if np.isnan(F[a]):
                r = np.nan
                break
            r = max(r, abs(F[a]))
        if r <= tol * scale:
            return z, True
        M[:, :] = J
        w[:] = F
        if not _solve_into(M, w):
            w[:] = np.linalg.pinv(J) @ F
        big = False
        for a in range(n):
            znew[a] = z[a] - w[a]
            if not np.isfinite(znew[a]) or abs(znew[a]) > 1e6:
                big = True
        if big:
            return z, False
        z[:] = znew
    return z, False


@numba.njit(cache=True, nogil=True)
def polish_core(T, ks, x, thresholds, tol):
    """The support-Newton part of ``nplayer.polish``: for each threshold, Newton on the
    indifference system of the support ``{x > threshold}`` (each support once), the first
    verified result (NashConv ``< tol``) wins. Returns ``(found, profile [n], nash_conv)``."""
    off = _offsets(ks)
    p = ks.shape[0]
    n = off[p]
    tried = np.zeros((thresholds.shape[0], n), dtype=np.bool_)
    ntried = 0
    for thr in thresholds:
        mask = x > thr
        empty = False
        for i in range(p):
            if not mask[off[i]:off[i + 1]].any():
                empty = True
        if empty:
            continue
        dup = False
        for q in range(ntried):
            if (tried[q] == mask).all():
                dup = True
                break
        if dup:
            continue
        tried[ntried] = mask
        ntried += 1
        Ts, kss = restrict(T, ks, mask)
        so = _offsets(kss)
        z0 = np.empty(so[p])
        for i in range(p):
            s, r = 0.0, 0
            for a in range(ks[i]):
                if mask[off[i] + a]:
                    s += x[off[i] + a]
            for a in range(ks[i]):
                if mask[off[i] + a]:
                    z0[so[i] + r] = x[off[i] + a] / s
                    r += 1
        z, ok = _support_newton_buffered(Ts, kss, z0, 40, 1e-14)
        if not ok or (z < -1e-10).any():
            continue
        prof = np.zeros(n)
        good = True
        for i in range(p):
            r, tot = 0, 0.0
            for a in range(ks[i]):
                if mask[off[i] + a]:
                    prof[off[i] + a] = max(z[so[i] + r], 0.0)
                    tot += prof[off[i] + a]
                    r += 1
            if not tot > 0:
                good = False
                break
            for a in range(ks[i]):
                prof[off[i] + a] /= tot
        if good:
            c = nash_conv(T, ks, prof)
            if c < tol:
                return True, prof, c
    return False, x, np.inf


@numba.njit(cache=True, nogil=True)
def dominated(T, ks, i, mask):
    """Some action of player i's support (``mask [n]``) is strictly dominated by another of
    i's actions against every profile of the others' supports."""
    off = _offsets(ks)
    p = ks.shape[0]
    stride = 1
    for l in range(i + 1, p):
        stride *= ks[l]
    idx = np.zeros(p, dtype=np.int64)
    N = T.shape[1]
    for a in range(ks[i]):
        if not mask[off[i] + a]:
            continue
        for b in range(ks[i]):
            if b == a:
                continue
            below = True
            for flat in range(N):
                r = flat
                inside = True
                for l in range(p - 1, -1, -1):
                    idx[l] = r % ks[l]
                    r //= ks[l]
                    if l != i and not mask[off[l] + idx[l]]:
                        inside = False
                if not inside or idx[i] != a:
                    continue
                if not T[i, flat] < T[i, flat + (b - a) * stride]:
                    below = False
                    break
            if below:
                return True
    return False


@numba.njit(cache=True, nogil=True)
def ipa_direction(T, ks, x, max_pivots):
    """IPA's target: the first-order polymatrix game at ``x`` (``nplayer.polymatrix_approximation``)
    solved by Lemke on its LCP (``nplayer._solve_polymatrix``); ``(ok, y [n])``."""
    off = _offsets(ks)
    p = ks.shape[0]
    n = off[p]
    V, JV = payoff_jacobian(T, ks, x)
    Pm = np.zeros((n, n))  # Pm[i-block, j-block] = P[i][j]
    top = -np.inf
    for i in range(p):
        for j in range(p):
            if i == j:
                continue
            for a in range(ks[i]):
                lx = 0.0
                for b in range(ks[j]):
                    lx += JV[off[i] + a, off[j] + b] * x[off[j] + b]
                const = (V[off[i] + a] - lx) / (p - 1)
                for b in range(ks[j]):
                    v = JV[off[i] + a, off[j] + b] + const
                    Pm[off[i] + a, off[j] + b] = v
                    top = max(top, v)
    m = n + p
    M = np.zeros((m, m))
    for i in range(p):
        for j in range(p):
            for a in range(ks[i]):
                for b in range(ks[j]):
                    M[off[i] + a, off[j] + b] = top + 1.0 - (Pm[off[i] + a, off[j] + b] if i != j else 0.0)
        for a in range(ks[i]):
            M[off[i] + a, n + i] = -1.0
            M[n + i, off[i] + a] = 1.0
    q = np.zeros(m)
    q[n:] = -1.0
    ok, z = lemke_core(M, q, np.ones(m), max_pivots)
    y = np.zeros(n)
    if not ok:
        return False, y
    for i in range(p):
        s = 0.0
        for a in range(ks[i]):
            s += z[off[i] + a]
        if not s > 0:
            return False, y
        for a in range(ks[i]):
            y[off[i] + a] = z[off[i] + a] / s
    return True, y


# -- support enumeration: the whole scan of the common support shapes in one call ---------------

_RTOL = 1e-10  # as support_systems._RTOL


@numba.njit(cache=True, nogil=True)
def _entry(Ts, kss, i, idx):
    """``Ts[i]`` at the multi-index ``idx`` (C order over ``kss``)."""
    flat = 0
    for l in range(kss.shape[0]):
        flat = flat * kss[l] + idx[l]
    return Ts[i, flat]


@numba.njit(cache=True, nogil=True)
def _linear_block(Ts, kss, me, other, scale):
    """Player ``me``'s equations ``gap @ x_other = 0``, ``Σ x_other = 1`` (everyone else pure),
    as ``support_systems._linear_block``: code 0 = no solution with every entry > -1e-12,
    1 = the unique solution (in ``z``), 2 = a rank-deficient consistent family (the caller
    decides by an LP)."""
    p = kss.shape[0]
    km, ko = kss[me], kss[other]
    M = np.zeros((km, ko))
    idx = np.zeros(p, dtype=np.int64)
    for a in range(1, km):
        for b in range(ko):
            idx[me], idx[other] = a, b
            v = _entry(Ts, kss, me, idx)
            idx[me] = 0
            M[a - 1, b] = v - _entry(Ts, kss, me, idx)
    for b in range(ko):
        M[km - 1, b] = 1.0
    rhs = np.zeros(km)
    rhs[km - 1] = 1.0
    u, s, vt = np.linalg.svd(M)
    tol = _RTOL * max(1.0, scale) * max(km, ko)
    rank = 0
    for q in range(s.shape[0]):
        if s[q] > tol:
            rank += 1
    z = np.zeros(ko)
    for q in range(rank):
        c = 0.0
        for r in range(km):
            c += u[r, q] * rhs[r]
        c /= s[q]
        for b in range(ko):
            z[b] += vt[q, b] * c
    res = 0.0
    for r in range(km):
        v = -rhs[r]
        for b in range(ko):
            v += M[r, b] * z[b]
        res = max(res, abs(v))
    if res > tol * 10:
        return 0, z
    if rank == ko:
        for b in range(ko):
            if not z[b] > -1e-12:
                return 0, z
        return 1, z
    return 2, z


@numba.njit(cache=True, nogil=True)
def _bilinear_gap(Ts, kss, i, mix, j1, j2):
    """``support_systems._bilinear`` of player ``mix[i]``'s gap (first minus second action) as
    a form in the weights of mixers ``mix[j1], mix[j2]`` (others pure at 0): ``[c0, cu, cv, cuv]``
    with u the weight of ``mix[j1]``'s first action."""
    p = kss.shape[0]
    idx = np.zeros(p, dtype=np.int64)
    m = np.empty((2, 2))
    for s_ in range(2):
        for r in range(2):
            idx[mix[j1]], idx[mix[j2]] = s_, r
            idx[mix[i]] = 0
            v = _entry(Ts, kss, mix[i], idx)
            idx[mix[i]] = 1
            m[s_, r] = v - _entry(Ts, kss, mix[i], idx)
    out = np.empty(4)
    out[0] = m[1, 1]
    out[1] = m[0, 1] - m[1, 1]
    out[2] = m[1, 0] - m[1, 1]
    out[3] = m[0, 0] - m[0, 1] - m[1, 0] + m[1, 1]
    return out


@numba.njit(cache=True, nogil=True)
def _swap4(f):
    out = np.empty(4)
    out[0], out[1], out[2], out[3] = f[0], f[2], f[1], f[3]
    return out


@numba.njit(cache=True, nogil=True)
def _three_mixers(fa, fb, fc, scale):
    """``support_systems._three_mixers`` compiled: the real solutions ``[m, 3]`` of the three
    bilinear equations and whether the set is finite. The univariate polynomial (degree <= 2)
    is solved by the quadratic formula (stable form) instead of ``numpy.roots``."""
    tol = _RTOL * scale
    out = np.empty((2, 3))
    nout = 0
    A1, B1 = np.array([fb[1], fb[3]]), np.array([fb[0], fb[2]])
    A2, B2 = np.array([fc[1], fc[3]]), np.array([fc[0], fc[2]])
    A3, B3 = np.array([fa[1], fa[3]]), np.array([fa[0], fa[2]])
    A4 = A1 * B2[1] - B1 * A2[1]
    B4 = A1 * B2[0] - B1 * A2[0]
    R2 = np.zeros(3)  # A3 * B4 - B3 * A4, low degree first
    for u in range(2):
        for v in range(2):
            R2[u + v] += A3[u] * B4[v] - B3[u] * A4[v]
    zero = tol * scale * scale
    big = max(abs(R2[0]), abs(R2[1]), abs(R2[2]))
    if big <= zero:
        return out[:0], False
    for q in range(3):
        if abs(R2[q]) <= zero:
            R2[q] = 0.0
    deg = 2
    while deg > 0 and R2[deg] == 0.0:
        deg -= 1
    roots = np.empty(2)
    nr = 0
    if deg == 1:
        roots[0] = -R2[0] / R2[1]
        nr = 1
    elif deg == 2:
        a, b, c = R2[2], R2[1], R2[0]
        disc = b * b - 4.0 * a * c
        if disc >= 0.0:
            sq = np.sqrt(disc)
            qq = -0.5 * (b + sq) if b >= 0 else -0.5 * (b - sq)
            r1 = qq / a
            r2 = c / qq if qq != 0.0 else r1
            roots[0], roots[1] = r1, r2
            nr = 2
        else:  # complex pair: keep only if (numerically) real, as numpy.roots would
            re = -b / (2.0 * a)
            im = np.sqrt(-disc) / (2.0 * abs(a))
            if im <= 1e-7 * max(1.0, np.sqrt(re * re + im * im)):
                roots[0], roots[1] = re, re
                nr = 2
    finite = True
    for q in range(nr):
        tc = roots[q]
        a3, b3 = A3[0] + A3[1] * tc, B3[0] + B3[1] * tc
        a4, b4 = A4[0] + A4[1] * tc, B4[0] + B4[1] * tc
        if abs(a3) > tol:
            tb = -b3 / a3
        elif abs(a4) > tol * scale:
            tb = -b4 / a4
        else:
            if abs(b3) <= tol and abs(b4) <= tol * scale and -1e-9 <= tc <= 1 + 1e-9:
                finite = False
            continue
        a1, b1 = A1[0] + A1[1] * tc, B1[0] + B1[1] * tc
        a2, b2 = A2[0] + A2[1] * tb, B2[0] + B2[1] * tb
        if abs(a1) > tol:
            ta = -b1 / a1
        elif abs(a2) > tol:
            ta = -b2 / a2
        else:
            if abs(b1) <= tol and abs(b2) <= tol and -1e-9 <= tc <= 1 + 1e-9 and -1e-9 <= tb <= 1 + 1e-9:
                finite = False
            continue
        out[nout, 0], out[nout, 1], out[nout, 2] = ta, tb, tc
        nout += 1
    return out[:nout], finite


@numba.njit(cache=True, nogil=True)
def _real_roots2(R, zero):
    """Real roots (``numpy.roots``' rule: imaginary part <= 1e-7 max(1, |r|)) of the polynomial
    ``R [3]`` (low degree first) after zeroing coefficients ``<= zero`` and trimming."""
    c = R.copy()
    for q in range(3):
        if abs(c[q]) <= zero:
            c[q] = 0.0
    deg = 2
    while deg > 0 and c[deg] == 0.0:
        deg -= 1
    roots = np.empty(2)
    if deg == 1:
        roots[0] = -c[0] / c[1]
        return roots[:1]
    if deg == 2:
        a, b, cc = c[2], c[1], c[0]
        disc = b * b - 4.0 * a * cc
        if disc >= 0.0:
            sq = np.sqrt(disc)
            qq = -0.5 * (b + sq) if b >= 0 else -0.5 * (b - sq)
            roots[0] = qq / a
            roots[1] = cc / qq if qq != 0.0 else roots[0]
            return roots
        re = -b / (2.0 * a)
        im = np.sqrt(-disc) / (2.0 * abs(a))
        if im <= 1e-7 * max(1.0, np.sqrt(re * re + im * im)):
            roots[0], roots[1] = re, re
            return roots
    return roots[:0]


@numba.njit(cache=True, nogil=True)
def _pair_roots(g1, g2, scale):
    """``support_systems._pair_roots`` compiled: the real common zeros ``[m, 2]`` of two
    bilinear forms and whether they are finitely many."""
    tol = _RTOL * scale
    out = np.empty((2, 2))
    swap = False
    R = np.zeros(3)
    A = np.zeros(2)
    B = np.zeros(2)
    C = np.zeros(2)
    D = np.zeros(2)
    found = False
    for sw in range(2):
        f1 = _swap4(g1) if sw == 1 else g1
        f2 = _swap4(g2) if sw == 1 else g2
        A[0], A[1], B[0], B[1] = f1[1], f1[3], f1[0], f1[2]
        C[0], C[1], D[0], D[1] = f2[1], f2[3], f2[0], f2[2]
        R[:] = 0.0
        for u in range(2):
            for v in range(2):
                R[u + v] += A[u] * D[v] - B[u] * C[v]
        if max(abs(R[0]), abs(R[1]), abs(R[2])) > tol * scale:
            swap = sw == 1
            found = True
            break
    if not found:
        return out[:0], False
    roots = _real_roots2(R, tol * scale)
    nout = 0
    finite = True
    for q in range(roots.shape[0]):
        v = roots[q]
        a, b = A[0] + A[1] * v, B[0] + B[1] * v
        c, d = C[0] + C[1] * v, D[0] + D[1] * v
        if abs(a) > tol:
            u = -b / a
        elif abs(c) > tol:
            u = -d / c
        else:
            if abs(b) <= tol and abs(d) <= tol and -1e-9 <= v <= 1 + 1e-9:
                finite = False
            continue
        if swap:
            out[nout, 0], out[nout, 1] = v, u
        else:
            out[nout, 0], out[nout, 1] = u, v
        nout += 1
    return out[:nout], finite


@numba.njit(cache=True, nogil=True)
def _one_large_mixer(Ts, kss, mix, scale):
    """``support_systems._one_large_mixer`` compiled, for the case it settles without an LP
    (player a's linear system in ``x_a`` square and regular at every root): ``(code, points)``
    with code 0 = exact, 1 = left to ``solve_support``."""
    p = kss.shape[0]
    so = _offsets(kss)
    n = so[p]
    ia = 0
    for q in range(3):
        if kss[mix[q]] > 2:
            ia = q
    a = mix[ia]
    others = np.empty(2, dtype=np.int64)
    c_ = 0
    for q in range(3):
        if q != ia:
            others[c_] = mix[q]
            c_ += 1
    b, c = others[0], others[1]
    ka = kss[a]
    if ka != 3:
        return 1, np.empty((0, n))  # 3 equations in ka > 3 unknowns: an LP decides
    idx = np.zeros(p, dtype=np.int64)
    forms = np.empty((ka - 1, 4))
    m = np.empty((2, 2))
    for r in range(ka - 1):
        for s_ in range(2):
            for t_ in range(2):
                idx[b], idx[c] = s_, t_
                idx[a] = r + 1
                v = _entry(Ts, kss, a, idx)
                idx[a] = 0
                m[s_, t_] = v - _entry(Ts, kss, a, idx)
        forms[r, 0] = m[1, 1]
        forms[r, 1] = m[0, 1] - m[1, 1]
        forms[r, 2] = m[1, 0] - m[1, 1]
        forms[r, 3] = m[0, 0] - m[0, 1] - m[1, 0] + m[1, 1]
    roots, finite = _pair_roots(forms[0], forms[1], scale)
    if not finite:
        return 1, np.empty((0, n))
    gb = np.empty((ka, 2))  # b's gap (second minus first action) over (a, c)
    gc = np.empty((ka, 2))  # c's gap over (a, b)
    for al in range(ka):
        for g in range(2):
            idx[:] = 0
            idx[a], idx[c] = al, g
            idx[b] = 1
            v = _entry(Ts, kss, b, idx)
            idx[b] = 0
            gb[al, g] = v - _entry(Ts, kss, b, idx)
            idx[:] = 0
            idx[a], idx[b] = al, g
            idx[c] = 1
            v = _entry(Ts, kss, c, idx)
            idx[c] = 0
            gc[al, g] = v - _entry(Ts, kss, c, idx)
    z = np.ones((roots.shape[0], n))
    nz = 0
    tol = _RTOL * max(1.0, scale) * 3
    for q in range(roots.shape[0]):
        tb, tc = roots[q, 0], roots[q, 1]
        bad = False
        for r in range(2, ka - 1):
            f = forms[r]
            if abs(f[0] + f[1] * tb + f[2] * tc + f[3] * tb * tc) > 10 * _RTOL * scale:
                bad = True
        if bad:
            continue
        M = np.empty((3, ka))
        for al in range(ka):
            M[0, al] = gb[al, 0] * tc + gb[al, 1] * (1.0 - tc)
            M[1, al] = gc[al, 0] * tb + gc[al, 1] * (1.0 - tb)
            M[2, al] = 1.0
        sv = np.linalg.svd(M)[1]
        if not sv[2] > tol:
            return 1, np.empty((0, n))  # a family: the LP in solve_support decides
        rhs = np.zeros(3)
        rhs[2] = 1.0
        u, s, vt = np.linalg.svd(M)
        xa = np.zeros(ka)
        for k in range(3):
            cf = (u[0, k] * rhs[0] + u[1, k] * rhs[1] + u[2, k] * rhs[2]) / s[k]
            for al in range(ka):
                xa[al] += vt[k, al] * cf
        res = 0.0
        for r in range(3):
            v = -rhs[r]
            for al in range(ka):
                v += M[r, al] * xa[al]
            res = max(res, abs(v))
        if res > tol * 10:
            continue
        neg = False
        for al in range(ka):
            if not xa[al] > -1e-12:
                neg = True
        if neg:
            continue
        z[nz, so[a]:so[a + 1]] = xa
        z[nz, so[b]], z[nz, so[b] + 1] = tb, 1.0 - tb
        z[nz, so[c]], z[nz, so[c] + 1] = tc, 1.0 - tc
        nz += 1
    return 0, z[:nz]


@numba.njit(cache=True, nogil=True)
def support_candidates(Ts, kss):
    """The exact candidate solutions ``[m, Σ k]`` of a support's indifference system for the
    shapes solved here (nobody mixes; two players mix with full-rank linear blocks; three
    players mix on two actions each), as ``support_systems.solve_support`` finds them.
    Returns ``(code, points)``: code 0 = exact (the points, maybe none), 1 = not decided here
    (a continuum, a rank-deficient block, or another shape: the caller asks
    ``solve_support``)."""
    p = kss.shape[0]
    so = _offsets(kss)
    n = so[p]
    scale = max(1.0, np.abs(Ts).max())
    mix = np.empty(p, dtype=np.int64)
    nm = 0
    for i in range(p):
        if kss[i] > 1:
            mix[nm] = i
            nm += 1
    if nm == 0:
        return 0, np.ones((1, n))
    if nm == 1:
        return 1, np.empty((0, n))  # a constant gap: none or a continuum (Python decides)
    if nm == 2:
        i, j = mix[0], mix[1]
        c1, x1 = _linear_block(Ts, kss, i, j, scale)  # i's equations fix x_j
        if c1 == 0:
            return 0, np.empty((0, n))
        c2, x2 = _linear_block(Ts, kss, j, i, scale)
        if c2 == 0:
            return 0, np.empty((0, n))
        if c1 == 2 or c2 == 2:
            return 1, np.empty((0, n))
        z = np.ones((1, n))
        z[0, so[j]:so[j + 1]] = x1
        z[0, so[i]:so[i + 1]] = x2
        return 0, z
    if nm == 3 and kss[mix[0]] == 2 and kss[mix[1]] == 2 and kss[mix[2]] == 2:
        fa = _bilinear_gap(Ts, kss, 0, mix, 1, 2)
        fb = _bilinear_gap(Ts, kss, 1, mix, 0, 2)
        fc = _bilinear_gap(Ts, kss, 2, mix, 0, 1)
        sols, finite = _three_mixers(fa, fb, fc, scale)
        order = np.array([0, 1, 2])
        if not finite:
            sols, finite = _three_mixers(_swap4(fb), _swap4(fc), fa, scale)
            order = np.array([1, 2, 0])
        if not finite:
            sols, finite = _three_mixers(fc, _swap4(fa), _swap4(fb), scale)
            order = np.array([2, 0, 1])
        if not finite:
            return 1, np.empty((0, n))
        z = np.ones((sols.shape[0], n))
        for r in range(sols.shape[0]):
            for pos in range(3):
                m_ = mix[order[pos]]
                z[r, so[m_]] = sols[r, pos]
                z[r, so[m_] + 1] = 1.0 - sols[r, pos]
        return 0, z
    if nm == 3:
        big = 0
        for q in range(3):
            if kss[mix[q]] > 2:
                big += 1
        if big == 1:
            return _one_large_mixer(Ts, kss, mix[:3], scale)
    return 1, np.empty((0, n))


@numba.njit(cache=True, nogil=True)
def verify_support_points(T, ks, mask, z, tol):
    """``nplayer._verify`` compiled: embed support-restricted solutions ``z [m, Σ k_S]`` into
    full profiles (rows with an entry < -1e-10 dropped, clipped at 0, normalised) and keep those
    with NashConv ``< tol``; returns ``(profiles [q, n], nash_conv [q])``."""
    off = _offsets(ks)
    p = ks.shape[0]
    n = off[p]
    out = np.zeros((z.shape[0], n))
    conv = np.empty(z.shape[0])
    q = 0
    for r in range(z.shape[0]):
        neg = False
        for c in range(z.shape[1]):
            if z[r, c] < -1e-10:
                neg = True
        if neg:
            continue
        prof = np.zeros(n)
        c = 0
        good = True
        for i in range(p):
            tot = 0.0
            for a in range(ks[i]):
                if mask[off[i] + a]:
                    prof[off[i] + a] = max(z[r, c], 0.0)
                    tot += prof[off[i] + a]
                    c += 1
            if not tot > 0:
                good = False
                break
            for a in range(ks[i]):
                prof[off[i] + a] /= tot
        if not good:
            continue
        v = nash_conv(T, ks, prof)
        if v < tol:
            out[q] = prof
            conv[q] = v
            q += 1
    return out[:q], conv[:q]


@numba.njit(cache=True, nogil=True)
def enumerate_fast(T, ks, masks, tol):
    """The support-enumeration scan over ``masks [M, n]`` (support profiles in visiting order)
    for the shapes :func:`support_candidates` solves: conditional-dominance pruning, exact
    candidates, Newton polish (:func:`support_newton`; a root is kept as it is if Newton does
    not settle) and verification. Returns ``(deferred [M] bool, profiles [q, n], nash_conv
    [q], profile index [q])``; a deferred profile (not pruned, not solved here) is left to the
    caller, in order."""
    p = ks.shape[0]
    off = _offsets(ks)
    n = off[p]
    M = masks.shape[0]
    deferred = np.zeros(M, dtype=np.bool_)
    cap = 16
    outp = np.empty((cap, n))
    outc = np.empty(cap)
    outi = np.empty(cap, dtype=np.int64)
    q = 0
    for m in range(M):
        mask = masks[m]
        pruned = False
        for i in range(p):
            cnt = 0
            for a in range(ks[i]):
                if mask[off[i] + a]:
                    cnt += 1
            if cnt > 1 and dominated(T, ks, i, mask):
                pruned = True
                break
        if pruned:
            continue
        Ts, kss = restrict(T, ks, mask)
        code, z = support_candidates(Ts, kss)
        if code == 1:
            deferred[m] = True
            continue
        for r in range(z.shape[0]):
            zn, ok = support_newton(Ts, kss, z[r], 40, 1e-14)
            if ok:
                z[r] = zn
        profs, conv = verify_support_points(T, ks, mask, z, tol)
        for r in range(profs.shape[0]):
            if q == cap:
                cap *= 2
                p2 = np.empty((cap, n))
                p2[:q] = outp[:q]
                c2 = np.empty(cap)
                c2[:q] = outc[:q]
                i2 = np.empty(cap, dtype=np.int64)
                i2[:q] = outi[:q]
                outp, outc, outi = p2, c2, i2
            outp[q] = profs[r]
            outc[q] = conv[r]
            outi[q] = m
            q += 1
    return deferred, outp[:q], outc[:q], outi[:q]


@numba.njit(cache=True, nogil=True)
def hidden_parts(Ts, kss, a, b, hidden, s_, t_):
    """``support_systems._two_hidden``'s matrices at the hidden weights ``(s, t)``: ``M_a``
    (a's payoff gaps against ``x_b`` over ``Σ x_b = 1``), ``M_b`` and the hidden players' gap
    matrices ``Gs [2, k_a, k_b]``; ``Ts [P, N_S]``, ``kss`` the support-restricted tensor,
    ``hidden`` one player on three actions ``(s, t, 1 - s - t)`` or two on two ``(s, 1 - s)``,
    ``(t, 1 - t)``."""
    p = kss.shape[0]
    k = kss[a]
    nh = hidden.shape[0]
    xh = np.zeros((2, 3))
    if nh == 1:
        xh[0, 0], xh[0, 1], xh[0, 2] = s_, t_, 1.0 - s_ - t_
    else:
        xh[0, 0], xh[0, 1] = s_, 1.0 - s_
        xh[1, 0], xh[1, 1] = t_, 1.0 - t_
    Aa = np.zeros((k, k))  # [own action of a, b's action]
    Ab = np.zeros((k, k))  # [own action of b, a's action]
    Ah = np.zeros((nh, 3, k, k))  # [hidden, own action, a's action, b's action]
    idx = np.zeros(p, dtype=np.int64)
    for f in range(Ts.shape[1]):
        r = f
        for l in range(p - 1, -1, -1):
            idx[l] = r % kss[l]
            r //= kss[l]
        w = 1.0
        for q in range(nh):
            w *= xh[q, idx[hidden[q]]]
        Aa[idx[a], idx[b]] += Ts[a, f] * w
        Ab[idx[b], idx[a]] += Ts[b, f] * w
        for q in range(nh):
            wq = 1.0
            for q2 in range(nh):
                if q2 != q:
                    wq *= xh[q2, idx[hidden[q2]]]
            Ah[q, idx[hidden[q]], idx[a], idx[b]] += Ts[hidden[q], f] * wq
    Ma = np.ones((k, k))
    Mb = np.ones((k, k))
    for r in range(k - 1):
        for c in range(k):
            Ma[r, c] = Aa[r + 1, c] - Aa[0, c]
            Mb[r, c] = Ab[r + 1, c] - Ab[0, c]
    Gs = np.zeros((2, k, k))
    g = 0
    for q in range(nh):
        for r in range(kss[hidden[q]] - 1):
            for u in range(k):
                for v in range(k):
                    Gs[g, u, v] = Ah[q, r + 1, u, v] - Ah[q, 0, u, v]
            g += 1
    return Ma, Mb, Gs


@numba.njit(cache=True, nogil=True)
def cofactor_column(M):
    """``adj(M) e_last``: the cofactors of M's last row (``support_systems._cofactor_column``)."""
    k = M.shape[0]
    out = np.empty(k)
    sub = np.empty((k - 1, k - 1))
    for j in range(k):
        for r in range(k - 1):
            c2 = 0
            for c in range(k):
                if c != j:
                    sub[r, c2] = M[r, c]
                    c2 += 1
        d = np.linalg.det(sub) if k > 1 else 1.0
        out[j] = (-1.0 if (k - 1 + j) % 2 else 1.0) * d
    return out


@numba.njit(cache=True, nogil=True)
def hidden_grid(Ts, kss, a, b, hidden, grid):
    """``g(s, t)`` on ``grid x grid`` (``[D+1, D+1, 2]``): the hidden players' two equations
    with Cramer's-rule mixtures ``x_a = adj(M_b) e``, ``x_b = adj(M_a) e`` (``_two_hidden``)."""
    m = grid.shape[0]
    vals = np.empty((m, m, 2))
    for i in range(m):
        for j in range(m):
            Ma, Mb, Gs = hidden_parts(Ts, kss, a, b, hidden, grid[i], grid[j])
            va, vb = cofactor_column(Mb), cofactor_column(Ma)
            for r in range(2):
                vals[i, j, r] = va @ (Gs[r] @ vb)
    return vals


@numba.njit(cache=True, nogil=True)
def polish_full(T, ks, x, thresholds, tol):
    """``nplayer.polish`` on a shaped profile: :func:`polish_core`, else ``x`` itself when its
    NashConv is already ``< tol``. Returns ``(found, profile, nash_conv)``."""
    ok, prof, c = polish_core(T, ks, x, thresholds, tol)
    if ok:
        return True, prof, c
    c0 = nash_conv(T, ks, x)
    if c0 < tol:
        return True, x.copy(), c0
    return False, x, c0


@numba.njit(cache=True, nogil=True)
def ipa_run(T, ks, x, alpha, conv, it, stall, stop, thresholds, tol):
    """Iterations of ``nplayer.iterated_polymatrix`` until ``it`` reaches ``stop``: polish the
    iterate, solve the polymatrix game at it (:func:`ipa_direction`), polish that, then the
    damped NashConv line search. Returns ``(code, x, alpha, conv, it, stall, profile,
    nash_conv)``: code 0 = ``stop`` reached, 1 = a verified equilibrium (``profile``), 2 =
    Lemke failed, 3 = a seeded restart is due (the caller draws the new ``x``)."""
    while it < stop:
        it += 1
        ok, prof, c = polish_full(T, ks, x, thresholds, tol)
        if ok:
            return 1, x, alpha, conv, it, stall, prof, c
        ok, y = ipa_direction(T, ks, x, 10_000)
        if not ok:
            return 2, x, alpha, conv, it, stall, x, np.inf
        ok, prof, c = polish_full(T, ks, y, thresholds, tol)
        if ok:
            return 1, x, alpha, conv, it, stall, prof, c
        descent = False
        while alpha >= 1.0 / 64:
            cand = (1 - alpha) * x + alpha * y
            c = nash_conv(T, ks, cand)
            if c < conv:
                x, conv = cand, c
                alpha = min(1.0, 2 * alpha)
                stall = 0
                descent = True
                break
            alpha *= 0.5
        if not descent:  # no descent along y - x: a non-monotone full step, or a fresh start
            stall += 1
            alpha = 1.0
            if stall % 8 == 0:
                return 3, x, alpha, conv, it, stall, x, np.inf
            x = 0.5 * x + 0.5 * y
            conv = nash_conv(T, ks, x)
    return 0, x, alpha, conv, it, stall, x, np.inf


@numba.njit(cache=True, nogil=True)
def gnm_finish(T, ks, g, z):
    """The end of the global Newton path: semismooth Newton (least-squares steps, 40 at most)
    on ``H(z, 0) = 0`` from ``z``, then ``x = r(z)`` (``nplayer.global_newton``'s ``finish``)."""
    n = z.shape[0]
    none = np.zeros(n, dtype=np.bool_)
    rcond = 2.220446049250313e-16 * n  # numpy's default for lstsq
    z = z.copy()
    for _ in range(40):
        H, J, _, _ = gnm_system(T, ks, g, z, 0.0, none, False)
        Jz = np.ascontiguousarray(J[:, :n])
        if not (np.isfinite(H).all() and np.isfinite(Jz).all()):
            break
        dz = np.linalg.lstsq(Jz, H, rcond)[0]
        z = z - dz
        if np.abs(dz).max() < 1e-13:
            break
    off = _offsets(ks)
    x = np.empty(n)
    for i in range(ks.shape[0]):
        x[off[i]:off[i + 1]] = project_simplex(z[off[i]:off[i + 1]])
    return x
