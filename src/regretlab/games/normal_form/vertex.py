"""Vertex enumeration for bimatrix games, in floats or exact rationals (certified equilibria).

With payoffs shifted to be positive, the best-response polytopes are
``P = {x >= 0 : Bᵀx <= 1}`` and ``Q = {y >= 0 : A y <= 1}``; a vertex's *labels* are its tight
constraints (``i`` for ``x_i = 0`` or ``(A y)_i = 1``, ``m + j`` for ``(Bᵀx)_j = 1`` or
``y_j = 0``). The extreme equilibria are exactly the completely labelled vertex pairs
``(x, y) ≠ (0, 0)``, normalised (von Stengel, "Computing equilibria for two-person games",
Handbook of Game Theory 3, 2002, §3). Unlike equal-size support enumeration this is right on
degenerate games: every extreme point of every equilibrium component is found.

Vertices are found by solving every choice of ``m`` (resp. ``n``) tight constraints and keeping
the feasible solutions — ``C(m+n, m)`` small solves. With ``exact=True`` the payoffs are read
exactly (floats are dyadic rationals), so the labels, hence the equilibria, are decided without
tolerance, and each returned pair is *certified* (an exact best-response check, as
:func:`certify_equilibrium`). When the shifted payoffs scale to integers below ``2^24`` (integer
games, small rationals) the bases are solved in compiled code by fraction-free integer
elimination (:mod:`~regretlab.games.normal_form._bimatrix_kernels`: exact, overflow-guarded,
a basis that could overflow int64 is solved in ``Fraction`` arithmetic instead): seconds for
a 12 x 12 integer game; otherwise, and with ``compiled=False``, everything runs on
:class:`fractions.Fraction`. Both give the same list.

Example:
    >>> from regretlab.games.normal_form import NormalFormGame
    >>> g = NormalFormGame.from_bimatrix([[3, 3], [2, 5], [0, 6]], [[3, 3], [2, 6], [3, 1]])
    >>> eqs = vertex_enumeration(g, exact=True)
    >>> [([str(v) for v in x], [str(v) for v in y]) for x, y in eqs]
    [(['0', '1/3', '2/3'], ['1/3', '2/3']), (['1', '0', '0'], ['2/3', '1/3']), (['1', '0', '0'], ['1', '0'])]

    (von Stengel's degenerate example, Handbook ch. 45, 2002: the top row has two best
    responses; the component ``x = (1, 0, 0)``, ``y`` from ``(1, 0)`` to ``(2/3, 1/3)`` has the
    unequal-support extreme point that equal-size support enumeration misses.)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations
from math import comb, gcd
from typing import Any

import numpy as np

from regretlab.games.normal_form import _bimatrix_kernels as _bk
from regretlab.games.normal_form.game import NormalFormGame
from regretlab.games.normal_form.nplayer import check_limits

MAX_BASES = 5_000_000  # C(m+n, m) candidate bases per polytope that vertex_enumeration accepts


def _exact_matrix(m: Any, name: str) -> list[list[Fraction]]:
    rows = []
    for r in m:
        row = []
        for v in r:
            if isinstance(v, Fraction):
                row.append(v)
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                row.append(Fraction(int(v)))
            elif isinstance(v, (float, np.floating)) and np.isfinite(v):
                row.append(Fraction(float(v)))
            elif isinstance(v, str):
                row.append(Fraction(v))
            else:
                raise ValueError(f"{name} must hold finite numbers or Fractions, got {v!r}")
        rows.append(row)
    if not rows or len({len(r) for r in rows}) != 1 or not rows[0]:
        raise ValueError(f"{name} must be a non-empty rectangular matrix")
    return rows


def _matrices(game: Any, col: Any, exact: bool):
    if isinstance(game, NormalFormGame):
        if game.num_players != 2:
            raise ValueError(f"game must be a 2-player game, got {game.num_players} players")
        a, b = game.bimatrix()
        if exact:
            return _exact_matrix(a.tolist(), "A"), _exact_matrix(b.tolist(), "B")
        return np.array(a), np.array(b)
    if col is None:
        raise ValueError("pass a 2-player NormalFormGame, or both matrices A and B")
    if exact:
        a, b = _exact_matrix(game, "A"), _exact_matrix(col, "B")
        if len(a) != len(b) or len(a[0]) != len(b[0]):
            raise ValueError("A and B must have the same shape")
        return a, b
    return NormalFormGame.from_bimatrix(game, col).bimatrix()


def _solve_fraction(M: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Gauss–Jordan elimination over the rationals; None when singular."""
    n = len(M)
    T = [list(M[r]) + [rhs[r]] for r in range(n)]
    for c in range(n):
        piv = next((r for r in range(c, n) if T[r][c] != 0), None)
        if piv is None:
            return None
        T[c], T[piv] = T[piv], T[c]
        inv = 1 / T[c][c]
        T[c] = [v * inv for v in T[c]]
        for r in range(n):
            if r != c and T[r][c] != 0:
                f = T[r][c]
                T[r] = [v - f * w for v, w in zip(T[r], T[c])]
    return [T[r][n] for r in range(n)]


