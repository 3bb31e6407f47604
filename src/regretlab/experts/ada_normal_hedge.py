"""AdaNormalHedge: parameter-free, comparator-adaptive experts (Luo & Schapire 2015)."""

from __future__ import annotations

import math

import numpy as np

from regretlab.core.registry import register
from regretlab.core.simplex import softmax
from regretlab.experts._base import CumulativeLearner, CumulativeState


def _log_ada_normal_weight(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``log w(R, C)`` with ``w = (Phi(R+1, C+1) - Phi(R-1, C+1)) / 2``, ``Phi = exp([x]_+^2 / 3C)``."""
    a1 = np.maximum(r + 1.0, 0.0) ** 2 / (3.0 * (c + 1.0))
    a2 = np.maximum(r - 1.0, 0.0) ** 2 / (3.0 * (c + 1.0))
    with np.errstate(divide="ignore"):
        return math.log(0.5) + a1 + np.log(-np.expm1(a2 - a1))


class AdaNormalHedge(CumulativeLearner):
    r"""AdaNormalHedge (Luo & Schapire, COLT 2015): parameter-free, adaptive to the comparator.

    Per expert, ``R`` is cumulative regret and ``C`` cumulative absolute regret;
    :math:`p_t(i) \propto w(R_{t-1,i}, C_{t-1,i})` with
    :math:`w(R, C) = \tfrac12(\Phi(R+1, C+1) - \Phi(R-1, C+1))`, :math:`\Phi(R,C) = e^{[R]_+^2/3C}`;
    uniform when all weights are zero. Regret to expert i is
    ``O(sqrt(C_{T,i} ln(K ln C_{T,i})))``. ``signal`` holds ``R``; ``aux`` holds ``C [B, K]``.
    Computed in the log domain, so huge regrets never overflow.
    """

    name = "ada_normal_hedge"

    def init_aux(self, batch: int, k: int) -> np.ndarray:
        return np.zeros((batch, k))  # [B, K] cumulative |instantaneous regret|

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        logw = _log_ada_normal_weight(signal, state.aux)
        alive = np.isfinite(logw)
        return np.where(alive.any(axis=1, keepdims=True), softmax(logw, where=alive),
                        1.0 / signal.shape[1])

    def increment(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> np.ndarray:
        return utility - np.sum(played * utility, axis=1, keepdims=True)

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        r = self.increment(state, utility, played)
        return state._replace(t=state.t + 1, signal=state.signal + r, aux=state.aux + np.abs(r))


@register("ada_normal_hedge", family="experts")
def ada_normal_hedge() -> AdaNormalHedge:
    """AdaNormalHedge: parameter-free experts algorithm with comparator-adaptive regret."""
    return AdaNormalHedge()
