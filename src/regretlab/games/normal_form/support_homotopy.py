"""Every solution of a support profile's indifference system, for any support shape, by a
certified multihomogeneous homotopy.

The indifference system of a support profile (see :mod:`support_systems`) with P mixers on
``k_1, ..., k_P`` actions has, for mixer i, ``k_i - 1`` equations that are multilinear in the
*other* mixers' mixtures: of multidegree ``e_{-i}`` (degree one in each other group, zero in
its own) on ``X = P^{k_1 - 1} x ... x P^{k_P - 1}``. The number of its isolated solutions is at
most the multihomogeneous Bézout number ``B``: the number of ways to hand each equation of
player i to one other player j so that every player j receives ``k_j - 1`` equations; a
generic game attains it (McKelvey & McLennan, "The maximal number of regular totally mixed
Nash equilibria", JET 72, 1997).

Method (Morgan & Sommese's multihomogeneous homotopy with the gamma trick, Sommese & Wampler,
*The Numerical Solution of Systems of Polynomials*, 2005, ch. 8):

* start system: equation e of player i is ``Π_{j ≠ i} <L_{e,j}, y_j>`` with random complex
  linear forms; each assignment above gives one start solution (a linear system per group);
* the homotopy ``H(y, t) = (1 - t) γ G(y) + t F(y)`` with a random complex ``γ`` (the seeded
  generator: same input, same run), in a random complex affine chart ``<c_j, y_j> = 1`` of each
  projective factor, tracked from t = 0 to 1 by an RK4 predictor and a three-step Newton
  corrector with step-size control, compiled with Numba (:mod:`._homotopy_track`: one call
  tracks a block of paths; ``compiled=False`` runs the NumPy reference tracker, vectorised
  across the paths, with the same step control);
* certificate: every endpoint passes Smale's alpha test (``α = β γ < 0.1 < α_0 ≈ 0.1577``, with
  ``γ`` bounded by the Frobenius norms of the higher derivatives, which for a multilinear
  system are partial contractions of the payoff gaps), and the B balls of radius ``2β``
  around the endpoints are pairwise disjoint. Then the target system has B distinct regular
  zeros on X; since the family of all systems of these multidegrees has an irreducible
  incidence variety (a vector bundle over X) whose projection to the systems has degree B, a
  system with B regular zeros has no other zero at all: no further isolated solution and no
  continuum anywhere. The real zeros in the simplex are then decided with the same test in the
  chart ``Σ x_j = 1`` (a zero is non-real when an imaginary part exceeds ``2β``, outside the
  simplex when a real part is below ``-2β``; a real one is refined by real Newton, which stays
  real, and tested again).

Which supports this certifies: :func:`~regretlab.games.normal_form.support_systems.solve_support`
calls it for every shape its closed-form solvers do not cover (three mixers other than
(k, 2, 2), (k, k, 2), (k, k, 3); four other than (k, k, 2, 2); five or more), when the Bézout
number is at most ``max_paths`` (1000 by default: e.g. 4x4x4 has 56 paths, 2x2x2x2x2 44,
3x3x3x3 297, 2^6 265) or is 0 (a mixer with more equations than the others' unknowns).

If any path fails (diverges, reaches a singular endpoint, two paths meet), any test fails or
the deadline passes (``deadline``, or :data:`DEADLINE`, which ``enumerate_supports`` sets from
its ``time_limit``), :func:`solve_by_homotopy` returns None and the caller keeps its Newton
fallback, so a support is reported solved exactly only with this certificate. The tests are evaluated in floating
point with a safety margin (``α < 0.1``), not in interval arithmetic.
"""

from __future__ import annotations

import contextvars
import time
from itertools import combinations
from math import factorial, sqrt

import numpy as np

ALPHA_0 = (13.0 - 3.0 * sqrt(17.0)) / 4.0  # Smale's constant: α < α_0 ⇒ an approximate zero
_ALPHA_OK = 0.1  # the threshold used (a margin under α_0 for rounding)
_LET = "abcdefghijklmnopqrstuvw"

