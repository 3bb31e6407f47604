"""Optimistic online mirror descent with hints (Rakhlin & Sridharan 2013; Chiang et al. 2012)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_array, check_int, check_positive
from regretlab.core.registry import register
from regretlab.core.simplex import softmax
from regretlab.oco._base import OCOLearner, lipschitz
from regretlab.oco.domains import Simplex


class OptimisticState(NamedTuple):
    t: np.ndarray  # [B] rounds learned from
    x: np.ndarray  # [B, D] the point played with the last-gradient hint
    y: np.ndarray  # [B, D] the secondary (lazy) sequence y_t (entropy: its log-weights)
    last: np.ndarray  # [B, D] the last utility gradient (the default hint M_{t+1} = g_t)


class OptimisticOMD(OCOLearner):
    r"""Optimistic OMD: :math:`x_t = \Pi(y_{t-1} + \eta M_t)`, :math:`y_t = \Pi(y_{t-1} + \eta g_t)`."""

    name = "optimistic_omd"

    def __init__(self, domain: Any, lr: float | None, G: float, regularizer: str, horizon: int | None) -> None:
        super().__init__(domain)
        if regularizer not in ("euclidean", "entropy"):
            raise ValueError(f"regularizer must be 'euclidean' or 'entropy', got {regularizer!r}")
        if regularizer == "entropy" and not isinstance(self.domain, Simplex):
            raise ValueError(f"regularizer='entropy' needs the simplex as domain, got {self.domain!r}")
        self.regularizer = regularizer
        self.lr = None if lr is None else check_positive("lr", lr)
        self.G = lipschitz(G)
        self.horizon = None if horizon is None else check_int("horizon", horizon)
        if self.lr is None:
            if self.horizon is None:
                raise ValueError("optimistic_omd needs lr > 0 or horizon (eta = D / (2 G sqrt T))")
            self._bounded("its rate is D / (2 G sqrt T)")

    def rate(self, D: int) -> float:
        if self.lr is not None:
            return self.lr
        if self.regularizer == "entropy":
            return math.sqrt(math.log(max(D, 2)) / (self.horizon or 1)) / (2.0 * self.G)
        return self.diameter(D) / (2.0 * self.G * math.sqrt(self.horizon or 1))

    def _step(self, y: np.ndarray, g: np.ndarray, eta: float) -> np.ndarray:
        if self.regularizer == "entropy":
            return y + eta * g  # log-weights: the simplex point is their softmax
        return self.domain.project(y + eta * g)

    def _point(self, z: np.ndarray) -> np.ndarray:
        return softmax(z) if self.regularizer == "entropy" else z

    def init(self, keys: Any, D: int) -> OptimisticState:
        b, d = self._dim(keys, D)
        y = np.zeros((b, d)) if self.regularizer == "entropy" else self.domain.start(b, d)
        return OptimisticState(np.zeros(b, dtype=np.int64), self._point(y), y, np.zeros((b, d)))

    def strategy(self, state: OptimisticState, context: Any = None) -> np.ndarray:
        """``x_t`` with the hint ``M_t`` = ``context`` (a ``[B, D]`` guess of the coming utility
        gradient) or, without one, the last gradient."""
        if context is None:
            return state.x.copy()
        hint = check_array("context", context)
        if hint.shape != state.y.shape:
            raise ValueError(f"context (the hint M_t) must have shape [B, D] = {list(state.y.shape)}, "
                             f"got shape {list(hint.shape)}")
        return self._point(self._step(state.y, hint, self.rate(hint.shape[1])))

    def update(self, state: OptimisticState, feedback: Any) -> OptimisticState:
        g = self.grad(state, feedback)
        eta = self.rate(g.shape[1])
        y = self._step(state.y, g, eta)
        return OptimisticState(state.t + 1, self._point(self._step(y, g, eta)), y, g)


@register("optimistic_omd", family="oco", tunes=("horizon",),
          test_params=[{"horizon": 64}, {"lr": 0.1}, {"domain": "simplex", "regularizer": "entropy", "lr": 0.2}])
def optimistic_omd(domain: Any = "ball", lr: float | None = None, G: float = 1.0, regularizer: str = "euclidean",
                   horizon: int | None = None) -> OptimisticOMD:
    r"""Optimistic online mirror descent with hints (predictable sequences).

    Update (Euclidean): :math:`x_t = \Pi_K(y_{t-1} - \eta M_t)`,
    :math:`y_t = \Pi_K(y_{t-1} - \eta \nabla f_t(x_t))` with the hint :math:`M_t` a guess of
    :math:`\nabla f_t`: the ``context`` given to ``strategy`` or, by default, the last gradient
    :math:`M_t = \nabla f_{t-1}`. ``regularizer="entropy"`` (the simplex) is the same with
    multiplicative steps (optimistic Hedge). Default :math:`\eta = D/(2G\sqrt T)`.

    Regret (Rakhlin & Sridharan, "Online learning with predictable sequences", COLT 2013, Lemma 1,
    with the Euclidean regulariser and the non-expansive projection,
    :math:`\|x_t - y_t\| \le \eta \|\nabla f_t - M_t\|`; Chiang et al. COLT 2012):
    :math:`R_T \le D^2/(2\eta) + \eta \sum_t \|\nabla f_t - M_t\|^2`, so ``O(1/eta)`` when the
    hints are exact and :math:`\le DG\sqrt T + 2 D G \sqrt T` at the default rate in the worst case
    (``||∇f_t - M_t|| <= 2G``).

    Args:
        domain: the domain (default the unit ball); lr: ``eta`` (default from ``horizon``);
        G: the gradient bound; regularizer: ``euclidean`` or ``entropy``; horizon: ``T``.
    Returns:
        A learner with state ``t [B]``, ``x, y, last [B, D]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> lr = optimistic_omd(lr=0.1); s = lr.init(rng.spawn_keys(0, 1), 2)
        >>> s = lr.update(s, Gradient(np.array([[1.0, 0.0]])))
        >>> lr.strategy(s).round(3).tolist()  # y = (0.1, 0) plus the hint step
        [[0.2, 0.0]]
    """
    return OptimisticOMD(domain, lr, G, regularizer, horizon)
