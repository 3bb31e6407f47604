r"""Contextual bandits over an online regression oracle: ε-greedy, explore-first and SquareCB.

The oracle is any registered online regressor of family ``"regression"`` that predicts from
plain features ``[B, D]`` (online ridge, VAW, OGD, AdaGrad, HL-Gauss: :mod:`regretlab.regression.online`;
not the heteroscedastic Gaussian, whose context is a ``(φ, ψ)`` pair, nor the groupwise learner)
or a regressor object on the same contract. One regressor per arm predicts the arm's normalised reward ``y ∈ [0, 1]`` from its
features; the ``K`` per-arm regressors of ``B`` runs are one regressor state of ``B·K`` rows (row
``b·K + a``, keys split per run so a run's rows depend on its own key), and a pull updates only
the played arm's row (``Label(..., mask)``). The strategies are mixed, so the driver's draw and the
reported ``prob`` are what off-policy estimators need.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.bandits._common import init_keys, learner_repr, round_counter
from regretlab.bandits.contextual._base import (
    check_dim,
    features,
    normalised_reward,
    one_hot,
)
from regretlab.bandits.contextual._base import reward_range as _range
from regretlab.core import rng
from regretlab.core.errors import check_int, check_positive, check_probability
from regretlab.core.registry import learners, register
from regretlab.core.types import Bandit, Label

__all__ = ["OracleBandit", "OracleState", "epsilon_greedy_oracle", "explore_first", "make_regressor", "square_cb"]


def make_regressor(regressor: Any, params: dict[str, Any] | None = None) -> Any:
    """A regression oracle: a registered name of family ``"regression"`` (made with ``params``) or an object."""
    if isinstance(regressor, str):
        entry = learners.get(regressor)
        if entry.family != "regression":
            names = ", ".join(learners.names("regression"))
            raise ValueError(f"regressor must be a registered online regressor (family 'regression': {names}), "
                             f"got {regressor!r} of family {entry.family!r}")
        return entry.factory(**dict(params or {}))
    if params:
        raise ValueError("regressor_params is for a regressor given by name; got an object and params")
    if not all(callable(getattr(regressor, m, None)) for m in ("init", "predict", "update")):
        raise TypeError(f"regressor must be a registered regressor name or an object with init/predict/update, "
                        f"got {regressor!r}")
    return regressor


class OracleState(NamedTuple):
    """State of the oracle-based contextual learners."""

    t: np.ndarray  # [B] rounds played
    key: np.ndarray  # [B] uint64 learner keys
    pulls: np.ndarray  # [B, K] pulls of each arm
    oracle: Any  # the regressor's state over B·K rows (row b·K + a: arm a of run b)


class OracleBandit:
    """Shared machinery: per-arm predictions from the oracle and its masked update."""

    feedback = Bandit
    name = "oracle_bandit"
    needs_context = True  # acts on the round's features: a context-free setting cannot drive it

    def __init__(self, dim: int, regressor: Any = "online_ridge", regressor_params: dict[str, Any] | None = None,
                 reward_range: tuple[float, float] = (0.0, 1.0)):
        self.dim = check_dim(dim)
        self.regressor = make_regressor(regressor, regressor_params)
        self.reward_range = _range(reward_range)

    def init(self, keys: Any, num_actions: int) -> OracleState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms."""
        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        arm_keys = rng.split(key, k).reshape(-1)  # [B·K]: arm a of run b from run b's key only
        return OracleState(round_counter(key.size), key, np.zeros((key.size, k)), self.regressor.init(arm_keys, self.dim))

    def predictions(self, state: OracleState, context: Any) -> np.ndarray:
        """``[B, K]`` the oracle's predicted normalised reward of every arm."""
        from regretlab.regression.types import point

        b, k = state.pulls.shape
        x = features(context, b, k, self.dim)
        flat = np.ascontiguousarray(x).reshape(b * k, self.dim)
        return point(self.regressor.predict(state.oracle, flat)).reshape(b, k)

    def update(self, state: OracleState, feedback: Bandit) -> OracleState:
        """The played arm's regressor learns ``(x_a, y)``; the other arms' rows are left as they were."""
        b, k = state.pulls.shape
        if not isinstance(feedback, Bandit):
            raise TypeError("feedback must be Bandit(action=[B], reward=[B], prob=[B], context=features) "
                            f"for a contextual bandit learner, got {type(feedback).__name__}")
        a, y, _ = normalised_reward(feedback, b, k, self.reward_range)
        x = np.ascontiguousarray(features(feedback.context, b, k, self.dim)).reshape(b * k, self.dim)
        rows = np.arange(b) * k + a
        mask = np.zeros(b * k, dtype=bool)
        mask[rows] = True
        target = np.zeros(b * k)
        target[rows] = y
        oracle = self.regressor.update(state.oracle, Label(x, target, mask))
        pulls = state.pulls.copy()
        pulls[np.arange(b), a] += 1
        return OracleState(state.t + 1, state.key, pulls, oracle)

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


