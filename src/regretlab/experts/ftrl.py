"""Follow the regularised leader over the simplex, entropic or Euclidean regulariser."""

from __future__ import annotations

import math

import numpy as np

from regretlab.core.kernels import softmax_rows
from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import register
from regretlab.core.simplex import project_simplex
from regretlab.experts._base import CumulativeLearner, CumulativeState, column, per_run, tuned_hedge_rate


class FTRL(CumulativeLearner):
    r"""Follow the regularised leader on the simplex: :math:`p_t = \arg\max_p \langle p, U_{t-1}\rangle - R(p)/\eta_t`.

    ``regularizer="entropy"`` gives Hedge's softmax; ``"euclidean"`` gives the Euclidean
    projection of ``eta_t U_{t-1}`` (lazy projected gradient). ``schedule`` as for Hedge but the
    tuned Euclidean rate is ``sqrt(2/(K T))`` (regret ``<= sqrt(2 K T)`` for utilities in [0,1];
    Shalev-Shwartz 2012, Cor. 2.7 with D^2 = 1, G^2 = K).
    """

    name = "ftrl"
    uses_played = False
    optimistic_ok = True

    def __init__(self, regularizer: str = "entropy", lr: float | None = None,
                 schedule: str = "anytime", horizon: int | None = None):
        if regularizer not in ("entropy", "euclidean"):
            raise ValueError(f"regularizer must be 'entropy' or 'euclidean', got {regularizer!r}")
        if schedule not in ("fixed", "anytime"):
            raise ValueError(f"schedule must be 'fixed' or 'anytime', got {schedule!r}")
        if lr is not None:
            lr = check_positive("lr", lr)
        if horizon is not None:
            horizon = check_int("horizon", horizon, minimum=1)
        if schedule == "fixed" and lr is None and horizon is None:
            raise ValueError("ftrl with schedule='fixed' needs lr > 0 or horizon >= 1")
        self.regularizer, self.lr, self.schedule, self.horizon = regularizer, lr, schedule, horizon

    def rate(self, k: int, t: int) -> float:
        n = self.horizon if self.schedule == "fixed" and self.lr is None else t + 1
        if self.lr is not None:
            return self.lr if self.schedule == "fixed" else self.lr / math.sqrt(t + 1)
        if self.regularizer == "entropy":
            return tuned_hedge_rate(k, n)
        return math.sqrt(2.0 / (k * n))

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        k = signal.shape[1]
        eta = per_run(lambda t: self.rate(k, t), state.t)  # each run's own round
        if self.regularizer == "entropy":
            return softmax_rows(signal, eta)
        return project_simplex(column(eta) * signal)


@register("ftrl", family="experts", tunes=("horizon",),
          test_params=[{}, {"regularizer": "euclidean"}, {"regularizer": "euclidean", "lr": 0.3, "schedule": "fixed"}])
def ftrl(regularizer: str = "entropy", lr: float | None = None, schedule: str = "anytime",
         horizon: int | None = None) -> FTRL:
    """FTRL on the simplex with an entropic or Euclidean regulariser."""
    return FTRL(regularizer, lr, schedule, horizon)


