"""α-rank: ranking the strategies (or strategy profiles) of a meta-game by the stationary
distribution of an evolutionary Markov chain (Omidshafiei, Papadimitriou, Piliouras, Tuyls,
Rowland, Lespiau, Czarnecki, Lanctot, Perolat, Munos, "α-Rank: multi-agent evaluation by
evolution", Scientific Reports 9, 2019).

States are *monomorphic* profiles: every individual of a population plays one strategy. A mutant
strategy ``r`` of one population fixates in the population playing ``s`` with the Fermi
(selection intensity ``α``) fixation probability of a Moran process of ``m`` individuals:

* multi-population (one population per player; the others' strategies fixed), and a single
  population under the *local* selection model: ``ρ = (1 - e^{-u}) / (1 - e^{-m u})`` with
  ``u = α (f_r - f_s)`` (``ρ = 1/m`` when ``u = 0``);
* single population, global model (paper eq. 4): ``ρ = 1 / (1 + Σ_{l=1}^{m-1} Π_{p=1}^{l}
  e^{-α (f_r(p) - f_s(m-p))})`` with the fitness of ``r`` among ``p`` copies of itself and
  ``m - p`` of ``s``: ``f_r(p) = ((p-1) M_rr + (m-p) M_rs) / (m-1)``.

The chain moves from ``s`` to each neighbour ``r`` with ``η ρ_{r,s}``, ``η = 1 / Σ_k (K_k - 1)``;
its stationary distribution ``π`` is the ranking. ``α = ∞``: a fitter mutant fixates with
``1 - ε``, a less fit one with ``ε``, a neutral one with ``1/2`` (the paper's infinite-α limit
with the ε-perturbation that keeps the chain irreducible). Conventions follow OpenSpiel's
``open_spiel.python.egt.alpharank.compute`` so that the two agree on every game.

Everything is vectorised: fixation probabilities of all transitions at once (the global model's
sums by a cumulative sum and log-sum-exp, stable for any ``α``), and ``π`` by the
Grassmann–Taksar–Heyman elimination (no subtraction: accurate even when transitions differ by
hundreds of orders of magnitude).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.games.normal_form.game import NormalFormGame


class AlphaRankResult(NamedTuple):
    """Stationary distribution and ranking of α-rank."""

    pi: np.ndarray  # [S] stationary mass of each profile (single population: each strategy)
    ranking: np.ndarray  # [S] profile ids by decreasing mass (ties keep id order)
    profiles: np.ndarray  # [S, N] each population's strategy in each profile (N = 1: single population)
    transition: np.ndarray  # [S, S] Markov matrix C (rows sum to 1)
    fixation: np.ndarray  # [S, S] ρ[s, r]: fixation probability of the move s -> r (0 off the graph)
    alpha: float
    m: int
    populations: int  # 1 (single population) or the number of players


def _tables(game: Any, population: str) -> list[np.ndarray]:
    """Payoff tables: ``[M]`` (single population) or one ``[K1, ..., KN]`` tensor per population."""
    if population not in ("auto", "single", "multi"):
        raise ValueError(f"population must be 'auto', 'single' or 'multi', got {population!r}")
    if isinstance(game, NormalFormGame):
        tables = [np.asarray(p) for p in game.payoffs]
    elif isinstance(game, np.ndarray) and game.ndim == 2:
        tables = [game]
    elif isinstance(game, (list, tuple)):
        tables = list(game)
    else:
        tables = [np.asarray(p) for p in NormalFormGame(game).payoffs]
    out = []
    for k, t in enumerate(tables):
        try:
            arr = np.asarray(t, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"payoff table {k} must be an array of numbers") from None
        if not np.isfinite(arr).all():
            idx = [int(i) for i in np.argwhere(~np.isfinite(arr))[0]]
            raise ValueError(f"payoff table {k} must be finite, got {arr[tuple(idx)]!r} at index {idx}")
        out.append(arr)
    if len(out) == 1:
        if out[0].ndim != 2 or out[0].shape[0] != out[0].shape[1]:
            raise ValueError("a single-population payoff table must be a square matrix M[r, s] (payoff of r "
                             f"against s), got shape {list(out[0].shape)}")
        if population == "multi":
            raise ValueError("population='multi' needs one payoff table per player")
        return out
    shape = out[0].shape
    if any(t.shape != shape for t in out) or len(shape) != len(out):
        raise ValueError(f"multi-population payoff tables must be {len(out)} tensors of one shape [K1, ..., "
                         f"K{len(out)}], got shapes {[list(t.shape) for t in out]}")
    symmetric = len(out) == 2 and shape[0] == shape[1] and np.array_equal(out[0], out[1].T)
    if population == "single" or (population == "auto" and symmetric):
        if not symmetric:
            raise ValueError("population='single' needs a symmetric 2-player game (payoffs[1] = payoffs[0].T)")
        return [out[0]]
    return out


def _fermi_fixation(u: np.ndarray, m: int) -> np.ndarray:
    """``(1 - e^{-u}) / (1 - e^{-m u})`` without overflow, ``1/m`` at ``u ≈ 0`` (|u| < 1e-14)."""
    u = np.asarray(u, dtype=np.float64)
    out = np.full(u.shape, 1.0 / m)
    pos = u > 1e-14
    neg = u < -1e-14
    up = u[pos]
    out[pos] = np.expm1(-up) / np.expm1(-m * up)
    un = u[neg]  # multiply through by e^{m u}: e^{(m-1) u} (e^{u} - 1) / (e^{m u} - 1)
    out[neg] = np.exp((m - 1) * un) * (np.expm1(un) / np.expm1(m * un))
    return out


def _global_fixation(M: np.ndarray, alpha: float, m: int) -> np.ndarray:
    """``ρ[s, r]`` of the single-population global model for every pair (paper eq. 4)."""
    p = np.arange(1, m)  # number of r-players
    Mrr = np.diag(M)[None, :, None]  # indexed [s, r, p]
    Mss = np.diag(M)[:, None, None]
    Mrs = M.T[:, :, None]  # M[r, s] at [s, r]
    Msr = M[:, :, None]
    f_r = ((p - 1) * Mrr + (m - p) * Mrs) / (m - 1)
    f_s = ((m - p - 1) * Mss + p * Msr) / (m - 1)
    expo = -alpha * np.cumsum(f_r - f_s, axis=2)  # [s, r, m-1]
    top = np.maximum(expo.max(axis=2), 0.0)
    lse = top + np.log(np.exp(-top) + np.exp(expo - top[..., None]).sum(axis=2))
    return np.exp(-lse)


def _gth(P: np.ndarray) -> np.ndarray:
    """GTH state reduction of an irreducible chain (``P`` off-diagonal rates, modified in place)."""
    n = P.shape[0]
    np.fill_diagonal(P, 0.0)
    for k in range(n - 1, 0, -1):
        s = P[k, :k].sum()
        P[:k, k] /= s
        P[:k, :k] += np.outer(P[:k, k], P[k, :k])
    pi = np.zeros(n)
    pi[0] = 1.0
    for k in range(1, n):
        pi[k] = pi[:k] @ P[:k, k]
        if pi[k] > 1e100:  # masses may span more than the float range: rescale as we go
            pi[:k + 1] /= pi[k]
    return pi / pi.sum()


def stationary_distribution(C: np.ndarray) -> np.ndarray:
    """The stationary distribution ``π C = π`` of a Markov matrix with one closed class.

    The closed (recurrent) class is found from the strongly connected components of the
    transition graph; ``π`` is zero off it. On it, a chain of more than 64 states first tries one
    LU solve, kept when ``π >= 0`` and ``|πC - π| < 1e-15 n``; otherwise ``π`` comes from the Grassmann–Taksar–Heyman
    elimination, which uses only off-diagonal entries and no subtraction (Grassmann, Taksar &
    Heyman, "Regenerative analysis and steady state distributions for Markov chains",
    Operations Research 33, 1985), so transitions that differ by hundreds of orders of magnitude
    keep full relative accuracy.

    Raises:
        ValueError: when the chain has several closed classes (no unique stationary distribution).

    Example:
        >>> stationary_distribution(np.array([[0.9, 0.1], [0.3, 0.7]])).round(6).tolist()
        [0.75, 0.25]
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    C = np.asarray(C, dtype=np.float64)
    n = C.shape[0]
    edges = C > 0
    np.fill_diagonal(edges, False)
    ncomp, labels = connected_components(sp.csr_matrix(edges), directed=True, connection="strong")
    if ncomp == 1:
        if n > 64:  # one LU solve is faster; kept only when it is as good as GTH would be
            A = C.T - np.eye(n)
            A[-1] = 1.0
            rhs = np.zeros(n)
            rhs[-1] = 1.0
            try:
                pi = np.linalg.solve(A, rhs)
            except np.linalg.LinAlgError:
                pi = None
            if pi is not None and pi.min() >= 0 and np.abs(pi @ C - pi).max() < 1e-15 * n:
                return pi / pi.sum()
        return _gth(C.copy())
    i, j = np.nonzero(edges)
    leaves = np.zeros(ncomp, dtype=bool)
    leaves[labels[i[labels[i] != labels[j]]]] = True
    closed = np.flatnonzero(~leaves)
    if closed.size != 1:
        raise ValueError(f"the Markov chain has {closed.size} closed classes, so no unique stationary "
                         "distribution (transitions underflow to 0 at this alpha): use a smaller alpha, "
                         "or alpha=inf with its eps-perturbation")
    members = np.flatnonzero(labels == closed[0])
    pi = np.zeros(n)
    pi[members] = _gth(C[np.ix_(members, members)].copy()) if members.size > 1 else 1.0
    return pi


