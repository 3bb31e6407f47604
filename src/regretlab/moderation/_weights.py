"""Exponential weights and Fixed-Share over N experts in the batched learner contract.

These are the two weight learners the moderation ensemble needs (``init(keys, K)``,
``strategy(state)``, ``update(state, FullInfo)``; utilities, higher is better). They keep
log-weights so that long streams and large losses (log loss) never underflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive, check_probability
from regretlab.core.types import FullInfo


class HedgeState(NamedTuple):
    """State of exponential weights: the cumulative utility, shifted per run (softmax-invariant)."""

    t: np.ndarray  # [B] int64, updates applied so far
    cum_utility: np.ndarray  # [B, K] cumulative utility minus its per-run maximum
    key: np.ndarray  # [B] uint64 run keys (unused: the learner is deterministic)


class ShareState(NamedTuple):
    """State of Fixed-Share: normalised log-weights."""

    t: np.ndarray  # [B] int64, updates applied so far
    log_weights: np.ndarray  # [B, K] log of the current weights
    key: np.ndarray  # [B] uint64 run keys (unused: the learner is deterministic)


def _softmax(z: np.ndarray) -> np.ndarray:
    w = np.exp(z - z.max(axis=1, keepdims=True))
    return w / w.sum(axis=1, keepdims=True)


def _check_schedule(lr: float | None, schedule: str, horizon: int | None) -> None:
    if schedule not in ("fixed", "anytime"):
        raise ValueError(f"schedule must be 'fixed' or 'anytime', got {schedule!r}")
    if lr is not None:
        check_positive("lr", lr)
    elif schedule == "fixed" and horizon is None:
        raise ValueError("horizon must be given (an integer >= 1) when lr is None and schedule='fixed'")
    if horizon is not None:
        check_int("horizon", horizon)


@dataclass(frozen=True)
class ExponentialWeights:
    """Hedge / EWA: ``w_{t+1,i} ∝ w_{t,i} exp(η_t u_{t,i})`` (Littlestone–Warmuth 1994, Freund–Schapire 1997).

    With utilities ``u = -ℓ`` for losses in [0, 1]: ``η = sqrt(8 ln K / T)`` (``schedule='fixed'``,
    ``horizon=T``) gives regret ``<= sqrt(T ln K / 2)``; ``η_t = sqrt(8 ln K / t)``
    (``schedule='anytime'``) gives ``<= 2 sqrt(T ln K / 2) + sqrt(ln K / 8)``
    (Cesa-Bianchi & Lugosi 2006, Thms 2.2 and 2.3). A given ``lr`` is used as is.

    Args:
        lr: fixed learning rate η, or None to derive it from the schedule.
        schedule: ``'fixed'`` (η from ``horizon``) or ``'anytime'`` (η_t from the update count).
        horizon: number of updates T the fixed rate is tuned for.
    """

    lr: float | None = None
    schedule: str = "fixed"
    horizon: int | None = None
    feedback: ClassVar[type] = FullInfo

    def __post_init__(self) -> None:
        _check_schedule(self.lr, self.schedule, self.horizon)

    def rate(self, t: np.ndarray, num_actions: int) -> np.ndarray:
        """η used after ``t`` updates (for round ``t + 1``), ``[B]``."""
        t = np.asarray(t, dtype=np.float64)
        if self.lr is not None:
            return np.full(t.shape, float(self.lr))
        log_k = math.log(max(num_actions, 2))
        if self.schedule == "fixed":
            return np.full(t.shape, math.sqrt(8.0 * log_k / self.horizon))
        return np.sqrt(8.0 * log_k / (t + 1.0))

    def init(self, keys: np.ndarray, num_actions: int) -> HedgeState:
        keys = np.asarray(keys, dtype=np.uint64).reshape(-1)
        check_int("num_actions", num_actions)
        b = keys.shape[0]
        return HedgeState(np.zeros(b, np.int64), np.zeros((b, num_actions)), keys)

    def strategy(self, state: HedgeState, context: object = None) -> np.ndarray:
        eta = self.rate(state.t, state.cum_utility.shape[1])
        return _softmax(eta[:, None] * state.cum_utility)

    def update(self, state: HedgeState, feedback: FullInfo) -> HedgeState:
        utility = np.asarray(feedback.utility, dtype=np.float64)
        cum = state.cum_utility + utility
        return HedgeState(state.t + 1, cum - cum.max(axis=1, keepdims=True), state.key)


@dataclass(frozen=True)
class FixedShare:
    """Fixed-Share: ``v ∝ w_t exp(η u_t)``, ``w_{t+1} = (1-α) v + α/K`` (Herbster & Warmuth 1998).

    Tracking regret against any expert sequence with ``m`` switches over ``T`` updates is at most
    ``((m+1) ln K + ln(1/(α^m (1-α)^{T-m-1}))) / η + η T / 8`` for losses in [0, 1]
    (Cesa-Bianchi & Lugosi 2006, Thm 5.2 / Herbster–Warmuth 1998).

    Args:
        lr: learning rate η > 0.
        alpha: share rate α in [0, 1) (``α ≈ m / (T-1)``).
    """

    lr: float
    alpha: float
    feedback: ClassVar[type] = FullInfo

    def __post_init__(self) -> None:
        check_positive("lr", self.lr)
        check_probability("alpha", self.alpha, open_right=True)

    def init(self, keys: np.ndarray, num_actions: int) -> ShareState:
        keys = np.asarray(keys, dtype=np.uint64).reshape(-1)
        check_int("num_actions", num_actions)
        b = keys.shape[0]
        return ShareState(np.zeros(b, np.int64), np.full((b, num_actions), -math.log(num_actions)), keys)

    def strategy(self, state: ShareState, context: object = None) -> np.ndarray:
        return _softmax(state.log_weights)

    def update(self, state: ShareState, feedback: FullInfo) -> ShareState:
        utility = np.asarray(feedback.utility, dtype=np.float64)
        k = utility.shape[1]
        lw = state.log_weights + self.lr * utility
        v = np.exp(lw - lw.max(axis=1, keepdims=True))
        v /= v.sum(axis=1, keepdims=True)
        w = (1.0 - self.alpha) * v + self.alpha / k
        return ShareState(state.t + 1, np.log(np.maximum(w, 1e-300)), state.key)