def _vertices_exact(G: list[list[Fraction]], h: list[Fraction], dim: int, deadline: float):
    """Vertices of ``{z : G z <= h}`` with their label sets (exact)."""
    out: dict[tuple, frozenset] = {}
    rows = len(G)
    for tight in combinations(range(rows), dim):
        if time.perf_counter() > deadline:
            raise TimeoutError
        z = _solve_fraction([G[r] for r in tight], [h[r] for r in tight])
        if z is None:
            continue
        key = tuple(z)
        if key in out:
            continue
        slack = [h[r] - sum(g * v for g, v in zip(G[r], z)) for r in range(rows)]
        if all(s >= 0 for s in slack):
            out[key] = frozenset(r for r in range(rows) if slack[r] == 0)
    return out


def _vertices_float(G: np.ndarray, h: np.ndarray, dim: int, deadline: float, tol: float):
    out: list[tuple[np.ndarray, frozenset]] = []
    rows = G.shape[0]
    subsets = np.array(list(combinations(range(rows), dim)), dtype=np.int64)
    for start in range(0, len(subsets), 4096):
        if time.perf_counter() > deadline:
            raise TimeoutError
        sub = subsets[start:start + 4096]
        Ms = G[sub]  # [S, dim, dim]
        rhs = h[sub]
        cond = np.linalg.cond(Ms)
        good = np.isfinite(cond) & (cond < 1e12)
        if not good.any():
            continue
        z = np.linalg.solve(Ms[good], rhs[good][..., None])[..., 0]
        slack = h[None, :] - z @ G.T
        feas = (slack >= -tol).all(1)
        for v, s in zip(z[feas], slack[feas]):
            if not any(np.abs(v - w).max() <= tol for w, _ in out):
                out.append((v, frozenset(np.flatnonzero(np.abs(s) <= tol).tolist())))
    return out


