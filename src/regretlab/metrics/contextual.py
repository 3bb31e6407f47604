r"""Contextual-bandit regret: against the best fixed linear policy in hindsight, and pseudo-regret
against the optimal policy when the reward model is known.

The comparator class is the greedy linear policies ``π_θ(x) = argmax_a θ_aᵀx_a`` (``θ [K, D]``
with features shared by the arms, or one ``θ [D]`` scoring per-arm features). Finding the best
of them in hindsight is a 0-1-loss problem (NP-hard in general), so the comparator here is the
best, per run, of a set of fitted candidates: the full-information ridge fit of every arm's
reward on the contexts (:func:`fit_linear_policy`) and any candidates the caller adds (e.g. a
logistic-regression fit, the true parameters). Its utility is a lower bound on the best linear
policy's, so the reported regret is a lower bound on the regret against the class (and can be
negative when a learner beats every candidate).

* :func:`policy_utility`: ``[T, B]`` per-round utility of one linear policy on a stream;
* :func:`best_linear_policy`: the hindsight comparator, its cumulative utility ``[T, B]``;
* :func:`regret_vs_policy`: comparator's cumulative utility − the learner's, at recorded rounds;
* :func:`pseudo_regret`: ``Σ_t max_a μ_t(a) − ⟨p_t, μ_t⟩`` ``[T, B]`` (the ledger keeps the same
  sum when a setting reports ``mean_utility``; this is the array form, for logged strategies).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_array, check_positive

__all__ = [
    "HindsightPolicy",
    "best_linear_policy",
    "cumulative_expected_utility",
    "fit_linear_policy",
    "policy_utility",
    "pseudo_regret",
    "regret_vs_policy",
]


def _per_arm(contexts: np.ndarray, k: int) -> np.ndarray:
    """``[T, B, K, D]`` view of contexts ``[T, B, D]`` (shared) or ``[T, B, K, D]``."""
    if contexts.ndim == 3:
        return np.broadcast_to(contexts[:, :, None, :], contexts.shape[:2] + (k, contexts.shape[2]))
    if contexts.ndim == 4 and contexts.shape[2] == k:
        return contexts
    raise ValueError(f"contexts must be [T, B, D] (shared) or [T, B, {k}, D] (per arm), got {list(contexts.shape)}")


def _stream(contexts: Any, utilities: Any) -> tuple[np.ndarray, np.ndarray]:
    u = check_array("utilities", utilities)
    if u.ndim != 3:
        raise ValueError(f"utilities must be [T, B, K] (every arm's utility each round), got {list(u.shape)}")
    x = check_array("contexts", contexts)
    if x.shape[:2] != u.shape[:2]:
        raise ValueError(f"contexts {list(x.shape)} and utilities {list(u.shape)} must share [T, B]")
    return x, u


def policy_utility(contexts: Any, utilities: Any, theta: Any) -> np.ndarray:
    """``[T, B]`` utility each round of the greedy linear policy ``θ`` (ties: the lowest arm).

    ``theta``: ``[K, D]`` (shared contexts) / ``[B, K, D]`` (one vector per arm), or ``[D]`` /
    ``[B, D]`` (per-arm contexts: one vector scoring every arm's features).

    Example:
        >>> x = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])     # T = 2, B = 1, D = 2 (shared)
        >>> u = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])     # arm t is right at round t
        >>> policy_utility(x, u, np.eye(2)).tolist()
        [[1.0], [1.0]]
    """
    x, u = _stream(contexts, utilities)
    _, b, k = u.shape
    xa = _per_arm(x, k)
    th = check_array("theta", theta)
    d = xa.shape[-1]
    shared = x.ndim == 3  # a 2-d theta is [K, D] for shared contexts and [B, D] for per-arm ones
    if th.shape == (d,):
        s = np.einsum("tbkd,d->tbk", xa, th)
    elif th.shape == (b, k, d):
        s = np.einsum("tbkd,bkd->tbk", xa, th)
    elif shared and th.shape == (k, d):
        s = np.einsum("tbkd,kd->tbk", xa, th)
    elif not shared and th.shape == (b, d):
        s = np.einsum("tbkd,bd->tbk", xa, th)
    else:
        want = f"[{k}, {d}] or [{b}, {k}, {d}]" if shared else f"[{d}], [{b}, {d}] or [{b}, {k}, {d}]"
        raise ValueError(f"theta must be {want} for these contexts, got {list(th.shape)}")
    best = np.argmax(s, axis=2)
    return np.take_along_axis(u, best[..., None], axis=2)[..., 0]


def fit_linear_policy(contexts: Any, utilities: Any, lam: float = 1.0) -> np.ndarray:
    """The full-information ridge fit per run: ``θ_a = (λI + Σ_t x_{t,a} x_{t,a}ᵀ)⁻¹ Σ_t u_t(a) x_{t,a}``.

    Returns ``[B, K, D]`` for shared contexts; for per-arm contexts one pooled vector ``[B, D]``
    fit on every (arm, round) pair.
    """
    x, u = _stream(contexts, utilities)
    lam = check_positive("lam", lam)
    if x.ndim == 3:
        d = x.shape[2]
        gram = np.einsum("tbi,tbj->bij", x, x) + lam * np.eye(d)
        moment = np.einsum("tbi,tbk->bki", x, u)
        return np.linalg.solve(gram[:, None], moment[..., None])[..., 0]
    xa = _per_arm(x, u.shape[2])
    d = xa.shape[-1]
    gram = np.einsum("tbki,tbkj->bij", xa, xa) + lam * np.eye(d)
    moment = np.einsum("tbki,tbk->bi", xa, u)
    return np.linalg.solve(gram, moment[..., None])[..., 0]


class HindsightPolicy(NamedTuple):
    """The best fitted linear policy in hindsight, per run."""

    cumulative: np.ndarray  # [T, B] its cumulative utility
    choice: np.ndarray  # [B] index of the winning candidate (0: the ridge fit, 1..: the caller's)
    theta: list[np.ndarray]  # the candidates' parameters


def best_linear_policy(contexts: Any, utilities: Any, lam: float = 1.0,
                       candidates: Sequence[Any] = ()) -> HindsightPolicy:
    """The best per run of the ridge fit in hindsight and ``candidates`` (each a ``theta`` as in
    :func:`policy_utility`), by total utility over the stream.

    Example:
        >>> x = np.array([[[1.0, 0.0]], [[0.0, 1.0]]] * 5); u = np.array([[[1.0, 0.0]], [[0.0, 1.0]]] * 5)
        >>> best_linear_policy(x, u, candidates=[np.eye(2)]).cumulative[-1].tolist()   # every round right
        [10.0]
    """
    thetas = [fit_linear_policy(contexts, utilities, lam)] + [check_array("candidate", c) for c in candidates]
    per_round = np.stack([policy_utility(contexts, utilities, th) for th in thetas])  # [C, T, B]
    cum = np.cumsum(per_round, axis=1)
    choice = np.argmax(cum[:, -1], axis=0)  # [B]
    return HindsightPolicy(np.take_along_axis(cum, choice[None, None, :], axis=0)[0], choice, thetas)


def regret_vs_policy(learner_cumulative: Any, comparator_cumulative: Any, rounds: Any) -> np.ndarray:
    """``[N, B]`` regret at the recorded rounds: comparator's cumulative utility − the learner's.

    Args:
        learner_cumulative: ``[N, B]`` the learner's cumulative (expected) utility at ``rounds``
            (e.g. ``trace.metrics["utility"]``).
        comparator_cumulative: ``[T, B]`` the comparator's, every round.
        rounds: ``[N]`` 1-based recorded rounds (``trace.rounds``).
    """
    lc = check_array("learner_cumulative", learner_cumulative)
    cc = check_array("comparator_cumulative", comparator_cumulative)
    r = np.asarray(rounds, dtype=np.int64)
    if lc.shape != (r.size, cc.shape[1]) or r.min() < 1 or r.max() > cc.shape[0]:
        raise ValueError(f"learner_cumulative must be [len(rounds), B] = [{r.size}, {cc.shape[1]}] with rounds in "
                         f"[1, {cc.shape[0]}], got {list(lc.shape)}")
    return cc[r - 1] - lc


def cumulative_expected_utility(strategies: Any, utilities: Any) -> np.ndarray:
    """``[T, B]`` ``Σ_{s≤t} ⟨p_s, u_s⟩`` of strategies ``[T, B, K]`` against utilities ``[T, B, K]``."""
    p = check_array("strategies", strategies)
    u = check_array("utilities", utilities, shape=p.shape)
    return np.cumsum(np.einsum("tbk,tbk->tb", p, u), axis=0)


def pseudo_regret(strategies: Any, means: Any) -> np.ndarray:
    """``[T, B]`` pseudo-regret against the optimal policy of a known model, ``Σ_{s≤t} max_a μ_s(a) − ⟨p_s, μ_s⟩``.

    Example:
        >>> p = np.array([[[0.5, 0.5]]]); mu = np.array([[[0.2, 0.8]]])
        >>> pseudo_regret(p, mu).round(12).tolist()   # 0.8 - 0.5
        [[0.3]]
    """
    p = check_array("strategies", strategies)
    m = check_array("means", means, shape=p.shape)
    return np.cumsum(m.max(axis=2) - np.einsum("tbk,tbk->tb", p, m), axis=0)