class EpsilonGreedyOracle(OracleBandit):
    """ε-greedy: the oracle's best arm with probability 1 − ε, a uniform arm otherwise."""

    name = "epsilon_greedy_oracle"

    def __init__(self, dim: int, epsilon: float = 0.05, regressor: Any = "online_ridge",
                 regressor_params: dict[str, Any] | None = None, reward_range: tuple[float, float] = (0.0, 1.0)):
        super().__init__(dim, regressor, regressor_params, reward_range)
        self.epsilon = check_probability("epsilon", epsilon)

    def strategy(self, state: OracleState, context: Any = None) -> np.ndarray:
        pred = self.predictions(state, context)
        k = pred.shape[1]
        return (1.0 - self.epsilon) * one_hot(np.argmax(pred, axis=1), k) + self.epsilon / k


@register("epsilon_greedy_oracle", family="contextual", tunes=("reward_range",),
          test_params=[{"dim": 3}, {"dim": 3, "epsilon": 0.2, "regressor": "vaw", "reward_range": (-1e6, 1e6)},
                       {"dim": 3, "regressor": "ogd_regressor", "regressor_params": {"lr": 0.05}},
                       {"dim": 3, "regressor": "adagrad_regressor"},
                       {"dim": 3, "regressor": "hl_gauss_regressor",
                        "regressor_params": {"vmin": -0.5, "vmax": 1.5, "m": 8}}])
def epsilon_greedy_oracle(dim: int, epsilon: float = 0.05, regressor: Any = "online_ridge",
                          regressor_params: dict[str, Any] | None = None,
                          reward_range: tuple[float, float] = (0.0, 1.0)) -> EpsilonGreedyOracle:
    r"""ε-greedy over an online regression oracle (one regressor per arm).

    .. math:: p_t = (1-\varepsilon)\, e_{\arg\max_a \hat f_a(x_{t,a})} + \varepsilon / K,

    then the played arm's regressor learns ``(x_{t,A_t}, y_t)``.

    Args:
        dim: ``D``, the context's feature dimension.
        epsilon: exploration probability ε ∈ [0, 1].
        regressor: a registered online regressor (family ``"regression"``) or a regressor object.
        regressor_params: parameters of a regressor given by name.
        reward_range: ``(lo, hi)`` of the rewards (the oracle learns them normalised to [0, 1]).

    Returns:
        An :class:`EpsilonGreedyOracle` (mixed strategies ``[B, K]``).

    Example:
        >>> from regretlab.core import rng
        >>> eg = epsilon_greedy_oracle(dim=2, epsilon=0.3); state = eg.init(rng.spawn_keys(0, 1), 3)
        >>> eg.strategy(state, np.ones((1, 2))).round(3).tolist()   # all predict 0: arm 0 is greedy
        [[0.8, 0.1, 0.1]]

    With a tuned ε ∝ (K ln|Π| / T)^{1/3} the regret is ``O(T^{2/3} (K ln|Π|)^{1/3})`` (Langford & Zhang,
    "The epoch-greedy algorithm for contextual multi-armed bandits", NeurIPS 2007).
    """
    return EpsilonGreedyOracle(dim, epsilon=epsilon, regressor=regressor, regressor_params=regressor_params,
                               reward_range=reward_range)


