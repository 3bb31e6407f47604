"""Learner transformers that compose with any base learner: optimism and swap regret."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_int
from regretlab.core.registry import learners, register
from regretlab.core.types import FullInfo
from regretlab.experts._base import (
    CumulativeLearner,
    awake_mask,
    check_utility,
    credit_asleep,
    init_keys,
    keep_rows,
    learned_rows,
    mask_awake,
    zero_rounds,
)


class OptimisticState(NamedTuple):
    """State of :class:`Optimistic`."""

    t: np.ndarray  # [B] int64 rounds each run has learned from
    key: np.ndarray  # [B] learner keys
    base: Any  # the base learner's state
    prediction: np.ndarray  # [B, K] predicted next increment (the last one)


class Optimistic:
    r"""Optimistic / predictive version of a cumulative learner (Rakhlin & Sridharan 2013).

    Plays ``base.strategy_from(S_{t-1} + m_t)`` where ``S`` is the base's accumulated signal and
    the prediction ``m_t`` is the last increment (last utility for Hedge/FTRL -> optimistic
    Hedge; last instantaneous regret for RM+ -> predictive RM+, Farina et al. AAAI 2021).
    With predictable sequences the regret is ``O(sqrt(sum_t ||u_t - u_{t-1}||^2))``; in games
    optimistic Hedge self-play has ``O(polylog T)`` regret (Daskalakis et al. 2021).
    """

    feedback = FullInfo

    def __init__(self, base: Any):
        if isinstance(base, str):
            base = learners.make(base)
        if not isinstance(base, CumulativeLearner) or not getattr(base, "optimistic_ok", False):
            raise TypeError(
                "optimistic(base) needs a cumulative learner whose signal is a sum of increments "
                f"(hedge, ftrl, ftpl, ftl, regret_matching, regret_matching_plus...), got {base!r}"
            )
        self.base = base
        self.name = f"optimistic({base.name})"

    def init(self, keys: Any, num_actions: int) -> OptimisticState:
        state = self.base.init(keys, num_actions)
        return OptimisticState(zero_rounds(state.key.size), state.key, state, np.zeros_like(state.signal))

    def strategy(self, state: OptimisticState, context: Any = None) -> np.ndarray:
        p = self.base.strategy_from(state.base, state.base.signal + state.prediction)
        return mask_awake(p, awake_mask(context, *state.prediction.shape))

    def update(self, state: OptimisticState, feedback: Any) -> OptimisticState:
        b, k = state.prediction.shape
        awake = awake_mask(getattr(feedback, "awake", None), b, k)
        utility = check_utility(feedback, b, k, awake)
        played = self.strategy(state, awake)
        utility = credit_asleep(played, utility, awake)
        prediction = self.base.increment(state.base, utility, played)
        base = self.base.advance(state.base, utility, played)
        # a run with no awake action keeps its state (prediction and t too)
        return keep_rows(learned_rows(awake, b), OptimisticState(state.t + 1, state.key, base, prediction), state)

    def __repr__(self) -> str:
        return f"optimistic({self.base!r})"


def optimistic(base: Any = "hedge", **base_params: Any) -> Optimistic:
    """Wrap ``base`` (a learner or a registered name) into its optimistic/predictive version.

    Example:
        >>> from regretlab.experts import hedge
        >>> learner = optimistic(hedge(lr=0.1))
    """
    if isinstance(base, str):
        base = learners.make(base, **base_params)
    return Optimistic(base)


@register("optimistic_hedge", family="experts", tunes=("horizon",), test_params=[{"lr": 0.3}, {}])
def optimistic_hedge(lr: float | None = None, schedule: str = "anytime",
                     horizon: int | None = None) -> Optimistic:
    """Optimistic Hedge: Hedge with the last utility as the prediction of the next."""
    return Optimistic(learners.make("hedge", lr=lr, schedule=schedule, horizon=horizon))


@register("predictive_rm_plus", family="experts")
def predictive_rm_plus() -> Optimistic:
    """Predictive RM+: RM+ with the last instantaneous regret as the prediction."""
    return Optimistic(learners.make("regret_matching_plus"))


class SwapState(NamedTuple):
    """State of :class:`Swap`."""

    t: np.ndarray  # [B] int64 rounds each run has learned from
    key: np.ndarray  # [B] learner keys
    base: Any  # base learner state over B*K runs: copy i of run b is row b*K + i
    num_actions: int  # K


def stationary(q: np.ndarray) -> np.ndarray:
    """A stationary distribution ``p = p Q`` of each row-stochastic ``q [B, K, K]``.

    Solves ``p (I - Q + 1 1^T) = 1^T`` (unique for irreducible chains); rows where that system
    is singular (reducible chains) use the lazy chain ``(I + Q)/2`` raised to a high power from
    the uniform start, which converges to one of the stationary distributions.
    """
    b, k, _ = q.shape
    eye = np.eye(k)
    a = eye - q + 1.0
    p = np.empty((b, k))
    ok = np.abs(np.linalg.det(a)) > 1e-10
    if ok.any():
        p[ok] = np.linalg.solve(np.swapaxes(a[ok], 1, 2), np.ones((int(ok.sum()), k, 1)))[..., 0]
    if (~ok).any():
        m = 0.5 * (eye + q[~ok])
        for _ in range(60):  # (I+Q)/2 to the power 2^60
            m = m @ m
        p[~ok] = np.full(k, 1.0 / k) @ m
    p = np.maximum(p, 0.0)
    return p / p.sum(axis=1, keepdims=True)


class Swap:
    r"""Blum–Mansour reduction: K copies of an external-regret learner give a swap-regret learner.

    Copy ``i`` proposes :math:`q_i`; the played :math:`p` is a stationary distribution of the
    matrix ``Q`` with rows :math:`q_i` (``p = p Q``); copy ``i`` is then fed :math:`p(i) u_t`.
    Swap regret ``<= sum_i R_i``, e.g. ``O(sqrt(T K ln K))`` with Hedge copies
    (Blum & Mansour, JMLR 2007, Thm 5).
    """

    feedback = FullInfo

    def __init__(self, base: Any):
        if isinstance(base, str):
            base = learners.make(base)
        if getattr(base, "feedback", None) is not FullInfo:
            raise TypeError(f"swap(base) needs a full-information learner, got {base!r}")
        self.base = base
        self.name = f"swap({getattr(base, 'name', type(base).__name__)})"

    def init(self, keys: Any, num_actions: int) -> SwapState:
        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        child = rng.split(np.asarray(keys, dtype=np.uint64), k).reshape(-1)
        return SwapState(zero_rounds(key.size), key, self.base.init(child, k), k)

    def strategy(self, state: SwapState, context: Any = None) -> np.ndarray:
        k = state.num_actions
        awake = awake_mask(context, state.key.size, k)
        if awake is None:
            return stationary(self.base.strategy(state.base).reshape(-1, k, k))
        # every copy proposes awake actions only, so the chain never enters an asleep state
        q = self.base.strategy(state.base, np.repeat(awake, k, axis=0)).reshape(-1, k, k)
        return mask_awake(stationary(q), awake)

    def update(self, state: SwapState, feedback: Any) -> SwapState:
        k = state.num_actions
        b = state.key.size
        awake = awake_mask(getattr(feedback, "awake", None), b, k)
        utility = check_utility(feedback, b, k, awake)
        p = self.strategy(state, awake)
        utility = credit_asleep(p, utility, awake)
        per_copy = (p[:, :, None] * utility[:, None, :]).reshape(b * k, k)
        copies = None if awake is None else np.repeat(awake, k, axis=0)
        base = self.base.update(state.base, FullInfo(per_copy, copies))  # all-asleep copies keep their state
        rows = learned_rows(awake, b)
        return SwapState(state.t + (1 if rows is None else rows), state.key, base, k)

    def __repr__(self) -> str:
        return f"swap({self.base!r})"


def swap(base: Any = "hedge", **base_params: Any) -> Swap:
    """Turn ``base`` (a learner or registered name) into a swap-regret minimiser.

    Example:
        >>> from regretlab.experts import regret_matching
        >>> learner = swap(regret_matching())
    """
    if isinstance(base, str):
        base = learners.make(base, **base_params)
    return Swap(base)


@register("swap_hedge", family="experts", tunes=("horizon",), test_params=[{"lr": 0.3}, {}])
def swap_hedge(lr: float | None = None, schedule: str = "anytime", horizon: int | None = None) -> Swap:
    """Blum–Mansour swap-regret learner with Hedge copies."""
    return Swap(learners.make("hedge", lr=lr, schedule=schedule, horizon=horizon))


@register("swap_regret_matching", family="experts")
def swap_regret_matching() -> Swap:
    """Blum–Mansour swap-regret learner with regret-matching copies."""
    return Swap(learners.make("regret_matching"))
