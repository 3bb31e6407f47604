r"""Stochastic bandit baselines (UCB1, KL-UCB, MOSS, Thompson sampling, ε-greedy) and environments.

Learners follow the batched contract with ``feedback = Bandit`` and keep per-arm counts and reward
sums. Rewards are normalised to ``x = (r - lo)/(hi - lo) ∈ [0, 1]`` from the declared
``reward_range`` (default ``(0, 1)``, the range of the Bernoulli environments here); a reward
outside it raises. Index policies return the one-hot ``[B, K]`` of the arm they pull; ties go to
the lowest index; each arm is pulled once first.

Environments (:func:`bernoulli_bandit`, :func:`gaussian_bandit`) draw all ``K`` rewards each round
(the learner sees one) and expose ``means [K]`` for pseudo-regret; :func:`gap_means` builds the
classic instance with one best arm and a chosen gap.

References: Auer, Cesa-Bianchi & Fischer (Mach. Learn. 2002) UCB1 and ε_t-greedy; Garivier &
Cappé (COLT 2011) KL-UCB; Audibert & Bubeck (COLT 2009) MOSS; Agrawal & Goyal (AISTATS 2013)
Thompson sampling (Beta-Bernoulli with the Bernoulli trick; Gaussian).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from scipy.special import betaincinv

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive, check_probability
from regretlab.core.registry import register, register_env
from regretlab.core.types import Bandit

from regretlab.bandits._common import (
    STREAM_NOISE,
    STREAM_PRIOR,
    check_bandit,
    check_range,
    column,
    init_keys,
    learner_repr,
    per_run,
    round_counter,
)

__all__ = [
    "EpsilonGreedy", "KLUCB", "MOSS", "StochState", "StochasticBandit", "Thompson", "UCB1",
    "bernoulli_bandit", "epsilon_greedy", "gap_means", "gaussian_bandit", "kl_ucb", "moss",
    "thompson", "ucb1",
]


class StochState(NamedTuple):
    """State of the stochastic bandit learners (``t`` per run: the ``ln t`` of an index, ``ε_t`` and
    the random draws of row ``b`` use its own ``t[b]``)."""

    t: np.ndarray  # [B] int64 rounds played by each run
    key: np.ndarray  # [B] uint64 learner keys
    count: np.ndarray  # [B, K] pulls of each arm
    total: np.ndarray  # [B, K] sum of normalised rewards of each arm


def _one_hot(index: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((index.size, k))
    out[np.arange(index.size), index] = 1.0
    return out


class _Stochastic:
    feedback = Bandit
    name = "stochastic"
    reward_range: tuple[float, float] = (0.0, 1.0)

    def init(self, keys: Any, num_actions: int) -> StochState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms."""
        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        return StochState(round_counter(key.size), key, np.zeros((key.size, k)), np.zeros((key.size, k)))

    def index(self, state: StochState) -> np.ndarray:
        raise NotImplementedError

    def strategy(self, state: StochState, context: Any = None) -> np.ndarray:
        k = state.count.shape[1]
        untried = state.count == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            idx = self.index(state)
        idx = np.where(untried, np.inf, idx)
        return _one_hot(np.argmax(idx, axis=1), k)

    def _reward(self, state: StochState, feedback: Any) -> tuple[np.ndarray, np.ndarray]:
        b, k = state.count.shape
        lo, hi = self.reward_range
        a, r, _ = check_bandit(feedback, b, k, lo, hi)
        return a, (r - lo) / (hi - lo)

    def update(self, state: StochState, feedback: Any) -> StochState:
        a, x = self._reward(state, feedback)
        rows = np.arange(a.size)
        count, total = state.count.copy(), state.total.copy()
        count[rows, a] += 1
        total[rows, a] += x
        return state._replace(t=state.t + 1, count=count, total=total)

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