class ExploreFirst(OracleBandit):
    """Uniform play for the first ``N`` rounds, then the oracle's greedy arm."""

    name = "explore_first"

    def __init__(self, dim: int, explore: int | None = None, horizon: int | None = None, regressor: Any = "online_ridge",
                 regressor_params: dict[str, Any] | None = None, reward_range: tuple[float, float] = (0.0, 1.0)):
        super().__init__(dim, regressor, regressor_params, reward_range)
        self.explore = None if explore is None else check_int("explore", explore, minimum=0)
        self.horizon = None if horizon is None else check_int("horizon", horizon)
        if self.explore is None and self.horizon is None:
            raise ValueError("explore_first needs explore >= 0 (exploration rounds) or horizon >= 1 (to tune it)")

    def rounds(self, k: int) -> int:
        """``N``: ``explore``, or ``⌈T^{2/3} (K ln T)^{1/3}⌉`` (capped at ``T``) from the horizon."""
        if self.explore is not None:
            return self.explore
        horizon = int(self.horizon or 1)
        t = float(horizon)
        return int(min(horizon, math.ceil(t ** (2 / 3) * (k * math.log(t + 1)) ** (1 / 3))))

    def strategy(self, state: OracleState, context: Any = None) -> np.ndarray:
        pred = self.predictions(state, context)
        k = pred.shape[1]
        exploring = (state.t < self.rounds(k))[:, None]
        return np.where(exploring, 1.0 / k, one_hot(np.argmax(pred, axis=1), k))


@register("explore_first", family="contextual", tunes=("horizon", "reward_range"),
          test_params=[{"dim": 3, "explore": 10}, {"dim": 3, "horizon": 100, "regressor": "vaw",
                                                    "reward_range": (-1e6, 1e6)}])
def explore_first(dim: int, explore: int | None = None, horizon: int | None = None, regressor: Any = "online_ridge",
                  regressor_params: dict[str, Any] | None = None,
                  reward_range: tuple[float, float] = (0.0, 1.0)) -> ExploreFirst:
    r"""Explore-first over an online regression oracle: ``N`` uniform rounds, then greedy.

    .. math:: p_t = \mathbf 1/K \text{ for } t < N,\qquad p_t = e_{\arg\max_a \hat f_a(x_{t,a})} \text{ after},

    every pull (also the greedy ones) updating the played arm's regressor.

    Args:
        dim: ``D``; explore: ``N`` (default from ``horizon``: ``⌈T^{2/3}(K ln T)^{1/3}⌉``);
        horizon: ``T``; regressor / regressor_params: the oracle; reward_range: ``(lo, hi)``.

    Returns:
        An :class:`ExploreFirst`.

    Example:
        >>> from regretlab.core import rng
        >>> ef = explore_first(dim=1, explore=5); state = ef.init(rng.spawn_keys(0, 1), 2)
        >>> ef.strategy(state, np.ones((1, 1))).tolist()
        [[0.5, 0.5]]

    Regret ``O(T^{2/3} (K ln|Π|)^{1/3})`` with ``N`` so tuned (Langford & Zhang 2007; the
    explore-then-commit analysis, Lattimore & Szepesvári 2020, ch. 6).
    """
    return ExploreFirst(dim, explore=explore, horizon=horizon, regressor=regressor,
                        regressor_params=regressor_params, reward_range=reward_range)