#: The deadline (a ``time.monotonic()`` value, or None) that :func:`solve_by_homotopy` obeys when
#: its caller passes none: set by :func:`~regretlab.games.normal_form.nplayer.enumerate_supports`
#: for the duration of its scan, so that no support runs far past its ``time_limit``.
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("support_homotopy_deadline",
                                                                         default=None)


def bezout_number(ks, cap: int | None = None) -> int:
    """The multihomogeneous Bézout number of the indifference system of mixers on ``ks`` actions.

    The number of ways to hand each of player i's ``k_i - 1`` equations to another player so
    that player j receives ``k_j - 1``: McKelvey & McLennan's (JET 72, 1997) maximal number of
    regular totally mixed equilibria of a game of that shape. Counting stops above ``cap``.

    Example:
        >>> bezout_number([2, 2, 2]), bezout_number([3, 3, 3]), bezout_number([2, 2, 2, 2])
        (2, 10, 9)
        >>> bezout_number([4, 3, 2]), bezout_number([2] * 5)
        (3, 44)
    """
    ks = [int(k) for k in ks]
    P = len(ks)
    allowed = [tuple(j for j in range(P) if j != q) for q, k in enumerate(ks) for _ in range(k - 1)]
    return len(_assignments(allowed, ks, cap))


def _assignments(allowed: list, ks: list, cap: int | None = None) -> list[tuple[int, ...]]:
    """Every assignment of a group to each equation (``allowed[e]``: the groups equation e
    involves) such that group j receives ``k_j - 1`` equations: the start solutions of the
    multihomogeneous start system. Stops after ``cap + 1`` of them."""
    P = len(ks)
    left = [k - 1 for k in ks]
    if sum(left) != len(allowed):
        return []
    # how many of the equations from e on may still go to group j (for pruning)
    can = [[sum(1 for a in allowed[e:] if j in a) for j in range(P)] for e in range(len(allowed) + 1)]
    out: list[tuple[int, ...]] = []
    cur: list[int] = []

    def rec(e: int) -> None:
        if cap is not None and len(out) > cap:
            return
        if e == len(allowed):
            out.append(tuple(cur))
            return
        if any(left[j] > can[e][j] for j in range(P)):
            return
        for j in allowed[e]:
            if left[j] > 0:
                left[j] -= 1
                cur.append(j)
                rec(e + 1)
                cur.pop()
                left[j] += 1

    rec(0)
    return out


