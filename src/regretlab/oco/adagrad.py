"""AdaGrad, diagonal and full-matrix, with projections in the adapted norm (Duchi, Hazan & Singer 2011)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_positive
from regretlab.core.registry import register
from regretlab.oco._base import OCOLearner


class AdaGradState(NamedTuple):
    t: np.ndarray  # [B] rounds learned from
    x: np.ndarray  # [B, D] the point to play
    acc: np.ndarray  # [B, D] sum of squared gradients (diagonal) or [B, D, D] sum of g g^T (full)


class AdaGrad(OCOLearner):
    r"""AdaGrad: :math:`x_{t+1} = \Pi^{H_t}_K(x_t - \eta H_t^{-1} g_t)`, :math:`H_t = \delta I + (\sum g g^T)^{1/2}`."""

    def __init__(self, domain: Any, lr: float | None, delta: float, full: bool) -> None:
        super().__init__(domain)
        self.full = bool(full)
        self.name = "oco_adagrad_full" if self.full else "oco_adagrad"
        self.lr = None if lr is None else check_positive("lr", lr)
        self.delta = check_positive("delta", delta)
        if self.lr is None:
            self._bounded("its rate is D / sqrt 2")

    def init(self, keys: Any, D: int) -> AdaGradState:
        b, d = self._dim(keys, D)
        acc = np.zeros((b, d, d)) if self.full else np.zeros((b, d))
        return AdaGradState(np.zeros(b, dtype=np.int64), self.domain.start(b, d), acc)

    def rate(self, D: int) -> float:
        if self.lr is not None:
            return self.lr
        diam = self.domain.diameter(D) if self.full else self.domain.diameter_inf(D)
        return (diam or 1.0) / math.sqrt(2.0)

    def update(self, state: AdaGradState, feedback: Any) -> AdaGradState:
        g = self.grad(state, feedback)
        d = g.shape[1]
        eta = self.rate(d)
        if not self.full:
            acc = state.acc + g * g
            h = self.delta + np.sqrt(acc)  # [B, D] the diagonal of H_t
            return AdaGradState(state.t + 1, self.domain.project(state.x + eta * g / h, metric=h), acc)
        acc = state.acc + g[:, :, None] * g[:, None, :]
        w, v = np.linalg.eigh(acc)
        root = np.einsum("bij,bj,bkj->bik", v, np.sqrt(np.maximum(w, 0.0)), v)
        h = root + self.delta * np.eye(d)
        step = np.einsum("bij,bj,bkj,bk->bi", v, 1.0 / (np.sqrt(np.maximum(w, 0.0)) + self.delta), v, g)  # H^-1 g
        return AdaGradState(state.t + 1, self.domain.project(state.x + eta * step, metric=h), acc)




@register("oco_adagrad", family="oco", test_params=[{}, {"lr": 0.3, "delta": 1e-3}])
def oco_adagrad(domain: Any = "ball", lr: float | None = None, delta: float = 1e-6) -> AdaGrad:
    r"""Diagonal AdaGrad on a convex domain (per-coordinate steps).

    Update: :math:`s_t = \sum_{s\le t} g_s^2`, :math:`H_t = \delta + \sqrt{s_t}` (per coordinate),
    :math:`x_{t+1} = \Pi^{H_t}_K(x_t - \eta\, \nabla f_t / H_t)`: the projection in the norm
    :math:`\|y\|_{H_t}^2 = \sum_i H_{t,i} y_i^2` (exact on every domain).

    Regret (Duchi, Hazan & Singer, JMLR 2011, Thm 5, with the ``delta`` term of the proof): with
    :math:`\eta = D_\infty/\sqrt2` (the default; :math:`D_\infty = \max \|x - y\|_\infty`),
    :math:`R_T \le \sqrt2 D_\infty \sum_i \|g_{1:T,i}\|_2 + D\,\delta D_\infty/\sqrt2` (``D`` the dimension),
    which is at most :math:`\sqrt{2D} D_\infty \sqrt{\sum_t \|g_t\|^2}`.

    Args:
        domain: the domain (default the unit ball); lr: ``eta``; delta: ``> 0`` added to ``H``.
    Returns:
        A learner with state ``t [B]``, ``x [B, D]``, ``acc [B, D]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> lr = oco_adagrad("box"); s = lr.init(rng.spawn_keys(0, 1), 2)
        >>> s = lr.update(s, Gradient(np.array([[1.0, -0.5]])))
        >>> lr.strategy(s).round(3).tolist()
        [[1.0, -1.0]]
    """
    return AdaGrad(domain, lr, delta, full=False)


@register("oco_adagrad_full", family="oco", test_params=[{}, {"lr": 0.3, "delta": 1e-3}])
def oco_adagrad_full(domain: Any = "ball", lr: float | None = None, delta: float = 1e-6) -> AdaGrad:
    r"""Full-matrix AdaGrad on a convex domain.

    Update: :math:`G_t = \sum_{s\le t} g_s g_s^T`, :math:`H_t = \delta I + G_t^{1/2}`,
    :math:`x_{t+1} = \Pi^{H_t}_K(x_t - \eta H_t^{-1} \nabla f_t)` (the generalised projection in
    the :math:`H_t`-norm).

    Regret (Duchi, Hazan & Singer, JMLR 2011, Thm 7, with the ``delta`` term of the proof): with
    :math:`\eta = D_2/\sqrt2` (the default, :math:`D_2` the diameter),
    :math:`R_T \le \sqrt2 D_2 \operatorname{tr}(G_T^{1/2}) + D\,\delta D_2/\sqrt2`.

    Args:
        domain: the domain (default the unit ball); lr: ``eta``; delta: ``> 0`` added to ``H``.
    Returns:
        A learner with state ``t [B]``, ``x [B, D]``, ``acc [B, D, D]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> lr = oco_adagrad_full("ball"); s = lr.init(rng.spawn_keys(0, 1), 2)
        >>> s = lr.update(s, Gradient(np.array([[0.3, 0.4]])))
        >>> lr.strategy(s).round(3).tolist()
        [[0.6, 0.8]]
    """
    return AdaGrad(domain, lr, delta, full=True)
