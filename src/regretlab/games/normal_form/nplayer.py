"""Nash equilibria of normal-form games with any number of players.

Four solvers, one result type (:class:`NashResult`), one verification rule: every profile a
solver returns has been *polished* (Newton's method on the indifference system of its support)
and *checked* on the full game, ``nash_conv(game, profile) < tol`` (default ``1e-9``), with
:func:`regretlab.games.normal_form.gaps.nash_conv`. Each solver takes a wall-clock
``time_limit`` (seconds, > 0) and an iteration cap, and reports progress; none can hang.

* :func:`enumerate_supports` — support enumeration (Porter, Nudelman & Shoham, GEB 63, 2008,
  ordering and conditional-dominance pruning). Each support profile's indifference system
  (linear when at most two players mix, polynomial of degree P-1 otherwise) is solved exactly
  where its shape allows (:mod:`~regretlab.games.normal_form.support_systems`: linear algebra
  when at most two players mix, resultants when three players mix on supports of sizes
  (k, 2, 2), (k, k, 2), (k, k, 3) or four on (k, k, 2, 2)), else by batched Newton from many starts (the centroid plus seeded
  Dirichlet draws), which can miss solutions. ``NashResult.certified`` says when the list is
  every equilibrium of the game (see :func:`enumerate_supports`); ``NashResult.complete`` only
  says that every support profile was visited within the limits.
* :func:`logit_homotopy` — the principal branch of the logit quantal response correspondence
  (McKelvey & Palfrey, GEB 10, 1995) traced from the centroid at λ = 0 by arc-length
  predictor–corrector continuation in ``(log x, λ)`` (Turocy, GEB 51, 2005); for a generic
  game it ends at a Nash equilibrium as λ → ∞, which is polished and verified. This is the
  second homotopy method (CLI ``logit-path``).
* :func:`global_newton` — Govindan–Wilson's global Newton method: the Kohlberg–Mertens
  structure-theorem path of the games perturbed by a bonus ``λ g``, from the dominant profile
  at large λ to λ = 0, traced piece by piece with explicit support switches (CLI ``gnm``).
* :func:`iterated_polymatrix` — iterated polymatrix approximation (Govindan & Wilson, JEDC 28,
  2004): linearise every player's payoff at the current profile, solve the polymatrix game
  exactly by Lemke's algorithm on its LCP (Miller & Zucker, Math. Prog. 1991), move towards the
  solution (damped when NashConv does not fall), polish near the end. Local, not global.
* :func:`simplicial_subdivision` — Sperner labels from a projection map on Kuhn's triangulation of one
  simplex that holds the product of the players' simplices; the completely labelled simplex is
  found by Kuhn's door-in/door-out path; restart refinement doubles the grid until the polished
  barycentre verifies.

Example:
    >>> from regretlab.games.normal_form import random_game
    >>> g = random_game(2, num_players=3, seed=1)
    >>> res = enumerate_supports(g, time_limit=10)
    >>> all(c < 1e-9 for c in res.nash_conv), res.complete
    (True, True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations, product
from typing import Any

import numpy as np

from regretlab.games.normal_form import _kernels, support_homotopy
from regretlab.games.normal_form.game import NormalFormGame
from regretlab.games.normal_form.gaps import nash_conv
from regretlab.games.normal_form.support_systems import solve_support

_LET = "abcdefghijklmnopqrstuvw"
Profile = list  # P arrays [K_i]


@dataclass(frozen=True)
class NashResult:
    """What a solver found.

    Attributes:
        equilibria: the verified profiles, each a list of P arrays ``[K_i]``.
        nash_conv: NashConv of each (all ``< tol``).
        method: the solver's name.
        complete: the solver ran to its natural end (enumeration visited every support profile;
            a single-equilibrium method found one) rather than stopping at a limit.
        iterations: units of work done (support profiles, path steps, polymatrix solves ...).
        seconds: wall-clock time.
        first_seconds: time to the first verified equilibrium (``nan`` if none).
        info: solver-specific extras.
        certified: the list is provably every Nash equilibrium of the game (support enumeration
            only; see :func:`enumerate_supports` for when).
    """

    equilibria: list
    nash_conv: list
    method: str
    complete: bool
    iterations: int
    seconds: float
    first_seconds: float = float("nan")
    info: dict = field(default_factory=dict)
    certified: bool = False

    def __len__(self) -> int:
        return len(self.equilibria)


# -- limits and progress ------------------------------------------------------------------------


def check_limits(time_limit: Any, max_iter: Any, name: str = "max_iter") -> tuple[float, int]:
    """Validate a wall-clock limit (> 0 seconds) and an iteration cap (integer >= 1)."""
    if type(time_limit) is float and time_limit > 0 and type(max_iter) is int and max_iter >= 1:
        return time_limit, max_iter  # the common case, without the abstract-class checks below
    import math
    import numbers

    if isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real) or math.isnan(time_limit):
        raise ValueError(f"time_limit must be a number of seconds > 0, got {time_limit!r}")
    if time_limit <= 0:
        raise ValueError(f"time_limit must be > 0 seconds (a solver needs time to run), got {time_limit!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {max_iter!r}")
    return float(time_limit), int(max_iter)


class _Progress:
    """``progress``: False (nothing), True (a transient rich bar), or a callable ``(done, total)``."""

    def __init__(self, progress: Any, total: int, label: str) -> None:
        self._call = progress if callable(progress) else None
        self._bar = None
        self.total = total
        if progress is True:
            from regretlab.progress import bar

            self._bar = bar(total, label, transient=True, fields=("found",))

    def __call__(self, done: int, found: int = 0) -> None:
        if self._bar is not None:
            self._bar.update(done, found=found)
        elif self._call is not None:
            self._call(done, self.total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _game(game: Any) -> NormalFormGame:
    if not isinstance(game, NormalFormGame):
        raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
    return game


# -- the indifference system of a support profile ---------------------------------------------


def _contract(t: np.ndarray, xs: Sequence[np.ndarray], keep: Sequence[int]) -> np.ndarray:
    """Contract ``t [k_1..k_P]`` with batched ``xs[j] [B, k_j]`` for every axis j not in ``keep``."""
    p = t.ndim
    ops: list = [t]
    terms = [_LET[:p]]
    for j in range(p):
        if j not in keep:
            ops.append(xs[j])
            terms.append("z" + _LET[j])
    out = "z" + "".join(_LET[j] for j in keep)
    if len(ops) == 1:  # nothing to contract (two players, both axes kept)
        return np.broadcast_to(t, (xs[0].shape[0],) + t.shape)
    return np.einsum(",".join(terms) + "->" + out, *ops)


def _system(tens: np.ndarray, xs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Residual ``[B, N]`` and Jacobian ``[B, N, N]`` of the support's indifference system.

    ``tens [P, k_1..k_P]`` is the payoff tensor restricted to the support; unknowns are the P
    mixtures on it (``N = Σ k_i``). Rows of player i: ``u_i(a, x_-i) - u_i(a_0, x_-i)`` for the
    support's actions ``a ≠ a_0``, then ``Σ_a x_i(a) - 1``.
    """
    p = len(xs)
    ks = [x.shape[1] for x in xs]
    off = np.concatenate([[0], np.cumsum(ks)])
    n, b = int(off[-1]), xs[0].shape[0]
    F = np.empty((b, n))
    J = np.zeros((b, n, n))
    for i in range(p):
        r0 = off[i]
        dev = _contract(tens[i], xs, [i]) if p > 1 else np.broadcast_to(tens[i], (b, ks[0]))
        F[:, r0:r0 + ks[i] - 1] = dev[:, 1:] - dev[:, :1]
        F[:, r0 + ks[i] - 1] = xs[i].sum(1) - 1.0
        J[:, r0 + ks[i] - 1, off[i]:off[i + 1]] = 1.0
        if ks[i] == 1:
            continue
        for j in range(p):
            if j == i:
                continue
            blk = _contract(tens[i], xs, sorted([i, j]))  # [B, k_i, k_j] or [B, k_j, k_i]
            if j < i:
                blk = blk.transpose(0, 2, 1)
            J[:, r0:r0 + ks[i] - 1, off[j]:off[j + 1]] = blk[:, 1:, :] - blk[:, :1, :]
    return F, J