class UCB1(_Stochastic):
    r"""UCB1: pull :math:`\arg\max_i \hat\mu_i + c\sqrt{2 \ln t / n_i}`.

    With ``c = 1`` and rewards in [0, 1]: ``E[R_T] <= Σ_{i: Δ_i>0} 8 ln T / Δ_i + (1 + π²/3) Σ_i Δ_i``
    (Auer, Cesa-Bianchi & Fischer 2002, Thm 1).
    """

    name = "ucb1"

    def __init__(self, c: float = 1.0, reward_range: tuple[float, float] = (0.0, 1.0)):
        self.c = check_positive("c", c, allow_zero=True)
        self.reward_range = check_range("reward_range", reward_range)

    def index(self, state: StochState) -> np.ndarray:
        n = state.count
        log_t = column(per_run(lambda t: math.log(max(t, 1)), state.t))  # ln t of each run
        return state.total / n + self.c * np.sqrt(2.0 * log_t / n)


@register("ucb1", family="bandits", tunes=("reward_range",), test_params=[{"reward_range": (-1e6, 1e6)}, {"reward_range": (-1e6, 1e6), "c": 0.5}])
def ucb1(c: float = 1.0, reward_range: tuple[float, float] = (0.0, 1.0)) -> UCB1:
    r"""UCB1: pull the arm with the largest upper confidence bound (each arm once first).

    .. math:: A_t = \arg\max_i \hat\mu_i + c\sqrt{2 \ln t / n_i},\qquad \hat\mu_i = \frac{1}{n_i}\sum_{s: A_s = i} x_s.

    Args:
        c: exploration constant (1: the paper's index).
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``); ``x = (r - lo)/(hi - lo)``.

    Returns:
        A :class:`UCB1` learner (``feedback = Bandit``, one-hot strategy): ``E[R_T] <= Σ_{Δ_i > 0}
        8 ln T/Δ_i + (1 + π²/3) Σ_i Δ_i`` for rewards in ``[0, 1]``.

    Example:
        >>> from regretlab.bandits import bernoulli_bandit, play
        >>> out = play(ucb1(), bernoulli_bandit(means=[0.7, 0.3]), T=2000, batch=4)
        >>> bool((out["pseudo_regret"][-1] < 8 * np.log(2000) / 0.4 + 4).all())
        True

    Paper: Auer, Cesa-Bianchi & Fischer, "Finite-time analysis of the multiarmed bandit problem",
    Machine Learning 2002, Thm 1.
    """
    return UCB1(c, reward_range)