def vertex_enumeration(game: NormalFormGame | Any, col: Any = None, *, exact: bool = False,
                       time_limit: float = 60.0, tol: float = 1e-9, progress: Any = False,
                       compiled: bool = True) -> list:
    """All extreme Nash equilibria of a bimatrix game, degenerate or not.

    Args:
        game: a 2-player :class:`NormalFormGame`, or the row player's matrix ``A [m, n]``.
        col: the column player's ``B [m, n]`` when ``game`` is a matrix (ints, floats,
            Fractions or strings such as ``"1/3"`` with ``exact=True``).
        exact: rational arithmetic throughout; returns Fractions and certifies each pair.
        time_limit: wall-clock seconds (> 0); a ``TimeoutError`` names the limit when spent.
        tol: float mode's tolerance for feasibility and for a tight constraint.
        progress: False, True (a bar over the two polytopes) or a callable ``(done, total)``.
        compiled: with ``exact``, enumerate the bases in compiled exact integer arithmetic
            (:mod:`~regretlab.games.normal_form._bimatrix_kernels`; the payoffs are scaled to
            integers, and a basis whose integers could overflow int64 is solved in
            ``Fraction`` arithmetic instead). False runs the all-``Fraction`` reference; both return
            the same list.

    Returns:
        list of ``(x, y)``: float arrays, or lists of Fractions when ``exact``, in lexicographic
        order of the vertex pairs found.

    Example:
        >>> from regretlab.games.normal_form import matching_pennies
        >>> [(x.round(12).tolist(), y.round(12).tolist()) for x, y in vertex_enumeration(matching_pennies())]
        [([0.5, 0.5], [0.5, 0.5])]

    References:
        B. von Stengel, "Computing equilibria for two-person games", Handbook of Game Theory
        with Economic Applications 3, 2002, §3 (Algorithm 3.5, polytope vertices and labels);
        D. Avis, G. Rosenberg, R. Savani, B. von Stengel, "Enumeration of Nash equilibria for
        two-player games", Economic Theory 42, 2010.
    """
    time_limit, _ = check_limits(time_limit, 1)
    if exact and compiled:
        ints = _integer_arrays(game, col)
        if ints is not None:
            deadline = time.perf_counter() + time_limit
            rows, cols = ints[0].shape
            _check_size(rows, cols)
            return _exact_compiled(*ints, deadline, time_limit, progress)
    a, b = _matrices(game, col, exact)
    deadline = time.perf_counter() + time_limit
    rows, cols = (len(a), len(a[0])) if exact else np.shape(a)
    _check_size(rows, cols)
    if exact:
        if compiled:
            ints = _integer_payoffs(a, b)
            if ints is not None:
                return _exact_compiled(*ints, deadline, time_limit, progress)
        return _exact_reference(a, b, deadline, time_limit, progress)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    m, n = a.shape
    shift = 1.0 - min(a.min(), b.min())
    A, B = a + shift, b + shift
    GP = np.vstack([-np.eye(m), B.T])
    hP = np.concatenate([np.zeros(m), np.ones(n)])
    GQ = np.vstack([A, -np.eye(n)])
    hQ = np.concatenate([np.ones(m), np.zeros(n)])
    try:
        _report(progress, 0, 2)
        VP = _vertices_float(GP, hP, m, deadline, tol)
        _report(progress, 1, 2)
        VQ = _vertices_float(GQ, hQ, n, deadline, tol)
        _report(progress, 2, 2)
    except TimeoutError:
        raise TimeoutError(f"vertex_enumeration ran past time_limit={time_limit} s on a {m}x{n} game "
                           f"({comb(m + n, m)} bases per polytope)") from None
    full = frozenset(range(m + n))
    eqs = []
    VP.sort(key=lambda t: tuple(t[0]))
    VQ.sort(key=lambda t: tuple(t[0]))
    for x, lx in VP:
        if x.max() <= tol:
            continue
        for y, ly in VQ:
            if y.max() <= tol or (lx | ly) != full:
                continue
            x0 = np.where(x > tol, x, 0.0)
            y0 = np.where(y > tol, y, 0.0)
            eqs.append((x0 / x0.sum(), y0 / y0.sum()))
    return eqs



def _check_size(rows: int, cols: int) -> None:
    if comb(rows + cols, rows) > MAX_BASES:
        raise ValueError(f"vertex_enumeration: a {rows}x{cols} game has {comb(rows + cols, rows):,} bases per "
                         f"polytope, more than {MAX_BASES:,}; use enumerate_supports or a single-equilibrium "
                         "method (lemke_howson, logit_homotopy) on it")


PAYOFF_LIMIT = 1 << 24  # shifted integer payoffs above this go to the Fraction reference
MAX_LABELS = 62  # m + n above this goes to the Fraction reference (labels are int64 bit masks)


