"""The uniform policy: the no-learning baseline."""

from __future__ import annotations


import numpy as np

from regretlab.core.registry import register
from regretlab.experts._base import CumulativeLearner, CumulativeState


class Uniform(CumulativeLearner):
    """The uniform strategy every round (a reference point, no learning)."""

    name = "uniform"
    uses_played = False

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        return np.full_like(signal, 1.0 / signal.shape[1])


@register("uniform", family="experts")
def uniform() -> Uniform:
    """The uniform policy (no learning)."""
    return Uniform()


