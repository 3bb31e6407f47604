"""Every solution of a support profile's indifference system, where that can be done exactly.

Support enumeration looks, for each support profile ``(S_1, ..., S_P)``, for the mixtures ``x_i``
on ``S_i`` that make every player indifferent among the actions of their support:
``u_i(a, x_-i) = u_i(a_0, x_-i)`` for ``a ∈ S_i`` and ``Σ x_i = 1``. Player i's equations are
multilinear in the *other* players' mixtures, so the system's shape depends on who mixes
(``|S_i| > 1``):

* nobody mixes: the pure profile is the only candidate;
* one player mixes: the equations do not involve the unknowns at all: either they hold (every
  mixture on the support solves them: a continuum) or no mixture does;
* two players i, j mix (any support sizes): the system is linear and splits in two (player i's
  equations fix ``x_j``, player j's fix ``x_i``), solved by SVD: a unique solution, none, or an
  affine family (a continuum when it meets the interior of the supports, decided by an LP);
* three players mix, each on two actions: with ``t_i`` the weight of the first action, the system
  is ``f_a(t_b, t_c) = f_b(t_a, t_c) = f_c(t_a, t_b) = 0`` with bilinear ``f``. Eliminating
  ``t_a`` from ``f_b, f_c`` (a resultant, bilinear in ``t_b, t_c``) and then ``t_b`` with
  ``f_a`` leaves one polynomial of degree <= 2 in ``t_c``, solved by ``numpy.roots``; each real
  root gives ``t_b`` and ``t_a`` by back-substitution. Every solution is a root of it, so no
  isolated solution is lost (at most 2, McKelvey & McLennan, JET 72, 1997). When the univariate
  polynomial vanishes identically in all three elimination orders, or a back-substitution is
  free (a line of solutions), the support is reported as not isolated.

* three players mix, a on ``k >= 3`` actions and b, c on two: player a's ``k - 1`` equations
  are bilinear in ``(t_b, t_c)``; two of them have at most two common zeros (their resultant in
  ``t_b`` has degree <= 2 in ``t_c``), the others are checked there, and at each zero players
  b's and c's equations with ``Σ x_a = 1`` are linear in ``x_a`` (SVD, as above).

* three players mix, a and b on ``k`` actions each and c on three (so (3, 3, 3) among them):
  with c's mixture ``(s, t, 1 - s - t)`` fixed, a's and b's equations are square linear systems
  in ``x_b``, ``x_a``; Cramer's rule turns c's two equations into polynomials of total degree
  <= 2k - 2 in ``(s, t)``, whose common zeros come from the eigenvalues of the companion pencil
  of their Sylvester matrix (a polynomial eigenvalue problem in s); for 3x3x3 at most 10 are
  isolated (McKelvey & McLennan, JET 72, 1997);
* three players mix, a and b on ``k >= 3`` actions each and c on two (weight t): for fixed t
  player a's equations with ``Σ x_b = 1`` are a square linear system in ``x_b`` (b's in
  ``x_a``); Cramer's rule turns c's equation into one polynomial of degree <= 2k - 2 in t,
  whose roots in [0, 1] are found by Chebyshev interpolation; where a system is singular, a
  consistent family reaching the interior is reported as a continuum.

* four players mix, a and b on ``k`` actions each and c, d on two (weights s, t): the same
  with two hidden weights: Cramer's rule gives two polynomials in ``(s, t)`` (c's and d's
  equations), eliminated by the same polynomial eigenvalue problem (at most 9 isolated
  solutions for 2x2x2x2, McKelvey & McLennan 1997).

Any other shape (three mixers on supports of sizes other than (k, 2, 2), (k, k, 2), (k, k, 3)
in some order, e.g. (4, 3, 2) or (4, 4, 4); four mixers other than (k, k, 2, 2), e.g.
(3, 2, 2, 2); five or more) is solved by the certified multihomogeneous homotopy of
:mod:`support_homotopy` (every solution, with Smale's alpha test as certificate; up to 1000
paths by default), status ``"exact"``. Only if that certificate fails (or there are more
paths, or the caller's deadline passes) is the support ``"unsupported"``: the caller falls
back to Newton from many starts, which is not exhaustive (``certified`` False).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from regretlab.games.normal_form import _kernels

_RTOL = 1e-10  # relative size under which a coefficient, singular value or residual is zero


class SupportSolutions(NamedTuple):
    """Candidate solutions of one support profile's system."""

    points: np.ndarray  # [m, N] mixtures on the supports, players concatenated (not yet verified)
    status: str  # "exact" (these are all isolated solutions), "continuum" or "unsupported"


def _first_action_gap(t: np.ndarray, i: int) -> np.ndarray:
    """``t [k_1..k_P]`` payoffs of player i (support-restricted); the payoff of every support
    action minus the first one's, player i's axis first: ``[k_i - 1, ...]``."""
    m = np.moveaxis(t, i, 0)
    return m[1:] - m[:1]