def _shifted(ai: np.ndarray, bi: np.ndarray, shift: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
    """Integer payoffs shifted to ``>= 1`` by the common shift ``1 - min`` of the reference (so
    that vertex coordinates, hence the output order, are the reference's up to a positive
    factor; ``shift=False``: already shifted and scaled), each matrix divided by the gcd of its
    entries; None when too large for int64."""
    if ai.shape[0] + ai.shape[1] > MAX_LABELS:
        return None  # label sets are int64 bit masks
    lo = min(int(ai.min()), int(bi.min())) if shift else 1
    if max(int(ai.max()), int(bi.max())) - lo + 1 > PAYOFF_LIMIT:
        return None
    A = ai.astype(np.int64) - lo + 1
    B = bi.astype(np.int64) - lo + 1
    A //= np.gcd.reduce(A, axis=None)
    B //= np.gcd.reduce(B, axis=None)
    return np.ascontiguousarray(A), np.ascontiguousarray(B)


def _integer_arrays(game: Any, col: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The fast entry: a game or NumPy matrices whose payoffs are integers (int dtypes, or
    floats with integer values), without building Fractions; None for anything else."""
    if isinstance(game, NormalFormGame):
        if game.num_players != 2:
            return None
        a, b = game.bimatrix()
    elif isinstance(game, np.ndarray) and isinstance(col, np.ndarray):
        a, b = game, col
    else:
        return None
    if a.ndim != 2 or a.shape != b.shape or a.size == 0:
        return None
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        if max(float(np.abs(a).max()), float(np.abs(b).max())) > PAYOFF_LIMIT:
            return None
    elif a.dtype.kind == "f" and b.dtype.kind == "f":
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            return None
        if max(float(np.abs(a).max()), float(np.abs(b).max())) > PAYOFF_LIMIT:
            return None
        if not ((a == np.round(a)).all() and (b == np.round(b)).all()):
            return None
    else:
        return None
    return _shifted(a.astype(np.int64), b.astype(np.int64))


def _integer_payoffs(a: list[list[Fraction]], b: list[list[Fraction]]) -> tuple[np.ndarray, np.ndarray] | None:
    """Rational payoffs scaled to integers: the same shift as the reference, then each matrix
    times the lcm of its denominators (a positive factor: the same equilibria)."""
    lo = min(min(min(r) for r in a), min(min(r) for r in b))
    shift = 1 - lo
    out = []
    for mat in (a, b):
        vals = [v + shift for r in mat for v in r]
        lcm = 1
        for v in vals:
            lcm = lcm * v.denominator // gcd(lcm, v.denominator)
        ints = [int(v * lcm) for v in vals]
        if max(ints) > PAYOFF_LIMIT:
            return None
        out.append(np.array(ints, dtype=np.int64).reshape(len(mat), len(mat[0])))
    # shifted before scaling: a second common shift would not be proportional to the reference's
    return _shifted(out[0], out[1], shift=False)


CHUNK = 1 << 15  # bases per kernel call (the time limit is checked between calls)


def _polytope(C: np.ndarray, deadline: float) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray], dict]:
    """Vertices of ``{z >= 0 : C z <= 1}`` (``C [rows, vars]`` positive integers), one per label
    set: ``(zero masks, tight masks, [num, den] per vertex, {(zero, tight): Fraction coords}``
    for the bases the kernel left to rational arithmetic)."""
    nc, nv = C.shape
    zs, ts, nums, dens = [], [], [], []
    extra: dict[tuple[int, int], list[Fraction]] = {}
    rows_frac = None
    for k in range(1, min(nc, nv) + 1):
        S_sets, T_sets = _subsets(nv, k), _subsets(nc, k)
        per = max(1, CHUNK // len(T_sets))
        for p0 in range(0, len(S_sets), per):
            if time.perf_counter() > deadline:
                raise TimeoutError
            p1 = min(p0 + per, len(S_sets))
            nb = (p1 - p0) * len(T_sets)
            oz = np.empty(nb, dtype=np.int64)
            ot = np.empty(nb, dtype=np.int64)
            on = np.empty((nb, nv), dtype=np.int64)
            od = np.empty(nb, dtype=np.int64)
            fl = np.empty((nb, 2), dtype=np.int64)
            cnt, nf = _bk.polytope_vertices(C, S_sets, T_sets, p0, p1, oz, ot, on, od, fl)
            if cnt:
                zs.append(oz[:cnt])
                ts.append(ot[:cnt])
                nums.append(on[:cnt])
                dens.append(od[:cnt])
            for p, q in fl[:nf].tolist():
                if rows_frac is None:
                    rows_frac = [[Fraction(int(v)) for v in r] for r in C.tolist()]
                found = _basis_fraction(rows_frac, S_sets[p].tolist(), T_sets[q].tolist())
                if found is not None:
                    extra.setdefault(found[0], found[1])
    if zs:
        z, t, num, den = np.concatenate(zs), np.concatenate(ts), np.concatenate(nums), np.concatenate(dens)
    else:
        z = t = den = np.zeros(0, dtype=np.int64)
        num = np.zeros((0, nv), dtype=np.int64)
    return z, t, (num, den), extra


def _basis_fraction(C: list[list[Fraction]], S: list[int], T: list[int]):
    """One basis of :func:`_polytope` in rationals: ``((zero, tight), coords)`` or None."""
    nv = len(C[0])
    z = _solve_fraction([[C[t][s] for s in S] for t in T], [Fraction(1)] * len(S))
    if z is None or any(v < 0 for v in z):
        return None
    full = [Fraction(0)] * nv
    for s, v in zip(S, z):
        full[s] = v
    tight = 0
    for t, row in enumerate(C):
        val = sum(row[s] * v for s, v in zip(S, z))
        if val > 1:
            return None
        if val == 1:
            tight |= 1 << t
    zero = sum(1 << v for v in range(nv) if full[v] == 0)
    return (zero, tight), full


def _subsets(n: int, k: int) -> np.ndarray:
    return np.array(list(combinations(range(n), k)), dtype=np.int64).reshape(-1, k)


def _exact_compiled(A: np.ndarray, B: np.ndarray, deadline: float, time_limit: float, progress: Any) -> list:
    """Exact vertex enumeration on positive integer payoffs, bases in compiled int64 code."""
    m, n = A.shape
    try:
        _report(progress, 0, 2)
        P = _polytope(np.ascontiguousarray(B.T), deadline)
        _report(progress, 1, 2)
        Q = _polytope(A, deadline)
        _report(progress, 2, 2)
    except TimeoutError:
        raise TimeoutError(f"vertex_enumeration (exact) ran past time_limit={time_limit} s on a "
                           f"{m}x{n} game ({comb(m + n, m)} bases per polytope)") from None
    # label masks: P labels i (x_i = 0) and m + j (column j tight); Q labels i (row i tight)
    # and m + j (y_j = 0). A label set determines its vertex (the vertex is the unique
    # solution of its tight constraints), so one representative per mask is kept.
    verts = []
    for zero, tight, (num, den), extra, (lo_bits, hi_bits) in (
            (*P, (0, 1)), (*Q, (1, 0))):
        parts = (zero, tight)
        mask = parts[lo_bits] | (parts[hi_bits] << m)
        uniq, first = np.unique(mask, return_index=True)
        coords: dict[int, Any] = {int(mk): (num[i], int(den[i])) for mk, i in zip(uniq.tolist(), first.tolist())}
        for (ez, et), c in extra.items():
            ep = (ez, et)
            coords.setdefault(ep[lo_bits] | (ep[hi_bits] << m), c)
        verts.append(coords)
    VP, VQ = verts
    mp = np.fromiter(VP, dtype=np.int64, count=len(VP))
    mq = np.fromiter(VQ, dtype=np.int64, count=len(VQ))
    pairs = _bk.complete_pairs(mp, mq, np.int64((1 << (m + n)) - 1)).tolist()
    if not pairs:
        return []
    keys: dict[tuple[int, int], tuple] = {}
    normal: dict[tuple[int, int], list[Fraction]] = {}
    ints: dict[tuple[int, int], list[int] | None] = {}
    for side, V, masks in ((0, VP, mp), (1, VQ, mq)):
        for idx in {p[side] for p in pairs}:
            c = V[int(masks[idx])]
            if isinstance(c, tuple):
                nums, den = c[0].tolist(), c[1]
                keys[side, idx] = tuple(Fraction(v, den) for v in nums)
                total = sum(nums)
                normal[side, idx] = [Fraction(v, total) for v in nums]
                ints[side, idx] = nums
            else:
                keys[side, idx] = tuple(c)
                total = sum(c)
                normal[side, idx] = [v / total for v in c]
                ints[side, idx] = None
    pairs.sort(key=lambda p: (keys[0, p[0]], keys[1, p[1]]))
    both = [i for i, (p, q) in enumerate(pairs) if ints[0, p] is not None and ints[1, q] is not None]
    verdict = [-1] * len(pairs)
    if both:
        X = np.array([ints[0, pairs[i][0]] for i in both], dtype=np.int64)
        Y = np.array([ints[1, pairs[i][1]] for i in both], dtype=np.int64)
        for i, v in zip(both, _bk.certify_pairs(A, B, X, Y).tolist()):
            verdict[i] = v
    eqs = []
    for i, (p, q) in enumerate(pairs):
        pair = (list(normal[0, p]), list(normal[1, q]))
        ok = verdict[i] == 1 or (verdict[i] == -1 and certify_equilibrium(A.tolist(), B.tolist(), *pair))
        if not ok:
            raise AssertionError("an exact vertex pair failed its certificate")  # cannot happen
        eqs.append(pair)
    return eqs


def _exact_reference(a: list, b: list, deadline: float, time_limit: float, progress: Any) -> list:
    """The rational reference (``compiled=False``): every basis solved in ``Fraction``s."""
    m, n = len(a), len(a[0])
    lo = min(min(min(r) for r in a), min(min(r) for r in b))
    shift = 1 - lo
    A = [[v + shift for v in r] for r in a]
    B = [[v + shift for v in r] for r in b]
    # P: -x_i <= 0 (labels 0..m-1), Bᵀx <= 1 (labels m..m+n-1)
    GP = [[Fraction(-1) if c == i else Fraction(0) for c in range(m)] for i in range(m)]
    GP += [[B[i][j] for i in range(m)] for j in range(n)]
    hP = [Fraction(0)] * m + [Fraction(1)] * n
    # Q: A y <= 1 (labels 0..m-1), -y_j <= 0 (labels m..)
    GQ = [list(A[i]) for i in range(m)] + [[Fraction(-1) if c == j else Fraction(0) for c in range(n)]
                                           for j in range(n)]
    hQ = [Fraction(1)] * m + [Fraction(0)] * n
    try:
        _report(progress, 0, 2)
        VP = _vertices_exact(GP, hP, m, deadline)
        _report(progress, 1, 2)
        VQ = _vertices_exact(GQ, hQ, n, deadline)
        _report(progress, 2, 2)
    except TimeoutError:
        raise TimeoutError(f"vertex_enumeration (exact) ran past time_limit={time_limit} s on a "
                           f"{m}x{n} game ({comb(m + n, m)} bases per polytope)") from None
    full = frozenset(range(m + n))
    eqs = []
    for x, lx in sorted(VP.items()):
        if all(v == 0 for v in x):
            continue
        for y, ly in sorted(VQ.items()):
            if all(v == 0 for v in y) or (lx | ly) != full:
                continue
            sx, sy = sum(x), sum(y)
            pair = ([v / sx for v in x], [v / sy for v in y])
            if not certify_equilibrium(a, b, *pair):
                raise AssertionError("an exact vertex pair failed its certificate")  # cannot happen
            eqs.append(pair)
    return eqs

def _report(progress: Any, done: int, total: int) -> None:
    if callable(progress):
        progress(done, total)


def certify_equilibrium(A: Any, B: Any, x: Sequence[Any], y: Sequence[Any]) -> bool:
    """Exact check that ``(x, y)`` is a Nash equilibrium of ``(A, B)``: rational arithmetic,
    no tolerance. True when both are probability vectors and every action in a support earns
    the best payoff against the other's mixture.

    Example:
        >>> from fractions import Fraction as F
        >>> certify_equilibrium([[1, -1], [-1, 1]], [[-1, 1], [1, -1]], [F(1, 2)] * 2, [F(1, 2)] * 2)
        True
        >>> certify_equilibrium([[1, -1], [-1, 1]], [[-1, 1], [1, -1]], [F(1, 2)] * 2, [1, 0])
        False
    """
    if isinstance(A, NormalFormGame):
        A, B = A.bimatrix()
    a = _exact_matrix(np.asarray(A, dtype=object).tolist() if isinstance(A, np.ndarray) else A, "A")
    b = _exact_matrix(np.asarray(B, dtype=object).tolist() if isinstance(B, np.ndarray) else B, "B")
    xs = [Fraction(v) for v in x]
    ys = [Fraction(v) for v in y]
    m, n = len(a), len(a[0])
    if len(xs) != m or len(ys) != n:
        raise ValueError(f"x must have {m} entries and y {n}, got {len(xs)} and {len(ys)}")
    if any(v < 0 for v in xs + ys) or sum(xs) != 1 or sum(ys) != 1:
        return False
    row = [sum(a[i][j] * ys[j] for j in range(n)) for i in range(m)]
    colv = [sum(b[i][j] * xs[i] for i in range(m)) for j in range(n)]
    return all(row[i] == max(row) for i in range(m) if xs[i] > 0) and all(
        colv[j] == max(colv) for j in range(n) if ys[j] > 0)
