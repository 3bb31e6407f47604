"""Logit quantal response equilibria (QRE) of normal-form games with any number of players.

A logit QRE at precision ``λ >= 0`` is a profile ``σ`` with ``σ_i(a) ∝ exp(λ u_i(a, σ_{-i}))``
for every player (McKelvey & Palfrey, "Quantal response equilibria for normal form games", GEB
10, 1995). At ``λ = 0`` it is the uniform profile; as ``λ → ∞`` the *principal branch*, the
connected curve of QRE starting there, converges to a Nash equilibrium (the logit tracing
procedure). The branch is traced by predictor–corrector path following on

    H(w, λ) = 0:  w_i(a) - w_i(0) - λ [u_i(a, σ_{-i}) - u_i(0, σ_{-i})] = 0 (a >= 1),
                  Σ_a exp(w_i(a)) - 1 = 0,        with  σ = exp(w)  (log-probabilities),

in pseudo-arclength: an Euler step along the tangent (the null vector of ``∂H``) and Newton
corrections orthogonal to it, with the step length adapted to the corrector's convergence, so
the branch may turn back in ``λ`` (T. L. Turocy, "A dynamic homotopy interpretation of the
logistic quantal response equilibrium correspondence", GEB 51, 2005). Working in
log-probabilities keeps actions whose probability underflows (``exp(-λ Δ)``) exact.

QRE estimation: the maximum-likelihood ``λ`` of observed action counts along the principal
branch, with its standard error from the Fisher information (McKelvey & Palfrey 1995, §5).
"""

from __future__ import annotations

import math
import string
import time
from typing import Any, NamedTuple, Sequence

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.games.normal_form.game import NormalFormGame

_LETTERS = string.ascii_lowercase


class QREBranch(NamedTuple):
    """Points ``(λ_k, σ^k)`` of the principal logit branch, in the order traced."""

    lam: np.ndarray  # [M] precisions (start at 0; may decrease where the branch turns back)
    profiles: tuple[np.ndarray, ...]  # P arrays [M, K_i]: the QRE profile at each point
    residual: np.ndarray  # [M] max_i,a |σ_i(a) - logit_λ(σ)_i(a)| at each point
    steps: int  # predictor-corrector steps taken (accepted and rejected)

    def at(self, k: int) -> list[np.ndarray]:
        """The profile of point ``k`` as a list of P strategies ``[K_i]``."""
        return [p[k] for p in self.profiles]


class QREFit(NamedTuple):
    """Maximum-likelihood logit QRE of observed play."""

    lam: float  # the ML precision λ̂
    se: float  # standard error of λ̂ (inverse square root of the Fisher information; inf at λ̂ = 0 boundary cases)
    profile: list[np.ndarray]  # the QRE at λ̂
    log_likelihood: float  # Σ_i Σ_a n_i(a) log σ_i(a; λ̂)
    at_bound: bool  # True when λ̂ is an end of the searched range [0, lambda_max]


def _game(game: Any) -> NormalFormGame:
    if isinstance(game, NormalFormGame):
        return game
    try:
        return NormalFormGame(game)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"game: {exc}") from None


class _Homotopy:
    """What the path follower needs of a logit system: ``n`` unknowns (log-probabilities), ``umax``
    (payoff range), ``residual_h(w, λ)``, ``jacobian(w, λ) -> (∂H/∂w, ∂H/∂λ)``,
    ``fixed_point_residual(w, λ)`` and ``uniform()``; ``scale`` and ``solve_at`` come from here."""

    n: int
    umax: float

    def scale(self, w: np.ndarray, lam: float) -> float:
        """Magnitude of the terms of ``H`` (log-probabilities reach ``-λ Δu``): tolerances are relative to it."""
        return max(1.0, float(np.abs(w).max()), lam * self.umax)

    def solve_at(self, w: np.ndarray, lam: float, tol: float = 1e-13, max_iter: int = 50) -> np.ndarray | None:
        """Newton on ``H(·, λ) = 0`` at fixed ``λ`` from ``w`` (None if it does not converge)."""
        w = np.array(w, dtype=np.float64)
        for _ in range(max_iter):
            h = self.residual_h(w, lam)
            if np.abs(h).max() < tol * self.scale(w, lam):
                return w
            jw, _ = self.jacobian(w, lam)
            try:
                dw = np.linalg.solve(jw, -h)
            except np.linalg.LinAlgError:
                return None
            if not np.isfinite(dw).all():
                return None
            w = w + dw
        return w if np.abs(self.residual_h(w, lam)).max() < 1e3 * tol * self.scale(w, lam) else None

    def dw_dlam(self, w: np.ndarray, lam: float) -> np.ndarray:
        jw, jl = self.jacobian(w, lam)
        return np.linalg.solve(jw, -jl)