def _affine(M: np.ndarray, b: np.ndarray, scale: float) -> tuple[np.ndarray | None, str]:
    """Solve ``M z = b`` for ``z`` strictly positive: ``(z, "exact")``, ``(None, "exact")`` when no
    solution has every entry > 0, or ``(z, "continuum")`` for a family that meets the interior."""
    u, s, vt = np.linalg.svd(M)
    tol = _RTOL * max(1.0, scale) * max(M.shape)
    rank = int((s > tol).sum())
    z = vt[:rank].T @ ((u[:, :rank].T @ b) / s[:rank])
    if np.abs(M @ z - b).max() > tol * 10:
        return None, "exact"  # inconsistent
    if rank == M.shape[1]:
        return (z, "exact") if (z > -1e-12).all() else (None, "exact")
    from scipy.optimize import linprog

    # max τ s.t. M z = b, z >= τ, τ <= 1: does the family reach the interior of the support?
    n = M.shape[1]
    c = np.zeros(n + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=np.hstack([-np.eye(n), np.ones((n, 1))]), b_ub=np.zeros(n),
                  A_eq=np.hstack([M, np.zeros((M.shape[0], 1))]), b_eq=b,
                  bounds=[(None, None)] * n + [(None, 1.0)], method="highs")
    if res.status == 0 and -res.fun > 1e-9:
        return res.x[:n], "continuum"
    return None, "exact"


def _linear_block(gap: np.ndarray, scale: float) -> tuple[np.ndarray | None, str]:
    """The other mixer's mixture from player i's equations ``gap [k_i - 1, k_j] @ x_j = 0``, ``Σ x_j = 1``."""
    k = gap.shape[1]
    M = np.vstack([gap, np.ones((1, k))])
    b = np.zeros(M.shape[0])
    b[-1] = 1.0
    return _affine(M, b, scale)


def _bilinear(gap: np.ndarray) -> np.ndarray:
    """Coefficients ``[c0, cu, cv, cuv]`` of ``f(u, v) = Σ gap[s, r] w_s(u) w_r(v)`` with
    ``w_0(t) = t``, ``w_1(t) = 1 - t`` (the gap is first action minus second: ``[2, 2]``)."""
    m00, m01, m10, m11 = gap[0, 0], gap[0, 1], gap[1, 0], gap[1, 1]
    return np.array([m11, m01 - m11, m10 - m11, m00 - m01 - m10 + m11])


def _lin(c0: np.ndarray, c1: np.ndarray) -> np.ndarray:
    return np.array([c0, c1], dtype=np.float64)


def _three_mixers(fa: np.ndarray, fb: np.ndarray, fc: np.ndarray,
                  scale: float) -> tuple[list[tuple[float, float, float]], bool]:
    """All real solutions of ``fa(tb, tc) = fb(ta, tc) = fc(ta, tb) = 0`` (bilinear, coefficients
    as in :func:`_bilinear`) and whether the set is finite (False: a curve of solutions may exist)."""
    from numpy.polynomial import polynomial as npp

    tol = _RTOL * scale
    # fb = ta * A1(tc) + B1(tc); fc = ta * A2(tb) + B2(tb); fa = tb * A3(tc) + B3(tc)
    A1, B1 = _lin(fb[1], fb[3]), _lin(fb[0], fb[2])
    A2, B2 = _lin(fc[1], fc[3]), _lin(fc[0], fc[2])
    A3, B3 = _lin(fa[1], fa[3]), _lin(fa[0], fa[2])
    # resultant of fb, fc in ta: R1(tb, tc) = A1(tc) B2(tb) - B1(tc) A2(tb) = tb * A4(tc) + B4(tc)
    A4 = npp.polysub(A1 * B2[1], B1 * A2[1])
    B4 = npp.polysub(A1 * B2[0], B1 * A2[0])
    R2 = npp.polysub(npp.polymul(A3, B4), npp.polymul(B3, A4))  # degree <= 2 in tc
    if np.abs(R2).max(initial=0.0) <= tol * scale * scale:
        return [], False
    R2 = np.trim_zeros(np.where(np.abs(R2) <= tol * scale * scale, 0.0, R2), "b")
    roots = np.roots(R2[::-1]) if R2.size > 1 else np.empty(0)
    out = []
    finite = True
    for r in roots:
        if abs(r.imag) > 1e-7 * max(1.0, abs(r)):
            continue
        tc = float(r.real)
        a3, b3 = npp.polyval(tc, A3), npp.polyval(tc, B3)
        a4, b4 = npp.polyval(tc, A4), npp.polyval(tc, B4)
        if abs(a3) > tol:
            tb = -b3 / a3
        elif abs(a4) > tol * scale:
            tb = -b4 / a4
        else:
            if abs(b3) <= tol and abs(b4) <= tol * scale and -1e-9 <= tc <= 1 + 1e-9:
                finite = False  # tb free on this root: a line of solutions
            continue
        a1, b1 = npp.polyval(tc, A1), npp.polyval(tc, B1)
        a2, b2 = npp.polyval(tb, A2), npp.polyval(tb, B2)
        if abs(a1) > tol:
            ta = -b1 / a1
        elif abs(a2) > tol:
            ta = -b2 / a2
        else:
            if abs(b1) <= tol and abs(b2) <= tol and -1e-9 <= tc <= 1 + 1e-9 and -1e-9 <= tb <= 1 + 1e-9:
                finite = False  # ta free
            continue
        out.append((ta, tb, tc))
    return out, finite


