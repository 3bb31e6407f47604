"""Sleeping experts: AdaNormalHedge and Hedge on awake sets, as batched learners.

Context is the ``[B, K]`` bool awake mask: ``strategy(state, context=awake)`` puts mass only on
awake experts, and ``update(state, FullInfo(utility, awake))`` charges each awake expert its
instantaneous regret r_g = u_g − ⟨p, u⟩ (asleep experts: r_g = 0). A run with no awake expert
receives no feedback: its state, round counter ``t [B]`` included, is left as it was.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import register
from regretlab.core.types import FullInfo
from regretlab.experts._base import keep_rows, learned_rows


class SleepingState(NamedTuple):
    """State shared by the sleeping learners."""

    t: np.ndarray  # [B] int64 rounds each run has learned from (some expert awake)
    key: np.ndarray  # [B] uint64 run keys (unused: the learners are deterministic)
    regret: np.ndarray  # [B, K] R_g = Σ_{awake rounds} (u_g − ⟨p, u⟩)
    abs_regret: np.ndarray  # [B, K] C_g = Σ |r_g| (AdaNormalHedge)
    prior: np.ndarray  # [B, K] prior weights π_g


def _awake(context: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    if context is None:
        return np.ones(shape, dtype=bool)
    awake = np.asarray(context)
    if awake.shape != shape:
        raise ValueError(f"awake mask (context) must have shape [{shape[0]}, {shape[1]}], got {list(awake.shape)}")
    return awake.astype(bool)


def _normalise(logw: np.ndarray, awake: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """p ∝ exp(logw) on awake & positive entries; uniform on awake if none; uniform if none awake."""
    use = awake & positive
    safe = np.where(use, logw, -np.inf)
    top = safe.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    w = np.where(use, np.exp(safe - top), 0.0)
    total = w.sum(axis=1, keepdims=True)
    fallback = awake.astype(np.float64)
    count = fallback.sum(axis=1, keepdims=True)
    fallback = np.where(count > 0, fallback / np.maximum(count, 1), 1.0 / awake.shape[1])
    return np.where(total > 0, w / np.where(total > 0, total, 1.0), fallback)


def ada_normal_hedge_log_weight(regret: np.ndarray, abs_regret: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log w(R, C) with w = ½[exp([R+1]₊²/3(C+1)) − exp([R−1]₊²/3(C+1))], and the mask w > 0.

    w > 0 exactly when R > −1; the log form avoids overflow for long horizons.
    """
    denom = 3.0 * (abs_regret + 1.0)
    a = np.clip(regret + 1.0, 0.0, None) ** 2 / denom
    b = np.clip(regret - 1.0, 0.0, None) ** 2 / denom
    positive = regret > -1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        logw = np.log(0.5) + a + np.log(-np.expm1(np.where(positive, b - a, -1.0)))
    return np.where(positive, logw, -np.inf), positive


class SleepingAdaNormalHedge:
    """Sleeping AdaNormalHedge (Luo & Schapire, "Achieving all with no parameters", COLT 2015).

    p_{t,g} ∝ π_g · a_{t,g} · w(R_g, C_g), w(R, C) = ½[e^{[R+1]₊²/(3(C+1))} − e^{[R−1]₊²/(3(C+1))}];
    after the round r_g = a_g(u_g − ⟨p_t, u_t⟩), R_g += r_g, C_g += |r_g|. If every awake weight is 0,
    play uniform over the awake experts; if none is awake, uniform over all. Per-expert sleeping
    regret O(√(C_g ln(1/π_g))) (used by Acharya et al., ICLR 2024, for groupwise regret).

    Args:
        prior: optional ``[K]`` prior π (uniform by default).
    """

    feedback: ClassVar[type] = FullInfo

    def __init__(self, prior: np.ndarray | None = None):
        if prior is not None:
            prior = np.asarray(prior, dtype=np.float64)
            if prior.ndim != 1 or (prior <= 0).any() or not np.isfinite(prior).all():
                raise ValueError(f"prior must be a 1-D array of positive numbers, got {prior!r}")
            prior = prior / prior.sum()
        self.prior = prior

    def init(self, keys: np.ndarray, num_actions: int) -> SleepingState:
        keys = np.asarray(keys, dtype=np.uint64)
        num_actions = check_int("num_actions", num_actions)
        batch = keys.shape[0]
        if self.prior is not None and self.prior.shape[0] != num_actions:
            raise ValueError(f"prior has {self.prior.shape[0]} entries, expected num_actions = {num_actions}")
        prior = np.full((batch, num_actions), 1.0 / num_actions) if self.prior is None else np.broadcast_to(self.prior, (batch, num_actions)).copy()
        zeros = np.zeros((batch, num_actions))
        return SleepingState(np.zeros(batch, dtype=np.int64), keys, zeros, zeros.copy(), prior)

    def strategy(self, state: SleepingState, context: np.ndarray | None = None) -> np.ndarray:
        awake = _awake(context, state.regret.shape)
        logw, positive = ada_normal_hedge_log_weight(state.regret, state.abs_regret)
        return _normalise(logw + np.log(state.prior), awake, positive)

    def update(self, state: SleepingState, feedback: FullInfo) -> SleepingState:
        utility = np.asarray(feedback.utility, dtype=np.float64)
        if utility.shape != state.regret.shape:
            raise ValueError(f"feedback.utility must have shape {list(state.regret.shape)}, got {list(utility.shape)}")
        awake = _awake(feedback.awake, state.regret.shape)
        p = self.strategy(state, awake)
        # asleep experts' utilities are ignored: zero them so a NaN placeholder cannot leak in
        u = np.where(awake, utility, 0.0)
        learner = np.einsum("bk,bk->b", p, u)
        r = (u - learner[:, None]) * awake
        new = state._replace(t=state.t + 1, regret=state.regret + r, abs_regret=state.abs_regret + np.abs(r))
        return keep_rows(learned_rows(awake, awake.shape[0]), new, state)


