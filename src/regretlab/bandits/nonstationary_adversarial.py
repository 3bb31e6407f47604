r"""Adversarial bandits for changing environments: Exp3.S (regret against switching sequences),
Exp3 restarted every ``Δ`` rounds, and Rexp3 (restart period from a variation budget).

All follow the batched contract (``feedback = Bandit``, a per-run round counter ``t [B]``) with
gains ``x = (r - lo)/(hi - lo) ∈ [0, 1]`` from the declared ``reward_range`` (default ``(0, 1)``),
as in Auer et al. (2002), whose Exp3 is the building block:

.. math:: p_t = (1-\gamma)\frac{w_t}{\sum_j w_t(j)} + \frac{\gamma}{K},\qquad
          \hat x_t(i) = \frac{x_t\,1[A_t = i]}{p_t(i)},\qquad w_{t+1}(i) = w_t(i)\, e^{\gamma \hat x_t(i)/K}.

Weights are kept normalised (every row sums to 1), so they never overflow; ``γ x̂/K <= 1``.

References: Auer, Cesa-Bianchi, Freund & Schapire, "The nonstochastic multiarmed bandit
problem", SIAM J. Comput. 2002 (Exp3 §3, Exp3.S §8); Besbes, Gur & Zeevi, "Stochastic
multi-armed-bandit problem with non-stationary rewards", NeurIPS 2014 (Rexp3).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive, check_probability

from regretlab.bandits._common import check_range, init_keys, round_counter
from regretlab.bandits.nonstationary import _IndexBase
from regretlab.core.registry import register

__all__ = ["Exp3Restart", "Exp3S", "Rexp3", "WeightState", "exp3_restart", "exp3_s", "rexp3"]


class WeightState(NamedTuple):
    """State of Exp3.S and of restarted Exp3."""

    t: np.ndarray  # [B] int64 rounds played
    key: np.ndarray  # [B] uint64 learner keys
    weight: np.ndarray  # [B, K] normalised weights (rows sum to 1)


class _Exp3Base(_IndexBase):
    gamma: float = 0.1

    def init(self, keys: Any, num_actions: int) -> WeightState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms (uniform weights)."""
        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        return WeightState(round_counter(key.size), key, np.full((key.size, k), 1.0 / k))

    def strategy(self, state: WeightState, context: Any = None) -> np.ndarray:
        k = state.weight.shape[1]
        return (1.0 - self.gamma) * state.weight + self.gamma / k

    def _grown(self, state: WeightState, feedback: Any) -> tuple[np.ndarray, np.ndarray]:
        """Weights after the exponential step of the pulled arm (not yet normalised), and ``t + 1``."""
        b, k = state.weight.shape
        a, x = self._feedback(b, k, feedback)
        rows = np.arange(b)
        p = (1.0 - self.gamma) * state.weight[rows, a] + self.gamma / k
        w = state.weight.copy()
        w[rows, a] *= np.exp(self.gamma * (x / p) / k)
        return w, state.t + 1


class Exp3S(_Exp3Base):
    r"""Exp3.S: Exp3 whose weights share a fraction ``eα`` of their mass every round.

    .. math:: w_{t+1}(i) = w_t(i)\, e^{\gamma \hat x_t(i)/K} + \frac{e\alpha}{K} \sum_j w_t(j).

    For every sequence ``j`` of hardness ``S`` (``S - 1`` switches), ``G_j - E[G] <=
    K (S ln(K/α) + eαT)/γ + (e-1)γT`` (Auer et al. 2002, Thm 8.1).
    """

    name = "exp3_s"

    def __init__(self, gamma: float, alpha: float, reward_range: tuple[float, float] = (0.0, 1.0)) -> None:
        self.gamma = check_probability("gamma", gamma)
        if self.gamma == 0.0:
            raise ValueError("gamma must be in (0, 1], got 0.0")
        self.alpha = check_positive("alpha", alpha, allow_zero=True)
        self.reward_range = check_range("reward_range", reward_range)

    def bound(self, num_actions: int, horizon: int, hardness: int) -> float:
        """Thm 8.1's bound on ``G_j - E[G]`` for a sequence ``j`` of hardness ``S`` over ``T`` rounds."""
        k, t, s = num_actions, horizon, hardness
        return k * (s * math.log(k / self.alpha) + math.e * self.alpha * t) / self.gamma + (math.e - 1) * self.gamma * t

    def update(self, state: WeightState, feedback: Any) -> WeightState:
        w, t = self._grown(state, feedback)
        k = w.shape[1]
        w += math.e * self.alpha / k  # Σ_j w_t(j) = 1: the previous weights are normalised
        return WeightState(t, state.key, w / w.sum(axis=1, keepdims=True))


