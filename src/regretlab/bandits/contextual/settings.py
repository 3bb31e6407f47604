r"""Contextual bandit settings: linear and logistic reward models, adversarial context streams,
a replay of any recorded stream, and the supervised-to-bandit conversion of a classification set.

Each is a one-player setting of :func:`regretlab.run.run`: ``context(state, 0)`` is the round's
features (``[B, D]`` shared by the arms, or ``[B, K, D]`` per arm), ``step`` answers every arm's
reward ``[B, K]`` (the learner sees the played one), and ``mean_utility(state, 0)`` is the round's
expected rewards when the model is known (so the ledger keeps pseudo-regret against the optimal
policy). Every draw is a function of (run key, stream, round), so row ``b`` equals a solo run.
:func:`record_stream` replays a setting's contexts and rewards (they do not depend on the play),
which is what :mod:`regretlab.metrics.contextual` needs for the best fixed linear policy in hindsight.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive
from regretlab.core.registry import register_env

__all__ = [
    "DATASETS",
    "ClassificationBandit",
    "LinearContextual",
    "ReplayContextual",
    "Stream",
    "classification_bandit",
    "linear_contextual",
    "logistic_contextual",
    "record_stream",
    "replay_contextual",
    "sklearn_dataset",
    "switching_contexts",
]

_LINKS = ("linear", "logistic")
_NOISES = ("bernoulli", "none")
_FEATURES = ("shared", "per_arm")
_STREAMS = ("iid", "blocks")


class _State(NamedTuple):
    t: int  # the round about to be played
    keys: np.ndarray  # [B] run keys
    mean: np.ndarray | None  # [B, K] the last round's expected rewards


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-300)


class LinearContextual:
    r"""Rewards from a linear or logistic model of the features, Bernoulli or noiseless.

    ``μ_a(x) = (1 + θ_aᵀx_a)/2`` (linear, unit vectors so ``μ ∈ [0, 1]``) or ``σ(s·θ_aᵀx_a)``
    (logistic); the reward is ``1[U < μ_a]`` (Bernoulli) or ``μ_a`` itself. Shared features use one
    ``θ_a`` per arm (the disjoint model); per-arm features one ``θ`` for all arms.
    """

    num_players = 1
    utility_range = (0.0, 1.0)

    def __init__(self, num_actions: int = 10, dim: int = 5, link: str = "linear", features: str = "shared",
                 noise: str = "bernoulli", scale: float = 4.0, stream: str = "iid", block: int = 100,
                 spread: float = 0.3, instance_seed: int = 0):
        self.k = check_int("num_actions", num_actions)
        self.num_actions = (self.k,)
        self.dim = check_int("dim", dim)
        for name, value, allowed in (("link", link, _LINKS), ("features", features, _FEATURES),
                                     ("noise", noise, _NOISES), ("stream", stream, _STREAMS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        self.link, self.features, self.noise, self.stream = link, features, noise, stream
        self.scale = check_positive("scale", scale)
        self.block = check_int("block", block)
        self.spread = check_positive("spread", spread, allow_zero=True)
        gen = np.random.default_rng(check_int("instance_seed", instance_seed, minimum=0))
        shape = (self.k, self.dim) if features == "shared" else (self.dim,)
        self.theta = _unit(gen.standard_normal(shape))  # [K, D] or [D]
        self.name = f"{link}_contextual(K={self.k}, D={self.dim}, {features}{', blocks' if stream == 'blocks' else ''})"

    def init(self, keys: np.ndarray) -> _State:
        return _State(0, np.asarray(keys, dtype=np.uint64), None)

    def _features(self, keys: np.ndarray, t: int) -> np.ndarray:
        b = keys.size
        width = self.dim if self.features == "shared" else self.k * self.dim
        g = rng.normal(rng.derive(keys, "data"), t, width)
        if self.stream == "blocks":
            # adversarial drift: the contexts of block j lie near one coordinate direction, so a
            # learner's past data say little about the next block's arms
            direction = np.zeros(width)
            direction[np.arange(0, width, self.dim) + (t // self.block) % self.dim] = 1.0
            g = direction + self.spread * g
        x = g.reshape((b, self.dim) if self.features == "shared" else (b, self.k, self.dim))
        return _unit(x)

    def context(self, state: _State, player: int = 0) -> np.ndarray:
        return self._features(state.keys, state.t)

    def mean(self, x: np.ndarray) -> np.ndarray:
        """``[B, K]`` expected rewards of features ``x``."""
        s = x @ self.theta.T if self.features == "shared" else x @ self.theta
        if self.link == "linear":
            return 0.5 * (1.0 + s)
        return 1.0 / (1.0 + np.exp(-self.scale * s))

    def step(self, state: _State, strategies: tuple[np.ndarray, ...], actions: tuple[Any, ...]) -> tuple[_State, tuple[np.ndarray]]:
        mu = self.mean(self._features(state.keys, state.t))
        if self.noise == "none":
            u = mu
        else:
            u = (rng.uniform(rng.derive(state.keys, "env"), state.t, self.k) < mu).astype(np.float64)
        return _State(state.t + 1, state.keys, mu), (u,)

    def mean_utility(self, state: _State, player: int = 0) -> np.ndarray | None:
        return state.mean

    def __repr__(self) -> str:
        return self.name


@register_env("linear_contextual", family="contextual", test_params=[{"num_actions": 3, "dim": 2}])
def linear_contextual(num_actions: int = 10, dim: int = 5, features: str = "shared", noise: str = "bernoulli",
                      instance_seed: int = 0) -> LinearContextual:
    """Linear rewards ``μ_a = (1 + θ_aᵀx)/2`` on unit-norm Gaussian contexts, Bernoulli or noiseless.

    Example:
        >>> from regretlab.core import rng
        >>> env = linear_contextual(num_actions=3, dim=2); state = env.init(rng.spawn_keys(0, 4))
        >>> env.context(state).shape, env.step(state, (None,), (None,))[1][0].shape
        ((4, 2), (4, 3))
    """
    return LinearContextual(num_actions, dim, "linear", features, noise, instance_seed=instance_seed)


@register_env("logistic_contextual", family="contextual", test_params=[{"num_actions": 3, "dim": 2}])
def logistic_contextual(num_actions: int = 10, dim: int = 5, features: str = "shared", scale: float = 4.0,
                        instance_seed: int = 0) -> LinearContextual:
    """Bernoulli rewards with logistic means ``μ_a = σ(s·θ_aᵀx)`` (a misspecified model for linear learners)."""
    return LinearContextual(num_actions, dim, "logistic", features, "bernoulli", scale=scale,
                            instance_seed=instance_seed)


@register_env("switching_contexts", family="contextual", test_params=[{"num_actions": 3, "dim": 2, "block": 5}])
def switching_contexts(num_actions: int = 10, dim: int = 5, block: int = 100, spread: float = 0.3,
                       features: str = "shared", instance_seed: int = 0) -> LinearContextual:
    """An adversarial context stream: linear rewards, contexts near coordinate ``(t // block) mod D``.

    Non-i.i.d. contexts concentrated in one direction per block: a learner must keep learning as
    the occupied part of feature space moves (the regret bounds of LinUCB and SquareCB hold for
    any context sequence, chosen by an adversary).
    """
    return LinearContextual(num_actions, dim, "linear", features, "bernoulli", stream="blocks", block=block,
                            spread=spread, instance_seed=instance_seed)


class ReplayContextual:
    """Replays a given stream: contexts ``[T, ...]`` and rewards ``[T, K]`` / ``[T, B, K]`` (any sequence,
    e.g. one built by an adversary), optionally with the expected rewards for pseudo-regret."""

    num_players = 1

    def __init__(self, contexts: Any, utilities: Any, means: Any = None,
                 utility_range: tuple[float, float] | None = None, batched: bool = False,
                 name: str = "replay_contextual"):
        self.batched = bool(batched)
        self.contexts = check_array("contexts", contexts)
        self.utilities = check_array("utilities", utilities)
        if self.utilities.ndim not in (2, 3) or self.contexts.shape[0] != self.utilities.shape[0]:
            raise ValueError(f"utilities must be [T, K] or [T, B, K] with T = len(contexts) = {self.contexts.shape[0]}, "
                             f"got {list(self.utilities.shape)}")
        self.means = None if means is None else check_array("means", means, shape=self.utilities.shape)
        self.horizon = self.contexts.shape[0]
        self.num_actions = (self.utilities.shape[-1],)
        lo, hi = float(self.utilities.min()), float(self.utilities.max())
        self.utility_range = utility_range or (lo, hi if hi > lo else lo + 1.0)
        self.name = name

    def init(self, keys: np.ndarray) -> _State:
        return _State(0, np.asarray(keys, dtype=np.uint64), None)

    def _at(self, arr: np.ndarray, t: int, b: int, batched_ndim: int) -> np.ndarray:
        if t >= self.horizon:
            raise ValueError(f"the replayed stream has {self.horizon} rounds; round {t + 1} was asked for")
        x = arr[t]
        return x if x.ndim == batched_ndim else np.broadcast_to(x, (b,) + x.shape)

    def context(self, state: _State, player: int = 0) -> np.ndarray:
        b = state.keys.size
        if state.t >= self.horizon:
            raise ValueError(f"the replayed stream has {self.horizon} rounds; round {state.t + 1} was asked for")
        x = self.contexts[state.t]
        return x if self.batched else np.broadcast_to(x, (b,) + x.shape)

    def step(self, state: _State, strategies: tuple[np.ndarray, ...], actions: tuple[Any, ...]) -> tuple[_State, tuple[np.ndarray]]:
        b = state.keys.size
        u = self._at(self.utilities, state.t, b, 2)
        mean = None if self.means is None else self._at(self.means, state.t, b, 2)
        return _State(state.t + 1, state.keys, mean), (np.ascontiguousarray(u, dtype=np.float64),)

    def mean_utility(self, state: _State, player: int = 0) -> np.ndarray | None:
        return state.mean

    def __repr__(self) -> str:
        return self.name


def replay_contextual(contexts: Any, utilities: Any, means: Any = None,
                      utility_range: tuple[float, float] | None = None, batched: bool = False) -> ReplayContextual:
    """A setting that replays ``contexts [T, D]`` or ``[T, K, D]`` (``batched``: ``[T, B, D]`` or
    ``[T, B, K, D]``, one stream per run) and ``utilities [T, K]`` or ``[T, B, K]``.

    Example:
        >>> env = replay_contextual(np.ones((3, 2)), np.array([[1.0, 0.0]] * 3))
        >>> from regretlab.core import rng
        >>> env.context(env.init(rng.spawn_keys(0, 2))).shape
        (2, 2)
    """
    return ReplayContextual(contexts, utilities, means, utility_range, batched)


class _ClassState(NamedTuple):
    t: int  # the round about to be played
    keys: np.ndarray  # [B] run keys
    order: np.ndarray  # [B, n] this epoch's order of the examples, per run
    mean: np.ndarray | None  # [B, K] the last round's rewards (deterministic: 1 on the true class)


class ClassificationBandit:
    """Supervised-to-bandit conversion: one arm per class, reward 1 when the arm is the label.

    Each run goes through the examples in its own random order (a new permutation per pass, a
    function of the run key and the pass). The reward is deterministic given the example, so
    ``mean_utility`` is the one-hot of the label: pseudo-regret is the number of mistakes.
    """

    num_players = 1
    utility_range = (0.0, 1.0)

    def __init__(self, X: Any, y: Any, name: str = "classification"):
        self.X = np.ascontiguousarray(check_array("X", X))
        labels = np.asarray(y)
        if self.X.ndim != 2 or labels.shape != (self.X.shape[0],):
            raise ValueError(f"X must be [n, D] and y [n], got {list(self.X.shape)} and {list(labels.shape)}")
        self.classes, self.y = np.unique(labels, return_inverse=True)
        self.k = int(self.classes.size)
        if self.k < 2:
            raise ValueError("y must have at least 2 classes (one arm per class)")
        self.num_actions = (self.k,)
        self.n, self.dim = self.X.shape
        self.name = name

    def _order(self, keys: np.ndarray, epoch: int) -> np.ndarray:
        return np.argsort(rng.uniform(rng.derive(keys, "data"), epoch, self.n), axis=1, kind="stable")

    def init(self, keys: np.ndarray) -> _ClassState:
        keys = np.asarray(keys, dtype=np.uint64)
        return _ClassState(0, keys, self._order(keys, 0), None)

    def example(self, state: _ClassState) -> np.ndarray:
        """``[B]`` the index of each run's example this round."""
        return state.order[:, state.t % self.n]

    def context(self, state: _ClassState, player: int = 0) -> np.ndarray:
        return self.X[self.example(state)]

    def step(self, state: _ClassState, strategies: tuple[np.ndarray, ...], actions: tuple[Any, ...]) -> tuple[_ClassState, tuple[np.ndarray]]:
        b = state.keys.size
        u = np.zeros((b, self.k))
        u[np.arange(b), self.y[self.example(state)]] = 1.0
        t = state.t + 1
        order = state.order if t % self.n else self._order(state.keys, t // self.n)
        return _ClassState(t, state.keys, order, u), (u,)

    def mean_utility(self, state: _ClassState, player: int = 0) -> np.ndarray | None:
        return state.mean

    def __repr__(self) -> str:
        return self.name


DATASETS = ("digits", "wine", "breast_cancer")


def sklearn_dataset(name: str, bias: bool = True, components: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(X [n, D], y [n])`` of a scikit-learn toy dataset, features standardised (plus a constant 1).

    ``digits`` (n = 1797, 64 pixels, 10 classes), ``wine`` (178, 13, 3), ``breast_cancer``
    (569, 30, 2). ``components``: keep only the projections on the top principal components of
    the standardised features (an SVD, deterministic up to sign, fixed here by the largest entry).
    Needs scikit-learn (the ``data`` extra); the data ship inside its wheel.
    """
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    try:
        import sklearn.datasets as skd
    except ModuleNotFoundError:  # pragma: no cover - depends on the install
        from regretlab.datasets.base import DatasetUnavailable

        raise DatasetUnavailable(f"the {name} dataset needs scikit-learn: pip install 'regretlab[data]'") from None
    data = getattr(skd, f"load_{name}")()
    X = np.asarray(data.data, dtype=np.float64)
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    if components is not None:
        m = check_int("components", components)
        if m > X.shape[1]:
            raise ValueError(f"components must be at most the {X.shape[1]} features of {name}, got {m}")
        _, _, vt = np.linalg.svd(X, full_matrices=False)
        vt = vt[:m] * np.sign(vt[:m][np.arange(m), np.abs(vt[:m]).argmax(axis=1)])[:, None]
        X = X @ vt.T
        X /= X[:, :1].std()  # the first component at unit scale
    X /= np.sqrt(X.shape[1])  # rows of norm about 1, the scale the linear learners' defaults assume
    if bias:
        X = np.hstack([X, np.ones((X.shape[0], 1))])
    return X, np.asarray(data.target)


@register_env("classification_bandit", family="contextual", test_params=[{"dataset": "wine"}])
def classification_bandit(dataset: str = "digits", X: Any = None, y: Any = None,
                          components: int | None = None) -> ClassificationBandit:
    """A classification dataset as a contextual bandit: one arm per class, reward 1 when correct.

    Args:
        dataset: a scikit-learn toy set (``digits``, ``wine``, ``breast_cancer``), ignored when
            ``X`` and ``y`` are given (any classification data: e.g. UCI Adult features).
        X: ``[n, D]`` features; y: ``[n]`` labels.
        components: keep the top principal components of a scikit-learn set (:func:`sklearn_dataset`).

    Example:
        >>> env = classification_bandit("wine")
        >>> env.num_actions, env.dim
        ((3,), 14)
    """
    if X is None:
        X, y = sklearn_dataset(dataset, components=components)
        pcs = f", {components} PCs" if components else ""
        return ClassificationBandit(X, y, name=f"{dataset}{pcs} (bandit feedback)")
    if y is None:
        raise ValueError("y (the labels) must be given with X")
    return ClassificationBandit(X, y, name="classification (bandit feedback)")


class Stream(NamedTuple):
    """A setting's recorded stream."""

    contexts: np.ndarray  # [T, B, D] or [T, B, K, D]
    utilities: np.ndarray  # [T, B, K] every arm's reward
    means: np.ndarray | None  # [T, B, K] expected rewards, when the setting knows them


def record_stream(setting: Any, T: int, keys: np.ndarray) -> Stream:
    """The contexts and rewards a setting shows runs ``keys`` over ``T`` rounds (the same the driver
    sees: contexts and rewards of these settings do not depend on the play)."""
    T = check_int("T", T)
    keys = np.asarray(keys, dtype=np.uint64)
    state = setting.init(keys)
    contexts: list[np.ndarray] = []
    utilities: list[np.ndarray] = []
    means: list[Any] = []
    for _ in range(T):
        contexts.append(np.array(setting.context(state, 0)))
        state, (u,) = setting.step(state, (None,), (None,))
        utilities.append(np.array(u))
        m = setting.mean_utility(state, 0) if hasattr(setting, "mean_utility") else None
        means.append(None if m is None else np.array(m))
    has_means = all(m is not None for m in means)
    return Stream(np.stack(contexts), np.stack(utilities), np.stack(means) if has_means else None)