class SleepingHedge:
    """Sleeping Hedge (Freund, Schapire, Singer, Warmuth, STOC 1997, regret-based form).

    p_{t,g} ∝ π_g a_{t,g} exp(η_t R_g), R_g = Σ_{awake rounds} (u_g − ⟨p, u⟩); η_t = η or
    η/√t ("anytime"); utilities assumed in an interval of width 1.

    Args:
        lr: η > 0 (default √(8 ln K / T) needs ``horizon``; otherwise 1).
        schedule: "fixed" or "anytime".
        horizon: T for the default rate.
    """

    feedback: ClassVar[type] = FullInfo

    def __init__(self, lr: float | None = None, schedule: str = "fixed", horizon: int | None = None):
        if schedule not in ("fixed", "anytime"):
            raise ValueError(f"schedule must be 'fixed' or 'anytime', got {schedule!r}")
        self.lr = None if lr is None else check_positive("lr", lr)
        self.schedule = schedule
        self.horizon = None if horizon is None else check_int("horizon", horizon)

    def _eta(self, t: np.ndarray, k: int) -> np.ndarray:
        if self.lr is not None:
            base = self.lr
        elif self.horizon is not None:
            base = float(np.sqrt(8.0 * np.log(max(k, 2)) / self.horizon))
        else:
            base = float(np.sqrt(8.0 * np.log(max(k, 2))))
        if self.schedule == "anytime":
            return base / np.sqrt(np.maximum(t + 1, 1))
        return np.full(t.shape, base)

    def init(self, keys: np.ndarray, num_actions: int) -> SleepingState:
        keys = np.asarray(keys, dtype=np.uint64)
        num_actions = check_int("num_actions", num_actions)
        batch = keys.shape[0]
        zeros = np.zeros((batch, num_actions))
        return SleepingState(np.zeros(batch, dtype=np.int64), keys, zeros, zeros.copy(), np.full((batch, num_actions), 1.0 / num_actions))

    def strategy(self, state: SleepingState, context: np.ndarray | None = None) -> np.ndarray:
        awake = _awake(context, state.regret.shape)
        eta = self._eta(state.t, state.regret.shape[1])[:, None]
        return _normalise(eta * state.regret + np.log(state.prior), awake, np.ones_like(awake))

    def update(self, state: SleepingState, feedback: FullInfo) -> SleepingState:
        utility = np.asarray(feedback.utility, dtype=np.float64)
        if utility.shape != state.regret.shape:
            raise ValueError(f"feedback.utility must have shape {list(state.regret.shape)}, got {list(utility.shape)}")
        awake = _awake(feedback.awake, state.regret.shape)
        p = self.strategy(state, awake)
        u = np.where(awake, utility, 0.0)
        r = (u - np.einsum("bk,bk->b", p, u)[:, None]) * awake
        new = state._replace(t=state.t + 1, regret=state.regret + r, abs_regret=state.abs_regret + np.abs(r))
        return keep_rows(learned_rows(awake, awake.shape[0]), new, state)


@register("sleeping_ada_normal_hedge", family="experts", test_params=[{}])
def sleeping_ada_normal_hedge(prior: np.ndarray | None = None) -> SleepingAdaNormalHedge:
    """Sleeping AdaNormalHedge with awake masks (Luo & Schapire 2015)."""
    return SleepingAdaNormalHedge(prior=prior)


@register("sleeping_hedge", family="experts", tunes=("horizon",), test_params=[{"lr": 0.5}, {"schedule": "anytime"}])
def sleeping_hedge(lr: float | None = None, schedule: str = "fixed", horizon: int | None = None) -> SleepingHedge:
    """Sleeping Hedge with awake masks (Freund et al. 1997)."""
    return SleepingHedge(lr=lr, schedule=schedule, horizon=horizon)