def exp3_s_tuning(num_actions: int, horizon: int, switches: int) -> tuple[float, float]:
    """Corollary 8.2's ``(γ, α)``: ``α = 1/T``, ``γ = min(1, sqrt(K (S ln(KT) + e) / ((e-1) T)))``, ``S = switches + 1``."""
    k, t, s = num_actions, horizon, switches + 1
    return min(1.0, math.sqrt(k * (s * math.log(k * t) + math.e) / ((math.e - 1) * t))), 1.0 / t


@register("exp3_s", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"gamma": 0.1, "alpha": 0.01, "reward_range": (-1e6, 1e6)},
                       {"horizon": 100, "switches": 3, "num_actions": 3, "reward_range": (-1e6, 1e6)}])
def exp3_s(gamma: float | None = None, alpha: float | None = None, *, horizon: int | None = None,
           switches: int = 1, num_actions: int = 2,
           reward_range: tuple[float, float] = (0.0, 1.0)) -> Exp3S:
    r"""Exp3.S: Exp3 with weight sharing, for regret against the best sequence with ``S - 1`` switches.

    .. math:: p_t = (1-\gamma)\frac{w_t}{\sum_j w_t(j)} + \frac{\gamma}{K},\qquad
              w_{t+1}(i) = w_t(i)\, e^{\gamma \hat x_t(i)/K} + \frac{e\alpha}{K}\sum_j w_t(j).

    Args:
        gamma: exploration ``γ ∈ (0, 1]``; alpha: sharing ``α >= 0`` (0 is Exp3). Default: tuned
            from ``horizon``, ``switches`` and ``num_actions`` (Corollary 8.2).
        horizon: ``T``; switches: ``S - 1``, the switches of the comparator; num_actions: ``K``
            (only for the default tuning).
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        An :class:`Exp3S` learner (``feedback = Bandit``): for every arm sequence ``j`` of hardness
        ``S``, ``G_j - E[G_Exp3.S] <= K (S ln(K/α) + eαT)/γ + (e-1)γT`` (Thm 8.1), which is
        ``<= 2 sqrt(e-1) sqrt(K T (S ln(KT) + e))`` with the default tuning (Cor. 8.2).

    Example:
        >>> learner = exp3_s(horizon=1000, switches=2, num_actions=3)
        >>> round(learner.gamma, 3), learner.alpha, round(learner.bound(3, 1000, 3))
        (0.216, 0.001, 743)

    Paper: Auer, Cesa-Bianchi, Freund & Schapire, "The nonstochastic multiarmed bandit problem",
    SIAM J. Comput. 32(1) 2002, §8, Thm 8.1 and Cor. 8.2.
    """
    if gamma is None or alpha is None:
        if horizon is None:
            raise ValueError("exp3_s needs gamma and alpha, or horizon >= 1 (to tune them)")
        g, a = exp3_s_tuning(check_int("num_actions", num_actions), check_int("horizon", horizon),
                             check_int("switches", switches, minimum=0))
        gamma = g if gamma is None else gamma
        alpha = a if alpha is None else alpha
    return Exp3S(gamma, alpha, reward_range)


class Exp3Restart(_Exp3Base):
    r"""Exp3 restarted from uniform weights every ``period`` rounds (each run on its own clock).

    On each block of ``Δ`` rounds Exp3's regret against the block's best arm is at most
    ``2 sqrt(e-1) sqrt(Δ K ln K)`` (Auer et al. 2002, Cor. 3.2 with ``γ`` tuned to ``Δ``), so
    against the best arm of each block ``E[R_T] <= (T/Δ + 1) 2 sqrt(e-1) sqrt(Δ K ln K)``.
    """

    name = "exp3_restart"

    def __init__(self, period: int, gamma: float, reward_range: tuple[float, float] = (0.0, 1.0)) -> None:
        self.period = check_int("period", period)
        self.gamma = check_probability("gamma", gamma)
        if self.gamma == 0.0:
            raise ValueError("gamma must be in (0, 1], got 0.0")
        self.reward_range = check_range("reward_range", reward_range)

    def update(self, state: WeightState, feedback: Any) -> WeightState:
        w, t = self._grown(state, feedback)
        k = w.shape[1]
        w /= w.sum(axis=1, keepdims=True)
        w[t % self.period == 0] = 1.0 / k  # a new block starts: forget
        return WeightState(t, state.key, w)


def _exp3_gamma(k: int, rounds: int) -> float:
    """Auer et al. 2002's Cor. 3.2 rate for ``g = rounds``: ``min(1, sqrt(K ln K / ((e-1) g)))``."""
    return min(1.0, math.sqrt(k * math.log(max(k, 2)) / ((math.e - 1) * rounds)))