class _System(_Homotopy):
    """``H``, its Jacobian and the logit response of one game (log-probability coordinates)."""

    def __init__(self, game: NormalFormGame) -> None:
        self.game = game
        self.k = game.num_actions
        self.off = np.concatenate([[0], np.cumsum(self.k)]).astype(int)
        self.n = int(self.off[-1])
        self.umax = float(np.ptp(game.payoffs)) if game.payoffs.size else 0.0

    def split(self, v: np.ndarray) -> list[np.ndarray]:
        return [v[self.off[i]:self.off[i + 1]] for i in range(len(self.k))]

    def utilities(self, sigma: list[np.ndarray]) -> list[np.ndarray]:
        return [self.game.deviation_utilities(sigma, i) for i in range(len(self.k))]

    def pair(self, sigma: list[np.ndarray], i: int, j: int) -> np.ndarray:
        """``M[a, b] = u_i(a_i = a, a_j = b, σ_{-ij})``: ``[K_i, K_j]``."""
        P = len(self.k)
        letters = _LETTERS[:P]
        ops: list[Any] = [self.game.payoffs[i]]
        terms = [letters]
        for q in range(P):
            if q not in (i, j):
                ops.append(sigma[q])
                terms.append(letters[q])
        return np.einsum(",".join(terms) + "->" + letters[i] + letters[j], *ops)

    def residual_h(self, w: np.ndarray, lam: float) -> np.ndarray:
        sigma = [np.exp(x) for x in self.split(w)]
        U = self.utilities(sigma)
        out = np.empty(self.n)
        for i, (wi, ui) in enumerate(zip(self.split(w), U)):
            o = self.off[i]
            out[o:o + self.k[i] - 1] = wi[1:] - wi[0] - lam * (ui[1:] - ui[0])
            out[o + self.k[i] - 1] = sigma[i].sum() - 1.0
        return out

    def jacobian(self, w: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
        """``(∂H/∂w [n, n], ∂H/∂λ [n])``."""
        sigma = [np.exp(x) for x in self.split(w)]
        U = self.utilities(sigma)
        P = len(self.k)
        jw = np.zeros((self.n, self.n))
        jl = np.empty(self.n)
        for i in range(P):
            o, ki = self.off[i], self.k[i]
            rows = slice(o, o + ki - 1)
            jl[rows] = -(U[i][1:] - U[i][0])
            jl[o + ki - 1] = 0.0
            block = np.zeros((ki - 1, ki))
            block[:, 0] = -1.0
            block[np.arange(ki - 1), np.arange(1, ki)] = 1.0
            jw[rows, o:o + ki] = block
            jw[o + ki - 1, o:o + ki] = sigma[i]
            for j in range(P):
                if j == i:
                    continue
                m = self.pair(sigma, i, j)  # [K_i, K_j]
                jw[rows, self.off[j]:self.off[j + 1]] = -lam * (m[1:] - m[0]) * sigma[j][None, :]
        return jw, jl

    def logit(self, sigma: list[np.ndarray], lam: float) -> list[np.ndarray]:
        out = []
        for u in self.utilities(sigma):
            z = lam * (u - u.max())
            e = np.exp(z)
            out.append(e / e.sum())
        return out

    def fixed_point_residual(self, w: np.ndarray, lam: float) -> float:
        sigma = [np.exp(x) for x in self.split(w)]
        return float(max(np.abs(s - r).max() for s, r in zip(sigma, self.logit(sigma, lam))))

    def uniform(self) -> np.ndarray:
        return np.concatenate([np.full(k, -math.log(k)) for k in self.k])


def logit_response(game: NormalFormGame | Any, strategies: Sequence[Any], lam: float) -> list[np.ndarray]:
    """The logit (quantal) response ``σ_i(a) ∝ exp(λ u_i(a, x_{-i}))`` of every player to ``strategies``.

    Args:
        game: a :class:`NormalFormGame` (or its payoff tensor ``[P, K1, ..., KP]``).
        strategies: P probability vectors ``[K_i]``.
        lam: precision ``λ >= 0``.

    Returns:
        P probability vectors ``[K_i]``.

    Example:
        >>> from regretlab.games.normal_form import prisoners_dilemma
        >>> [r.round(3).tolist() for r in logit_response(prisoners_dilemma(), [np.full(2, 0.5)] * 2, 0.0)]
        [[0.5, 0.5], [0.5, 0.5]]
    """
    g = _game(game)
    lam = check_positive("lam", lam, allow_zero=True)
    xs = g.check_strategies(list(strategies))
    return _System(g).logit([np.asarray(x, dtype=np.float64) for x in xs], lam)


def qre_residual(game: NormalFormGame | Any, strategies: Sequence[Any], lam: float) -> float:
    """``max_{i,a} |σ_i(a) - logit_λ(σ)_i(a)|``: 0 exactly at a logit QRE of precision ``λ``."""
    g = _game(game)
    xs = [np.asarray(x, dtype=np.float64) for x in g.check_strategies(list(strategies))]
    resp = logit_response(g, xs, lam)
    return float(max(np.abs(x - r).max() for x, r in zip(xs, resp)))


def _tangent(sys_: _Homotopy, w: np.ndarray, lam: float, previous: np.ndarray, name: str = "logit_branch") -> np.ndarray:
    """Unit tangent of ``H = 0`` at ``(w, λ)``, oriented along ``previous``: ``[∂H; previousᵀ] τ = [0; 1]``."""
    n = sys_.n
    jw, jl = sys_.jacobian(w, lam)
    try:
        tau = np.linalg.solve(np.vstack([np.hstack([jw, jl[:, None]]), previous[None, :]]), np.r_[np.zeros(n), 1.0])
    except np.linalg.LinAlgError:
        raise RuntimeError(f"{name}: singular Jacobian at λ = {lam:.6g}") from None
    if not np.isfinite(tau).all():
        raise RuntimeError(f"{name}: singular Jacobian at λ = {lam:.6g}")
    return tau / np.linalg.norm(tau)


def _trace(sys_: _Homotopy, lambda_max: float, *, max_steps: int, time_limit: float | None,
           first_step: float, h_max: float, tol: float, name: str = "logit_branch"
           ) -> tuple[list[float], list[np.ndarray], int]:
    """Predictor–corrector path following of ``sys_``'s ``H(w, λ) = 0`` from the uniform point at
    ``λ = 0`` to ``lambda_max`` (see :func:`logit_branch`); returns the points ``(λ_k, w_k)`` and the
    steps taken. Shared by the normal-form branch and the agent QRE of extensive-form games."""
    n = sys_.n
    started = time.perf_counter()
    w = sys_.uniform()
    lam = 0.0
    lams, ws = [0.0], [w.copy()]
    t_prev = np.zeros(n + 1)
    t_prev[-1] = 1.0
    h = first_step
    steps = 0
    tangent = None
    while True:
        if steps >= max_steps:
            raise RuntimeError(f"{name}: max_steps={max_steps} reached at λ = {lam:.6g} before "
                               f"lambda_max = {lambda_max:g}; raise max_steps")
        if time_limit is not None and time.perf_counter() - started > time_limit:
            raise TimeoutError(f"{name}: time_limit={time_limit:g} s reached at λ = {lam:.6g} before "
                               f"lambda_max = {lambda_max:g}")
        steps += 1
        if tangent is None:
            tangent = _tangent(sys_, w, lam, t_prev, name)
        z0 = np.r_[w, lam]
        accepted = False
        while h >= 1e-12:
            zp = z0 + h * tangent
            z = zp.copy()
            ok = False
            first_move = None
            for it in range(8):
                hres = sys_.residual_h(z[:n], z[n])
                if np.abs(hres).max() < tol * sys_.scale(z[:n], z[n]):
                    ok = True
                    break
                jw2, jl2 = sys_.jacobian(z[:n], z[n])
                A = np.vstack([np.hstack([jw2, jl2[:, None]]), tangent[None, :]])
                try:
                    dz = np.linalg.solve(A, np.r_[-hres, -(tangent @ (z - zp))])
                except np.linalg.LinAlgError:
                    break
                if not np.isfinite(dz).all():
                    break
                move = float(np.linalg.norm(dz))
                if first_move is None:
                    first_move = move
                    if move > 0.5 * h + 1e-9:  # the predictor left the branch's neighbourhood
                        break
                z = z + dz
            if ok and z[n] >= -1e-12 and np.linalg.norm(z - zp) < 0.5 * h + 1e-9:
                # the curve must not turn by more than ~25 degrees over one step (else the
                # corrector may have landed on another part of the curve)
                try:
                    t_new = _tangent(sys_, z[:n], float(z[n]), tangent, name)
                except RuntimeError:
                    t_new = None
                if t_new is not None and float(t_new @ tangent) > 0.9:
                    accepted = True
                    break
            h *= 0.5
        if not accepted:
            raise RuntimeError(f"{name}: the corrector failed at λ = {lam:.6g} (step below 1e-12)")
        if z[n] >= lambda_max:  # land exactly on lambda_max
            frac = (lambda_max - lam) / (z[n] - lam) if z[n] > lam else 1.0
            guess = w + frac * (z[:n] - w)
            landed = sys_.solve_at(guess, lambda_max, tol)
            if landed is None:
                landed = sys_.solve_at(z[:n], lambda_max, tol)
            if landed is None:  # pragma: no cover - would need a fold exactly at lambda_max
                h *= 0.5
                continue
            lams.append(lambda_max)
            ws.append(landed)
            break
        t_prev, tangent = tangent, t_new
        w, lam = z[:n], float(z[n])
        lams.append(lam)
        ws.append(w.copy())
        if it <= 3:
            h = min(h * 1.5, h_max)
    return lams, ws, steps


def logit_branch(
    game: NormalFormGame | Any,
    lambda_max: float = 100.0,
    *,
    max_steps: int = 100_000,
    time_limit: float | None = None,
    first_step: float = 0.1,
    max_step: float | None = None,
    tol: float = 1e-13,
) -> QREBranch:
    """Trace the principal branch of logit QRE from ``λ = 0`` (uniform) to ``λ = lambda_max``.

    Predictor: an Euler step of arclength ``h`` along the unit tangent of ``H(w, λ) = 0``
    (oriented to continue the previous one). Corrector: Newton on ``[H = 0, tᵀ(z - z_pred) = 0]``
    until ``max |H| < tol``; ``h`` halves when the corrector fails or moves far and grows by
    1.5 after an easy step. The last point is landed exactly on ``λ = lambda_max``.

    Args:
        game: a :class:`NormalFormGame` with any number of players (or a payoff tensor).
        lambda_max: where to stop (> 0).
        max_steps: most predictor–corrector steps (accepted or rejected).
        time_limit: seconds the trace may take (``None``: no limit).
        first_step: initial arclength step.
        max_step: largest arclength step (default ``max(1, lambda_max / 25)``).
        tol: corrector tolerance on ``max |H|``, relative to the size of its terms
            (``max(1, max |w|, λ ptp(u))``).

    Returns:
        :class:`QREBranch` (every point a QRE with fixed-point residual ~1e-13).

    Raises:
        TimeoutError / RuntimeError: when ``time_limit`` / ``max_steps`` is reached before
            ``lambda_max`` (the message says the ``λ`` reached).

    Example:
        >>> from regretlab.games.normal_form import prisoners_dilemma
        >>> br = logit_branch(prisoners_dilemma(), lambda_max=20)
        >>> float(br.lam[0]), round(float(br.lam[-1]), 9), br.profiles[0][-1].round(4).tolist()
        (0.0, 20.0, [0.0, 1.0])

    References:
        R. McKelvey, T. Palfrey, GEB 10 (1995); T. L. Turocy, GEB 51 (2005).
    """
    g = _game(game)
    lambda_max = check_positive("lambda_max", lambda_max)
    check_int("max_steps", max_steps, minimum=1)
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    first_step = check_positive("first_step", first_step)
    h_max = max(1.0, lambda_max / 25.0) if max_step is None else check_positive("max_step", max_step)
    tol = check_positive("tol", tol)
    sys_ = _System(g)
    lams, ws, steps = _trace(sys_, lambda_max, max_steps=max_steps, time_limit=time_limit,
                             first_step=first_step, h_max=h_max, tol=tol)
    W = np.exp(np.array(ws))
    profiles = tuple(W[:, sys_.off[i]:sys_.off[i + 1]] for i in range(len(sys_.k)))
    resid = np.array([sys_.fixed_point_residual(x, l) for x, l in zip(ws, lams)])
    return QREBranch(np.array(lams), profiles, resid, steps)


def logit_qre(game: NormalFormGame | Any, lam: float, **kwargs: Any) -> list[np.ndarray]:
    """The principal-branch logit QRE at precision ``lam`` (``0``: the uniform profile).

    Args:
        game: a :class:`NormalFormGame` (or payoff tensor).
        lam: precision ``λ >= 0``.
        **kwargs: options of :func:`logit_branch` (``max_steps``, ``time_limit``, ...).

    Returns:
        P probability vectors ``[K_i]``.

    Example:
        >>> from regretlab.games.normal_form import matching_pennies
        >>> [x.round(6).tolist() for x in logit_qre(matching_pennies(), 5.0)]
        [[0.5, 0.5], [0.5, 0.5]]
    """
    g = _game(game)
    lam = check_positive("lam", lam, allow_zero=True)
    if lam == 0.0:
        return [np.full(k, 1.0 / k) for k in g.num_actions]
    br = logit_branch(g, lam, **kwargs)
    return br.at(-1)


def _counts(game: NormalFormGame, counts: Sequence[Any]) -> list[np.ndarray]:
    if not isinstance(counts, (list, tuple)) or len(counts) != game.num_players:
        raise ValueError(f"counts must be a list of {game.num_players} arrays (one per player) of action counts")
    out = []
    for i, (c, k) in enumerate(zip(counts, game.num_actions)):
        arr = np.asarray(c, dtype=np.float64)
        if arr.shape != (k,) or not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError(f"counts[{i}] must be {k} finite non-negative action counts, got {c!r}")
        out.append(arr)
    if sum(float(c.sum()) for c in out) <= 0:
        raise ValueError("counts must hold at least one observed action")
    return out


def qre_mle(
    game: NormalFormGame | Any,
    counts: Sequence[Any],
    lambda_max: float = 100.0,
    *,
    branch: QREBranch | None = None,
    **kwargs: Any,
) -> QREFit:
    """Maximum-likelihood logit QRE of observed action counts (QRE estimation).

    ``λ̂ = argmax_λ Σ_i Σ_a n_i(a) log σ_i(a; λ)`` over the principal branch on ``[0, lambda_max]``:
    the best traced point brackets the maximum, which is refined as a root of the score
    ``Σ n_i(a) ∂ log σ_i(a)/∂λ`` (implicit differentiation of ``H``). Standard error
    ``1 / sqrt(I(λ̂))`` with the Fisher information ``I(λ) = Σ_i N_i Σ_a σ_i(a) (∂ log σ_i(a)/∂λ)²``
    of multinomial play (``N_i`` the player's observations).

    Args:
        game: a :class:`NormalFormGame` (or payoff tensor).
        counts: P arrays ``[K_i]`` of non-negative action counts (a player may have none).
        lambda_max: upper end of the search.
        branch: a branch already traced for ``game`` (reused across data sets), else traced here.
        **kwargs: options of :func:`logit_branch`.

    Returns:
        :class:`QREFit` (``lam``, ``se``, ``profile``, ``log_likelihood``, ``at_bound``).

    Example:
        >>> from regretlab.games.normal_form import NormalFormGame
        >>> g = NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[0, 1], [1, 0]])
        >>> x = logit_qre(g, 2.0)
        >>> fit = qre_mle(g, [1000 * x[0], 1000 * x[1]], lambda_max=10)
        >>> round(fit.lam, 6)
        2.0

    References:
        R. McKelvey, T. Palfrey, GEB 10 (1995), §5 (maximum-likelihood estimation of λ).
    """
    from scipy.optimize import brentq

    g = _game(game)
    lambda_max = check_positive("lambda_max", lambda_max)
    n = _counts(g, counts)
    sys_ = _System(g)
    if branch is None:
        branch = logit_branch(g, lambda_max, **kwargs)
    ncat = np.concatenate(n)
    W = np.log(np.concatenate([np.maximum(p, 1e-300) for p in branch.profiles], axis=1))  # [M, n]
    keep = branch.lam <= lambda_max + 1e-12
    lams, W = branch.lam[keep], W[keep]
    ll = W @ ncat
    k = int(np.argmax(ll))

    def score(lam: float, w: np.ndarray) -> float:
        return float(ncat @ sys_.dw_dlam(w, lam))

    def solve_near(lam: float, j: int) -> np.ndarray:
        """The QRE at ``lam`` between traced points ``j - 1`` and ``j`` (Newton from the chord)."""
        a, b = lams[j - 1], lams[j]
        frac = 0.0 if b == a else (lam - a) / (b - a)
        w = sys_.solve_at(W[j - 1] + frac * (W[j] - W[j - 1]), lam)
        if w is None:  # pragma: no cover - a fold in the bracket
            raise RuntimeError(f"qre_mle: could not solve the QRE at λ = {lam:.6g}")
        return w

    lam_hat, w_hat = float(lams[k]), W[k]
    at_bound, bracket = False, None
    s_k = score(lams[k], W[k])
    if k + 1 < len(lams) and s_k > 0 > score(lams[k + 1], W[k + 1]):
        bracket = k + 1
    elif k > 0 and score(lams[k - 1], W[k - 1]) > 0 > s_k:
        bracket = k
    elif k == 0 or k == len(lams) - 1:
        at_bound = True
    if bracket is not None:
        j = bracket
        lam_hat = brentq(lambda l: score(l, solve_near(l, j)), lams[j - 1], lams[j], xtol=1e-14, rtol=1e-15)
        w_hat = solve_near(lam_hat, j)
    sigma = [np.exp(x) for x in sys_.split(w_hat)]
    d = sys_.split(sys_.dw_dlam(w_hat, lam_hat))
    info = sum(float(ni.sum()) * float(si @ di ** 2) for ni, si, di in zip(n, sigma, d))
    se = 1.0 / math.sqrt(info) if info > 0 else math.inf
    return QREFit(float(lam_hat), se, sigma, float(ncat @ w_hat), at_bound)


__all__ = ["QREBranch", "QREFit", "logit_branch", "logit_qre", "logit_response", "qre_mle", "qre_residual"]