def alpharank(
    game: NormalFormGame | Sequence[Any] | np.ndarray,
    alpha: float = 100.0,
    m: int = 50,
    *,
    population: str = "auto",
    local_selection: bool = True,
    eps: float = 0.01,
) -> AlphaRankResult:
    """α-rank of a meta-game: the stationary distribution over monomorphic profiles.

    Args:
        game: a :class:`NormalFormGame`; or payoff tables as OpenSpiel takes them: ``[M]`` (one
            square matrix, ``M[r, s]`` = payoff of ``r`` against ``s``: single population) or one
            ``[K1, ..., KN]`` tensor per population.
        alpha: selection intensity ``α > 0``; ``math.inf`` for the infinite-α limit.
        m: population size (>= 2).
        population: ``"auto"`` (single population for a symmetric two-player game, else one
            per player), ``"single"`` or ``"multi"``.
        local_selection: single population only: the fitness against the current opponent only
            (``u = α (M_rs - M_sr)``; OpenSpiel's default) instead of the global population model.
        eps: the ε-perturbation of ``alpha = inf`` (``0 < eps < 1``).

    Returns:
        :class:`AlphaRankResult` (``pi``, ``ranking``, ``profiles``, ``transition``, ``fixation``).

    Example:
        >>> from regretlab.games.normal_form import prisoners_dilemma
        >>> r = alpharank(prisoners_dilemma(), alpha=10, population="multi")
        >>> r.profiles[r.ranking[0]].tolist(), round(float(r.pi[r.ranking[0]]), 6)
        ([1, 1], 1.0)

    References:
        S. Omidshafiei et al., Scientific Reports 9:9937 (2019).
    """
    tables = _tables(game, population)
    inf = isinstance(alpha, (int, float)) and math.isinf(alpha) and alpha > 0
    if not inf:
        alpha = check_positive("alpha", alpha)
    m = check_int("m", m, minimum=2)
    if inf:
        eps = check_positive("eps", eps)
        if eps >= 1:
            raise ValueError(f"eps must be in (0, 1), got {eps!r}")
    if len(tables) == 1:
        M = tables[0]
        K = M.shape[0]
        profiles = np.arange(K)[:, None]
        if K == 1:
            return AlphaRankResult(np.ones(1), np.zeros(1, dtype=np.int64), profiles, np.ones((1, 1)),
                                   np.ones((1, 1)), float(alpha), m, 1)
        eta = 1.0 / (K - 1)
        if inf:
            d = M.T - M  # [s, r]: M[r, s] - M[s, r]
            rho = np.where(np.isclose(M.T, M, rtol=0.0, atol=1e-14), 0.5, np.where(d > 0, 1 - eps, eps))
        elif local_selection:
            rho = _fermi_fixation(alpha * (M.T - M), m)
        else:
            rho = _global_fixation(M, float(alpha), m)
        np.fill_diagonal(rho, 0.0)
        C = eta * rho
        np.fill_diagonal(C, 1.0 - C.sum(axis=1))
        npop = 1
    else:
        shape = tables[0].shape
        S = int(np.prod(shape))
        profiles = np.stack(np.unravel_index(np.arange(S), shape), axis=1)
        ids = np.arange(S).reshape(shape)
        eta = 1.0 / sum(k - 1 for k in shape) if sum(k - 1 for k in shape) else 1.0
        rho = np.zeros((S, S))
        for k, T in enumerate(tables):
            Kk = shape[k]
            idm = np.moveaxis(ids, k, -1).reshape(-1, Kk)  # [R, K_k] profile ids as population k varies
            f = np.moveaxis(T, k, -1).reshape(-1, Kk)  # [R, K_k] population k's fitness
            diff = f[:, None, :] - f[:, :, None]  # [R, a (current), b (mutant)]: f_b - f_a
            if inf:
                val = np.where(np.isclose(f[:, None, :], f[:, :, None], rtol=0.0, atol=1e-14), 0.5,
                               np.where(diff > 0, 1 - eps, eps))
            else:
                val = _fermi_fixation(alpha * diff, m)
            src = np.broadcast_to(idm[:, :, None], diff.shape)
            dst = np.broadcast_to(idm[:, None, :], diff.shape)
            off = src != dst
            rho[src[off], dst[off]] = val[off]
        C = eta * rho
        np.fill_diagonal(C, 1.0 - C.sum(axis=1))
        npop = len(tables)
    pi = stationary_distribution(C)
    ranking = np.argsort(-pi, kind="stable")
    return AlphaRankResult(pi, ranking, profiles, C, rho, float(alpha), m, npop)


__all__ = ["AlphaRankResult", "alpharank", "stationary_distribution"]
