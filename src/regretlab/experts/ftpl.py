"""Follow the perturbed leader with Gaussian or Gumbel noise (Kalai & Vempala 2005)."""

from __future__ import annotations

import math

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_positive
from regretlab.core.registry import register
from regretlab.experts._base import CumulativeLearner, CumulativeState, column, per_run


class FTPL(CumulativeLearner):
    r"""Follow the perturbed leader: play :math:`\arg\max_k U_{t-1}(k) + \sigma_t z_t(k)`.

    ``z`` fresh each round, Gaussian or Gumbel. ``sigma_t = scale * sqrt(t)`` (``anytime``) or
    ``scale`` (fixed). With Gumbel noise and fixed ``scale = 1/eta`` the played action has
    exactly Hedge's distribution ``softmax(eta U)`` (the Gumbel-max trick). Expected regret
    ``O(sqrt(T ln K))`` (Kalai & Vempala 2005; Abernethy et al. 2014). The strategy is the
    one-hot vector of the perturbed leader.
    """

    name = "ftpl"
    uses_played = False
    optimistic_ok = True

    def __init__(self, noise: str = "gaussian", scale: float = 1.0, schedule: str = "anytime"):
        if noise not in ("gaussian", "gumbel"):
            raise ValueError(f"noise must be 'gaussian' or 'gumbel', got {noise!r}")
        if schedule not in ("fixed", "anytime"):
            raise ValueError(f"schedule must be 'fixed' or 'anytime', got {schedule!r}")
        self.noise, self.scale, self.schedule = noise, check_positive("scale", scale), schedule

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        b, k = signal.shape
        draw = rng.gumbel if self.noise == "gumbel" else rng.normal
        if self.schedule == "anytime":
            sigma = per_run(lambda t: self.scale * math.sqrt(t + 1), state.t)
        else:
            sigma = self.scale * 1.0
        # run b's noise is that of its own round t_b (rng draws take per-run counters)
        leader = np.argmax(signal + column(sigma) * draw(state.key, state.t, k), axis=1)
        out = np.zeros((b, k))
        out[np.arange(b), leader] = 1.0
        return out


@register("ftpl", family="experts",
          test_params=[{}, {"noise": "gumbel", "scale": 5.0, "schedule": "fixed"}])
def ftpl(noise: str = "gaussian", scale: float = 1.0, schedule: str = "anytime") -> FTPL:
    """Follow the perturbed leader with Gaussian or Gumbel perturbations."""
    return FTPL(noise, scale, schedule)


