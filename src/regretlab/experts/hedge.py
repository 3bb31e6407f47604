"""Hedge (multiplicative weights) with fixed, anytime or doubling-trick rates (Freund & Schapire 1997)."""

from __future__ import annotations

import math

import numpy as np

from regretlab.core.kernels import softmax_rows
from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import register
from regretlab.experts._base import (
    CumulativeLearner,
    CumulativeState,
    anytime_hedge_rate,
    per_run,
    tuned_hedge_rate,
)


_SCHEDULES = ("fixed", "anytime", "doubling")


def _doubling_epoch(t: int) -> tuple[int, int]:
    """Epoch ``m`` containing round index ``t`` (0-based) and its first round: epochs of 2**m."""
    m = int(math.floor(math.log2(t + 1)))
    return m, 2**m - 1


class Hedge(CumulativeLearner):
    r"""Hedge / multiplicative weights: :math:`p_t(k) \propto \exp(\eta_t U_{t-1}(k))`.

    ``U_{t-1}`` is the cumulative utility (minus cumulative loss). Schedules: ``fixed`` rate
    (``lr``, or tuned ``sqrt(8 ln K / T)`` from ``horizon``), ``anytime``
    ``eta_t = sqrt(8 ln K / t)`` (or ``lr / sqrt(t)``), ``doubling`` (restart on epochs of
    length ``2^m`` with the tuned rate for each epoch).

    Regret (losses in [0,1]): fixed tuned rate ``<= sqrt(T ln K / 2)`` (Cesa-Bianchi & Lugosi
    2006, Thm 2.2); anytime ``<= sqrt(2 T ln K) + sqrt(ln K / 8)`` (Thm 2.3); doubling
    ``<= sqrt(2)/(sqrt(2)-1) sqrt(T ln K / 2)``.
    """

    name = "hedge"
    uses_played = False
    optimistic_ok = True

    def __init__(self, lr: float | None = None, schedule: str = "fixed", horizon: int | None = None):
        if schedule not in _SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(_SCHEDULES)}, got {schedule!r}")
        if lr is not None:
            lr = check_positive("lr", lr)
        if horizon is not None:
            horizon = check_int("horizon", horizon, minimum=1)
        if schedule == "fixed" and lr is None and horizon is None:
            raise ValueError("hedge with schedule='fixed' needs lr > 0 or horizon >= 1 (to tune the rate)")
        self.lr, self.schedule, self.horizon = lr, schedule, horizon

    def rate(self, k: int, t: int) -> float:
        """Learning rate used at 0-based round ``t``."""
        if self.schedule == "fixed":
            return self.lr if self.lr is not None else tuned_hedge_rate(k, self.horizon)
        if self.schedule == "anytime":
            return self.lr / math.sqrt(t + 1) if self.lr is not None else anytime_hedge_rate(k, t + 1)
        m, _ = _doubling_epoch(t)
        return tuned_hedge_rate(k, 2**m)

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        k = signal.shape[1]
        if self.schedule == "fixed":  # one rate whatever the rounds: no per-run work
            return softmax_rows(signal, self.rate(k, 0))
        return softmax_rows(signal, per_run(lambda t: self.rate(k, t), state.t))

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        signal = state.signal + utility
        t = state.t + 1
        if self.schedule == "doubling":
            # a run whose next round opens an epoch (t + 1 a power of two) forgets
            restart = (t & (t + 1)) == 0
            if restart.all():
                signal = np.zeros_like(signal)
            elif restart.any():
                signal = np.where(restart[..., None], 0.0, signal)
        return state._replace(t=t, signal=signal)


@register(
    "hedge",
    family="experts", tunes=("horizon",),
    test_params=[{"lr": 0.5}, {"schedule": "anytime"}, {"schedule": "doubling"}, {"horizon": 100}],
)
def hedge(lr: float | None = None, schedule: str = "fixed", horizon: int | None = None) -> Hedge:
    """Hedge / multiplicative weights with a fixed, anytime or doubling-trick learning rate.

    Example:
        >>> from regretlab.core import FullInfo, rng
        >>> h = hedge(lr=0.1); s = h.init(rng.spawn_keys(0, 2), 3)
        >>> s = h.update(s, FullInfo(np.array([[1.0, 0, 0], [0, 0, 1.0]])))
        >>> h.strategy(s).argmax(axis=1).tolist()
        [0, 2]
    """
    return Hedge(lr, schedule, horizon)


