"""Vertex enumeration for bimatrix games, in floats or exact rationals (certified equilibria).

With payoffs shifted to be positive, the best-response polytopes are
``P = {x >= 0 : Bᵀx <= 1}`` and ``Q = {y >= 0 : A y <= 1}``; a vertex's *labels* are its tight
constraints (``i`` for ``x_i = 0`` or ``(A y)_i = 1``, ``m + j`` for ``(Bᵀx)_j = 1`` or
``y_j = 0``). The extreme equilibria are exactly the completely labelled vertex pairs
``(x, y) ≠ (0, 0)``, normalised (von Stengel, "Computing equilibria for two-person games",
Handbook of Game Theory 3, 2002, §3). Unlike equal-size support enumeration this is right on
degenerate games: every extreme point of every equilibrium component is found.

Vertices are found by solving every choice of ``m`` (resp. ``n``) tight constraints and keeping
the feasible solutions — ``C(m+n, m)`` small solves, fine for games up to about 10 x 10. With
``exact=True`` all of it runs on :class:`fractions.Fraction` (payoffs read exactly: floats are
dyadic rationals), so the labels, hence the equilibria, are decided without tolerance; each
returned pair is then *certified* by :func:`certify_equilibrium` (an exact best-response check).

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
from math import comb
from typing import Any

import numpy as np

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
                       time_limit: float = 60.0, tol: float = 1e-9, progress: Any = False) -> list:
    """All extreme Nash equilibria of a bimatrix game, degenerate or not.

    Args:
        game: a 2-player :class:`NormalFormGame`, or the row player's matrix ``A [m, n]``.
        col: the column player's ``B [m, n]`` when ``game`` is a matrix (ints, floats,
            Fractions or strings such as ``"1/3"`` with ``exact=True``).
        exact: rational arithmetic throughout; returns Fractions and certifies each pair.
        time_limit: wall-clock seconds (> 0); a ``TimeoutError`` names the limit when spent.
        tol: float mode's tolerance for feasibility and for a tight constraint.
        progress: False, True (a bar over the two polytopes) or a callable ``(done, total)``.

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
    a, b = _matrices(game, col, exact)
    deadline = time.perf_counter() + time_limit
    rows, cols = (len(a), len(a[0])) if exact else np.shape(a)
    if comb(rows + cols, rows) > MAX_BASES:
        raise ValueError(f"vertex_enumeration: a {rows}x{cols} game has {comb(rows + cols, rows):,} bases per "
                         f"polytope, more than {MAX_BASES:,}; use enumerate_supports or a single-equilibrium "
                         "method (lemke_howson, logit_homotopy) on it")
    if exact:
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
