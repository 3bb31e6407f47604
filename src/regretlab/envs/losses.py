"""Batched loss/utility streams: stochastic, trending, periodic, adversarial, regime-switching,
drifting, recorded and user-defined. All losses lie in [0, 1]; ``step`` returns utility = -loss.

The generators follow the loss families of Park et al., "Do LLM agents have regret?" (ICLR 2025;
spec §2.1) and the regrettable sequences on which follow-the-leader style learners fail.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive, check_probability
from regretlab.core.registry import register_env


class EnvState(NamedTuple):
    t: int  # rounds generated so far
    key: np.ndarray  # [B] environment keys
    params: Any = None  # per-run parameters drawn at init (documented per environment)


class LossEnvironment:
    """Base class: subclasses define ``draw_params`` and ``losses(state, strategy) -> [B, K]``."""

    name = "losses"
    num_actions: int
    utility_range = (-1.0, 0.0)  # losses lie in [0, 1] and enter as utility = -loss

    def init(self, keys: Any) -> EnvState:
        key = rng.derive(np.asarray(keys, dtype=np.uint64), "env")
        return EnvState(0, key, self.draw_params(key))

    def draw_params(self, key: np.ndarray) -> Any:
        return None

    def context(self, state: EnvState) -> Any:
        return None

    def losses(self, state: EnvState, strategy: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def step(self, state: EnvState, strategy: np.ndarray) -> tuple[EnvState, np.ndarray]:
        loss = self.losses(state, strategy)
        return state._replace(t=state.t + 1), -loss

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{self.name}({params})"


def _noise(key: np.ndarray, t: int, k: int, sigma: float) -> np.ndarray:
    return sigma * rng.normal(key, t + 1, k) if sigma > 0 else 0.0


class Gaussian(LossEnvironment):
    """``l_t(i) = clip(N(mu_i, sigma^2), 0, 1)`` with ``mu_i ~ U[0,1]`` drawn once per run."""

    name = "gaussian"

    def __init__(self, num_actions: int = 2, sigma: float = 0.1, means: Any = None):
        self.num_actions = check_int("num_actions", num_actions, minimum=1)
        self.sigma = check_positive("sigma", sigma, allow_zero=True)
        self.means = None if means is None else check_array("means", means, shape=(self.num_actions,))

    def draw_params(self, key: np.ndarray) -> np.ndarray:
        if self.means is not None:
            return np.broadcast_to(self.means, (key.size, self.num_actions)).copy()
        return rng.uniform(key, 0, self.num_actions)  # [B, K] means

    def losses(self, state: EnvState, strategy: np.ndarray) -> np.ndarray:
        k = self.num_actions
        return np.clip(state.params + _noise(state.key, state.t, k, self.sigma), 0.0, 1.0)


class LinearTrend(LossEnvironment):
    """``l_t(i) = clip(a_i + b_i t/T + noise)``, ``a ~ U[0,1]``, ``b ~ U[-slope, slope]`` per run."""

    name = "linear_trend"

    def __init__(self, num_actions: int = 2, horizon: int = 1000, slope: float = 0.5, sigma: float = 0.05):
        self.num_actions = check_int("num_actions", num_actions)
        self.horizon = check_int("horizon", horizon)
        self.slope = check_positive("slope", slope, allow_zero=True)
        self.sigma = check_positive("sigma", sigma, allow_zero=True)

    def draw_params(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = rng.uniform(key, 0, 2 * self.num_actions)
        k = self.num_actions
        return u[:, :k], (2 * u[:, k:] - 1) * self.slope  # a [B, K], b [B, K]

    def losses(self, state: EnvState, strategy: np.ndarray) -> np.ndarray:
        a, b = state.params
        x = a + b * (state.t / self.horizon) + _noise(state.key, state.t, self.num_actions, self.sigma)
        return np.clip(x, 0.0, 1.0)


class Sinusoidal(LossEnvironment):
    """``l_t(i) = clip(1/2 + A_i sin(2 pi t / P_i + phi_i) + noise)`` with per-run random
    amplitudes ``A ~ U[0, amplitude]``, periods ``P ~ U[min_period, max_period]``, phases."""

    name = "sinusoidal"

    def __init__(self, num_actions: int = 2, amplitude: float = 0.4, min_period: float = 10.0,
                 max_period: float = 100.0, sigma: float = 0.05):
        self.num_actions = check_int("num_actions", num_actions)
        self.amplitude = check_probability("amplitude", amplitude)
        self.min_period = check_positive("min_period", min_period)
        self.max_period = check_positive("max_period", max_period)
        if self.max_period < self.min_period:
            raise ValueError(f"max_period must be >= min_period, got {max_period} < {min_period}")
        self.sigma = check_positive("sigma", sigma, allow_zero=True)

    def draw_params(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k = self.num_actions
        u = rng.uniform(key, 0, 3 * k)
        amp = self.amplitude * u[:, :k]
        period = self.min_period + (self.max_period - self.min_period) * u[:, k:2 * k]
        phase = 2 * math.pi * u[:, 2 * k:]
        return amp, period, phase

    def losses(self, state: EnvState, strategy: np.ndarray) -> np.ndarray:
        amp, period, phase = state.params
        x = 0.5 + amp * np.sin(2 * math.pi * state.t / period + phase)
        return np.clip(x + _noise(state.key, state.t, self.num_actions, self.sigma), 0.0, 1.0)


class BernoulliLosses(LossEnvironment):
    """Independent Bernoulli losses with fixed means ``[K]`` (a stochastic experts problem)."""

    name = "bernoulli"

    def __init__(self, means: Any = (0.5, 0.6)):
        self.means = check_array("means", means, shape=(None,))
        if ((self.means < 0) | (self.means > 1)).any():
            raise ValueError(f"means must lie in [0, 1], got {self.means.tolist()}")
        self.num_actions = self.means.size

    def losses(self, state: EnvState, strategy: np.ndarray) -> np.ndarray:
        return (rng.uniform(state.key, state.t + 1, self.num_actions) < self.means).astype(float)


class Alternating(LossEnvironment):
    """The FTL killer (K = 2): ``l_1 = (1/2, 0)``, then ``(0, 1), (1, 0), (0, 1), ...``.

    FTL's regret is exactly ``T/2`` for even T; Hedge's stays ``O(sqrt T)``. ``noise`` adds
    ``U[0, noise]`` to every loss (then clips to [0, 1]).
    """

    name = "alternating"

    def __init__(self, noise: float = 0.0):
        self.num_actions = 2
        self.noise = check_probability("noise", noise)

    def losses(self, state: EnvState, strategy: np.ndarray) -> np.ndarray:
        t = state.t
        base = np.array([0.5, 0.0]) if t == 0 else (np.array([0.0, 1.0]) if t % 2 else np.array([1.0, 0.0]))
        loss = np.broadcast_to(base, (state.key.size, 2))
        if self.noise > 0:
            loss = np.clip(loss + self.noise * rng.uniform(state.key, t + 1, 2), 0.0, 1.0)
        return np.array(loss)


class Adaptive(LossEnvironment):
    """Adaptive adversary: loss 1 on the action the learner favours most (``argmax p_t``, ties to
    the lowest index), 0 elsewhere, plus optional ``U[0, noise]``. Deterministic learners suffer
    linear regret; Hedge's bound still holds because it never commits."""

    name = "adaptive"

    def __init__(self, num_actions: int = 2, noise: float = 0.0):
        self.num_actions = check_int("num_actions", num_actions, minimum=2)
        self.noise = check_probability("noise", noise)

    def losses(self, state: EnvState, strategy: np.ndarray) -> np.ndarray:
        b, k = strategy.shape
        loss = np.zeros((b, k))
        loss[np.arange(b), np.argmax(strategy, axis=1)] = 1.0
        if self.noise > 0:
            loss = np.clip(loss + self.noise * rng.uniform(state.key, state.t + 1, k), 0.0, 1.0)
        return loss


