"""Online projected gradient ascent on the simplex (Zinkevich 2003)."""

from __future__ import annotations

import math

import numpy as np

from regretlab.core.errors import check_positive
from regretlab.core.registry import register
from regretlab.core.simplex import project_simplex
from regretlab.experts._base import CumulativeState, column, per_run
from regretlab.experts._base import PlaysItsState as _PlaysItsState


class OGD(_PlaysItsState):
    r"""Online (projected) gradient ascent on the simplex: :math:`p_{t+1} = \Pi_\Delta(p_t + \eta_t u_t)`.

    ``eta_t = lr / sqrt(t)``; default ``lr = sqrt(2/K)`` gives regret ``<= (3/2) sqrt(2 K T)`` for
    utilities in [0,1] (Zinkevich 2003, Thm 1 with D = sqrt 2, G = sqrt K). ``signal`` holds p_t.
    """

    name = "ogd"
    uses_played = False

    def __init__(self, lr: float | None = None):
        self.lr = None if lr is None else check_positive("lr", lr)

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        k = utility.shape[1]
        lr = self.lr if self.lr is not None else math.sqrt(2.0 / k)
        step = per_run(lambda t: lr / math.sqrt(t + 1), state.t)  # each run's own round
        p = project_simplex(state.signal + column(step) * utility)
        return state._replace(t=state.t + 1, signal=p)


@register("ogd", family="experts", test_params=[{}, {"lr": 0.05}])
def ogd(lr: float | None = None) -> OGD:
    """Online projected gradient ascent on the simplex with ``lr / sqrt(t)`` steps."""
    return OGD(lr)


