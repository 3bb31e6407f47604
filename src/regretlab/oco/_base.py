"""What every OCO learner shares: the domain, the dimension check and the gradient check.

The contract (``family="oco"``): ``feedback = Gradient``; ``init(keys, D) -> state`` with a
per-run round counter ``t [B]`` and the point to play ``x [B, D]``; ``strategy(state, context=None)
-> x [B, D]`` a point of the learner's domain; ``update(state, Gradient(grad [B, D])) -> state``
(pure). ``grad`` is the gradient of the *utility* ``-f_t`` at the played point (the driver hands
``-∇f_t(x_t)``), so every learner here ascends: ``x <- x + eta * grad``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regretlab.core.errors import check_positive
from regretlab.core.types import Gradient
from regretlab.oco.domains import Domain, as_domain


class OCOLearner:
    """Base class: a learner on a declared convex domain."""

    feedback = Gradient
    name = "oco"

    def __init__(self, domain: Any) -> None:
        self.domain: Domain = as_domain(domain)

    def _dim(self, keys: Any, D: Any) -> tuple[int, int]:
        b = int(np.size(keys))
        if b < 1:
            raise ValueError("keys must hold at least one run key, got none")
        return b, self.domain.check_dim(D, "D")

    def _bounded(self, what: str) -> None:
        if not self.domain.bounded:
            raise ValueError(f"{self.name} needs a bounded domain ({what}), got {self.domain!r}; "
                             "use Ball, Box or Simplex (or give the rate explicitly)")

    def diameter(self, D: int) -> float:
        return self.domain.diameter(D) or 1.0  # a one-point domain: any positive scale will do

    def grad(self, state: Any, feedback: Any) -> np.ndarray:
        """The utility gradient ``[B, D]`` of the feedback, checked against the state's point."""
        if not isinstance(feedback, Gradient):
            raise TypeError(f"{self.name} learns from Gradient feedback, got {type(feedback).__name__}")
        g = np.asarray(feedback.grad, dtype=np.float64)
        want = state.x.shape
        if g.shape != want:
            raise ValueError(f"feedback.grad must have shape [B, D] = {list(want)} (the domain {self.domain!r} "
                             f"has D = {want[1]}), got shape {list(g.shape)}")
        if not np.isfinite(g).all():
            bad = g[~np.isfinite(g)].ravel()[0]
            raise ValueError(f"feedback.grad must be finite, got a non-finite entry {bad!r}")
        return g

    def strategy(self, state: Any, context: Any = None) -> np.ndarray:
        return state.x.copy()

    def __repr__(self) -> str:
        return f"{self.name}(domain={self.domain!r})"


def lipschitz(G: Any) -> float:
    """The gradient bound ``G`` (> 0): ``||grad||_2 <= G`` every round."""
    return check_positive("G", G)


def col(v: np.ndarray) -> np.ndarray:
    """``[B] -> [B, 1]``."""
    return np.asarray(v, dtype=np.float64)[:, None]