class RegimeSwitching(LossEnvironment):
    """Piecewise-stationary Bernoulli losses: ``regimes`` blocks of ``period`` rounds, each with its
    own mean vector ``U[0,1]^K`` drawn per run (or given as ``means [R, K]``); cycles through them."""

    name = "regime_switching"

    def __init__(self, num_actions: int = 4, regimes: int = 3, period: int = 1000, means: Any = None):
        self.num_actions = check_int("num_actions", num_actions)
        self.regimes = check_int("regimes", regimes)
        self.period = check_int("period", period)
        self.means = None if means is None else check_array("means", means, shape=(self.regimes, self.num_actions))

    def draw_params(self, key: np.ndarray) -> np.ndarray:
        if self.means is not None:
            return np.broadcast_to(self.means, (key.size,) + self.means.shape).copy()
        return rng.uniform(key, 0, self.regimes * self.num_actions).reshape(key.size, self.regimes, self.num_actions)

    def regime(self, t: int) -> int:
        return (t // self.period) % self.regimes

    def losses(self, state: EnvState, strategy: np.ndarray) -> np.ndarray:
        mean = state.params[:, self.regime(state.t), :]
        return (rng.uniform(state.key, state.t + 1, self.num_actions) < mean).astype(float)


class Drifting(LossEnvironment):
    """Means that drift as reflected Gaussian random walks (step ``drift``); Bernoulli losses."""

    name = "drifting"

    def __init__(self, num_actions: int = 4, drift: float = 0.01):
        self.num_actions = check_int("num_actions", num_actions)
        self.drift = check_positive("drift", drift, allow_zero=True)

    def draw_params(self, key: np.ndarray) -> np.ndarray:
        return rng.uniform(key, 0, self.num_actions)  # initial means [B, K]

    def step(self, state: EnvState, strategy: np.ndarray) -> tuple[EnvState, np.ndarray]:
        k = self.num_actions
        means = state.params
        loss = (rng.uniform(state.key, 2 * state.t + 1, k) < means).astype(float)
        walk = means + self.drift * rng.normal(state.key, 2 * state.t + 2, k)
        walk = np.abs(walk)  # reflect at 0
        walk = 1.0 - np.abs(1.0 - walk)  # reflect at 1
        return EnvState(state.t + 1, state.key, np.clip(walk, 0.0, 1.0)), -loss


class FromArray(LossEnvironment):
    """A recorded sequence: ``values [T, K]`` (same for every run) or ``[T, B, K]``.

    ``kind="loss"`` (default) or ``"utility"``. Running past ``T`` rounds is an error.
    """

    name = "from_array"

    def __init__(self, values: Any, kind: str = "loss"):
        arr = check_array("values", values)
        if arr.ndim not in (2, 3):
            raise ValueError(f"values must have shape [T, K] or [T, B, K], got shape {list(arr.shape)}")
        if kind not in ("loss", "utility"):
            raise ValueError(f"kind must be 'loss' or 'utility', got {kind!r}")
        self.values, self.kind = arr, kind
        self.num_actions = arr.shape[-1]
        lo, hi = float(arr.min()), float(arr.max())
        if kind == "loss":
            lo, hi = -hi, -lo
        if lo >= -1.0 and hi <= 0.0 and kind == "loss":
            lo, hi = -1.0, 0.0  # losses in [0, 1]: the usual range
        self.utility_range = (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)

    def step(self, state: EnvState, strategy: np.ndarray) -> tuple[EnvState, np.ndarray]:
        if state.t >= self.values.shape[0]:
            raise ValueError(f"from_array has {self.values.shape[0]} rounds; cannot play round {state.t + 1}")
        v = self.values[state.t]
        if v.ndim == 2 and v.shape[0] != strategy.shape[0]:
            raise ValueError(f"values has {v.shape[0]} runs but the batch has {strategy.shape[0]}")
        v = np.broadcast_to(v, strategy.shape).astype(float)
        return state._replace(t=state.t + 1), (-v if self.kind == "loss" else v.copy())


class FromCallable(LossEnvironment):
    """User-defined: ``fn(t, strategy [B, K]) -> losses [B, K]`` (or utilities with ``kind``)."""

    name = "from_callable"

    def __init__(self, fn: Callable[[int, np.ndarray], Any], num_actions: int, kind: str = "loss"):
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {fn!r}")
        if kind not in ("loss", "utility"):
            raise ValueError(f"kind must be 'loss' or 'utility', got {kind!r}")
        self.fn, self.kind = fn, kind
        self.num_actions = check_int("num_actions", num_actions)
        if kind == "utility":
            self.utility_range = None  # unknown: learners keep their own declared range

    def step(self, state: EnvState, strategy: np.ndarray) -> tuple[EnvState, np.ndarray]:
        b, k = strategy.shape
        v = np.broadcast_to(check_array("fn(t, strategy)", self.fn(state.t, strategy)), (b, k)).astype(float)
        return state._replace(t=state.t + 1), (-v if self.kind == "loss" else v.copy())


@register_env("gaussian", test_params=[{"num_actions": 3}])
def gaussian(num_actions: int = 2, sigma: float = 0.1, means: Any = None) -> Gaussian:
    """Stochastic Gaussian losses around per-run means ~ U[0,1], clipped to [0,1]."""
    return Gaussian(num_actions, sigma, means)


@register_env("linear_trend", tunes=("horizon",), test_params=[{"num_actions": 3, "horizon": 100}])
def linear_trend(num_actions: int = 2, horizon: int = 1000, slope: float = 0.5, sigma: float = 0.05) -> LinearTrend:
    """Losses with a per-action linear trend over the horizon."""
    return LinearTrend(num_actions, horizon, slope, sigma)


@register_env("sinusoidal", test_params=[{"num_actions": 3}])
def sinusoidal(num_actions: int = 2, amplitude: float = 0.4, min_period: float = 10.0,
               max_period: float = 100.0, sigma: float = 0.05) -> Sinusoidal:
    """Periodic losses with random per-action amplitude, period and phase."""
    return Sinusoidal(num_actions, amplitude, min_period, max_period, sigma)


@register_env("bernoulli", test_params=[{"means": [0.2, 0.5, 0.7]}])
def bernoulli(means: Any = (0.5, 0.6)) -> BernoulliLosses:
    """Stochastic Bernoulli losses with fixed means."""
    return BernoulliLosses(means)


@register_env("alternating", family="adversarial", test_params=[{}, {"noise": 0.1}])
def alternating(noise: float = 0.0) -> Alternating:
    """Alternating losses (1/2,0),(0,1),(1,0),...: FTL's regret is T/2."""
    return Alternating(noise)


@register_env("adaptive", family="adversarial", test_params=[{"num_actions": 3}])
def adaptive(num_actions: int = 2, noise: float = 0.0) -> Adaptive:
    """Adaptive adversary: loss 1 on the learner's most likely action."""
    return Adaptive(num_actions, noise)


@register_env("regime_switching", family="nonstationary", test_params=[{"period": 10}])
def regime_switching(num_actions: int = 4, regimes: int = 3, period: int = 1000, means: Any = None) -> RegimeSwitching:
    """Piecewise-stationary Bernoulli losses cycling through regimes."""
    return RegimeSwitching(num_actions, regimes, period, means)


@register_env("drifting", family="nonstationary", test_params=[{"drift": 0.05}])
def drifting(num_actions: int = 4, drift: float = 0.01) -> Drifting:
    """Bernoulli losses whose means drift as reflected random walks."""
    return Drifting(num_actions, drift)


def from_array(values: Any, kind: str = "loss") -> FromArray:
    """A recorded loss (or utility) sequence ``[T, K]`` or ``[T, B, K]``."""
    return FromArray(values, kind)


def from_callable(fn: Callable[[int, np.ndarray], Any], num_actions: int, kind: str = "loss") -> FromCallable:
    """Losses from ``fn(t, strategy)``; the function may adapt to the announced strategy."""
    return FromCallable(fn, num_actions, kind)