def _newton(tens: np.ndarray, z: np.ndarray, ks: Sequence[int], iters: int = 40,
            tol: float = 1e-14) -> tuple[np.ndarray, np.ndarray]:
    """Batched Newton (pseudo-inverse steps) on the indifference system; ``z [B, N]``.

    Returns the final iterates and a bool mask of those that converged (max residual <= tol
    times the payoff scale).
    """
    off = np.concatenate([[0], np.cumsum(ks)])
    scale = max(1.0, float(np.abs(tens).max()))
    live = np.ones(z.shape[0], dtype=bool)
    ok = np.zeros(z.shape[0], dtype=bool)
    for _ in range(iters):
        idx = np.flatnonzero(live & ~ok)
        if idx.size == 0:
            break
        zz = z[idx]
        xs = [zz[:, off[i]:off[i + 1]] for i in range(len(ks))]
        F, J = _system(tens, xs)
        res = np.abs(F).max(1)
        good = res <= tol * scale
        ok[idx[good]] = True
        todo = ~good
        if not todo.any():
            break
        try:
            step = np.linalg.solve(J[todo], F[todo][..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = np.einsum("bij,bj->bi", np.linalg.pinv(J[todo]), F[todo])
        znew = zz[todo] - step
        bad = ~np.isfinite(znew).all(1) | (np.abs(znew).max(1) > 1e6)
        z[idx[todo]] = np.where(bad[:, None], zz[todo], znew)
        live[idx[todo][bad]] = False
    return z, ok


def _verify(game: NormalFormGame, supports: Sequence[np.ndarray], z: np.ndarray,
            tol: float) -> list[tuple[list[np.ndarray], float]]:
    """Embed support-restricted solutions ``z [B, N]`` into full profiles; keep verified ones."""
    ks = [len(s) for s in supports]
    off = np.concatenate([[0], np.cumsum(ks)])
    T, karr = _kernels.flat_payoffs(game.payoffs)
    out = []
    for row in z:
        if (row < -1e-10).any():
            continue
        prof = []
        for i, s in enumerate(supports):
            x = np.zeros(game.num_actions[i])
            x[s] = np.clip(row[off[i]:off[i + 1]], 0.0, None)
            tot = x.sum()
            if not tot > 0:
                break
            prof.append(x / tot)
        else:
            c = float(_kernels.nash_conv(T, karr, np.concatenate(prof)))
            if c < tol:
                out.append((prof, c))
    return out


def _same(a: list[np.ndarray], b: list[np.ndarray], atol: float = 1e-7) -> bool:
    return all(np.abs(x - y).max() <= atol for x, y in zip(a, b))


_POLISH_THRESHOLDS = (0.1, 0.05, 0.02, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10)
_POLISH_THRESHOLDS_ARRAY = np.asarray(_POLISH_THRESHOLDS, dtype=np.float64)


def polish(game: NormalFormGame, profile: Sequence[Any], tol: float = 1e-9,
           thresholds: Sequence[float] = _POLISH_THRESHOLDS) -> tuple[list[np.ndarray], float] | None:
    """Refine an approximate equilibrium to one with NashConv ``< tol``, or None.

    For each threshold, the support is ``{a: x_i(a) > threshold}``; Newton's method on that
    support's indifference system starts at the profile restricted to it, and the result is
    verified on the full game. The profile itself is returned when it already passes.

    Example:
        >>> from regretlab.games.normal_form import matching_pennies
        >>> prof, conv = polish(matching_pennies(), [np.array([0.49, 0.51]), np.array([0.52, 0.48])])
        >>> [x.round(9).tolist() for x in prof], conv < 1e-9
        ([[0.5, 0.5], [0.5, 0.5]], True)
    """
    game = _game(game)
    xs = [np.asarray(x, dtype=np.float64) for x in profile]
    T, karr = _kernels.flat_payoffs(game.payoffs)
    shaped = len(xs) == game.num_players and all(x.shape == (k,) for x, k in zip(xs, game.num_actions))
    if shaped:
        ok, prof, c = _kernels.polish_core(T, karr, np.concatenate(xs), np.asarray(thresholds, dtype=np.float64),
                                           float(tol))
        if ok:
            off = np.concatenate([[0], np.cumsum(game.num_actions)])
            return [prof[off[i]:off[i + 1]].copy() for i in range(game.num_players)], float(c)
    if shaped:
        c0 = float(_kernels.nash_conv(T, karr, np.concatenate(xs)))
    else:  # not a profile of this game: nash_conv raises the clear error
        c0 = float(nash_conv(game, xs))
    return (xs, c0) if c0 < tol else None


# -- support enumeration ----------------------------------------------------------------------


def support_profiles(num_actions: Sequence[int]) -> list[tuple[np.ndarray, ...]]:
    """Every profile of non-empty supports, smallest total size first, then most balanced
    (the order of Porter, Nudelman & Shoham 2008)."""
    per = [[np.array(c) for r in range(1, k + 1) for c in combinations(range(k), r)] for k in num_actions]
    profs = list(product(*per))
    profs.sort(key=lambda s: (sum(len(x) for x in s), max(len(x) for x in s) - min(len(x) for x in s)))
    return profs


def iter_support_profiles(num_actions: Sequence[int]) -> Iterator[tuple[np.ndarray, ...]]:
    """:func:`support_profiles` one at a time, in the same order, without building the list
    (a 12x12x12 game has 6.9e10 profiles): total size, then imbalance, then (as the stable sort
    leaves them) lexicographic in (size, combination) player by player.

    Example:
        >>> a = [tuple(map(tuple, p)) for p in iter_support_profiles([2, 3, 2])]
        >>> a == [tuple(map(tuple, p)) for p in support_profiles([2, 3, 2])]
        True
    """
    ks = [int(k) for k in num_actions]
    n = len(ks)
    rest_max = np.concatenate([np.cumsum(ks[::-1])[::-1], [0]]).tolist()  # Σ_{j>=i} K_j

    def rec(i: int, total: int, lo: int, hi: int, s: int, d: int, chosen: list) -> Iterator[tuple]:
        if i == n:
            if total == s and hi - lo == d:
                yield tuple(chosen)
            return
        left = n - i - 1  # players after i, each at least 1 and at most K_j
        for k in range(1, ks[i] + 1):
            t = total + k
            if t + left > s or t + rest_max[i + 1] < s:
                continue
            lo2, hi2 = min(lo, k), max(hi, k)
            if hi2 - lo2 > d:
                continue
            for c in combinations(range(ks[i]), k):
                chosen.append(np.array(c))
                yield from rec(i + 1, t, lo2, hi2, s, d, chosen)
                chosen.pop()

    for s in range(n, sum(ks) + 1):
        for d in range(max(ks)):
            yield from rec(0, 0, 1 << 30, 0, s, d, [])


def enumerate_supports(game: NormalFormGame, *, time_limit: float = 60.0, max_profiles: int = 10**7,
                       starts: int | None = None, seed: int = 0, tol: float = 1e-9,
                       first_only: bool = False, progress: Any = False) -> NashResult:
    """All equilibria found by support enumeration, each support's system solved exactly where possible.

    When is the list every Nash equilibrium? ``certified`` is True exactly when the scan
    visited every support profile (``complete``, not stopped by a limit or ``first_only``) and
    every support profile not pruned by conditional dominance had its system solved exactly
    with no continuum of solutions meeting the supports' interior, i.e. at most two players
    mix (a linear system: unique solution, none, or an affine family that an LP shows to miss
    the interior), or exactly three players mix on supports of sizes (k, 2, 2), (k, k, 2) or
    (k, k, 3) in some order ((3, 3, 3) among them), or exactly four players mix on (k, k, 2, 2)
    in some order (resultants and Cramer's rule: every isolated solution is a root of a
    univariate polynomial or, for (k, k, 3) and four mixers, an eigenvalue of a companion
    pencil). So
    every generic 2-player game, every generic 3-player game with at most three actions per
    player (2x2x2 ... 3x3x3 in any order) or of shape k x 2 x 2, every generic 4-player game
    of shape 2x2x2x2 or 3x3x2x2, and any game whose undominated support profiles have these
    shapes, is certified; a support with a continuum of solutions (a degenerate game:
    ``info["continuum_supports"]``) or of another shape (e.g. (4, 3, 2), (4, 4, 4),
    (3, 2, 2, 2), five or more mixers: ``info["newton_supports"]``) is searched by Newton from
    many starts instead, and then ``certified`` is False. Equilibria of supports
    that are solved exactly are all found up to floating-point rounding (the verification
    ``nash_conv < tol`` is numerical too). The full scan runs compiled in chunks of support
    profiles (``_kernels.enumerate_fast``: pruning, the cases with at most two mixers and
    three on two actions each, Newton polish, verification); the other profiles go through
    :func:`~regretlab.games.normal_form.support_systems.solve_support` in visiting order, so
    the list and its order are those of the plain loop (which ``first_only`` and a
    ``max_profiles`` cap below the number of profiles still use).

    Args:
        game: a P-player :class:`NormalFormGame`.
        time_limit: wall-clock seconds (> 0); the scan stops, ``complete=False``, when spent.
        max_profiles: cap on support profiles visited.
        starts: Newton starts per support profile (default 1 for P = 2, where the system is
            linear, else ``8 + 4 Σ(k_i - 1)``).
        seed: seed of the Dirichlet starts (same seed, same list).
        tol: NashConv bound of every returned equilibrium.
        first_only: stop at the first equilibrium.
        progress: False, True (a bar) or a callable ``(done, total)``.

    Returns:
        :class:`NashResult`; duplicates (max-abs difference <= 1e-7) are removed.

    Example:
        >>> from regretlab.games.normal_form import chicken
        >>> res = enumerate_supports(chicken())
        >>> len(res.equilibria), res.certified
        (3, True)
        >>> from regretlab.games.normal_form import random_game
        >>> res = enumerate_supports(random_game(3, num_players=3, seed=7))
        >>> len(res.equilibria), res.certified  # every equilibrium of this 3x3x3 game
        (13, True)

    References:
        R. Porter, E. Nudelman, Y. Shoham, "Simple search methods for finding a Nash
        equilibrium", GEB 63, 2008; R. McKelvey, A. McLennan, "Computation of equilibria in
        finite games", Handbook of Computational Economics 1, 1996 (§ support enumeration).
    """
    game = _game(game)
    time_limit, max_profiles = check_limits(time_limit, max_profiles, "max_profiles")
    total = _num_profiles(game.num_actions)
    if first_only or max_profiles < total or total > LAZY_PROFILES:  # the compiled scan lists every profile first
        return _enumerate_python(game, time_limit, max_profiles, starts, seed, tol, first_only, progress)
    return _enumerate_compiled(game, time_limit, starts, seed, tol, progress)


def _num_profiles(num_actions: Sequence[int]) -> int:
    out = 1
    for k in num_actions:
        out *= 2 ** int(k) - 1
    return out


_PROFILE_CACHE: dict = {}
LAZY_PROFILES = 10**6  # the Python scan generates profiles lazily past this many
_CHUNK = 512  # support profiles per compiled call


def _profiles_and_masks(num_actions: Sequence[int]) -> tuple[list, np.ndarray]:
    """:func:`support_profiles` and their masks ``[M, Σ K_i]`` (cached per shape; read-only)."""
    key = tuple(int(k) for k in num_actions)
    got = _PROFILE_CACHE.get(key)
    if got is None:
        profs = support_profiles(key)
        off = np.concatenate([[0], np.cumsum(key)])
        masks = np.zeros((len(profs), int(off[-1])), dtype=bool)
        for m, sup in enumerate(profs):
            for s, o in zip(sup, off[:-1]):
                masks[m, s + o] = True
        masks.flags.writeable = False
        if len(_PROFILE_CACHE) > 64:
            _PROFILE_CACHE.clear()
        got = _PROFILE_CACHE[key] = (profs, masks)
    return got


def _solve_profile(game: NormalFormGame, supports: tuple, starts: int | None, rng: np.random.Generator,
                   tol: float, uncertain: dict) -> list[tuple[list[np.ndarray], float]]:
    """One support profile the long way: :func:`solve_support` (exact where its shape allows),
    else Newton from many starts (counted in ``uncertain``); the verified profiles."""
    p = game.num_players
    ks = [len(s) for s in supports]
    n = sum(ks)
    tens = game.payoffs[(slice(None),) + np.ix_(*supports)]
    exact = solve_support(tens)
    if exact.status == "exact":
        z = exact.points.copy()
        if z.shape[0]:  # polish the roots (compiled Newton); keep a root as it is if Newton does not settle
            Ts, kss = _kernels.flat_payoffs(tens)
            for r in range(z.shape[0]):
                zn, ok = _kernels.support_newton(Ts, kss, z[r], 40, 1e-14)
                if ok:
                    z[r] = zn
    else:
        uncertain[exact.status] += 1
        m = starts if starts is not None else (1 if p == 2 else 8 + 4 * (n - p))
        parts = [np.full((m, k), 1.0 / k) for k in ks]
        for i, k in enumerate(ks):
            if k > 1 and m > 1:
                parts[i][1:] = rng.dirichlet(np.ones(k), size=m - 1)
        z = np.concatenate(parts, axis=1)
        seeds = exact.points[np.isfinite(exact.points).all(1)]
        z = np.concatenate([seeds, z]) if seeds.size else z
        z, ok = _newton(tens, z, ks)
        z = z[ok]
    return _verify(game, supports, z, tol)


def _enumerate_compiled(game: NormalFormGame, time_limit: float, starts: int | None, seed: int, tol: float,
                        progress: Any) -> NashResult:
    """The full scan: the shapes :func:`_kernels.support_candidates` solves in one compiled call
    (:func:`_kernels.enumerate_fast`), the other (deferred) profiles by :func:`_solve_profile`
    in visiting order; the results merged in visiting order, so the list, its order and
    ``certified`` are those of :func:`_enumerate_python`."""
    t0 = time.perf_counter()
    profs, masks = _profiles_and_masks(game.num_actions)
    bar = _Progress(progress, len(profs), "support profiles")
    T_all, k_all = _kernels.flat_payoffs(game.payoffs)
    off = np.concatenate([[0], np.cumsum(game.num_actions)])
    rng = np.random.default_rng(seed)
    uncertain = {"continuum": 0, "unsupported": 0}
    complete = True
    first = float("nan")
    hom_deadline = support_homotopy.DEADLINE.set(time.monotonic() + time_limit)
    try:
        items: list = []
        visited = len(profs)
        for lo in range(0, len(profs), _CHUNK):  # compiled chunks, checking the limit between them
            if time.perf_counter() - t0 > time_limit:
                complete, visited = False, lo
                break
            deferred, pts, cv, where = _kernels.enumerate_fast(T_all, k_all, masks[lo:lo + _CHUNK], float(tol))
            items.extend((lo + int(where[r]), [pts[r, off[i]:off[i + 1]].copy() for i in range(game.num_players)],
                          float(cv[r])) for r in range(pts.shape[0]))
            if items and math.isnan(first):
                first = time.perf_counter() - t0
            for m in lo + np.flatnonzero(deferred):
                if time.perf_counter() - t0 > time_limit:
                    complete, visited = False, int(m)
                    break
                got = _solve_profile(game, profs[m], starts, rng, tol, uncertain)
                if got and math.isnan(first):
                    first = time.perf_counter() - t0
                items.extend((int(m), prof, c) for prof, c in got)
            if not complete:
                break
            bar(min(lo + _CHUNK, len(profs)), len(items))
        bar(visited, len(items))
    finally:
        support_homotopy.DEADLINE.reset(hom_deadline)
        bar.close()
    items.sort(key=lambda it: it[0])  # stable: within a profile, the solver's order
    found: list = []
    convs: list = []
    for _, prof, c in items:
        if not any(_same(prof, q) for q in found):
            found.append(prof)
            convs.append(c)
    certified = complete and not any(uncertain.values())
    return NashResult(found, convs, "enumerate", complete, visited, time.perf_counter() - t0, first,
                      {"profiles": len(profs), "continuum_supports": uncertain["continuum"],
                       "newton_supports": uncertain["unsupported"]}, certified)


def _enumerate_python(game: NormalFormGame, time_limit: float, max_profiles: int, starts: int | None,
                      seed: int, tol: float, first_only: bool, progress: Any) -> NashResult:
    """The support-profile loop in Python (every profile through :func:`_solve_profile`): used
    with ``first_only`` or a ``max_profiles`` cap below the number of profiles, and the
    reference the compiled scan is tested against."""
    t0 = time.perf_counter()
    p = game.num_players
    rng = np.random.default_rng(seed)
    total = _num_profiles(game.num_actions)
    # past LAZY_PROFILES the profiles are generated as the scan goes, so the time limit holds
    profs = support_profiles(game.num_actions) if total <= LAZY_PROFILES else iter_support_profiles(game.num_actions)
    bar = _Progress(progress, total, "support profiles")
    found: list = []
    convs: list = []
    first = float("nan")
    visited = 0
    complete = True
    stopped_early = False
    uncertain = {"continuum": 0, "unsupported": 0}
    T_all, k_all = _kernels.flat_payoffs(game.payoffs)
    off_all = np.concatenate([[0], np.cumsum(game.num_actions)])
    n_all = int(off_all[-1])
    hom_deadline = support_homotopy.DEADLINE.set(time.monotonic() + time_limit - (time.perf_counter() - t0))
    try:
        for supports in profs:
            if visited >= max_profiles or time.perf_counter() - t0 > time_limit:
                complete = False
                break
            visited += 1
            if visited % 16 == 0:
                bar(visited, len(found))
            mask = np.zeros(n_all, dtype=bool)
            mask[np.concatenate([s + o for s, o in zip(supports, off_all[:-1])])] = True
            if any(_kernels.dominated(T_all, k_all, i, mask) for i in range(p) if len(supports[i]) > 1):
                continue
            for prof, c in _solve_profile(game, supports, starts, rng, tol, uncertain):
                if not any(_same(prof, q) for q in found):
                    found.append(prof)
                    convs.append(c)
                    if len(found) == 1:
                        first = time.perf_counter() - t0
            if first_only and found:
                complete = True
                stopped_early = visited < total
                break
        bar(visited, len(found))
    finally:
        support_homotopy.DEADLINE.reset(hom_deadline)
        bar.close()
    certified = complete and not stopped_early and not any(uncertain.values())
    return NashResult(found, convs, "enumerate", complete, visited, time.perf_counter() - t0, first,
                      {"profiles": total, "continuum_supports": uncertain["continuum"],
                       "newton_supports": uncertain["unsupported"]}, certified)


# -- logit homotopy ---------------------------------------------------------------------------


def logit_homotopy(game: NormalFormGame, *, time_limit: float = 60.0, max_steps: int = 100_000,
                   lambda_max: float = 1e7, tol: float = 1e-9, progress: Any = False) -> NashResult:
    """One Nash equilibrium, the limit of the principal branch of logit QRE as λ → ∞.

    Payoffs are rescaled to ``[0, 1]``; the branch ``x_i(a) ∝ exp(λ u_i(a, x_-i))`` is followed
    in ``(log x, λ)`` by arc-length continuation (tangent = null vector of the Jacobian, Euler
    predictor, Gauss–Newton corrector, adaptive step). Each time λ passes a power of 10 (from
    10), the point is polished on its support and, when NashConv ``< tol``, returned.

    Args:
        game: a P-player :class:`NormalFormGame`.
        time_limit: wall-clock seconds (> 0).
        max_steps: cap on accepted predictor–corrector steps.
        lambda_max: stop tracing here (then one last polish).
        tol: NashConv bound of the returned equilibrium.
        progress: False, True (a bar over ``log10 λ``) or a callable ``(done, total)``.

    Returns:
        :class:`NashResult` with one equilibrium (``complete=True``), or none when a limit was
        reached first (``complete=False``; ``info["lambda"]`` says how far it got).

    Example:
        >>> from regretlab.games.normal_form import random_game
        >>> res = logit_homotopy(random_game(3, num_players=3, seed=0), time_limit=30)
        >>> len(res.equilibria), res.nash_conv[0] < 1e-9
        (1, True)

    References:
        R. McKelvey, T. Palfrey, "Quantal response equilibria for normal form games", GEB 10,
        1995; T. Turocy, "A dynamic homotopy interpretation of the logistic quantal response
        equilibrium correspondence", GEB 51, 2005; E. Allgower, K. Georg, *Introduction to
        Numerical Continuation Methods*, 2003 (predictor–corrector).
    """
    game = _game(game)
    time_limit, max_steps = check_limits(time_limit, max_steps, "max_steps")
    t0 = time.perf_counter()
    lo, hi = float(game.payoffs.min()), float(game.payoffs.max())
    T, karr = _kernels.flat_payoffs((game.payoffs - lo) / (hi - lo if hi > lo else 1.0))
    ks = game.num_actions
    y = np.concatenate([np.full(k, -np.log(k)) for k in ks] + [np.zeros(1)])
    n = y.size - 1
    tangent_prev = np.zeros(n + 1)
    tangent_prev[-1] = 1.0
    h = 0.05
    steps = 0
    milestone = 10.0
    total = int(np.ceil(np.log10(lambda_max))) + 1
    bar = _Progress(progress, total, "logit path (log10 λ)")

    def profile(yy: np.ndarray) -> list[np.ndarray]:
        off = np.concatenate([[0], np.cumsum(ks)])
        return [np.exp(yy[off[i]:off[i + 1]]) / np.exp(yy[off[i]:off[i + 1]]).sum() for i in range(len(ks))]

    def done(prof, c, complete=True):
        bar.close()
        secs = time.perf_counter() - t0
        return NashResult([prof], [c], "gnm-logit", complete, steps, secs, secs, {"lambda": float(y[-1])})

    try:
        while steps < max_steps and time.perf_counter() - t0 <= time_limit:
            t = _kernels.logit_tangent(T, karr, y)
            if t @ tangent_prev < 0:
                t = -t
            accepted, z, h = _kernels.logit_step(T, karr, y, t, h)
            if not accepted:
                break
            tangent_prev = t
            y = z
            steps += 1
            h = min(h * 1.4, 0.5 + 0.05 * abs(y[-1]))
            if y[-1] >= milestone or y[-1] >= lambda_max:
                bar(int(np.log10(max(y[-1], 1.0))))
                got = polish(game, profile(y), tol)
                if got is not None:
                    return done(*got)
                while milestone <= y[-1]:
                    milestone *= 10.0
                if y[-1] >= lambda_max:
                    break
        got = polish(game, profile(y), tol)
        if got is not None:
            return done(*got)
    finally:
        bar.close()
    return NashResult([], [], "gnm-logit", False, steps, time.perf_counter() - t0, float("nan"),
                      {"lambda": float(y[-1])})


# -- iterated polymatrix approximation ---------------------------------------------------------


def lemke(M: np.ndarray, q: np.ndarray, max_pivots: int = 10_000, d: np.ndarray | None = None) -> np.ndarray | None:
    """Solve the LCP ``w = q + M z >= 0, z >= 0, wᵀz = 0`` by Lemke's method (covering vector
    ``d``, default all ones); None on ray termination or the pivot cap.

    Example:
        >>> z = lemke(np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([-5.0, -6.0]))
        >>> z.round(6).tolist()
        [1.333333, 2.333333]

    References:
        C. Lemke, "Bimatrix equilibrium points and mathematical programming", Management
        Science 11, 1965; R. Cottle, J.-S. Pang, R. Stone, *The Linear Complementarity Problem*,
        1992, §4.4.
    """
    q = np.asarray(q, dtype=np.float64)
    n = q.size
    if (q >= 0).all():
        return np.zeros(n)
    d = np.ones(n) if d is None else np.asarray(d, dtype=np.float64)
    # tableau rows: w - M z - d z0 = q; columns w (0..n-1), z (n..2n-1), z0 (2n), rhs; the
    # lexicographic minimum ratio over (rhs, columns of the initial basis) cannot cycle
    ok, z = _kernels.lemke_core(np.ascontiguousarray(M, dtype=np.float64), q, d, int(max_pivots))
    return z if ok else None


def polymatrix_approximation(game: NormalFormGame, profile: Sequence[np.ndarray]) -> list[list[np.ndarray]]:
    """The polymatrix game that matches every player's payoff to first order at ``profile``.

    Returns ``P[i][j] [K_i, K_j]`` (``P[i][i] = 0``) with
    ``u_i(a, y_-i) ≈ Σ_{j≠i} (P[i][j] y_j)[a]`` for profiles ``y`` near ``profile`` (exact for
    2 players and on the linear part; the constant is spread over the ``P - 1`` partners using
    ``Σ_b y_j(b) = 1``).
    """
    p = game.num_players
    ks = game.num_actions
    off = np.concatenate([[0], np.cumsum(ks)])
    x = np.concatenate([np.asarray(v, dtype=np.float64) for v in profile])
    V, JV = _kernels.payoff_jacobian(*_kernels.flat_payoffs(game.payoffs), x)
    out = [[np.zeros((ks[i], ks[j])) for j in range(p)] for i in range(p)]
    for i in range(p):
        c = V[off[i]:off[i + 1]]  # u_i(a, x_-i)
        for j in range(p):
            if j != i:
                L = JV[off[i]:off[i + 1], off[j]:off[j + 1]]
                const = (c - L @ x[off[j]:off[j + 1]]) / (p - 1)
                out[i][j] = L + const[:, None]
    return out


def _solve_polymatrix(P: list[list[np.ndarray]], ks: Sequence[int]) -> list[np.ndarray] | None:
    """An equilibrium of a polymatrix game by Lemke on its LCP (Miller & Zucker 1991)."""
    p = len(ks)
    off = np.concatenate([[0], np.cumsum(ks)])
    n = int(off[-1])
    C = np.zeros((n, n))
    top = max(float(np.max(P[i][j])) for i in range(p) for j in range(p) if i != j)
    for i in range(p):
        for j in range(p):
            # positive costs; the own block is a constant (it shifts all of i's costs alike, since
            # Σ y_i = 1), which makes C > 0 and the LCP copositive-plus, so Lemke cannot end on a ray
            C[off[i]:off[i + 1], off[j]:off[j + 1]] = top + 1.0 - (P[i][j] if i != j else 0.0)
    E = np.zeros((p, n))
    for i in range(p):
        E[i, off[i]:off[i + 1]] = 1.0
    # w_y = C y - Eᵀv >= 0 ⊥ y >= 0;  w_v = E y - 1 >= 0 ⊥ v >= 0 (v > 0 as costs are positive)
    M = np.block([[C, -E.T], [E, np.zeros((p, p))]])
    q = np.concatenate([np.zeros(n), -np.ones(p)])
    z = lemke(M, q)
    if z is None:
        return None
    ys = [z[off[i]:off[i + 1]] for i in range(p)]
    if any(not y.sum() > 0 for y in ys):
        return None
    return [y / y.sum() for y in ys]


def iterated_polymatrix(game: NormalFormGame, *, time_limit: float = 60.0, max_iter: int = 1000,
                        start: Sequence[Any] | None = None, seed: int = 0, tol: float = 1e-9,
                        progress: Any = False) -> NashResult:
    """One Nash equilibrium by iterated polymatrix approximation (IPA).

    At the current profile x, each player's payoff is replaced by its first-order (polymatrix)
    expansion, the polymatrix game is solved exactly by Lemke's algorithm, and x moves to
    ``x + α (y - x)``; α halves (down to 1/64) until NashConv falls, and grows back after a
    descent. Without descent x moves half way to y, and after every 8 such stalls restarts at a
    seeded random profile. Every iterate and every polymatrix solution is polished on its
    support; the first that verifies is returned. The loop runs compiled
    (``_kernels.ipa_run``), the restarts drawn here from ``seed``.

    Args:
        game: a P-player :class:`NormalFormGame`.
        time_limit: wall-clock seconds (> 0).
        max_iter: cap on polymatrix solves.
        start: initial profile (default the centroid).
        seed: seed of the restarts.
        tol: NashConv bound of the returned equilibrium.
        progress: False, True (a bar) or a callable ``(done, total)``.

    Returns:
        :class:`NashResult` with one equilibrium, or none (``complete=False``) when the limits
        were reached: IPA converges locally, not from every start.

    Example:
        >>> from regretlab.games.normal_form import random_game
        >>> res = iterated_polymatrix(random_game(2, num_players=3, seed=3), time_limit=20)
        >>> res.nash_conv[0] < 1e-9
        True

    References:
        S. Govindan, R. Wilson, "Computing Nash equilibria by iterated polymatrix
        approximation", JEDC 28, 2004; A. Miller, S. Zucker, "Copositive-plus Lemke algorithm
        solves polymatrix games", Oper. Res. Letters 10, 1991.
    """
    game = _game(game)
    time_limit, max_iter = check_limits(time_limit, max_iter)
    t0 = time.perf_counter()
    ks = game.num_actions
    if start is None:
        xc = np.repeat(1.0 / np.asarray(ks, dtype=np.float64), ks)  # the centroid
    else:
        x = game.check_strategies(list(start), "start")
        xc = np.concatenate([np.asarray(v, dtype=np.float64) for v in x])
    if game.num_players == 1:
        prof = [np.eye(ks[0])[int(np.argmax(game.payoffs[0]))]]
        return NashResult([prof], [0.0], "ipa", True, 0, time.perf_counter() - t0, 0.0)
    bar = _Progress(progress, max_iter, "polymatrix solves")
    T, karr = _kernels.flat_payoffs(game.payoffs)
    off = [0]
    for k in ks:
        off.append(off[-1] + k)

    thr = _POLISH_THRESHOLDS_ARRAY
    alpha = 1.0
    conv = float(_kernels.nash_conv(T, karr, xc))
    it = stall = 0
    rng = None  # drawn from seed at the first restart (most runs need none)
    try:  # the loop compiled (_kernels.ipa_run), in chunks of 64 solves between limit checks
        while it < max_iter and time.perf_counter() - t0 <= time_limit:
            code, xc, alpha, conv, it, stall, prof, c = _kernels.ipa_run(
                T, karr, xc, alpha, conv, it, stall, min(max_iter, it + 64), thr, float(tol))
            if code == 1:
                secs = time.perf_counter() - t0
                return NashResult([[prof[off[i]:off[i + 1]].copy() for i in range(len(ks))]], [float(c)], "ipa",
                                  True, it, secs, secs)
            if code == 2:
                break
            if code == 3:  # a seeded fresh start
                if rng is None:
                    rng = np.random.default_rng(seed)
                xc = np.concatenate([rng.dirichlet(np.ones(k)) for k in ks])
                conv = float(_kernels.nash_conv(T, karr, xc))
            bar(it)
    finally:
        bar.close()
    return NashResult([], [], "ipa", False, it, time.perf_counter() - t0, float("nan"), {"nash_conv": conv})


# -- simplicial subdivision -------------------------------------------------------------------


def _project_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection onto the probability simplex (sort-based; Held, Wolfe & Crowder 1974)."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    r = np.nonzero(u * np.arange(1, v.size + 1) > css)[0][-1]
    return np.maximum(v - css[r] / (r + 1.0), 0.0)


def _nash_map_label(game: NormalFormGame, z: np.ndarray, off: np.ndarray, scale: float) -> int:
    """Sperner label of a grid point ``z`` of the big simplex (a coordinate with ``z > 0``).

    The player with the largest block weight ``w_i = Σ_a z_ia`` labels; its mixture is
    ``x_i = z_i / w_i`` (other blocks normalised the same way, uniform when empty), and the
    label is the action of its support whose coordinate of the projection map
    ``f_i(x) = Π_Δ(x_i + s u_i(·, x_-i))`` falls most below ``x_ia`` (one with
    ``f_ia(x) <= x_ia`` always exists on the support, since both sum to 1). The fixed points of
    f are exactly the Nash equilibria; unlike Nash's own map its displacement does not vanish
    like ``x_ia`` times the gain near the boundary, so the simplices converge much faster.
    """
    p = game.num_players
    w = np.array([z[off[i]:off[i + 1]].sum() for i in range(p)])
    i = int(np.argmax(w))
    xs = []
    for j in range(p):
        blk = z[off[j]:off[j + 1]].astype(np.float64)
        xs.append((blk / blk.sum() if blk.sum() > 0 else np.full(blk.size, 1.0 / blk.size))[None])
    dev = _contract(game.payoffs[i], xs, [i])[0] if p > 1 else game.payoffs[0]
    xi = xs[i][0]
    f = _project_simplex(xi + scale * dev)
    supp = np.flatnonzero(z[off[i]:off[i + 1]] > 0)
    a = supp[np.argmin((f - xi)[supp])]
    return int(off[i] + a)


def _sperner_path(game: NormalFormGame, m: int, deadline: float, max_pivots: int,
                  counter: list) -> np.ndarray | None:
    """A completely labelled simplex of Kuhn's triangulation (mesh 1/m) of the simplex of
    dimension K-1, found by following the unique path from the vertex ``m e_1`` through the
    faces ``F_1 ⊂ F_2 ⊂ ... ⊂ F_K`` (``F_k`` = points on the first k coordinates): at level k
    the nodes are k-simplices of ``F_{k+1}`` carrying labels ``{1..k}``; a pivot replaces a
    vertex by its reflection ``v_{i-1} + v_{i+1} - v_i`` in the cyclic vertex order; a fully
    labelled node climbs to the unique (k+1)-simplex of ``F_{k+2}`` on it; a pivot leaving
    ``F_{k+1}`` descends. Returns the barycentre of the final simplex (a point of the big
    simplex), or None at a limit.
    """
    ks = game.num_actions
    K = int(sum(ks))
    spread = float(np.ptp(game.payoffs))
    scale = 1.0 / spread if spread > 0 else 1.0
    T, karr = _kernels.flat_payoffs(game.payoffs)
    verts = np.zeros((K, K), dtype=np.int64)
    verts[0, 0] = m
    labs = np.zeros(K, dtype=np.int64)
    labs[0] = _kernels.nash_map_label(T, karr, verts[0], scale)  # = 0
    state = np.array([0, -1, 1], dtype=np.int64)  # level, came from (below), vertex count
    while True:  # the path in compiled chunks of pivots, checking the limits between them
        budget = min(4096, max_pivots - counter[0])
        if budget <= 0 or time.perf_counter() > deadline:
            return None
        code, done = _kernels.sperner_run(T, karr, m, scale, verts, labs, state, budget)
        counter[0] += int(done)
        if code == 1:
            return verts.sum(axis=0) / K / m
        if code == 2:
            return None


def simplicial_subdivision(game: NormalFormGame, *, time_limit: float = 60.0, max_pivots: int = 10**7,
                           grid: int = 8, refinements: int = 8, tol: float = 1e-9,
                           progress: Any = False) -> NashResult:
    """One Nash equilibrium by simplicial subdivision with Sperner labels.

    The product of the players' simplices sits in one simplex of dimension ``K - 1``
    (``K = Σ K_i``): a point ``z`` there is read as the profile ``x_i = z_i / Σ_a z_ia``. Grid
    points of Kuhn's triangulation with mesh ``1/m`` get Sperner labels from the projection map
    ``x_i -> Π_Δ(x_i + s u_i(·, x_-i))`` (see ``_nash_map_label``); a completely labelled simplex exists (Sperner's lemma) and is found by
    the door-in/door-out path through the faces (Kuhn, "Simplicial approximation of fixed
    points", PNAS 61, 1968; Todd, *The Computation of Fixed Points and Applications*, 1976).
    As ``m → ∞`` such simplices shrink to points where every block weighs ``1/P`` and the map
    has a fixed point, i.e. Nash equilibria. Restart refinement (a simple form: the path is
    rerun from the corner, not restarted at the last point as van der Laan–Talman do): the simplex's barycentre is
    polished (support Newton); if it does not verify, the grid doubles and the path is run again.

    Args:
        game: a P-player :class:`NormalFormGame`.
        time_limit: wall-clock seconds (> 0).
        max_pivots: cap on pivots over all refinements.
        grid: the first mesh ``m`` (an integer >= 2).
        refinements: how many times the grid may double.
        tol: NashConv bound of the returned equilibrium.
        progress: False, True (a bar over the refinements) or a callable ``(done, total)``.

    Returns:
        :class:`NashResult` with one equilibrium, or none (``complete=False``) at a limit;
        ``info["grid"]`` is the mesh that succeeded.

    Example:
        >>> from regretlab.games.normal_form import random_game
        >>> res = simplicial_subdivision(random_game(2, num_players=3, seed=4), time_limit=20)
        >>> res.nash_conv[0] < 1e-9
        True

    References:
        H. Kuhn, PNAS 61, 1968; G. van der Laan, A. Talman, "On the computation of fixed points
        in the product space of unit simplices and an application to noncooperative N person
        games", Math. of Operations Research 7, 1982 (the product-space method Gambit's simpdiv
        follows; this one embeds the product in one simplex instead of triangulating it).
    """
    game = _game(game)
    time_limit, max_pivots = check_limits(time_limit, max_pivots, "max_pivots")
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 2:
        raise ValueError(f"grid must be an integer >= 2, got {grid!r}")
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    counter = [0]
    m = int(grid)
    off = np.concatenate([[0], np.cumsum(game.num_actions)])
    bar = _Progress(progress, refinements + 1, "simplicial grids")
    try:
        for r in range(refinements + 1):
            z = _sperner_path(game, m, deadline, max_pivots, counter)
            bar(r + 1)
            if z is None:
                break
            prof = [z[off[i]:off[i + 1]] / z[off[i]:off[i + 1]].sum() for i in range(game.num_players)]
            got = polish(game, prof, tol)
            if got is not None:
                secs = time.perf_counter() - t0
                return NashResult([got[0]], [got[1]], "simpdiv", True, counter[0], secs, secs, {"grid": m})
            m *= 2
    finally:
        bar.close()
    return NashResult([], [], "simpdiv", False, counter[0], time.perf_counter() - t0, float("nan"), {"grid": m})


# -- global Newton method (structure-theorem homotopy) ------------------------------------------


def _face_projection(z: np.ndarray, off: np.ndarray, active: list[np.ndarray] | None):
    """Per player, ``x_i`` = the projection of ``z_i`` on the simplex, or its affine extension
    on a given active face (``x_S = z_S - τ``, ``τ = (Σ_S z - 1) / |S|``, 0 off S)."""
    xs, act = [], []
    for i in range(len(off) - 1):
        zi = z[off[i]:off[i + 1]]
        if active is None:
            x = _project_simplex(zi)
            a = x > 0
        else:
            a = active[i]
            tau = (zi[a].sum() - 1.0) / a.sum()
            x = np.where(a, zi - tau, 0.0)
        xs.append(x)
        act.append(a)
    return xs, act


_GNM_ADAPTIVE_STEPS = 5000


def global_newton(game: NormalFormGame, *, time_limit: float = 60.0, max_steps: int = 100_000,
                  seed: int = 0, tol: float = 1e-9, progress: Any = False) -> NashResult:
    """One Nash equilibrium by a global Newton method (Govindan–Wilson style).

    Perturb the game by a bonus ``λ g_i(a)`` (g seeded; each player's maximum unique by 0.5);
    for λ large the only equilibrium is the profile of the g-best actions. In Kohlberg–Mertens
    coordinates ``z = x + V(x) + λ g`` (``x = r(z)``, per-player simplex projection) the
    equilibria of all the perturbed games form the curve ``H(z, λ) = 0``, followed from that
    start by arc-length steps inside each support piece (tangent = null vector of ∂H oriented
    by ``sign det [∂H; tᵀ]``, pseudo-arclength Newton corrector). Where the curve meets a
    support change (an action's probability reaches 0, or an unused action's z reaches the
    threshold) the step fails; the tracer then switches that action's membership, takes the
    tangent of the next piece and goes on. When λ crosses 0, ``H(z, 0) = 0`` is solved and
    ``r(z)`` polished and verified. Step-length control (as Govindan–Wilson and Gambit have
    it): the step grows 3x while the corrector converges in <= 3 Newton iterations (2x in
    <= 5, else 1.2x), up to ``0.5 max(1, |λ|)``; a corrected point past the piece's boundary
    brackets the support change, which regula falsi then locates to 1e-11; a step after which
    the tangent turns by more than ~25° is redone at a quarter length (it may have jumped a
    fold). Should that trace break or stall (over 5000 steps), the path is traced again with
    the fixed schedule (growth 1.5x up to ``0.2 max(1, |λ|)``, halving onto boundaries). The
    whole trace is compiled and deterministic.

    Args:
        game: a P-player :class:`NormalFormGame`.
        time_limit: wall-clock seconds (> 0).
        max_steps: cap on path steps.
        seed: seed of the perturbation ray g (another g may reach another equilibrium).
        tol: NashConv bound of the returned equilibrium.
        progress: False, True (a bar over path steps) or a callable ``(done, total)``.

    Returns:
        :class:`NashResult` with one equilibrium, or none (``complete=False``) at a limit.

    Example:
        >>> from regretlab.games.normal_form import random_game
        >>> res = global_newton(random_game(3, num_players=3, seed=2), time_limit=20)
        >>> res.nash_conv[0] < 1e-9
        True

    References:
        S. Govindan, R. Wilson, "A global Newton method to compute Nash equilibria", JET 110,
        2003; E. Kohlberg, J.-F. Mertens, "On the strategic stability of equilibria",
        Econometrica 54, 1986 (the structure theorem behind the path).
    """
    game = _game(game)
    time_limit, max_steps = check_limits(time_limit, max_steps, "max_steps")
    t0 = time.perf_counter()
    ks = game.num_actions
    off = [0]
    for k in ks:
        off.append(off[-1] + k)
    n = off[-1]
    lo, hi = float(game.payoffs.min()), float(game.payoffs.max())
    scaled = (game.payoffs - lo) / (hi - lo if hi > lo else 1.0)
    rng = np.random.default_rng(seed)
    g = rng.uniform(0.0, 1.0, size=n)
    x0 = np.zeros(n)
    for i in range(len(ks)):
        best = off[i] + int(np.argmax(g[off[i]:off[i + 1]]))
        g[best] += 0.5
        x0[best] = 1.0
    lam = 10.0  # payoffs in [0, 1] and a bonus gap >= 0.5: the g-best profile is dominant
    T, karr = _kernels.flat_payoffs(scaled)
    T0 = _kernels.flat_payoffs(game.payoffs)[0]  # the polish verifies on the game itself
    V = _kernels.payoff_vectors(T, karr, x0)
    y0 = np.empty(n + 1)
    y0[:n] = x0 + V + lam * g
    y0[n] = lam
    none = np.zeros(n, dtype=bool)
    steps = 0
    # the next piece's faces after a support change, the step length, the path's orientation
    y, forced, has_forced, h, orient = y0, none, False, 0.05, float("nan")
    # adaptive step-length control first; should that trace break, stall (more than
    # _GNM_ADAPTIVE_STEPS steps) or end at a point that does not verify, the path is traced
    # again from the start with the fixed schedule (the trace this method had before)
    adaptive = _GNM_ADAPTIVE_STEPS > 0
    bar = _Progress(progress, max_steps, "gnm path steps")

    def finish(z):  # semismooth Newton on H(z, 0) = 0 (compiled), then polish r(z) (as polish)
        x = _kernels.gnm_finish(T, karr, g, np.ascontiguousarray(z))
        ok, prof, c = _kernels.polish_full(T0, karr, x, _POLISH_THRESHOLDS_ARRAY, float(tol))
        return ([prof[off[i]:off[i + 1]] for i in range(len(ks))], float(c)) if ok else None

    try:
        while steps < max_steps and time.perf_counter() - t0 <= time_limit:
            # the path in compiled chunks of at most 256 steps, checking the limits between them
            code, steps, prev, y, forced, has_forced, h, orient = _kernels.gnm_trace(
                T, karr, g, y, forced, has_forced, h, orient, steps, min(max_steps, steps + 256), adaptive)
            bar(steps)
            got = None
            if code == 1:  # crossed λ = 0
                w = prev[-1] / (prev[-1] - y[-1])
                got = finish((prev + w * (y - prev))[:-1])
                if got is not None:
                    secs = time.perf_counter() - t0
                    return NashResult([got[0]], [got[1]], "gnm", True, steps, secs, secs,
                                      {"seed": seed, "adaptive": adaptive})
            if adaptive and (code != 0 or steps > _GNM_ADAPTIVE_STEPS):
                adaptive = False
                y, forced, has_forced, h, orient = y0, none, False, 0.05, float("nan")
                continue
            if code == 2:
                break
    finally:
        bar.close()
    return NashResult([], [], "gnm", False, steps, time.perf_counter() - t0, float("nan"),
                      {"lambda": float(y[-1]), "seed": seed})