class SquareCB(OracleBandit):
    """Inverse-gap weighting of the oracle's predictions (Abe & Long 1999; Foster & Rakhlin 2020)."""

    name = "square_cb"

    def __init__(self, dim: int, gamma: float | None = None, horizon: int | None = None, scale: float = 1.0,
                 regressor: Any = "online_ridge", regressor_params: dict[str, Any] | None = None,
                 reward_range: tuple[float, float] = (0.0, 1.0)):
        super().__init__(dim, regressor, regressor_params, reward_range)
        self.gamma = None if gamma is None else check_positive("gamma", gamma)
        self.horizon = None if horizon is None else check_int("horizon", horizon)
        self.scale = check_positive("scale", scale)

    def rate(self, k: int, t: np.ndarray) -> np.ndarray:
        """``[B]`` γ: fixed, ``scale·sqrt(K T / (D ln(e + T)))`` from the horizon, or the same with the
        run's round ``t + 1`` in place of ``T`` (anytime)."""
        if self.gamma is not None:
            return np.full(t.shape, self.gamma)
        n = np.full(t.shape, float(self.horizon)) if self.horizon is not None else t + 1.0
        return self.scale * np.sqrt(k * n / (self.dim * np.log(math.e + n)))

    def strategy(self, state: OracleState, context: Any = None) -> np.ndarray:
        pred = np.clip(self.predictions(state, context), 0.0, 1.0)
        b, k = pred.shape
        best = np.argmax(pred, axis=1)
        gap = pred[np.arange(b), best][:, None] - pred
        p = 1.0 / (k + self.rate(k, state.t)[:, None] * gap)
        p[np.arange(b), best] = 0.0
        p[np.arange(b), best] = 1.0 - p.sum(axis=1)
        return p


@register("square_cb", family="contextual", tunes=("horizon", "reward_range"),
          test_params=[{"dim": 3}, {"dim": 3, "gamma": 50.0, "regressor": "vaw", "reward_range": (-1e6, 1e6)},
                       {"dim": 3, "horizon": 100, "regressor": "ogd_regressor"},
                       {"dim": 3, "regressor": "adagrad_regressor", "regressor_params": {"lr": 0.2}}])
def square_cb(dim: int, gamma: float | None = None, horizon: int | None = None, scale: float = 1.0,
              regressor: Any = "online_ridge", regressor_params: dict[str, Any] | None = None,
              reward_range: tuple[float, float] = (0.0, 1.0)) -> SquareCB:
    r"""SquareCB: inverse-gap weighting over an online square-loss regression oracle.

    .. math::
        p_t(a) = \frac{1}{K + \gamma(\hat y_{t,b} - \hat y_{t,a})}\ (a \ne b),\qquad
        p_t(b) = 1 - \sum_{a\ne b} p_t(a),\qquad b = \arg\max_a \hat y_{t,a},

    ŷ the oracle's predictions clipped to [0, 1]; the played arm's regressor learns ``(x, y)``.

    Args:
        dim: ``D``; gamma: γ (fixed); horizon: ``T`` to tune ``γ = scale·sqrt(K T/(D ln(e+T)))``
            (without either: the anytime ``γ_t`` with ``t + 1`` for ``T``); scale: factor of the tuned γ;
        regressor / regressor_params: the oracle (online ridge, VAW, OGD, AdaGrad ...);
        reward_range: ``(lo, hi)``.

    Returns:
        A :class:`SquareCB` (mixed strategies ``[B, K]``).

    Example:
        >>> from regretlab.core import rng
        >>> sq = square_cb(dim=1, gamma=10.0); state = sq.init(rng.spawn_keys(0, 1), 2)
        >>> sq.strategy(state, np.ones((1, 1))).tolist()   # no gap yet: uniform
        [[0.5, 0.5]]

    Regret ``≤ 2 sqrt(K T Reg_sq(T))`` plus lower order with ``γ = sqrt(K T / Reg_sq(T))``, where
    ``Reg_sq`` is the oracle's square-loss regret (``O(D ln T)`` for ridge/VAW): Foster & Rakhlin,
    "Beyond UCB: optimal and efficient contextual bandits with regression oracles", ICML 2020, Thm 1.
    """
    return SquareCB(dim, gamma=gamma, horizon=horizon, scale=scale, regressor=regressor,
                    regressor_params=regressor_params, reward_range=reward_range)