class _Multilinear:
    """A multilinear system in an affine chart ``<c_j, y_j> = 1`` of each group: ``blocks`` of
    equations, each ``(groups, tensor [rows, *k_groups])``: the rows are multilinear forms in
    the mixtures of those groups (degree one in each). For a support system, block i is player
    i's payoff gaps over the other mixers."""

    def __init__(self, blocks: list, ks: list[int]) -> None:
        self.groups = [tuple(g) for g, _ in blocks]
        self.tens = [np.asarray(t, dtype=np.complex128) for _, t in blocks]
        self.ks = ks
        self.P = len(ks)
        self.off = np.concatenate([[0], np.cumsum(ks)]).astype(int)
        self.roff = np.concatenate([[0], np.cumsum([t.shape[0] for t in self.tens])]).astype(int)
        self.N = int(self.off[-1])
        self.neq = int(self.roff[-1])
        self.uses = np.zeros((self.neq, self.P), dtype=bool)
        for b, g in enumerate(self.groups):
            self.uses[self.roff[b]:self.roff[b + 1], list(g)] = True
        self.allowed = [tuple(np.flatnonzero(u)) for u in self.uses]
        self.degree = max(len(g) for g in self.groups)
        self._terms: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The rows as flat terms for the compiled tracker: ``coef [T]``, ``var [T, D]`` (the
        variable of each factor, one per group of the row's block), ``deg [T]``, ``row [T]``."""
        if self._terms is None:
            D = self.degree
            coefs, vars_, degs, rows = [], [], [], []
            for b, grp in enumerate(self.groups):
                t = self.tens[b]
                idx = np.indices(t.shape).reshape(t.ndim, -1)  # [1 + len(grp), T_b]
                v = np.full((idx.shape[1], D), 0, dtype=np.int64)
                for l, j in enumerate(grp):
                    v[:, l] = self.off[j] + idx[1 + l]
                coefs.append(t.reshape(-1))
                vars_.append(v)
                degs.append(np.full(idx.shape[1], len(grp), dtype=np.int64))
                rows.append(self.roff[b] + idx[0])
            self._terms = (np.ascontiguousarray(np.concatenate(coefs)), np.concatenate(vars_),
                           np.concatenate(degs), np.concatenate(rows).astype(np.int64))
        return self._terms

    def _contract(self, b: int, ys: list[np.ndarray], keep: list[int]) -> np.ndarray:
        """Block b's tensor contracted with ``ys[j] [M, k_j]`` except the groups in ``keep``:
        ``[M, rows, *keep]``."""
        grp = self.groups[b]
        ops, terms = [self.tens[b]], ["r" + "".join(_LET[j] for j in grp)]
        for j in grp:
            if j not in keep:
                ops.append(ys[j])
                terms.append("z" + _LET[j])
        out = "zr" + "".join(_LET[j] for j in keep)
        if len(ops) == 1:
            t = np.einsum("r" + "".join(_LET[j] for j in grp) + "->r" + "".join(_LET[j] for j in keep), self.tens[b])
            return np.broadcast_to(t, (ys[0].shape[0],) + t.shape)
        return np.einsum(",".join(terms) + "->" + out, *ops)

    def split(self, Y: np.ndarray) -> list[np.ndarray]:
        return [Y[:, self.off[j]:self.off[j + 1]] for j in range(self.P)]

    def target(self, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows ``F [M, neq]`` and their Jacobian ``[M, neq, N]``."""
        ys = self.split(Y)
        M = Y.shape[0]
        F = np.empty((M, self.neq), dtype=np.complex128)
        J = np.zeros((M, self.neq, self.N), dtype=np.complex128)
        for b, grp in enumerate(self.groups):
            r0, r1 = self.roff[b], self.roff[b + 1]
            for j in grp:
                J[:, r0:r1, self.off[j]:self.off[j + 1]] = self._contract(b, ys, [j])  # [M, rows, k_j]
            j0 = grp[0]
            F[:, r0:r1] = np.einsum("mrs,ms->mr", J[:, r0:r1, self.off[j0]:self.off[j0 + 1]], ys[j0])
        return F, J

    def higher(self, Y: np.ndarray, A: np.ndarray) -> np.ndarray:
        """Smale's ``γ`` bounded above for each row: ``max_k (||A D^k F|| / k!)^{1/(k-1)}`` with
        the operator norm bounded by the Frobenius norm (``A [M, N, neq]``: the inverse Jacobian's
        columns of the multilinear rows; the chart rows are linear). For distinct groups the
        entries of ``D^k F`` are partial contractions, each repeated k! times (the orders)."""
        ys = self.split(Y)
        M = Y.shape[0]
        gam = np.zeros(M)
        for k in range(2, self.degree + 1):
            tot = np.zeros(M)
            for S in combinations(range(self.P), k):
                T = None
                for b, grp in enumerate(self.groups):
                    if not set(S) <= set(grp):
                        continue
                    C = self._contract(b, ys, list(S))  # [M, rows, *S]
                    part = np.einsum("mnr,mr...->mn...", A[:, :, self.roff[b]:self.roff[b + 1]], C)
                    T = part if T is None else T + part
                if T is not None:
                    tot += (np.abs(T) ** 2).reshape(M, -1).sum(1)
            gk = (np.sqrt(factorial(k) * tot) / factorial(k)) ** (1.0 / (k - 1))
            gam = np.maximum(gam, gk)
        return gam


class _Homotopy:
    """``H(y, t) = (1 - t) γ G(y) + t F(y)`` on the player rows, the chart rows ``<c_j, y_j> - 1``."""

    def __init__(self, sys: _Multilinear, rng: np.random.Generator) -> None:
        self.s = sys
        P, kmax = sys.P, max(sys.ks)

        def crandn(*shape):
            return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)

        self.L = crandn(sys.neq, P, kmax)  # start system's linear forms (entries past k_j unused)
        self.c = [crandn(k) for k in sys.ks]  # the chart
        th = rng.uniform(0.0, 2.0 * np.pi)
        self.gamma = np.exp(1j * th)
        self.steps: np.ndarray | None = None  # steps per path of the last compiled tracking

    def start_solutions(self, assigns: list[tuple[int, ...]]) -> np.ndarray:
        s = self.s
        arr = np.asarray(assigns, dtype=np.int64).reshape(len(assigns), s.neq)
        M = arr.shape[0]
        Y = np.empty((M, s.N), dtype=np.complex128)
        for j in range(s.P):
            k = s.ks[j]
            eqs = np.nonzero(arr == j)[1].reshape(M, k - 1)  # the k - 1 equations given to group j
            Mj = np.concatenate([self.L[eqs, j, :k], np.broadcast_to(self.c[j], (M, 1, k))], axis=1)
            rhs = np.zeros((M, k), dtype=np.complex128)
            rhs[:, -1] = 1.0
            Y[:, s.off[j]:s.off[j + 1]] = np.linalg.solve(Mj, rhs[..., None])[..., 0]
        return Y

    def start(self, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = self.s
        ys = s.split(Y)
        M = Y.shape[0]
        lv = np.ones((M, s.neq, s.P), dtype=np.complex128)  # <L_{e,j}, y_j>; 1 where e lacks group j
        for j in range(s.P):
            lv[:, :, j] = np.einsum("es,ms->me", self.L[:, j, :s.ks[j]], ys[j])
        lv[:, ~s.uses] = 1.0
        G = lv.prod(2)
        # the product over the other groups, by prefix and suffix products (lv may be 0)
        pre = np.concatenate([np.ones((M, s.neq, 1), dtype=np.complex128), np.cumprod(lv[:, :, :-1], axis=2)], axis=2)
        suf = np.cumprod(lv[:, :, ::-1], axis=2)[:, :, ::-1]
        suf = np.concatenate([suf[:, :, 1:], np.ones((M, s.neq, 1), dtype=np.complex128)], axis=2)
        coef = pre * suf * s.uses[None]  # [M, neq, P]
        J = np.zeros((M, s.neq, s.N), dtype=np.complex128)
        for j in range(s.P):
            J[:, :, s.off[j]:s.off[j + 1]] = coef[:, :, j, None] * self.L[None, :, j, :s.ks[j]]
        return G, J

    def chart(self, Y: np.ndarray, c: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        s = self.s
        M = Y.shape[0]
        R = np.empty((M, s.P), dtype=np.complex128)
        J = np.zeros((s.P, s.N), dtype=np.complex128)
        for j in range(s.P):
            R[:, j] = Y[:, s.off[j]:s.off[j + 1]] @ c[j] - 1.0
            J[j, s.off[j]:s.off[j + 1]] = c[j]
        return R, np.broadcast_to(J, (M, s.P, s.N))

    def H(self, Y: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``H [M, N]``, ``H_y [M, N, N]``, ``H_t [M, N]`` at ``(Y, t)``."""
        F, JF = self.s.target(Y)
        G, JG = self.start(Y)
        R, JR = self.chart(Y, self.c)
        w0 = ((1.0 - t) * self.gamma)[:, None]
        w1 = t[:, None]
        Hv = np.concatenate([w0 * G + w1 * F, R], axis=1)
        Hy = np.concatenate([w0[:, :, None] * JG + w1[:, :, None] * JF, JR], axis=1)
        Ht = np.concatenate([F - self.gamma * G, np.zeros_like(R)], axis=1)
        return Hv, Hy, Ht


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        try:
            return np.linalg.solve(A, b[..., None])[..., 0]
        except np.linalg.LinAlgError:
            out = np.full(b.shape, np.nan, dtype=b.dtype)
            for m in range(A.shape[0]):
                try:
                    out[m] = np.linalg.solve(A[m], b[m])
                except np.linalg.LinAlgError:
                    pass
            return out


def _norm(Y: np.ndarray) -> np.ndarray:
    return np.sqrt((np.abs(Y) ** 2).sum(-1))


def _track_compiled(hom: _Homotopy, Y0: np.ndarray, max_rounds: int = 4000,
                    deadline: float | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_track` compiled (Numba), a block of paths per call; None once ``deadline``
    (a ``time.monotonic()`` value) has passed."""
    from regretlab.games.normal_form._homotopy_track import track_paths

    s = hom.s
    coef, var, deg, row = s.terms()
    M, N = Y0.shape
    Y0 = np.ascontiguousarray(Y0, dtype=np.complex128)
    Y = np.empty((M, N), dtype=np.complex128)
    ok = np.zeros(M, dtype=np.bool_)
    steps = hom.steps = np.zeros(M, dtype=np.int64)
    c = np.ascontiguousarray(np.concatenate(hom.c))
    L = np.ascontiguousarray(hom.L)
    uses = np.ascontiguousarray(s.uses)
    ks = np.asarray(s.ks, dtype=np.int64)
    off = np.asarray(s.off, dtype=np.int64)
    block = M if deadline is None else 8
    for lo in range(0, M, block):
        if deadline is not None and time.monotonic() > deadline:
            return None
        track_paths(Y0, lo, min(M, lo + block), max_rounds, coef, var, deg, row, L, uses, ks, off, c,
                    complex(hom.gamma), Y, ok, steps)
        if not ok[lo:lo + block].all():  # one failed path: the certificate fails anyway
            return Y, ok
    return Y, ok


def _track(hom: _Homotopy, Y0: np.ndarray, max_rounds: int = 4000,
           deadline: float | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Track every path from t = 0 to 1 (the NumPy reference, vectorised across paths); the
    endpoints and a mask of the paths that arrived; None once ``deadline`` has passed."""
    M = Y0.shape[0]
    Y, t = Y0.copy(), np.zeros(M)
    h = np.full(M, 0.02)
    done = np.zeros(M, dtype=bool)
    failed = np.zeros(M, dtype=bool)

    def vel(y, tt):
        _, Hy, Ht = hom.H(y, tt)
        return -_solve(Hy, Ht)

    for _ in range(max_rounds):
        idx = np.flatnonzero(~(done | failed))
        if idx.size == 0:
            break
        if deadline is not None and time.monotonic() > deadline:
            return None
        y, tt = Y[idx], t[idx]
        hh = np.minimum(h[idx], 1.0 - tt)
        hc = hh[:, None]
        with np.errstate(all="ignore"):
            k1 = vel(y, tt)
            k2 = vel(y + 0.5 * hc * k1, tt + 0.5 * hh)
            k3 = vel(y + 0.5 * hc * k2, tt + 0.5 * hh)
            k4 = vel(y + hc * k3, tt + hh)
            yp = y + hc / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
            t1 = np.where(1.0 - (tt + hh) < 1e-14, 1.0, tt + hh)
            scale = 1.0 + _norm(y)
            steps = []
            for _c in range(3):
                Hv, Hy, _ = hom.H(yp, t1)
                dy = _solve(Hy, Hv)
                yp = yp - dy
                steps.append(_norm(dy) / scale)
            first, d = steps[0], steps[-1]
        good = np.isfinite(d) & np.isfinite(first) & (d < 1e-11) & (first < 1e-3)
        gi, bi = idx[good], idx[~good]
        Y[gi], t[gi] = yp[good], t1[good]
        h[gi] = np.where(first[good] < 1e-6, 2.0, 1.25)[:] * hh[good]
        h[gi] = np.minimum(h[gi], 0.2)
        done[gi[t[gi] >= 1.0]] = True
        h[bi] = 0.5 * hh[~good]
        failed[bi[h[bi] < 1e-9]] = True
        failed[idx[~np.isfinite(_norm(yp)) | (_norm(yp) > 1e12)]] = True
    return Y, done & ~failed


def _newton(hom: _Homotopy, Y: np.ndarray, c: list[np.ndarray], iters: int, real: bool = False) -> np.ndarray:
    """Newton on the target system in the chart ``c`` (real iterates stay real when ``real``)."""
    for _ in range(iters):
        F, JF = hom.s.target(Y)
        R, JR = hom.chart(Y, c)
        with np.errstate(all="ignore"):
            dy = _solve(np.concatenate([JF, JR], axis=1), np.concatenate([F, R], axis=1))
        ok = np.isfinite(dy).all(1)
        Y = np.where(ok[:, None], Y - np.where(ok[:, None], dy, 0.0), Y)
        if real:
            Y = Y.real.astype(np.complex128)
    return Y


def _alpha(hom: _Homotopy, Y: np.ndarray, c: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Smale's ``α`` (an upper bound) and ``β`` of the target system in the chart ``c`` at each row."""
    F, JF = hom.s.target(Y)
    R, JR = hom.chart(Y, c)
    J = np.concatenate([JF, JR], axis=1)
    Fv = np.concatenate([F, R], axis=1)
    with np.errstate(all="ignore"):
        try:
            A = np.linalg.inv(J)
        except np.linalg.LinAlgError:
            return np.full(Y.shape[0], np.inf), np.full(Y.shape[0], np.inf)
        beta = _norm(np.einsum("mnk,mk->mn", A, Fv))
        gam = hom.s.higher(Y, A[:, :, :hom.s.neq])
        alpha = beta * gam
    bad = ~np.isfinite(alpha)
    alpha[bad] = np.inf
    beta[~np.isfinite(beta)] = np.inf
    return alpha, beta


def _roots(sys_: _Multilinear, assigns: list, rng: np.random.Generator, compiled: bool = True,
           deadline: float | None = None):
    """Track the paths and certify their endpoints: ``(hom, Y, β)`` with every zero of the
    system on X (B distinct regular zeros), or None."""
    hom = _Homotopy(sys_, rng)
    Y0 = hom.start_solutions(assigns)
    got = (_track_compiled if compiled else _track)(hom, Y0, deadline=deadline)
    if got is None:
        return None
    Y, ok = got
    if not ok.all():
        return None
    Y = _newton(hom, Y, hom.c, 3)
    alpha, beta = _alpha(hom, Y, hom.c)
    if not (alpha < _ALPHA_OK).all():
        return None
    # distinct zeros: the balls of radius 2β around the endpoints are pairwise disjoint
    D = _norm(Y[:, None, :] - Y[None, :, :])
    reach = 2.0 * (beta[:, None] + beta[None, :])
    np.fill_diagonal(D, np.inf)
    if (D <= reach).any():
        return None
    return hom, Y, beta


def _mixtures(hom: _Homotopy, Y: np.ndarray, beta: np.ndarray) -> np.ndarray | None:
    """The certified zeros that are real with no certainly negative entry, in the chart
    ``Σ x_j = 1``; None when a test is inconclusive."""
    sys_, ks = hom.s, hom.s.ks
    # the zeros that may be mixtures: a mixture ζ_j = λ x (x >= 0, Σ x = 1) has ||ζ_j|| <= |Σ ζ_j|
    keep = np.ones(len(Y), dtype=bool)
    sums = []
    for j in range(sys_.P):
        yj = Y[:, sys_.off[j]:sys_.off[j + 1]]
        sj = yj.sum(1)
        keep &= np.abs(sj) >= _norm(yj) - (1.0 + sqrt(ks[j])) * 2.0 * beta
        sums.append(sj)
    if not keep.any():
        return np.empty((0, sys_.N))
    X = Y[keep].copy()
    for j in range(sys_.P):
        X[:, sys_.off[j]:sys_.off[j + 1]] /= sums[j][keep, None]
    ones = [np.ones(k) for k in ks]
    X = _newton(hom, X, ones, 2)
    ax, bx = _alpha(hom, X, ones)
    if not (ax < _ALPHA_OK).all():
        return None
    nonreal = (np.abs(X.imag) > 2.0 * bx[:, None]).any(1)
    negative = (X.real < -2.0 * bx[:, None]).any(1)
    cand = ~nonreal & ~negative
    if not cand.any():
        return np.empty((0, sys_.N))
    Xr = _newton(hom, X[cand].real.astype(np.complex128), ones, 3, real=True)
    ar, _ = _alpha(hom, Xr, ones)
    if not (ar < _ALPHA_OK).all():
        return None
    return Xr.real


def _no_common_zero(gap: np.ndarray, ks: list[int], max_paths: int, rng: np.random.Generator,
                    compiled: bool = True, deadline: float | None = None) -> bool:
    """Whether the rows of ``gap [r, *ks]`` (multilinear forms in ``len(ks)`` mixtures, more
    rows than ``d = Σ (k_j - 1)``) certainly have no common zero on X: ``d`` random
    combinations of them are a square system whose zeros are all found and certified as above,
    and at each some row is certainly nonzero (``|f(ζ) - f(ζ̃)| <= ||f||_F (Π (||ζ̃_j|| + δ) -
    Π ||ζ̃_j||)`` within ``δ = 2β`` of the endpoint ``ζ̃``)."""
    d = sum(k - 1 for k in ks)
    R = rng.standard_normal((d, gap.shape[0]))
    sq = np.tensordot(R, gap, axes=([1], [0]))
    groups = tuple(range(len(ks)))
    sys_ = _Multilinear([(groups, sq)], ks)
    assigns = _assignments(sys_.allowed, ks, max_paths)
    if not assigns or len(assigns) > max_paths:
        return False
    got = _roots(sys_, assigns, rng, compiled, deadline)
    if got is None:
        return False
    _, Y, beta = got
    full = _Multilinear([(groups, gap)], ks)
    F, _ = full.target(Y)
    delta = 2.0 * beta
    norms = np.stack([_norm(y) for y in full.split(Y)], axis=1)  # [M, groups]
    slack = (norms + delta[:, None]).prod(1) - norms.prod(1)
    fro = np.sqrt((np.abs(gap.reshape(gap.shape[0], -1)) ** 2).sum(1))  # [r]
    return bool((np.abs(F) > 2.0 * fro[None, :] * slack[:, None] + 1e-12).any(1).all())


def solve_by_homotopy(tens: np.ndarray, *, max_paths: int = 1000, seed: int = 0, attempts: int = 2,
                      deadline: float | None = None, compiled: bool = True):
    """Every solution of a support profile's indifference system, certified, or None.

    Args:
        tens: ``[P, k_1, ..., k_P]`` the payoff tensor restricted to the support profile (at
            least two players mixing).
        max_paths: give up (None) when the multihomogeneous Bézout number exceeds this.
        seed: seed of the random start system, chart and ``γ`` (same input, same result).
        attempts: tries with fresh randomness (seed, seed + 1, ...) before giving up.
        deadline: a ``time.monotonic()`` value: give up (None) once it has passed. Default: the
            value of :data:`DEADLINE` (None, no deadline, unless a caller such as
            ``enumerate_supports`` has set it).
        compiled: track the paths with the Numba kernel (default) or, when False, with the
            NumPy reference tracker (same step control; the same certified solutions up to
            rounding).

    Returns:
        A :class:`~regretlab.games.normal_form.support_systems.SupportSolutions` with status
        ``"exact"``: every real solution with no certainly negative entry, as ``[m, Σ k_i]``
        mixtures (the caller checks the best-response conditions), when the certificate of
        the module docstring holds (then there is no continuum of solutions either); None
        otherwise. When the Bézout number is 0 (a mixer i with ``k_i - 1 > Σ_{j≠i} (k_j - 1)``:
        more equations than the others' unknowns), "exact" with no point when player i's
        equations certainly have no common zero.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> sol = solve_by_homotopy(rng.standard_normal((3, 4, 3, 2)))
        >>> sol.status, sol.points.shape[1]
        ('exact', 9)
    """
    from regretlab.games.normal_form.support_systems import (
        SupportSolutions,
        _first_action_gap,
    )

    from regretlab.core.errors import check_int

    check_int("max_paths", max_paths, minimum=1)
    check_int("attempts", attempts, minimum=1)
    try:
        tens = np.asarray(tens, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"tens must be a numeric payoff tensor [P, k_1, ..., k_P], got {type(tens).__name__}") from None
    if tens.ndim < 2 or tens.shape[0] != tens.ndim - 1 or not np.isfinite(tens).all():
        raise ValueError(f"tens must be a finite payoff tensor [P, k_1, ..., k_P], got shape {tens.shape}"
                         f"{'' if np.isfinite(tens).all() else ' with NaN or inf'}")
    if deadline is None:
        deadline = DEADLINE.get()
    ks_all = list(tens.shape[1:])
    n = sum(ks_all)
    off = np.concatenate([[0], np.cumsum(ks_all)]).astype(int)
    mixers = [i for i, k in enumerate(ks_all) if k > 1]
    if len(mixers) < 2:
        return None
    pure_index = tuple(0 if k == 1 else slice(None) for k in ks_all)
    scale = max(1.0, float(np.abs(tens).max(initial=0.0)))
    gaps = [_first_action_gap(tens[m][pure_index], q) / scale for q, m in enumerate(mixers)]
    ks = [ks_all[m] for m in mixers]
    P = len(ks)
    blocks = [(tuple(j for j in range(P) if j != q), gaps[q]) for q in range(P)]
    sys_ = _Multilinear(blocks, ks)
    assigns = _assignments(sys_.allowed, ks, max_paths)
    if len(assigns) > max_paths:
        return None
    if not assigns:
        # B = 0: a mixer with more equations than the other mixers' unknowns (Hall's condition)
        big = [q for q in range(P) if ks[q] - 1 > sum(ks) - ks[q] - (P - 1)]
        if len(big) != 1 or P < 3:
            return None
        q = big[0]
        for a in range(attempts):
            if deadline is not None and time.monotonic() > deadline:
                return None
            if _no_common_zero(gaps[q], [ks[j] for j in range(P) if j != q], max_paths,
                               np.random.default_rng([seed + a, 18, 0]), compiled, deadline):
                return SupportSolutions(np.empty((0, n)), "exact")
        return None
    for a in range(attempts):
        if deadline is not None and time.monotonic() > deadline:
            return None
        got = _roots(sys_, assigns, np.random.default_rng([seed + a, 18]), compiled, deadline)
        if got is None:
            continue
        pts = _mixtures(*got)
        if pts is None:
            continue
        z = np.ones((len(pts), n))
        for q, m in enumerate(mixers):
            z[:, off[m]:off[m + 1]] = pts[:, sum(ks[:q]):sum(ks[:q + 1])]
        return SupportSolutions(z, "exact")
    return None


__all__ = ["ALPHA_0", "DEADLINE", "bezout_number", "solve_by_homotopy"]
