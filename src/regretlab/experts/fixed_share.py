"""Fixed-Share: Hedge mixed with the uniform distribution, for tracking (Herbster & Warmuth 1998)."""

from __future__ import annotations


import numpy as np

from regretlab.core.errors import check_int, check_positive, check_probability
from regretlab.core.registry import register
from regretlab.core.simplex import softmax
from regretlab.experts._base import CumulativeState, tuned_hedge_rate
from regretlab.experts._base import PlaysItsState as _PlaysItsState


class FixedShare(_PlaysItsState):
    r"""Fixed-Share (Herbster & Warmuth 1998): Hedge step then mix in ``alpha`` of the uniform.

    :math:`v \propto w_t e^{\eta u_t}`, :math:`w_{t+1} = (1-\alpha) v + \alpha/K`. Tracking regret
    against the best sequence with ``k`` switches is ``O(sqrt(T (k ln K + k ln(T/k))))`` with
    ``alpha ~ k/(T-1)``. Default ``lr`` tuned from ``horizon`` as for Hedge. ``signal`` holds w_t.
    """

    name = "fixed_share"
    uses_played = False

    def __init__(self, lr: float | None = None, alpha: float = 0.01, horizon: int | None = None):
        # alpha first: a bad alpha is named even when lr/horizon are missing too
        self.alpha = check_probability("fixed_share alpha (the share mixed back to uniform each round)", alpha)
        if lr is None and horizon is None:
            raise ValueError("fixed_share needs lr > 0 or horizon >= 1 (to tune the rate)")
        self.lr = None if lr is None else check_positive("lr", lr)
        self.horizon = None if horizon is None else check_int("horizon", horizon)

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        k = utility.shape[1]
        eta = self.lr if self.lr is not None else tuned_hedge_rate(k, self.horizon)
        v = softmax(np.log(np.maximum(state.signal, 1e-300)) + eta * utility)
        w = (1.0 - self.alpha) * v + self.alpha / k
        return state._replace(t=state.t + 1, signal=w)


@register("fixed_share", family="experts", tunes=("horizon",), test_params=[{"lr": 0.3, "alpha": 0.01}, {"horizon": 100}])
def fixed_share(lr: float | None = None, alpha: float = 0.01, horizon: int | None = None) -> FixedShare:
    """Fixed-Share: Hedge that keeps a fraction ``alpha`` on every expert, for shifting targets."""
    return FixedShare(lr, alpha, horizon)