def solve_support(tens: np.ndarray) -> SupportSolutions:
    """Every solution of the indifference system of a support profile, where the shape allows.

    Args:
        tens: ``[P, k_1, ..., k_P]`` the payoff tensor restricted to the support profile.

    Returns:
        :class:`SupportSolutions`: candidate mixtures ``[m, Σ k_i]`` (entries may be slightly
        negative or violate best-response conditions off the support: the caller verifies them)
        and ``"exact"`` (all isolated solutions, and none of the solution set is a continuum
        meeting the supports' interior), ``"continuum"`` or ``"unsupported"``.

    Example:
        >>> import numpy as np
        >>> pennies = np.array([[[1., -1.], [-1., 1.]], [[-1., 1.], [1., -1.]]])
        >>> sol = solve_support(pennies)
        >>> sol.status, sol.points.round(12).tolist()
        ('exact', [[0.5, 0.5, 0.5, 0.5]])
    """
    tens = np.asarray(tens, dtype=np.float64)
    ks = list(tens.shape[1:])
    n = sum(ks)
    off = np.concatenate([[0], np.cumsum(ks)]).astype(int)
    mixers = [i for i, k in enumerate(ks) if k > 1]
    scale = max(1.0, float(np.abs(tens).max(initial=0.0)))
    pure_index = tuple(0 if k == 1 else slice(None) for k in ks)
    if not mixers:
        return SupportSolutions(np.ones((1, n)), "exact")
    if len(mixers) == 1:
        (i,) = mixers
        gap = _first_action_gap(tens[i], i)  # constants (everyone else pure)
        if np.abs(gap).max() > _RTOL * scale:
            return SupportSolutions(np.empty((0, n)), "exact")
        z = np.ones(n)
        z[off[i]:off[i + 1]] = 1.0 / ks[i]
        return SupportSolutions(z[None], "continuum")
    if len(mixers) == 2:
        i, j = mixers
        z = np.ones(n)
        status = "exact"
        for me, other in ((i, j), (j, i)):
            sub = tens[me][pure_index]  # [k_i, k_j] in axis order
            gap = _first_action_gap(sub, 0 if me < other else 1)  # [k_me - 1, k_other]
            x, st = _linear_block(gap, scale)
            if x is None:
                return SupportSolutions(np.empty((0, n)), "exact")
            z[off[other]:off[other + 1]] = x
            if st == "continuum":
                status = "continuum"
        return SupportSolutions(z[None], status)
    if len(mixers) == 3 and all(ks[i] == 2 for i in mixers):
        sub = [tens[i][pure_index] for i in mixers]  # [2, 2, 2] over (a, b, c)
        fa = _bilinear(sub[0][0] - sub[0][1])  # in (tb, tc)
        fb = _bilinear(sub[1][:, 0] - sub[1][:, 1])  # in (ta, tc)
        fc = _bilinear(sub[2][:, :, 0] - sub[2][:, :, 1])  # in (ta, tb)
        # the elimination order matters only when the univariate polynomial vanishes; try the
        # three cyclic orders (the roles of the variables) before giving up
        perms = [((fa, fb, fc), (0, 1, 2)),
                 ((_swap(fb), _swap(fc), fa), (1, 2, 0)),  # the unknowns renamed (tb, tc, ta)
                 ((fc, _swap(fa), _swap(fb)), (2, 0, 1))]  # renamed (tc, ta, tb)
        for (f1, f2, f3), order in perms:
            sols, finite = _three_mixers(f1, f2, f3, scale)
            if finite:
                break
        else:
            return SupportSolutions(np.full((1, n), np.nan), "continuum")
        pts = []
        for s in sols:
            t = [0.0, 0.0, 0.0]
            for pos, var in enumerate(order):
                t[var] = s[pos]
            z = np.ones(n)
            for m_, tv in zip(mixers, t):
                z[off[m_]:off[m_ + 1]] = (tv, 1.0 - tv)
            pts.append(z)
        return SupportSolutions(np.array(pts).reshape(-1, n), "exact")
    if len(mixers) == 3 and sum(ks[i] > 2 for i in mixers) == 1:
        return _one_large_mixer(tens, ks, mixers, pure_index, off, scale)
    if len(mixers) == 3 and sum(ks[i] == 2 for i in mixers) == 1:
        big = [ks[i] for i in mixers if ks[i] > 2]
        if big[0] == big[1]:
            return _two_large_mixers(tens, ks, mixers, pure_index, off, scale)
    if len(mixers) == 3:
        for c in (m for m in mixers if ks[m] == 3):  # (k, k, 3), (3, 3, 3) among them
            a, b = (m for m in mixers if m != c)
            if ks[a] == ks[b]:
                return _two_hidden(tens, ks, mixers, pure_index, off, scale, a, b, [c])
    if len(mixers) == 4:
        pair = [m for m in mixers if ks[m] == 2]
        if len(pair) >= 2:
            hidden = pair[-2:]
            a, b = (m for m in mixers if m not in hidden)
            if ks[a] == ks[b]:
                return _two_hidden(tens, ks, mixers, pure_index, off, scale, a, b, hidden)
    from regretlab.games.normal_form.support_homotopy import solve_by_homotopy

    certified = solve_by_homotopy(tens)  # any other shape: a certified homotopy, else None
    return certified if certified is not None else SupportSolutions(np.empty((0, n)), "unsupported")


