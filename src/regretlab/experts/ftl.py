"""Follow the leader: the best action so far (linear regret on the alternating sequence)."""

from __future__ import annotations


import numpy as np

from regretlab.core.registry import register
from regretlab.experts._base import CumulativeLearner, CumulativeState


class FTL(CumulativeLearner):
    """Follow the leader: play the action with the largest cumulative utility (ties: lowest index).

    The failure baseline: on alternating losses its regret is T/2 (linear).
    """

    name = "ftl"
    uses_played = False
    optimistic_ok = True

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        out = np.zeros_like(signal)
        out[np.arange(signal.shape[0]), np.argmax(signal, axis=1)] = 1.0
        return out


@register("ftl", family="experts")
def ftl() -> FTL:
    """Follow the leader (deterministic, ties to the lowest index): linear regret in the worst case."""
    return FTL()


