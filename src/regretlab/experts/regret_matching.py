"""Regret matching and its variants: RM (Hart & Mas-Colell 2000), RM+ (Tammelin 2014),
discounted RM (Brown & Sandholm, AAAI 2019)."""

from __future__ import annotations

import numpy as np

from regretlab.core.errors import check_positive
from regretlab.core.registry import register
from regretlab.core.simplex import normalize
from regretlab.experts._base import CumulativeLearner, CumulativeState, column, per_run


class RegretMatching(CumulativeLearner):
    r"""Regret matching: :math:`p_t \propto [R_{t-1}]_+` (uniform if no positive regret).

    ``R`` accumulates instantaneous regrets :math:`r_t = u_t - \langle p_t, u_t\rangle \mathbf 1`.
    Blackwell approachability gives external regret ``<= sqrt(K T)`` for utilities in [0,1]
    (Hart & Mas-Colell 2000; Cesa-Bianchi & Lugosi 2006, §7.2).
    """

    name = "regret_matching"
    optimistic_ok = True

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        return normalize(np.maximum(signal, 0.0))

    def increment(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> np.ndarray:
        return utility - np.sum(played * utility, axis=1, keepdims=True)


class RegretMatchingPlus(RegretMatching):
    r"""RM+: like RM but the accumulated regret is clipped at zero every round,
    :math:`Q_t = [Q_{t-1} + r_t]_+`. Same ``sqrt(K T)`` bound (Tammelin et al. 2015)."""

    name = "regret_matching_plus"

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        q = np.maximum(state.signal + self.increment(state, utility, played), 0.0)
        return state._replace(t=state.t + 1, signal=q)


class DiscountedRegretMatching(RegretMatching):
    r"""Discounted RM: after round ``t`` positive regrets are scaled by :math:`t^\alpha/(t^\alpha+1)`
    and negative ones by :math:`t^\beta/(t^\beta+1)` (Brown & Sandholm 2019; defaults α=1.5, β=0)."""

    name = "discounted_regret_matching"

    def __init__(self, alpha: float = 1.5, beta: float = 0.0):
        self.alpha = check_positive("alpha", alpha, allow_zero=True)
        if not np.isfinite(beta):
            raise ValueError(f"beta must be finite, got {beta!r}")
        self.beta = float(beta)

    def discounts(self, t: int) -> tuple[float, float]:
        """Multipliers of positive and negative regrets after round ``t`` (1-based); the fused CFR
        kernels use the same numbers."""
        return t**self.alpha / (t**self.alpha + 1.0), t**self.beta / (t**self.beta + 1.0)

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        t = state.t + 1
        r = state.signal + self.increment(state, utility, played)
        # each run's own round (all equal in CFR: t = the iteration, one pair for the batch)
        pos = column(per_run(lambda n: self.discounts(n)[0], t))
        neg = column(per_run(lambda n: self.discounts(n)[1], t))
        return state._replace(t=t, signal=np.where(r > 0, r * pos, r * neg))


@register("regret_matching", family="experts")
def regret_matching() -> RegretMatching:
    """Regret matching (Hart & Mas-Colell): play proportionally to positive cumulative regret."""
    return RegretMatching()


@register("regret_matching_plus", family="experts")
def regret_matching_plus() -> RegretMatchingPlus:
    """RM+: regret matching on regrets clipped at zero each round."""
    return RegretMatchingPlus()


@register("discounted_regret_matching", family="experts", test_params=[{}, {"alpha": 1.0, "beta": 0.5}])
def discounted_regret_matching(alpha: float = 1.5, beta: float = 0.0) -> DiscountedRegretMatching:
    """Discounted regret matching (DCFR's local rule)."""
    return DiscountedRegretMatching(alpha, beta)