@register("exp3_restart", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"period": 7, "gamma": 0.2, "reward_range": (-1e6, 1e6)}, {"horizon": 200, "changes": 3, "reward_range": (-1e6, 1e6)}])
def exp3_restart(period: int | None = None, gamma: float | None = None, *, horizon: int | None = None,
                 changes: int = 1, num_actions: int = 2,
                 reward_range: tuple[float, float] = (0.0, 1.0)) -> Exp3Restart:
    r"""Exp3 with restarts: Exp3 on blocks of ``Δ`` rounds, from uniform weights on each block.

    .. math:: w_{t+1}(i) = \begin{cases} 1/K & (t+1) \bmod \Delta = 0 \\
              w_t(i)\, e^{\gamma \hat x_t(i)/K} & \text{otherwise} \end{cases}

    Args:
        period: ``Δ >= 1`` rounds per block; default from ``horizon`` and ``changes`` (``Υ``):
            ``Δ = (T c / (2Υ))^{2/3}`` with ``c = 2 sqrt((e-1) K ln K)``, which balances the blocks'
            Exp3 regret against the ``<= Δ`` rounds lost in each block that holds a change.
        gamma: Exp3's ``γ`` (default tuned to the block length, Auer et al. 2002 Cor. 3.2).
        horizon / changes / num_actions: ``T``, ``Υ`` and ``K`` for the defaults.
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        An :class:`Exp3Restart` learner (``feedback = Bandit``): with ``Υ`` changes, dynamic regret
        ``<= (T/Δ + 1) c sqrt(Δ) + Υ Δ``, i.e. ``3 Υ^{1/3} (c T / 2)^{2/3}`` with the default ``Δ``.

    Example:
        >>> learner = exp3_restart(horizon=10_000, changes=4, num_actions=2)
        >>> learner.period, round(learner.gamma, 3)
        (246, 0.057)

    Paper: Auer, Cesa-Bianchi, Freund & Schapire, SIAM J. Comput. 2002, Cor. 3.2 (Exp3 on each
    block); the restart scheme is Besbes, Gur & Zeevi 2014's (see :func:`rexp3`).
    """
    k = check_int("num_actions", num_actions)
    if period is None:
        if horizon is None:
            raise ValueError("exp3_restart needs period >= 1 or horizon >= 1 (to tune it)")
        c = 2.0 * math.sqrt((math.e - 1) * k * math.log(max(k, 2)))
        period = max(1, int(round((check_int("horizon", horizon) * c / (2.0 * check_int("changes", changes))) ** (2 / 3))))
    period = check_int("period", period)
    return Exp3Restart(period, _exp3_gamma(k, period) if gamma is None else gamma, reward_range)


class Rexp3(Exp3Restart):
    """Rexp3: :class:`Exp3Restart` with the period and rate of Besbes, Gur & Zeevi (2014)."""

    name = "rexp3"


@register("rexp3", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"horizon": 300, "variation": 2.0, "num_actions": 3, "reward_range": (-1e6, 1e6)}])
def rexp3(horizon: int, variation: float = 1.0, num_actions: int = 2,
          reward_range: tuple[float, float] = (0.0, 1.0)) -> Exp3Restart:
    r"""Rexp3: Exp3 restarted every ``Δ_T = ⌈(K ln K)^{1/3} (T/V_T)^{2/3}⌉`` rounds.

    .. math:: \Delta_T = \lceil (K \ln K)^{1/3} (T / V_T)^{2/3} \rceil,\qquad
              \gamma = \min\{1, \sqrt{K \ln K / ((e-1)\Delta_T)}\},

    Exp3 with this ``γ`` on each batch of ``Δ_T`` rounds.

    Args:
        horizon: ``T``; variation: the variation budget ``V_T = Σ_t max_i |μ_{t+1}(i) - μ_t(i)| > 0``;
        num_actions: ``K``; reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        An :class:`Rexp3` learner: ``R^dyn_T <= C (K ln K V_T)^{1/3} T^{2/3}`` for every
        reward process with variation at most ``V_T`` (Besbes, Gur & Zeevi 2014, Thm 2; ``C`` an
        absolute constant), minimax-optimal up to the ``ln K`` factor.

    Example:
        >>> learner = rexp3(horizon=10_000, variation=2.0, num_actions=2)
        >>> learner.period, round(learner.gamma, 3)
        (327, 0.05)

    Paper: Besbes, Gur & Zeevi, "Stochastic multi-armed-bandit problem with non-stationary
    rewards", NeurIPS 2014, Thm 2.
    """
    t = check_int("horizon", horizon)
    k = check_int("num_actions", num_actions)
    v = check_positive("variation", variation)
    period = max(1, min(t, math.ceil((k * math.log(max(k, 2))) ** (1 / 3) * (t / v) ** (2 / 3))))
    return Rexp3(period, _exp3_gamma(k, period), reward_range)
