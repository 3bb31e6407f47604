r"""Policy classes for contextual bandits, and Exp4 over one.

A *policy* maps a round's features ``x [B, K, D]`` (per arm; shared features are the same row for
every arm) to a distribution over the ``K`` arms, ``[B, K]``: any callable does. Two kinds are
built in: :class:`LinearPolicy` (greedy in ``θ_aᵀx_a``, or ``θᵀx_a`` with one ``θ``) and
:class:`ClassifierPolicy`, which wraps an offline-trained classifier (anything with ``predict``
and optionally ``predict_proba``, e.g. a fitted scikit-learn estimator) so that the class it
predicts is the arm it plays. :class:`PolicyClass` stacks ``N`` policies into the advice
``[B, N, K]`` that Exp4 reads, and :func:`policy_exp4` is the registered learner that feeds the
advice of a policy class to :func:`regretlab.bandits.adversarial.exp4` each round (a wrapper:
Exp4 itself is unchanged).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from regretlab.bandits._common import learner_repr, round_counter
from regretlab.bandits.adversarial import exp4
from regretlab.bandits.contextual._base import check_dim, features, one_hot
from regretlab.bandits.contextual._base import reward_range as _range
from regretlab.core.errors import check_array, check_int
from regretlab.core.registry import register
from regretlab.core.types import Bandit

__all__ = ["ClassifierPolicy", "LinearPolicy", "PolicyClass", "PolicyExp4", "policy_exp4", "random_linear_policies"]


class LinearPolicy:
    """Greedy linear policy: ``argmax_a θ_aᵀx_a`` (``theta [K, D]``) or ``argmax_a θᵀx_a`` (``theta [D]``).

    Example:
        >>> pi = LinearPolicy(np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> pi(np.array([[[0.2, 0.9], [0.2, 0.9]]])).tolist()   # arm 1 scores 0.9 > 0.2
        [[0.0, 1.0]]
    """

    def __init__(self, theta: Any):
        self.theta = check_array("theta", theta)
        if self.theta.ndim not in (1, 2):
            raise ValueError(f"theta must be [K, D] (one row per arm) or [D] (one vector), got {list(self.theta.shape)}")

    def scores(self, x: np.ndarray) -> np.ndarray:
        """``[B, K]`` linear scores of features ``x [B, K, D]``."""
        d = self.theta.shape[-1]
        if x.ndim != 3 or x.shape[2] != d or (self.theta.ndim == 2 and x.shape[1] != self.theta.shape[0]):
            want = f"[B, {self.theta.shape[0]}, {d}]" if self.theta.ndim == 2 else f"[B, K, {d}]"
            raise ValueError(f"context must be features {want} for this linear policy, got {list(np.shape(x))}")
        if self.theta.ndim == 1:
            return np.einsum("bkd,d->bk", x, self.theta)
        return np.einsum("bkd,kd->bk", x, self.theta)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        s = self.scores(x)
        return one_hot(np.argmax(s, axis=1), s.shape[1])

    def __repr__(self) -> str:
        return f"LinearPolicy(theta {list(self.theta.shape)})"


class ClassifierPolicy:
    """An offline-learned classifier as a policy: arm = predicted class (features shared by the arms).

    Args:
        estimator: fitted, with ``predict(X [B, D]) -> labels`` (and ``predict_proba`` when
            ``stochastic``); its ``classes_`` (default ``0..K-1``) are the arms.
        stochastic: play ``predict_proba`` (a randomised policy) instead of the predicted class.
    """

    def __init__(self, estimator: Any, stochastic: bool = False):
        if not callable(getattr(estimator, "predict", None)):
            raise TypeError(f"estimator must have a predict method (a fitted classifier), got {estimator!r}")
        if stochastic and not callable(getattr(estimator, "predict_proba", None)):
            raise TypeError("stochastic=True needs an estimator with predict_proba")
        self.estimator, self.stochastic = estimator, bool(stochastic)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        b, k, _ = x.shape
        rows = np.ascontiguousarray(x[:, 0, :])
        classes = np.asarray(getattr(self.estimator, "classes_", np.arange(k)))
        if classes.size > k or (np.issubdtype(classes.dtype, np.integer) and (classes.min() < 0 or classes.max() >= k)):
            raise ValueError(f"the classifier's classes {classes.tolist()} must be arms 0..{k - 1}")
        index = np.searchsorted(np.arange(k), classes) if np.issubdtype(classes.dtype, np.integer) else np.arange(classes.size)
        out = np.zeros((b, k))
        if self.stochastic:
            out[:, index] = np.asarray(self.estimator.predict_proba(rows), dtype=np.float64)
            return out
        label = np.asarray(self.estimator.predict(rows))
        arm = index[np.searchsorted(classes, label)] if classes.size else label.astype(np.int64)
        out[np.arange(b), arm] = 1.0
        return out

    def __repr__(self) -> str:
        return f"ClassifierPolicy({type(self.estimator).__name__})"


class PolicyClass:
    """``N`` policies; :meth:`advice` is their distributions ``[B, N, K]`` on a round's context.

    Example:
        >>> pc = PolicyClass([LinearPolicy(np.array([1.0, 0.0])), LinearPolicy(np.array([0.0, 1.0]))], dim=2)
        >>> pc.advice(np.array([[[1.0, 0.0], [0.0, 1.0]]]), batch=1, num_actions=2).tolist()
        [[[1.0, 0.0], [0.0, 1.0]]]
    """

    def __init__(self, policies: Sequence[Callable[[np.ndarray], np.ndarray]], dim: int):
        self.policies = list(policies)
        if not self.policies or not all(callable(p) for p in self.policies):
            raise ValueError("policies must be a non-empty list of policies (callables: features [B, K, D] -> [B, K])")
        self.dim = check_dim(dim)

    def __len__(self) -> int:
        return len(self.policies)

    def advice(self, context: Any, batch: int, num_actions: int) -> np.ndarray:
        """``[B, N, K]``: each policy's distribution over the arms for this round's features."""
        x = features(context, batch, num_actions, self.dim)
        out = np.empty((batch, len(self.policies), num_actions))
        for j, pi in enumerate(self.policies):
            p = np.asarray(pi(x), dtype=np.float64)
            if p.shape != (batch, num_actions) or not np.isfinite(p).all() or (p < -1e-12).any() \
                    or not np.allclose(p.sum(axis=1), 1.0):
                raise ValueError(f"policy {j} ({pi!r}) must return [{batch}, {num_actions}] distributions over "
                                 f"the arms, got {list(p.shape)}")
            out[:, j] = p
        return out

    def rewards(self, contexts: np.ndarray, utilities: np.ndarray) -> np.ndarray:
        """``[T, B, N]`` each policy's expected utility per round on a recorded stream
        (``contexts [T, B, ...]``, ``utilities [T, B, K]``): the comparators of Exp4's regret."""
        t_len, b, k = utilities.shape
        return np.stack([np.einsum("bnk,bk->bn", self.advice(contexts[t], b, k), utilities[t]) for t in range(t_len)])


def random_linear_policies(num: int, dim: int, seed: int = 0) -> list[LinearPolicy]:
    """``num`` linear policies ``θ ~ N(0, I_D)`` (one vector each, scoring per-arm features)."""
    gen = np.random.default_rng(seed)
    return [LinearPolicy(gen.standard_normal(check_dim(dim))) for _ in range(check_int("num", num))]


class PolicyExp4State(NamedTuple):
    """State of :class:`PolicyExp4`."""

    t: np.ndarray  # [B] rounds played
    pulls: np.ndarray  # [B, K] pulls of each arm
    exp4: Any  # Exp4's state (cumulative estimated loss of each policy [B, N])


class PolicyExp4:
    """Exp4 whose experts are a policy class evaluated on the round's context."""

    feedback = Bandit
    name = "policy_exp4"
    needs_context = True  # acts on the round's features: a context-free setting cannot drive it

    def __init__(self, policies: Any, dim: int, lr: float | None = None, horizon: int | None = None,
                 exploration: float = 0.0, reward_range: tuple[float, float] = (0.0, 1.0)):
        self.policies = policies if isinstance(policies, PolicyClass) else PolicyClass(policies, dim)
        if self.policies.dim != check_dim(dim):
            raise ValueError(f"dim={dim} differs from the policy class's dim={self.policies.dim}")
        self.dim = self.policies.dim
        self.reward_range = _range(reward_range)
        self.inner = exp4(num_experts=len(self.policies), lr=lr, horizon=horizon, exploration=exploration,
                          reward_range=self.reward_range)

    def init(self, keys: Any, num_actions: int) -> PolicyExp4State:
        k = check_int("num_actions", num_actions)
        inner = self.inner.init(keys, k)
        return PolicyExp4State(round_counter(inner.key.size), np.zeros((inner.key.size, k)), inner)

    def _advice(self, state: PolicyExp4State, context: Any, k: int) -> np.ndarray:
        return self.policies.advice(context, state.t.size, k)

    def strategy(self, state: PolicyExp4State, context: Any = None) -> np.ndarray:
        return self.inner.strategy(state.exp4, self._advice(state, context, state.pulls.shape[1]))

    def update(self, state: PolicyExp4State, feedback: Bandit) -> PolicyExp4State:
        if not isinstance(feedback, Bandit):
            raise TypeError(f"feedback must be Bandit(..., context=features), got {type(feedback).__name__}")
        advice = self._advice(state, feedback.context, state.pulls.shape[1])
        inner = self.inner.update(state.exp4, Bandit(feedback.action, feedback.reward, feedback.prob, context=advice))
        pulls = state.pulls.copy()
        pulls[np.arange(pulls.shape[0]), np.asarray(feedback.action, dtype=np.int64)] += 1
        return PolicyExp4State(state.t + 1, pulls, inner)

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


_TEST_POLICIES = random_linear_policies(4, 3, seed=0)


@register("policy_exp4", family="contextual", tunes=("horizon", "reward_range"),
          test_params=[{"policies": _TEST_POLICIES, "dim": 3, "horizon": 100},
                       {"policies": _TEST_POLICIES, "dim": 3, "lr": 0.3, "exploration": 0.1,
                        "reward_range": (-1e6, 1e6)}])
def policy_exp4(policies: Any, dim: int, lr: float | None = None, horizon: int | None = None,
                exploration: float = 0.0, reward_range: tuple[float, float] = (0.0, 1.0)) -> PolicyExp4:
    r"""Exp4 over a policy class: each round the ``N`` policies' distributions on the context are the advice.

    .. math::
        \xi_t(j) = \pi_j(x_t),\qquad p_t = (1-\gamma)\,\mathrm{softmax}(-\eta\hat Y_{t-1})^\top\xi_t + \gamma/K,
        \qquad \hat Y_t(j) = \hat Y_{t-1}(j) + \xi_t(j, A_t)\,\ell_t(A_t)/p_t(A_t),

    delegated to the registered ``exp4`` (:func:`regretlab.bandits.adversarial.exp4`).

    Args:
        policies: a :class:`PolicyClass` or a list of policies (callables ``[B, K, D] -> [B, K]``,
            e.g. :class:`LinearPolicy`, :class:`ClassifierPolicy` of offline-trained models).
        dim: ``D``, the context's feature dimension.
        lr / horizon / exploration: Exp4's rate η (default ``sqrt(2 ln N/(T K))`` from ``horizon``) and γ.
        reward_range: ``(lo, hi)`` of the rewards.

    Returns:
        A :class:`PolicyExp4` (contexts ``[B, D]`` or ``[B, K, D]``).

    Example:
        >>> from regretlab.core import rng
        >>> pols = [LinearPolicy(np.array([1.0, 0.0])), LinearPolicy(np.array([0.0, 1.0]))]
        >>> lrn = policy_exp4(pols, dim=2, lr=0.5); state = lrn.init(rng.spawn_keys(0, 1), 2)
        >>> lrn.strategy(state, np.array([[[1.0, 0.0], [0.0, 1.0]]])).tolist()   # the two policies disagree
        [[0.5, 0.5]]

    Expected regret against the best policy of the class ``≤ sqrt(2 T K ln N)`` with the default rate
    and ``γ = 0`` (Bubeck & Cesa-Bianchi 2012, Thm 4.2; Lattimore & Szepesvári 2020, Thm 18.1), and
    ``≤ γT + ln N/η + ηKT/2`` for a fixed ``η`` (tests/contextual/test_exp4_bound.py). Exp4 is from Auer,
    Cesa-Bianchi, Freund & Schapire, SIAM J. Comput. 2002, §7 (their Thm 7.1 bounds the gain-based
    variant with ``η = γ/K``, not this loss-based update).
    """
    return PolicyExp4(policies, dim, lr=lr, horizon=horizon, exploration=exploration, reward_range=reward_range)