def kl_bernoulli(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``kl(p, q) = p ln(p/q) + (1-p) ln((1-p)/(1-q))`` elementwise (clipped away from 0 and 1)."""
    eps = 1e-15
    p = np.clip(p, eps, 1 - eps)
    q = np.clip(q, eps, 1 - eps)
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


class KLUCB(_Stochastic):
    r"""KL-UCB: :math:`\max\{q \in [\hat\mu_i, 1] : n_i\, kl(\hat\mu_i, q) \le \ln t + c \ln\ln t\}`, by bisection.

    Asymptotically optimal for Bernoulli rewards: ``limsup E[R_T]/ln T = Σ Δ_i / kl(μ_i, μ*)``
    (Garivier & Cappé 2011, Thm 2, with ``c = 3``; ``c = 0`` is the recommended practical choice).
    """

    name = "kl_ucb"

    def __init__(self, c: float = 0.0, iters: int = 32, reward_range: tuple[float, float] = (0.0, 1.0)):
        self.c = check_positive("c", c, allow_zero=True)
        self.iters = check_int("iters", iters)
        self.reward_range = check_range("reward_range", reward_range)

    def index(self, state: StochState) -> np.ndarray:
        n = np.maximum(state.count, 1)
        mu = state.total / n
        budget = column(per_run(self._budget, state.t)) / n
        lo, hi = mu.copy(), np.ones_like(mu)
        for _ in range(self.iters):
            mid = 0.5 * (lo + hi)
            ok = kl_bernoulli(mu, mid) <= budget
            lo = np.where(ok, mid, lo)
            hi = np.where(ok, hi, mid)
        return lo

    def _budget(self, t: int) -> float:
        """``ln t + c ln ln t`` at round ``t`` (0 for ``t <= 1``)."""
        t = max(t, 1)
        return math.log(t) + self.c * math.log(max(math.log(t), 1e-12)) if t > 1 else 0.0


@register("kl_ucb", family="bandits", tunes=("reward_range",), test_params=[{"reward_range": (-1e6, 1e6)}, {"reward_range": (-1e6, 1e6), "c": 3.0}])
def kl_ucb(c: float = 0.0, iters: int = 32, reward_range: tuple[float, float] = (0.0, 1.0)) -> KLUCB:
    r"""KL-UCB: the largest mean still plausible under a Bernoulli KL confidence bound, by bisection.

    .. math:: A_t = \arg\max_i \max\{q \in [\hat\mu_i, 1] : n_i\, \mathrm{kl}(\hat\mu_i, q) \le \ln t + c \ln\ln t\}.

    Args:
        c: the ``ln ln t`` constant (3 in the analysis, 0 recommended in practice).
        iters: bisection steps.
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        A :class:`KLUCB` learner (``feedback = Bandit``): asymptotically optimal for Bernoulli arms,
        ``limsup E[R_T]/ln T = Σ_i Δ_i/kl(μ_i, μ*)``.

    Example:
        >>> from regretlab.bandits import bernoulli_bandit, play
        >>> out = play(kl_ucb(), bernoulli_bandit(means=[0.7, 0.3]), T=2000, batch=4)
        >>> bool((out["pseudo_regret"][-1] < 60).all())
        True

    Paper: Garivier & Cappé, "The KL-UCB algorithm for bounded stochastic bandits and beyond", COLT 2011, Thm 2.
    """
    return KLUCB(c, iters, reward_range)


class MOSS(_Stochastic):
    r"""MOSS: :math:`\hat\mu_i + \sqrt{\max(\ln(T/(K n_i)), 0)/n_i}`; minimax regret ``<= 49 sqrt(K T)``
    (Audibert & Bubeck 2009, Thm 5)."""

    name = "moss"

    def __init__(self, horizon: int, reward_range: tuple[float, float] = (0.0, 1.0)):
        self.horizon = check_int("horizon", horizon)
        self.reward_range = check_range("reward_range", reward_range)

    def index(self, state: StochState) -> np.ndarray:
        n = state.count
        k = n.shape[1]
        return state.total / n + np.sqrt(np.maximum(np.log(self.horizon / (k * n)), 0.0) / n)


@register("moss", family="bandits", tunes=("horizon", "reward_range"), test_params=[{"reward_range": (-1e6, 1e6), "horizon": 100}])
def moss(horizon: int, reward_range: tuple[float, float] = (0.0, 1.0)) -> MOSS:
    r"""MOSS: a minimax-optimal index policy for a known horizon.

    .. math:: A_t = \arg\max_i \hat\mu_i + \sqrt{\frac{\max(\ln(T/(K n_i)), 0)}{n_i}}.

    Args:
        horizon: ``T``.
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        A :class:`MOSS` learner (``feedback = Bandit``): minimax regret ``<= 49 sqrt(K T)``.

    Example:
        >>> from regretlab.bandits import bernoulli_bandit, play
        >>> out = play(moss(horizon=2000), bernoulli_bandit(means=[0.7, 0.3]), T=2000, batch=4)
        >>> bool((out["pseudo_regret"][-1] < 49 * np.sqrt(2 * 2000)).all())
        True

    Paper: Audibert & Bubeck, "Minimax policies for adversarial and stochastic bandits", COLT 2009, Thm 5.
    """
    return MOSS(horizon, reward_range)


class Thompson(_Stochastic):
    r"""Thompson sampling: pull the argmax of one posterior draw per arm.

    ``prior="beta"``: :math:`\theta_i \sim \mathrm{Beta}(1 + S_i, 1 + F_i)`, where a reward
    ``x ∈ [0,1]`` counts as a success with probability ``x`` (Agrawal & Goyal 2012's Bernoulli
    trick). ``prior="gaussian"``: :math:`\theta_i \sim \mathcal N(\hat\mu_i, \sigma^2/(n_i+1))`.
    Regret ``O(Σ ln T / Δ_i)`` (Agrawal & Goyal 2013, Thms 1-2).
    """

    name = "thompson"

    def __init__(self, prior: str = "beta", sigma: float = 1.0, reward_range: tuple[float, float] = (0.0, 1.0)):
        if prior not in ("beta", "gaussian"):
            raise ValueError(f"prior must be 'beta' or 'gaussian', got {prior!r}")
        self.prior = prior
        self.sigma = check_positive("sigma", sigma)
        self.reward_range = check_range("reward_range", reward_range)

    def strategy(self, state: StochState, context: Any = None) -> np.ndarray:
        b, k = state.count.shape
        u = rng.uniform(rng.derive(state.key, STREAM_NOISE), state.t, k)
        if self.prior == "beta":
            theta = betaincinv(1.0 + state.total, 1.0 + state.count - state.total, u)
        else:
            from scipy.special import ndtri

            mean = state.total / np.maximum(state.count, 1)
            theta = mean + self.sigma * ndtri(u) / np.sqrt(state.count + 1.0)
        return _one_hot(np.argmax(theta, axis=1), k)

    def update(self, state: StochState, feedback: Any) -> StochState:
        if self.prior == "gaussian":
            return super().update(state, feedback)
        a, x = self._reward(state, feedback)
        coin = rng.uniform(rng.derive(state.key, STREAM_PRIOR), state.t, 1)[:, 0] < x  # Bernoulli trick
        rows = np.arange(a.size)
        count, total = state.count.copy(), state.total.copy()
        count[rows, a] += 1
        total[rows, a] += coin
        return state._replace(t=state.t + 1, count=count, total=total)


@register("thompson", family="bandits", tunes=("reward_range",), test_params=[{"reward_range": (-1e6, 1e6)}, {"reward_range": (-1e6, 1e6), "prior": "gaussian", "sigma": 0.5}])
def thompson(prior: str = "beta", sigma: float = 1.0, reward_range: tuple[float, float] = (0.0, 1.0)) -> Thompson:
    r"""Thompson sampling: pull the argmax of one posterior draw per arm (Beta-Bernoulli or Gaussian).

    .. math::
        \theta_i \sim \mathrm{Beta}(1 + S_i, 1 + F_i) \ \text{or}\ \mathcal N\!\Big(\hat\mu_i, \frac{\sigma^2}{n_i + 1}\Big),
        \qquad A_t = \arg\max_i \theta_i,

    a reward ``x ∈ [0, 1]`` counting as a success with probability ``x`` (the Bernoulli trick).

    Args:
        prior: ``"beta"`` or ``"gaussian"``.
        sigma: the Gaussian posterior's scale.
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        A :class:`Thompson` learner (``feedback = Bandit``): regret ``O(Σ_i ln T/Δ_i)``.

    Example:
        >>> from regretlab.bandits import bernoulli_bandit, play
        >>> out = play(thompson(), bernoulli_bandit(means=[0.7, 0.3]), T=2000, batch=4)
        >>> bool((out["pseudo_regret"][-1] < 60).all())
        True

    Paper: Agrawal & Goyal, "Further optimal regret bounds for Thompson sampling", AISTATS 2013, Thms 1-2.
    """
    return Thompson(prior, sigma, reward_range)


class EpsilonGreedy(_Stochastic):
    r"""ε-greedy: :math:`p_t = \epsilon_t/K + (1-\epsilon_t)\,1[i = \arg\max \hat\mu]`.

    ``schedule="fixed"``: ``ε_t = epsilon`` (linear regret ``≈ ε T Δ̄``); ``"decay"``:
    ``ε_t = min(1, epsilon · K / t)`` (Auer et al. 2002's ε_n-greedy with ``epsilon = c/d²``,
    logarithmic regret when ``d`` lower-bounds the gap).
    """

    name = "epsilon_greedy"

    def __init__(self, epsilon: float = 0.1, schedule: str = "fixed", reward_range: tuple[float, float] = (0.0, 1.0)):
        if schedule not in ("fixed", "decay"):
            raise ValueError(f"schedule must be 'fixed' or 'decay', got {schedule!r}")
        self.schedule = schedule
        self.epsilon = check_probability("epsilon", epsilon) if schedule == "fixed" else check_positive("epsilon", epsilon)
        self.reward_range = check_range("reward_range", reward_range)

    def rate(self, k: int, t: Any) -> float | np.ndarray:
        """``ε_t`` at round ``t`` (an int, or per-run counters ``[B]``: one float when the runs share a
        round, else ``[B]``)."""
        if self.schedule == "fixed":
            return self.epsilon
        return per_run(lambda s: min(1.0, self.epsilon * k / max(s, 1)), t)

    def strategy(self, state: StochState, context: Any = None) -> np.ndarray:
        k = state.count.shape[1]
        eps = column(self.rate(k, state.t))
        mean = np.where(state.count > 0, state.total / np.maximum(state.count, 1), np.inf)
        return eps / k + (1 - eps) * _one_hot(np.argmax(mean, axis=1), k)


@register("epsilon_greedy", family="bandits", tunes=("reward_range",), test_params=[{"reward_range": (-1e6, 1e6)}, {"reward_range": (-1e6, 1e6), "epsilon": 5.0, "schedule": "decay"}])
def epsilon_greedy(epsilon: float = 0.1, schedule: str = "fixed",
                   reward_range: tuple[float, float] = (0.0, 1.0)) -> EpsilonGreedy:
    r"""ε-greedy: the empirically best arm, or a uniform arm with probability ``ε_t``.

    .. math:: p_t = \frac{\epsilon_t}{K} + (1 - \epsilon_t)\, 1[i = \arg\max_j \hat\mu_j],\qquad
              \epsilon_t = \epsilon \ \text{(fixed)}\ \text{or}\ \min(1, \epsilon K/t) \ \text{(decay)}.

    Args:
        epsilon: the exploration rate (fixed) or its constant ``c/d²`` (decay).
        schedule: ``"fixed"`` (linear regret ``≈ ε T Δ̄``) or ``"decay"`` (logarithmic when ``d``
            lower-bounds the gap).
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        An :class:`EpsilonGreedy` learner (``feedback = Bandit``).

    Example:
        >>> from regretlab.core import rng
        >>> learner = epsilon_greedy(0.1); s = learner.init(rng.spawn_keys(0, 1), 4)
        >>> learner.strategy(s).round(3).tolist()             # no arm tried yet: the first one, plus ε/K
        [[0.925, 0.025, 0.025, 0.025]]

    Paper: Auer, Cesa-Bianchi & Fischer, Machine Learning 2002 (ε_n-greedy).
    """
    return EpsilonGreedy(epsilon, schedule, reward_range)


# ---------------------------------------------------------------------------------------------
# environments
# ---------------------------------------------------------------------------------------------
class EnvState(NamedTuple):
    """State of a stochastic bandit environment."""

    t: int  # rounds drawn
    key: np.ndarray  # [B] uint64 environment keys


def gap_means(num_actions: int, gap: float, best: float = 0.5) -> np.ndarray:
    """Means ``[K]``: arm 0 has ``best``, every other arm ``best - gap`` (the classic one-gap instance).

    Args:
        num_actions: ``K >= 2``; gap: ``Δ > 0``; best: the best mean.

    Returns:
        ``[K]`` float means.

    Example:
        >>> gap_means(3, 0.1).round(2).tolist()
        [0.5, 0.4, 0.4]
    """
    k = check_int("num_actions", num_actions, minimum=2)
    gap = check_positive("gap", gap)
    means = np.full(k, float(best) - gap)
    means[0] = best
    return means


class StochasticBandit:
    """Arms with i.i.d. rewards (Bernoulli or Gaussian); ``step`` returns all ``[B, K]`` rewards.

    Attributes:
        means: ``[K]`` arm means (pseudo-regret uses ``max(means) - means[a]``).
        num_actions: ``K``.
    """

    def __init__(self, means: Any, kind: str = "bernoulli", sigma: float = 1.0):
        self.means = check_array("means", means, shape=(None,))
        if self.means.size < 1:
            raise ValueError("means must hold at least one arm")
        if kind not in ("bernoulli", "gaussian"):
            raise ValueError(f"kind must be 'bernoulli' or 'gaussian', got {kind!r}")
        if kind == "bernoulli" and ((self.means < 0) | (self.means > 1)).any():
            raise ValueError(f"means of Bernoulli arms must be in [0, 1], got {self.means.tolist()}")
        self.kind = kind
        self.sigma = check_positive("sigma", sigma)
        self.num_actions = int(self.means.size)

    def init(self, keys: Any) -> EnvState:
        return EnvState(0, rng.derive(np.asarray(keys, dtype=np.uint64), "env"))

    def context(self, state: EnvState) -> None:
        return None

    def step(self, state: EnvState, strategy: np.ndarray) -> tuple[EnvState, np.ndarray]:
        u = rng.uniform(state.key, state.t, self.num_actions)
        if self.kind == "bernoulli":
            reward = (u < self.means[None, :]).astype(np.float64)
        else:
            from scipy.special import ndtri

            reward = self.means[None, :] + self.sigma * ndtri(u)
        return state._replace(t=state.t + 1), reward

    @property
    def mean_utility(self) -> np.ndarray:
        """``[K]`` expected utility of each arm (the driver's pseudo-regret uses it)."""
        return self.means

    def __repr__(self) -> str:
        return f"StochasticBandit(means={self.means.tolist()}, kind={self.kind!r})"


@register_env("bernoulli_bandit", family="bandits", test_params=[{"means": [0.5, 0.4, 0.3]}])
def bernoulli_bandit(means: Any = None, num_actions: int = 2, gap: float = 0.1, best: float = 0.5) -> StochasticBandit:
    r"""Bernoulli arms: every round each arm pays 1 with probability ``means_i``, else 0.

    .. math:: r_t(i) \sim \mathrm{Bernoulli}(\mu_i)\ \text{i.i.d.},\qquad \text{pseudo-regret} = \sum_t \max_j \mu_j - \langle p_t, \mu\rangle.

    Args:
        means: ``[K]`` arm means in ``[0, 1]`` (default :func:`gap_means` of the next three).
        num_actions / gap / best: ``K`` arms, arm 0 with mean ``best``, the others ``best - gap``.

    Returns:
        A :class:`StochasticBandit` environment (``mean_utility [K]`` gives the driver pseudo-regret).

    Example:
        >>> from regretlab.core import rng
        >>> env = bernoulli_bandit(num_actions=3, gap=0.2)
        >>> env.means.tolist(), env.step(env.init(rng.spawn_keys(0, 2)), None)[1].shape
        ([0.5, 0.3, 0.3], (2, 3))

    Paper: the stochastic bandit model of Lai & Robbins, "Asymptotically efficient adaptive
    allocation rules", Adv. Appl. Math. 1985.
    """
    return StochasticBandit(gap_means(num_actions, gap, best) if means is None else means, "bernoulli")


@register_env("gaussian_bandit", family="bandits", test_params=[{"means": [0.0, -0.5]}])
def gaussian_bandit(means: Any = None, num_actions: int = 2, gap: float = 0.1, best: float = 0.5,
                    sigma: float = 1.0) -> StochasticBandit:
    r"""Gaussian arms ``N(means_i, sigma²)``, i.i.d. over rounds.

    .. math:: r_t(i) \sim \mathcal N(\mu_i, \sigma^2).

    Args:
        means: ``[K]`` arm means (default :func:`gap_means` of ``num_actions``, ``gap``, ``best``).
        num_actions / gap / best: as for :func:`bernoulli_bandit`.
        sigma: the noise scale.

    Returns:
        A :class:`StochasticBandit` environment (``mean_utility [K]``).

    Example:
        >>> gaussian_bandit(means=[0.0, -0.5], sigma=0.1).means.tolist()
        [0.0, -0.5]

    Paper: Lai & Robbins 1985 (the stochastic model); Agrawal & Goyal 2013 (Gaussian Thompson sampling).
    """
    return StochasticBandit(gap_means(num_actions, gap, best) if means is None else means, "gaussian", sigma)
