"""Projected online gradient descent on a convex domain (Zinkevich 2003)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import register
from regretlab.oco._base import OCOLearner, col, lipschitz


class OGDState(NamedTuple):
    t: np.ndarray  # [B] rounds learned from
    x: np.ndarray  # [B, D] the point to play


class ProjectedOGD(OCOLearner):
    r"""Projected OGD: :math:`x_{t+1} = \Pi_K(x_t - \eta_t \nabla f_t(x_t))`."""

    name = "oco_ogd"

    def __init__(self, domain: Any, lr: float | None, G: float, schedule: str, horizon: int | None) -> None:
        super().__init__(domain)
        if schedule not in ("anytime", "fixed"):
            raise ValueError(f"schedule must be 'anytime' or 'fixed', got {schedule!r}")
        self.lr = None if lr is None else check_positive("lr", lr)
        self.G = lipschitz(G)
        self.schedule = schedule
        self.horizon = None if horizon is None else check_int("horizon", horizon)
        if schedule == "fixed" and self.lr is None and self.horizon is None:
            raise ValueError("oco_ogd with schedule='fixed' needs lr > 0 or horizon (eta = D / (G sqrt(T)))")
        if self.lr is None:
            self._bounded("its rate is D / (G sqrt t)")

    def init(self, keys: Any, D: int) -> OGDState:
        b, d = self._dim(keys, D)
        return OGDState(np.zeros(b, dtype=np.int64), self.domain.start(b, d))

    def rate(self, t: np.ndarray, D: int) -> np.ndarray:
        """``[B]`` step of round ``t + 1`` (``t`` rounds learned from)."""
        if self.schedule == "fixed":
            eta = self.lr if self.lr is not None else self.diameter(D) / (self.G * math.sqrt(self.horizon or 1))
            return np.full(t.shape, float(eta))
        scale = self.lr if self.lr is not None else self.diameter(D) / self.G
        return scale / np.sqrt(t + 1.0)

    def update(self, state: OGDState, feedback: Any) -> OGDState:
        g = self.grad(state, feedback)
        eta = self.rate(state.t, g.shape[1])
        return OGDState(state.t + 1, self.domain.project(state.x + col(eta) * g))


@register("oco_ogd", family="oco", tunes=("horizon",),
          test_params=[{}, {"schedule": "fixed", "horizon": 40}, {"lr": 0.05}])
def oco_ogd(domain: Any = "ball", lr: float | None = None, G: float = 1.0, schedule: str = "anytime",
            horizon: int | None = None) -> ProjectedOGD:
    r"""Projected online gradient descent on a convex domain.

    Update: :math:`x_{t+1} = \Pi_K(x_t - \eta_t \nabla f_t(x_t))` (Euclidean projection), from the
    domain's centre. ``schedule="anytime"``: :math:`\eta_t = D/(G\sqrt t)` (or ``lr/sqrt(t)``);
    ``"fixed"``: :math:`\eta = D/(G\sqrt T)` (or ``lr``).

    Regret (Zinkevich 2003, Thm 1; Hazan, "Introduction to Online Convex Optimization", Thm 3.1):
    for convex ``f_t`` with ``||∇f_t|| <= G`` on a domain of diameter ``D``, the anytime rate gives
    :math:`R_T \le \tfrac32 D G \sqrt T`; the fixed rate tuned to ``T`` gives
    :math:`R_T \le D^2/(2\eta) + \eta G^2 T/2 = D G \sqrt T`.

    Args:
        domain: a :class:`~regretlab.oco.domains.Domain` or a name (default the unit ball).
        lr: the step scale (default from ``D`` and ``G``); G: the gradient bound.
        schedule: ``anytime`` or ``fixed``; horizon: ``T`` for the fixed rate.
    Returns:
        A learner with state ``t [B]``, ``x [B, D]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> lr = oco_ogd("ball"); s = lr.init(rng.spawn_keys(0, 2), 2)
        >>> s = lr.update(s, Gradient(np.array([[3.0, 4.0], [0.0, 0.0]])))
        >>> lr.strategy(s).round(3).tolist()
        [[0.6, 0.8], [0.0, 0.0]]
    """
    return ProjectedOGD(domain, lr, G, schedule, horizon)
