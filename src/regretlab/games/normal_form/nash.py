"""All Nash equilibria of a bimatrix game (support enumeration) and Lemke–Howson.

Support enumeration follows Algorithm 3.4 of Nisan, Roughgarden, Tardos & Vazirani (eds.),
*Algorithmic Game Theory* (2007), ch. 3 (von Stengel): for every pair of equal-size supports
(I, J), solve the two indifference systems and keep the solutions that are probability vectors
on exactly those supports and best responses to each other. The kernel is compiled with Numba
(one pass over all support pairs, no Python per pair); :func:`support_enumeration_numpy` is the
reference it is checked against. Lemke–Howson: Lemke & Howson (1964), with the lexicographic
ratio test so that degenerate games do not cycle (von Stengel, "Computing equilibria for
two-person games", Handbook of Game Theory vol. 3, 2002); its pivots are compiled too
(``compiled=False`` runs the NumPy reference, which takes the same path).
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from itertools import combinations
from math import comb
from typing import Any

import numba
import numpy as np

from regretlab.games.normal_form._bimatrix_kernels import lemke_howson_core
from regretlab.games.normal_form.game import NormalFormGame


class DegenerateGameWarning(RuntimeWarning):
    """The bimatrix game is degenerate: equilibria may form continua or have unequal supports."""


def _matrices(game: NormalFormGame | Any, col: Any = None) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(game, NormalFormGame):
        if game.num_players != 2:
            raise ValueError(f"game must be a 2-player game, got {game.num_players} players")
        a, b = game.bimatrix()
    else:
        if col is None:
            raise ValueError("pass a 2-player NormalFormGame, or both matrices A and B")
        a, b = NormalFormGame.from_bimatrix(game, col).bimatrix()
    return np.ascontiguousarray(a, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64)


@numba.njit(cache=True)
def _solve_indifference(m: np.ndarray, rows: np.ndarray, cols: np.ndarray, out: np.ndarray,
                        work: np.ndarray, transpose: bool) -> bool:
    """Solve ``M[I, J] p = v 1, 1ᵀp = 1`` for ``p`` on J; ``out[:k]`` = p, ``out[k]`` = v.

    When ``transpose`` the matrix is ``M[I, J]ᵀ`` (the row player's mix from B). Gaussian
    elimination with partial pivoting; returns False on a (numerically) singular system.
    """
    k = rows.shape[0]
    n = k + 1
    for r in range(k):
        for c in range(k):
            work[r, c] = m[rows[c], cols[r]] if transpose else m[rows[r], cols[c]]
        work[r, k] = -1.0
        work[r, n] = 0.0
    for c in range(k):
        work[k, c] = 1.0
    work[k, k] = 0.0
    work[k, n] = 1.0
    for c in range(n):
        piv = c
        best = abs(work[c, c])
        for r in range(c + 1, n):
            if abs(work[r, c]) > best:
                best = abs(work[r, c])
                piv = r
        if best < 1e-13:
            return False
        if piv != c:
            for j in range(n + 1):
                tmp = work[c, j]
                work[c, j] = work[piv, j]
                work[piv, j] = tmp
        inv = 1.0 / work[c, c]
        for r in range(c + 1, n):
            f = work[r, c] * inv
            if f != 0.0:
                for j in range(c, n + 1):
                    work[r, j] -= f * work[c, j]
    for r in range(n - 1, -1, -1):
        s = work[r, n]
        for j in range(r + 1, n):
            s -= work[r, j] * out[j]
        out[r] = s / work[r, r]
    return True


@numba.njit(cache=True)
def _enumerate(a: np.ndarray, b: np.ndarray, row_sets: np.ndarray, col_sets: np.ndarray,
               pos_tol: float, br_tol: float, out_x: np.ndarray, out_y: np.ndarray,
               start: int) -> int:
    """Scan all pairs (row_sets[p], col_sets[q]) of one support size; append equilibria."""
    m, n = a.shape
    k = row_sets.shape[1]
    work = np.empty((k + 1, k + 2))
    sy = np.empty(k + 1)
    sx = np.empty(k + 1)
    count = start
    cap = out_x.shape[0]
    for p in range(row_sets.shape[0]):
        rows = row_sets[p]
        for q in range(col_sets.shape[0]):
            cols = col_sets[q]
            # column player's mix y on J makes the row player indifferent on I
            if not _solve_indifference(a, rows, cols, sy, work, False):
                continue
            ok = True
            for c in range(k):
                if not sy[c] > pos_tol:
                    ok = False
                    break
            if not ok:
                continue
            if not _solve_indifference(b, rows, cols, sx, work, True):
                continue
            for c in range(k):
                if not sx[c] > pos_tol:
                    ok = False
                    break
            if not ok:
                continue
            v = sy[k]
            for r in range(m):
                s = 0.0
                for c in range(k):
                    s += a[r, cols[c]] * sy[c]
                if s > v + br_tol:
                    ok = False
                    break
            if not ok:
                continue
            u = sx[k]
            for j in range(n):
                s = 0.0
                for c in range(k):
                    s += b[rows[c], j] * sx[c]
                if s > u + br_tol:
                    ok = False
                    break
            if not ok:
                continue
            if count < cap:
                for r in range(m):
                    out_x[count, r] = 0.0
                for j in range(n):
                    out_y[count, j] = 0.0
                for c in range(k):
                    out_x[count, rows[c]] = sx[c]
                    out_y[count, cols[c]] = sy[c]
            count += 1
    return count


def _subsets(n: int, k: int) -> np.ndarray:
    return np.array(list(combinations(range(n), k)), dtype=np.int64).reshape(-1, k)


def _degeneracy_reasons(a: np.ndarray, b: np.ndarray, eqs: list, tol: float) -> list[str]:
    reasons = []
    # k = 1 case of the definition: a pure strategy with two pure best responses.
    col_best = (a >= a.max(axis=0, keepdims=True) - tol).sum(axis=0)
    row_best = (b >= b.max(axis=1, keepdims=True) - tol).sum(axis=1)
    if (col_best > 1).any() or (row_best > 1).any():
        reasons.append("some pure strategy has more than one pure best response")
    for x, y in eqs:
        ry, cx = a @ y, x @ b
        if (ry >= ry.max() - tol).sum() > (y > 0).sum() or (cx >= cx.max() - tol).sum() > (x > 0).sum():
            reasons.append("an equilibrium has more pure best responses than its support size")
            break
    if len(eqs) % 2 == 0:
        reasons.append(f"an even number ({len(eqs)}) of equilibria was found "
                       "(a nondegenerate game has an odd number)")
    return reasons


def support_enumeration(game: NormalFormGame | Any, col: Any = None, *, tol: float = 1e-10,
                        warn: bool = True, on_progress: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """All Nash equilibria of a nondegenerate bimatrix game, by support enumeration.

    For each support size k and supports |I| = |J| = k: solve ``A_{I,J} y = v 1``,
    ``B_{I,J}ᵀ x = u 1``, ``1ᵀx = 1ᵀy = 1``; keep (x, y) when x, y > 0 on I, J and no pure
    strategy earns more than v (resp. u) (Nisan et al. 2007, Algorithm 3.4).

    In a degenerate game the equilibrium set may contain continua and equilibria with supports of
    unequal size; this routine then returns only the isolated equal-support ones and warns with
    :class:`DegenerateGameWarning` (use :func:`lemke_howson` or an LP for a single equilibrium).

    Args:
        game: a 2-player :class:`NormalFormGame`, or the row matrix ``A [m, n]`` with ``col = B``.
        tol: tolerance of the best-response test (payoff units); support entries must be > 1e-13.
        warn: emit the degeneracy warning.
        on_progress: called ``on_progress(pairs_done, pairs_total)`` after each support size.

    Returns:
        list of ``(x [m], y [n])`` in the order of nashpy's ``support_enumeration``.

    Example:
        >>> from regretlab.games.normal_form import matching_pennies
        >>> [(x.tolist(), y.tolist()) for x, y in support_enumeration(matching_pennies())]
        [([0.5, 0.5], [0.5, 0.5])]
    """
    a, b = _matrices(game, col)
    m, n = a.shape
    # equilibria are invariant to positive rescaling of each player's payoffs: work at unit scale
    # so that the pivot and best-response tolerances are relative
    a = a / max(float(np.abs(a).max()), 1e-300)
    b = b / max(float(np.abs(b).max()), 1e-300)
    scale = 1.0
    cap = 64
    while True:
        out_x = np.zeros((cap, m))
        out_y = np.zeros((cap, n))
        count = 0
        done, total = 0, sum(comb(m, k) * comb(n, k) for k in range(1, min(m, n) + 1))
        for k in range(1, min(m, n) + 1):
            count = _enumerate(a, b, _subsets(m, k), _subsets(n, k), 1e-13, tol * scale,
                               out_x, out_y, count)
            done += comb(m, k) * comb(n, k)
            if on_progress is not None:
                on_progress(done, total)
        if count <= cap:
            break
        cap = 2 * count
    eqs = [(out_x[i].copy(), out_y[i].copy()) for i in range(count)]
    if warn:
        reasons = _degeneracy_reasons(a, b, eqs, tol * scale)
        if reasons:
            warnings.warn(
                "degenerate bimatrix game: " + "; ".join(reasons) + ". Support enumeration returns "
                "only equilibria with equal-size supports and a unique indifference solution; the "
                "equilibrium set may contain continua that are not listed.",
                DegenerateGameWarning, stacklevel=2)
    return eqs


def support_enumeration_numpy(game: NormalFormGame | Any, col: Any = None, *,
                              tol: float = 1e-10) -> list[tuple[np.ndarray, np.ndarray]]:
    """NumPy reference for :func:`support_enumeration` (batched solves per support size).

    Example:
        >>> from regretlab.games.normal_form import coordination
        >>> len(support_enumeration_numpy(coordination()))  # (0, 0), (1, 1) and the mixed one
        3
    """
    a, b = _matrices(game, col)
    m, n = a.shape
    a = a / max(float(np.abs(a).max()), 1e-300)
    b = b / max(float(np.abs(b).max()), 1e-300)
    scale = 1.0
    eqs = []
    for k in range(1, min(m, n) + 1):
        rs, cs = _subsets(m, k), _subsets(n, k)
        pi, qi = np.meshgrid(np.arange(len(rs)), np.arange(len(cs)), indexing="ij")
        pi, qi = pi.ravel(), qi.ravel()
        rows, cols = rs[pi], cs[qi]  # [N, k]
        sub_a = a[rows[:, :, None], cols[:, None, :]]  # [N, k, k]
        sub_b = b[rows[:, :, None], cols[:, None, :]]

        def solve(mat: np.ndarray, k: int = k) -> tuple[np.ndarray, np.ndarray]:
            big = np.zeros((mat.shape[0], k + 1, k + 1))
            big[:, :k, :k] = mat
            big[:, :k, k] = -1.0
            big[:, k, :k] = 1.0
            rhs = np.zeros((mat.shape[0], k + 1))
            rhs[:, k] = 1.0
            ok = np.abs(np.linalg.det(big)) > 1e-12
            sol = np.zeros_like(rhs)
            if ok.any():
                sol[ok] = np.linalg.solve(big[ok], rhs[ok][..., None])[..., 0]
            return sol, ok

        sy, oky = solve(sub_a)
        sx, okx = solve(np.transpose(sub_b, (0, 2, 1)))
        good = oky & okx & (sy[:, :k] > 1e-13).all(1) & (sx[:, :k] > 1e-13).all(1)
        for idx in np.flatnonzero(good):
            x = np.zeros(m)
            y = np.zeros(n)
            x[rows[idx]] = sx[idx, :k]
            y[cols[idx]] = sy[idx, :k]
            if (a @ y).max() <= sy[idx, k] + tol * scale and (x @ b).max() <= sx[idx, k] + tol * scale:
                eqs.append((x, y))
    return eqs


def lemke_howson(game: NormalFormGame | Any, col: Any = None, *, initial_label: int = 0,
                 max_pivots: int = 100_000, compiled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """One Nash equilibrium of a bimatrix game by Lemke–Howson complementary pivoting.

    Tableaux ``B'ᵀx + s = 1`` and ``A'y + r = 1`` with positive ``A' = A - min A + 1``; drop
    ``initial_label`` (0..m-1 a row strategy, m..m+n-1 a column), pivot the duplicate label in
    the other tableau until the dropped label leaves (Lemke & Howson 1964). The ratio test is
    lexicographic; where a float tie is mis-decided on a degenerate game and the path reaches
    ``max_pivots``, it is rerun in exact rationals, where the lexicographic rule cannot cycle, so
    degenerate games terminate too. The pivots run compiled
    (:func:`~regretlab.games.normal_form._bimatrix_kernels.lemke_howson_core`); ``compiled=False``
    runs the NumPy reference, which performs the same floating-point operations: both follow the
    same path, with the same pivots, to the same equilibrium.

    Args:
        game: a 2-player game or ``A`` with ``col = B``.
        initial_label: the label dropped first, in ``[0, m + n)``.
        max_pivots: cap on the pivots (a ``RuntimeError`` when reached).
        compiled: False for the NumPy reference implementation.

    Returns:
        ``(x [m], y [n])``.

    Example:
        >>> from regretlab.games.normal_form import chicken
        >>> x, y = lemke_howson(chicken(), initial_label=0)
        >>> x.tolist(), y.tolist()
        ([1.0, 0.0], [0.0, 1.0])
    """
    x, y, _ = lemke_howson_path(game, col, initial_label=initial_label, max_pivots=max_pivots,
                                compiled=compiled)
    return x, y


def lemke_howson_path(game: NormalFormGame | Any, col: Any = None, *, initial_label: int = 0,
                      max_pivots: int = 100_000, compiled: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`lemke_howson` with the number of pivots it took: ``(x [m], y [n], pivots)``.

    Example:
        >>> from regretlab.games.normal_form import matching_pennies
        >>> x, y, pivots = lemke_howson_path(matching_pennies(), initial_label=0)
        >>> x.round(12).tolist(), y.round(12).tolist(), pivots
        ([0.5, 0.5], [0.5, 0.5], 4)
    """
    a, b = _matrices(game, col)
    m, n = a.shape
    if isinstance(initial_label, bool) or not isinstance(initial_label, (int, np.integer)) or not 0 <= initial_label < m + n:
        raise ValueError(f"initial_label must be an integer in [0, {m + n}), got {initial_label!r}")
    if isinstance(max_pivots, bool) or not isinstance(max_pivots, (int, np.integer)) or max_pivots < 1:
        raise ValueError(f"max_pivots must be an integer >= 1, got {max_pivots!r}")
    if not compiled:
        try:
            return _lemke_howson_numpy(a - a.min() + 1.0, b - b.min() + 1.0, int(initial_label), int(max_pivots))
        except RuntimeError as exc:
            if "did not terminate" not in str(exc):
                raise
            return _lemke_howson_exact(a, b, int(initial_label), int(max_pivots))
    code, x, y, pivots = lemke_howson_core(a, b, int(initial_label), int(max_pivots))
    if code == 1:
        raise RuntimeError("Lemke–Howson: unbounded ray (the payoffs are not positive?)")
    if code == 2:
        # a float lexicographic test can mis-decide an exact tie on a degenerate game and cycle;
        # in exact arithmetic the lexicographic rule cannot cycle
        return _lemke_howson_exact(a, b, int(initial_label), int(max_pivots))
    if m > 128 or n > 128:
        x, y = x / x.sum(), y / y.sum()
    return x, y, int(pivots)


def _lemke_howson_exact(a: np.ndarray, b: np.ndarray, initial_label: int,
                        max_pivots: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Lemke–Howson in exact rationals (each float payoff read as its exact binary value): the
    same tableaux and lexicographic ratio test as the float paths, whose ties are then decided
    exactly, so the path cannot cycle (Lemke & Howson 1964; von Stengel 2002, §3.4). The fallback
    when a float path reaches ``max_pivots``."""
    m, n = a.shape
    amin, bmin = Fraction(float(a.min())), Fraction(float(b.min()))
    ap = [[Fraction(float(a[i, j])) - amin + 1 for j in range(n)] for i in range(m)]
    bp = [[Fraction(float(b[i, j])) - bmin + 1 for j in range(n)] for i in range(m)]
    one, zero = Fraction(1), Fraction(0)
    # columns by label (0..m-1, m..m+n-1), then the right-hand side
    t1 = [[bp[i][j] for i in range(m)] + [one if k == j else zero for k in range(n)] + [one] for j in range(n)]
    t2 = [[one if k == i else zero for k in range(m)] + ap[i] + [one] for i in range(m)]
    tabs = [(t1, list(range(m, m + n)), list(range(m, m + n))), (t2, list(range(m)), list(range(m)))]

    def pivot(t: list, basis: list[int], slack: list[int], enter: int) -> int:
        cand = [r for r in range(len(t)) if t[r][enter] > 0]
        if not cand:
            raise RuntimeError("Lemke–Howson: unbounded ray (the payoffs are not positive?)")
        row = min(cand, key=lambda r: [t[r][-1] / t[r][enter]] + [t[r][c] / t[r][enter] for c in slack])
        p = t[row][enter]
        t[row] = [v / p for v in t[row]]
        for r in range(len(t)):
            if r != row and t[r][enter] != 0:
                f = t[r][enter]
                t[r] = [v - f * w for v, w in zip(t[r], t[row])]
        leaving, basis[row] = basis[row], enter
        return leaving

    enter, first = initial_label, initial_label < m
    for step in range(max_pivots):
        t, basis, slack = tabs[0] if (step % 2 == 0) == first else tabs[1]
        leaving = pivot(t, basis, slack, enter)
        if leaving == initial_label:
            break
        enter = leaving
    else:
        raise RuntimeError(f"Lemke–Howson did not terminate in {max_pivots} pivots (exact arithmetic)")
    x = [zero] * m
    y = [zero] * n
    for row, lab in enumerate(tabs[0][1]):
        if lab < m:
            x[lab] = t1[row][-1]
    for row, lab in enumerate(tabs[1][1]):
        if lab >= m:
            y[lab - m] = t2[row][-1]
    sx, sy = sum(x), sum(y)
    return (np.array([float(v / sx) for v in x]), np.array([float(v / sy) for v in y]), step + 1)


def _lemke_howson_numpy(ap: np.ndarray, bp: np.ndarray, initial_label: int,
                        max_pivots: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The NumPy reference of the compiled Lemke–Howson pivots (``compiled=False``)."""
    m, n = ap.shape
    # Columns are indexed by label: 0..m-1 then m..m+n-1, last column the right-hand side.
    t1 = np.hstack([bp.T, np.eye(n), np.ones((n, 1))])  # basic: s (labels m..)
    t2 = np.hstack([np.eye(m), ap, np.ones((m, 1))])  # basic: r (labels 0..m-1)
    basis1 = list(range(m, m + n))
    basis2 = list(range(m))
    slack1 = list(range(m, m + n))  # identity columns of t1 (lexicographic tie-break)
    slack2 = list(range(m))

    def pivot(t: np.ndarray, basis: list[int], slack: list[int], enter: int) -> int:
        colv = t[:, enter]
        cand = np.flatnonzero(colv > 1e-12)
        if cand.size == 0:
            raise RuntimeError("Lemke–Howson: unbounded ray (the payoffs are not positive?)")
        # lexicographic minimum ratio: rhs first, then the basis-inverse columns
        keys = np.column_stack([t[cand, -1], t[np.ix_(cand, slack)]]) / colv[cand, None]
        order = np.lexsort(keys.T[::-1])
        row = int(cand[order[0]])
        t[row] /= t[row, enter]
        others = np.arange(t.shape[0]) != row
        t[others] -= np.outer(t[others, enter], t[row])
        leaving = basis[row]
        basis[row] = enter
        return leaving

    enter = initial_label
    # x_k is a variable of tableau 1 and y_(k-m) of tableau 2; then the tableaux alternate,
    # because the label that left one tableau is the duplicate to pivot in the other.
    first = initial_label < m
    pivots = 0
    for step in range(max_pivots):
        if (step % 2 == 0) == first:
            leaving = pivot(t1, basis1, slack1, enter)
        else:
            leaving = pivot(t2, basis2, slack2, enter)
        pivots += 1
        if leaving == initial_label:
            break
        enter = leaving
    else:
        raise RuntimeError(f"Lemke–Howson did not terminate in {max_pivots} pivots")
    x = np.zeros(m)
    y = np.zeros(n)
    for row, lab in enumerate(basis1):
        if lab < m:
            x[lab] = t1[row, -1]
    for row, lab in enumerate(basis2):
        if lab >= m:
            y[lab - m] = t2[row, -1]
    return x / x.sum(), y / y.sum(), pivots