def _contract_except(sub: np.ndarray, me: int, mixers: list, keep: list, fixed: dict) -> np.ndarray:
    """Player ``me``'s payoff gaps ``[k_me - 1, *keep]`` with every other mixer's axis not in
    ``keep`` contracted with its mixture in ``fixed``."""
    g = _first_action_gap(sub, mixers.index(me))
    others = [m for m in mixers if m != me]
    letters = "abcdefgh"
    ops, terms = [g], ["z" + "".join(letters[i] for i in range(len(others)))]
    for i, o in enumerate(others):
        if o not in keep:
            ops.append(fixed[o])
            terms.append(letters[i])
    out = "z" + "".join(letters[others.index(k)] for k in keep)
    return np.einsum(",".join(terms) + "->" + out, *ops)


def _sylvester(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Sylvester matrix of two polynomials given highest degree first (any degrees)."""
    m, n = p.size - 1, q.size - 1
    S = np.zeros((m + n, m + n), dtype=np.result_type(p, q))
    for r in range(n):
        S[r, r:r + m + 1] = p
    for r in range(m):
        S[n + r, r:r + n + 1] = q
    return S


def _hidden_mixtures(hidden: list, s_: float, t_: float) -> dict:
    """The hidden players' mixtures at ``(s, t)``: one player on three actions
    ``(s, t, 1 - s - t)``, or two on two ``(s, 1 - s)``, ``(t, 1 - t)``."""
    if len(hidden) == 1:
        return {hidden[0]: np.array([s_, t_, 1.0 - s_ - t_])}
    return {hidden[0]: np.array([s_, 1.0 - s_]), hidden[1]: np.array([t_, 1.0 - t_])}


_HIDDEN_GRIDS: dict = {}


def _hidden_grid_inverse(D: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``D + 1`` Chebyshev extreme points on [0, 1] and the inverse of their Vandermonde
    matrix (the interpolation of :func:`_two_hidden`; cached per degree)."""
    got = _HIDDEN_GRIDS.get(D)
    if got is None:
        grid = 0.5 - 0.5 * np.cos(np.pi * np.arange(D + 1) / D)
        Vi = np.linalg.inv(np.vander(grid, D + 1, increasing=True))
        Vi.flags.writeable = False  # (grid stays writeable: Numba types read-only arrays apart)
        got = _HIDDEN_GRIDS[D] = (grid, Vi)
    return got


def _two_hidden(tens: np.ndarray, ks: list, mixers: list, pure_index: tuple, off: np.ndarray,
                scale: float, a: int, b: int, hidden: list) -> SupportSolutions:
    """a and b mix on ``k`` actions each; the ``hidden`` players' mixtures have two free weights
    ``(s, t)`` (one player on three actions, or two on two). For fixed ``(s, t)`` a's equations
    with ``Σ x_b = 1`` are a square linear system ``M_a x_b = e`` (b's: ``M_b x_a = e``); Cramer's
    rule turns the hidden players' two equations into two polynomials in ``(s, t)`` (coefficients
    by interpolation on a grid); the s of their common zeros are the eigenvalues of the companion
    pencil of their Sylvester matrix in t (a matrix polynomial in s: backward stable, unlike
    expanding the determinant, whose values span many orders of magnitude), and each gives t
    from its eigenvector and from the real roots in t. Where ``M_a`` or ``M_b`` is singular and
    consistent (there ``adj M e = 0``, so both polynomials vanish: such points are zeros too)
    the family of solutions is intersected with the hidden equations, linear along it."""
    n = sum(ks)
    k = ks[a]
    e = np.zeros(k)
    e[-1] = 1.0
    # M_a, M_b and the hidden players' gap matrices at (s, t), compiled (_kernels.hidden_parts;
    # the einsum form is _contract_except with _hidden_mixtures, kept as its test reference)
    Ts = np.ascontiguousarray(tens).reshape(tens.shape[0], -1)
    kss = np.asarray(ks, dtype=np.int64)
    harr = np.asarray(hidden, dtype=np.int64)

    def parts(s_, t_):
        Ma, Mb, Gs = _kernels.hidden_parts(Ts, kss, a, b, harr, float(s_), float(t_))
        return Ma, Mb, list(Gs)

    # degree bounds: the cofactors have degree k - 1 in the hidden weights; one hidden player on
    # three actions: total degree <= 2k - 2 (its equations do not involve its own mixture); two
    # hidden players: degree <= 2k - 1 in each weight
    D = 2 * k - 2 if len(hidden) == 1 else 2 * k - 1
    grid, Vi = _hidden_grid_inverse(D)
    vals = _kernels.hidden_grid(Ts, kss, a, b, harr, grid)  # [s, t, 2]
    G = np.einsum("ia,abr,jb->rij", Vi, vals, Vi)  # [2, s power, t power]
    if len(hidden) == 1:
        G[:, np.add.outer(np.arange(D + 1), np.arange(D + 1)) > D] = 0.0
    big = np.abs(G).max()
    if big == 0.0:
        return SupportSolutions(np.full((1, n), np.nan), "continuum")
    G = np.where(np.abs(G) <= 1e-10 * big, 0.0, G)
    polys = []
    for r in range(2):
        cols = np.flatnonzero(np.abs(G[r]).max(0) > 0)
        polys.append(G[r][:, : (cols.max() + 1 if cols.size else 1)])  # [s power, t power]
    ds = max(int(np.flatnonzero(np.abs(P).max(1) > 0).max(initial=0)) for P in polys)
    # Sylvester matrix in t (coefficients highest first) as a matrix polynomial in s
    Ss = [_sylvester(polys[0][i, ::-1], polys[1][i, ::-1]) for i in range(ds + 1)]
    size = Ss[0].shape[0]
    if size == 0:
        return SupportSolutions(np.full((1, n), np.nan), "continuum")
    sv = np.linalg.svd(np.stack([sum(q ** i * S for i, S in enumerate(Ss)) for q in (0.2113, 0.5, 0.7887)]),
                       compute_uv=False)  # batched: the same singular values as one call each
    if all(v[-1] <= 1e-13 * v[0] for v in sv):
        return SupportSolutions(np.full((1, n), np.nan), "continuum")
    from scipy.linalg import eig

    if ds == 0:
        return SupportSolutions(np.empty((0, n)), "exact")  # a nonzero constant resultant
    X = np.eye(ds * size)
    X[-size:, -size:] = Ss[ds]
    Y = np.zeros((ds * size, ds * size))
    for q in range(ds - 1):
        Y[q * size:(q + 1) * size, (q + 1) * size:(q + 2) * size] = -np.eye(size)
    for q in range(ds):
        Y[-size:, q * size:(q + 1) * size] = Ss[q]
    lam, vec = eig(Y, -X)
    # for each real eigenvalue s in [0, 1]: t from the eigenvector, then the real roots in t of each
    # polynomial at s (numpy.roots' companion matrices, their eigenvalues batched by size: the
    # same numbers as one numpy.roots call each)
    rows: list = []  # per eigenvalue: [s, eigenvector t's, then per polynomial (slot or None, trailing zeros)]
    comps: dict = {}  # companion size -> list of matrices
    for j in np.flatnonzero(np.isfinite(lam)):
        s_ = lam[j]
        if abs(s_.imag) > 1e-6 * max(1.0, abs(s_)) or not -1e-6 <= s_.real <= 1 + 1e-6:
            continue
        s_ = float(s_.real)
        v = vec[:size, j]
        row = [s_, [float((v[-2] / v[-1]).real)] if size > 1 and abs(v[-1]) > 1e-12 * np.abs(v).max() else []]
        for P in polys:
            pp = ((s_ ** np.arange(P.shape[0])) @ P)[::-1]
            nzp = np.flatnonzero(pp)
            if nzp.size == 0 or pp.size - nzp[0] <= 1:  # trim_zeros(pp, "f").size <= 1: no roots
                continue
            pp = pp[nzp[0]:]
            trailing = pp.size - int(nzp[-1] - nzp[0]) - 1
            pp = pp[:int(nzp[-1] - nzp[0]) + 1]
            if pp.size > 1:
                A = np.diag(np.ones((pp.size - 2,), pp.dtype), -1)
                A[0, :] = -pp[1:] / pp[0]
                lst = comps.setdefault(pp.size - 1, [])
                row.append(((pp.size - 1, len(lst)), trailing))
                lst.append(A)
            else:
                row.append((None, trailing))
        rows.append(row)
    eigs = {m: np.linalg.eigvals(np.stack(As)) for m, As in comps.items()}
    cands: list[tuple[float, float]] = []
    for row in rows:
        s_, ts = row[0], row[1]
        for slot, trailing in row[2:]:
            rr = eigs[slot[0]][slot[1]] if slot is not None else np.array([])
            rr = np.hstack((rr, np.zeros(trailing, rr.dtype)))
            ts.extend(rr[np.abs(rr.imag) <= 1e-6 * np.maximum(1.0, np.abs(rr))].real.tolist())
        cands.extend((s_, t_) for t_ in ts if -1e-6 <= t_ <= 1 + 1e-6)
    near = 1e-6 * scale
    pts, status = [], "exact"
    allparts = [parts(s_, t_) for s_, t_ in cands]
    if cands:  # the smallest singular values and the regular solutions, batched over the candidates
        Mas, Mbs = np.stack([q[0] for q in allparts]), np.stack([q[1] for q in allparts])
        sas = np.linalg.svd(Mas, compute_uv=False)[:, -1]
        sbs = np.linalg.svd(Mbs, compute_uv=False)[:, -1]
        reg = (sas > near) & (sbs > near)
        xas = np.zeros((len(cands), k))
        xbs = np.zeros((len(cands), k))
        if reg.any():
            xas[reg] = np.linalg.solve(Mbs[reg], np.broadcast_to(e, (int(reg.sum()), k))[..., None])[..., 0]
            xbs[reg] = np.linalg.solve(Mas[reg], np.broadcast_to(e, (int(reg.sum()), k))[..., None])[..., 0]
    for r, (s_, t_) in enumerate(cands):
        Ma, Mb, Gs = allparts[r]
        sa, sb = sas[r], sbs[r]
        if sa <= near and sb <= near:
            status = "continuum"
            continue
        if reg[r]:
            xa, xb = xas[r], xbs[r]
        else:  # one family x0 + λ v; the hidden players' equations are linear in λ
            Msing, Mreg = (Ma, Mb) if sa <= near else (Mb, Ma)
            xr = np.linalg.solve(Mreg, e)
            x0 = np.linalg.lstsq(Msing, e, rcond=None)[0]
            if np.abs(Msing @ x0 - e).max() > near:
                continue
            vv = np.linalg.svd(Msing)[2][-1]
            if sa <= near:
                A1, b1 = np.array([xr @ G @ vv for G in Gs]), np.array([xr @ G @ x0 for G in Gs])
            else:
                A1, b1 = np.array([vv @ G @ xr for G in Gs]), np.array([x0 @ G @ xr for G in Gs])
            if np.abs(A1).max() <= _RTOL * scale:
                if np.abs(b1).max() <= near:
                    status = "continuum"
                continue
            xs = x0 - float(A1 @ b1) / float(A1 @ A1) * vv
            xa, xb = (xr, xs) if sa <= near else (xs, xr)
        z = np.ones(n)
        z[off[a]:off[a + 1]] = xa
        z[off[b]:off[b + 1]] = xb
        for h, xh in _hidden_mixtures(hidden, s_, t_).items():
            z[off[h]:off[h + 1]] = xh
        pts.append(z)
    z = np.array(pts).reshape(-1, n)
    return SupportSolutions(z[(z >= -1e-3).all(1)], status)


def _gap_given_pair(sub: np.ndarray, me: int, other: int, pair: int, pos: dict) -> np.ndarray:
    """Player ``me``'s payoff gaps ``[k_me - 1, k_other, 2]`` (other mixer's axis, then the
    two-action mixer's) from the three-mixer tensor ``sub``."""
    g = _first_action_gap(sub, pos[me])  # remaining axes in axis order
    rest = [m for m in sorted(pos, key=lambda m: pos[m]) if m != me]
    return np.moveaxis(g, [1 + rest.index(other), 1 + rest.index(pair)], [1, 2])


def _cofactor_column(M: np.ndarray) -> np.ndarray:
    """``adj(M) e_last`` (``[k]``): the cofactors of M's last row, polynomial in M's entries."""
    k = M.shape[0]
    top = M[:-1]
    return np.array([(-1) ** (k - 1 + j) * np.linalg.det(np.delete(top, j, axis=1)) for j in range(k)])


_CHEB_NODES: dict = {}
_DOMAIN01 = np.array([0.0, 1.0])
_WINDOW = np.array([-1.0, 1.0])


def _cheb_nodes(m: int) -> tuple:
    """The ``m`` Chebyshev points of the first kind on [0, 1], their image on [-1, 1] and
    chebfit's scaled design matrix, column scales and rcond there (cached)."""
    got = _CHEB_NODES.get(m)
    if got is None:
        from numpy.polynomial import polyutils as pu

        from numpy.polynomial import chebyshev as C

        nodes = 0.5 + 0.5 * np.cos(np.pi * (np.arange(m) + 0.5) / m)
        x = pu.mapdomain(nodes, _DOMAIN01, _WINDOW) + 0.0
        lhs = C.chebvander(x, m - 1).T  # chebfit's scaled design matrix (numpy's _fit, cached)
        scl = np.sqrt(np.square(lhs).sum(1))
        scl[scl == 0] = 1
        got = _CHEB_NODES[m] = (nodes, x, lhs.T / scl, scl, len(x) * np.finfo(x.dtype).eps)
    return got


def _chebfit(vals: np.ndarray) -> np.ndarray:
    """``chebfit(x, vals, len(vals) - 1)`` at the cached nodes of :func:`_cheb_nodes` (the same
    least-squares problem, its design matrix built once)."""
    _, _, A, scl, rcond = _cheb_nodes(vals.size)
    c = np.linalg.lstsq(A, vals + 0.0, rcond)[0]
    return (c.T / scl).T


def _roots01(f, degree: int, zero: float) -> tuple[np.ndarray, bool]:
    """Real roots in [0, 1] of the polynomial ``f`` (a callable of degree <= ``degree``, sampled
    at Chebyshev points and interpolated); ``(roots, False)`` when it vanishes identically."""
    m = degree + 1
    nodes = _cheb_nodes(m)[0]
    vals = np.array([f(t) for t in nodes])
    return _roots01_values(vals, degree, zero)


def _roots01_values(vals: np.ndarray, degree: int, zero: float) -> tuple[np.ndarray, bool]:
    """:func:`_roots01` from the values at the ``degree + 1`` Chebyshev nodes (the same
    arithmetic as ``Chebyshev.fit(nodes, vals, degree, domain=[0, 1]).roots()``, without the
    class machinery)."""
    from numpy.polynomial import chebyshev as C
    from numpy.polynomial import polyutils as pu

    if np.abs(vals).max() <= zero:
        return np.empty(0), False
    coef = _chebfit(vals)
    coef = np.where(np.abs(coef) <= zero * 1e-3, 0.0, coef)
    nz = np.flatnonzero(coef)
    coef = coef[:nz[-1] + 1] if nz.size else coef[:0]  # trailing zeros trimmed
    if coef.size <= 1:
        return np.empty(0), True
    if coef.size == 2:  # chebroots, its steps inlined
        r = np.array([-coef[0] / coef[1]])
    else:
        r = np.linalg.eigvals(C.chebcompanion(coef)[::-1, ::-1])
        r.sort()
    r = pu.mapdomain(r, _WINDOW, _DOMAIN01)
    r = r[np.abs(r.imag) <= 1e-7].real
    return np.sort(r[(r >= -1e-9) & (r <= 1 + 1e-9)]), True


def _cofactor_columns(Ms: np.ndarray) -> np.ndarray:
    """:func:`_cofactor_column` of each matrix of ``Ms [m, k, k]`` (``[m, k]``; the same
    determinants, batched)."""
    k = Ms.shape[1]
    top = Ms[:, :-1]
    out = np.empty((Ms.shape[0], k))
    for j in range(k):
        cols = [c for c in range(k) if c != j]
        out[:, j] = (-1) ** (k - 1 + j) * np.linalg.det(top[:, :, cols])
    return out


def _two_large_mixers(tens: np.ndarray, ks: list, mixers: list, pure_index: tuple, off: np.ndarray,
                      scale: float) -> SupportSolutions:
    """Three mixers: a and b on ``k >= 3`` actions each, c on two (weight t). For fixed t,
    player a's equations and ``Σ x_b = 1`` are a square linear system ``M_a(t) x_b = e`` (and b's
    give ``M_b(t) x_a = e``); by Cramer's rule player c's equation ``x_aᵀ G x_b = 0`` becomes
    ``g(t) = (adj M_b(t) e)ᵀ G (adj M_a(t) e) = 0``, a polynomial of degree <= 2k - 2, whose
    roots in [0, 1] (interpolation at Chebyshev points) give every solution where both systems
    are regular; where ``det M_a`` or ``det M_b`` vanishes (degree <= k - 1) a consistent family
    reaching the interior is reported as a continuum."""
    n = sum(ks)
    pos = {m: q for q, m in enumerate(mixers)}
    c = next(m for m in mixers if ks[m] == 2)
    a, b = (m for m in mixers if m != c)
    k = ks[a]
    sub = {m: tens[m][pure_index] for m in mixers}
    ga = _gap_given_pair(sub[a], a, b, c, pos)  # [k-1, k, 2]: x_b, then t
    gb = _gap_given_pair(sub[b], b, a, c, pos)  # [k-1, k, 2]: x_a, then t
    gc = _first_action_gap(sub[c], pos[c])[0]  # [.., ..] over (a, b) in axis order
    if pos[a] > pos[b]:
        gc = gc.T
    ones = np.ones((1, k))

    def system(g, t):
        return np.vstack([g[..., 0] * t + g[..., 1] * (1.0 - t), ones])

    def systems(g, ts):  # system(g, t) for every t of ts: [m, k, k] (the same arithmetic)
        out = np.ones((ts.size, k, k))
        out[:, :-1] = g[None, ..., 0] * ts[:, None, None] + g[None, ..., 1] * (1.0 - ts)[:, None, None]
        return out

    zero = _RTOL * scale ** (2 * k - 1)
    nodes = _cheb_nodes(2 * k - 1)[0]
    cb, ca = _cofactor_columns(systems(gb, nodes)), _cofactor_columns(systems(ga, nodes))
    roots, finite = _roots01_values(np.array([float(cb[i] @ gc @ ca[i]) for i in range(nodes.size)]),
                                    2 * k - 2, zero)
    if not finite:
        return SupportSolutions(np.full((1, n), np.nan), "continuum")
    e = np.zeros(k)
    e[-1] = 1.0
    status = "exact"
    for g in (ga, gb):  # t where a system is singular: a family of solutions there?
        dets, ok = _roots01_values(np.linalg.det(systems(g, _cheb_nodes(k)[0])), k - 1, _RTOL * scale ** (k - 1))
        if not ok:
            return SupportSolutions(np.full((1, n), np.nan), "continuum")
        for t in dets:
            if _affine(system(g, t), e, scale)[1] == "continuum":
                status = "continuum"
    pts = []
    if roots.size:  # batched over the roots: the same singular values and solutions as one call each
        Mas, Mbs = systems(ga, roots), systems(gb, roots)
        small = np.minimum(np.linalg.svd(Mas, compute_uv=False)[:, -1], np.linalg.svd(Mbs, compute_uv=False)[:, -1])
        keep = small > _RTOL * scale  # else a singular point: handled above
        if keep.any():
            eb = np.broadcast_to(e, (int(keep.sum()), k))[..., None]
            xbs, xas = np.linalg.solve(Mas[keep], eb)[..., 0], np.linalg.solve(Mbs[keep], eb)[..., 0]
            for r, t in enumerate(roots[keep]):
                z = np.ones(n)
                z[off[b]:off[b + 1]] = xbs[r]
                z[off[a]:off[a + 1]] = xas[r]
                z[off[c]:off[c + 1]] = (t, 1.0 - t)
                pts.append(z)
    return SupportSolutions(np.array(pts).reshape(-1, n), status)


def _pair_roots(g1: np.ndarray, g2: np.ndarray, scale: float) -> tuple[list[tuple[float, float]], bool]:
    """Real common zeros ``(u, v)`` of two bilinear forms (coefficients as in :func:`_bilinear`)
    and whether they are finitely many (False: a curve of common zeros may exist)."""
    from numpy.polynomial import polynomial as npp

    tol = _RTOL * scale
    for swap in (False, True):
        f1, f2 = (_swap(g1), _swap(g2)) if swap else (g1, g2)
        A, B = _lin(f1[1], f1[3]), _lin(f1[0], f1[2])  # f1 = u A(v) + B(v)
        C, D = _lin(f2[1], f2[3]), _lin(f2[0], f2[2])
        R = npp.polysub(npp.polymul(A, D), npp.polymul(B, C))
        if np.abs(R).max() > tol * scale:
            break
    else:
        return [], False
    R = np.trim_zeros(np.where(np.abs(R) <= tol * scale, 0.0, R), "b")
    out, finite = [], True
    for r in (np.roots(R[::-1]) if R.size > 1 else []):
        if abs(r.imag) > 1e-7 * max(1.0, abs(r)):
            continue
        v = float(r.real)
        a, b, c, d = (npp.polyval(v, q) for q in (A, B, C, D))
        if abs(a) > tol:
            u = -b / a
        elif abs(c) > tol:
            u = -d / c
        else:
            if abs(b) <= tol and abs(d) <= tol and -1e-9 <= v <= 1 + 1e-9:
                finite = False
            continue
        out.append((v, u) if swap else (u, v))
    return out, finite


def _value(f: np.ndarray, u: float, v: float) -> float:
    return float(f[0] + f[1] * u + f[2] * v + f[3] * u * v)


def _one_large_mixer(tens: np.ndarray, ks: list, mixers: list, pure_index: tuple, off: np.ndarray,
                     scale: float) -> SupportSolutions:
    """Three mixers, one (a) on k >= 3 actions and two (b, c) on two: player a's k - 1 bilinear
    equations in ``(t_b, t_c)`` have at most two common zeros (a resultant, degree <= 2); at each,
    players b's and c's equations and ``Σ x_a = 1`` are linear in ``x_a``."""
    n = sum(ks)
    pos = {m: q for q, m in enumerate(mixers)}
    a = next(m for m in mixers if ks[m] > 2)
    b, c = (m for m in mixers if m != a)
    sub = {m: tens[m][pure_index] for m in mixers}  # [k_m0, k_m1, k_m2]
    ga = _first_action_gap(sub[a], pos[a])  # [k_a - 1, 2, 2] over (b, c)
    forms = [_bilinear(g) for g in ga]
    roots, finite = _pair_roots(forms[0], forms[1], scale)
    if not finite:
        return SupportSolutions(np.full((1, n), np.nan), "continuum")
    gb = np.moveaxis(_first_action_gap(sub[b], pos[b])[0], 0 if pos[a] < pos[c] else 1, 0)  # [k_a, 2] (a, c)
    gc = np.moveaxis(_first_action_gap(sub[c], pos[c])[0], 0 if pos[a] < pos[b] else 1, 0)  # [k_a, 2] (a, b)
    pts, status = [], "exact"
    for tb, tc in roots:
        if any(abs(_value(f, tb, tc)) > 10 * _RTOL * scale for f in forms[2:]):
            continue
        M = np.vstack([gb @ np.array([tc, 1.0 - tc]), gc @ np.array([tb, 1.0 - tb]), np.ones(ks[a])])
        xa, st = _affine(M, np.array([0.0, 0.0, 1.0]), scale)
        if xa is None:
            continue
        if st == "continuum":
            status = "continuum"
        z = np.ones(n)
        z[off[a]:off[a + 1]] = xa
        z[off[b]:off[b + 1]] = (tb, 1.0 - tb)
        z[off[c]:off[c + 1]] = (tc, 1.0 - tc)
        pts.append(z)
    return SupportSolutions(np.array(pts).reshape(-1, n), status)


def _swap(f: np.ndarray) -> np.ndarray:
    """``f(u, v)`` as a function of ``(v, u)``."""
    return np.array([f[0], f[2], f[1], f[3]])


__all__ = ["SupportSolutions", "solve_support"]
