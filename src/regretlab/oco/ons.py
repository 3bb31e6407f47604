"""Online Newton Step for exp-concave losses (Hazan, Agarwal & Kale 2007)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_positive
from regretlab.core.registry import register
from regretlab.oco._base import OCOLearner, lipschitz


class ONSState(NamedTuple):
    t: np.ndarray  # [B] rounds learned from
    x: np.ndarray  # [B, D] the point to play
    a: np.ndarray  # [B, D, D] A_t = eps I + sum g g^T
    a_inv: np.ndarray  # [B, D, D] its inverse (Sherman-Morrison updates)


class ONS(OCOLearner):
    r"""ONS: :math:`A_t = \varepsilon I + \sum g g^T`, :math:`x_{t+1} = \Pi^{A_t}(x_t - \gamma^{-1} A_t^{-1} g_t)`."""

    name = "ons"

    def __init__(self, domain: Any, alpha: float, G: float, gamma: float | None, eps: float | None) -> None:
        super().__init__(domain)
        self.alpha = check_positive("alpha", alpha)
        self.G = lipschitz(G)
        self._gamma = None if gamma is None else check_positive("gamma", gamma)
        self._eps = None if eps is None else check_positive("eps", eps)
        if gamma is None or eps is None:
            self._bounded("gamma and eps come from its diameter")

    def gamma(self, D: int) -> float:
        """``gamma = min(1 / (4 G D), alpha) / 2`` (Hazan et al. 2007, Thm 2) unless given."""
        if self._gamma is not None:
            return self._gamma
        return 0.5 * min(1.0 / (4.0 * self.G * self.diameter(D)), self.alpha)

    def eps(self, D: int) -> float:
        """``eps = 1 / (gamma^2 D^2)`` unless given."""
        return self._eps if self._eps is not None else 1.0 / (self.gamma(D) ** 2 * self.diameter(D) ** 2)

    def init(self, keys: Any, D: int) -> ONSState:
        b, d = self._dim(keys, D)
        eps = self.eps(d)
        eye = np.broadcast_to(np.eye(d), (b, d, d))
        return ONSState(np.zeros(b, dtype=np.int64), self.domain.start(b, d), eps * eye, eye / eps)

    def update(self, state: ONSState, feedback: Any) -> ONSState:
        g = -self.grad(state, feedback)  # the loss gradient
        a = state.a + g[:, :, None] * g[:, None, :]
        ag = np.einsum("bij,bj->bi", state.a_inv, g)
        a_inv = state.a_inv - ag[:, :, None] * ag[:, None, :] / (1.0 + np.einsum("bi,bi->b", g, ag))[:, None, None]
        y = state.x - np.einsum("bij,bj->bi", a_inv, g) / self.gamma(g.shape[1])
        return ONSState(state.t + 1, self.domain.project(y, metric=a), a, a_inv)


@register("ons", family="oco", test_params=[{}, {"alpha": 0.5, "G": 2.0}, {"gamma": 0.5, "eps": 1.0}])
def ons(domain: Any = "simplex", alpha: float = 1.0, G: float = 1.0, gamma: float | None = None,
        eps: float | None = None) -> ONS:
    r"""Online Newton Step for ``alpha``-exp-concave losses.

    Update: :math:`A_t = \varepsilon I + \sum_{s \le t} \nabla_s \nabla_s^T`,
    :math:`y_{t+1} = x_t - \gamma^{-1} A_t^{-1} \nabla_t`,
    :math:`x_{t+1} = \Pi^{A_t}_K(y_{t+1}) = \arg\min_{x \in K} (y_{t+1} - x)^T A_t (y_{t+1} - x)`
    (the generalised projection; ``A_t^{-1}`` by Sherman-Morrison), with
    :math:`\gamma = \tfrac12 \min(1/(4GD), \alpha)` and :math:`\varepsilon = 1/(\gamma^2 D^2)`.

    Regret (Hazan, Agarwal & Kale, "Logarithmic regret algorithms for online convex
    optimization", Machine Learning 2007, Thm 2): for ``alpha``-exp-concave ``f_t`` with
    ``||∇f_t|| <= G`` on a domain of diameter ``D`` in ``R^n``,
    :math:`R_T \le 5 (1/\alpha + G D)\, n \log T` (T > 4). Log-loss portfolios are 1-exp-concave.

    Args:
        domain: the domain (default the simplex: portfolio selection).
        alpha: the exp-concavity constant; G: the gradient bound.
        gamma, eps: override the rate and the initial ``A_0 = eps I``.
    Returns:
        A learner with state ``t [B]``, ``x [B, D]``, ``a, a_inv [B, D, D]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> lr = ons("simplex", G=2.0); s = lr.init(rng.spawn_keys(0, 1), 2)
        >>> s = lr.update(s, Gradient(np.array([[1.0, 0.5]])))  # asset 0 did better
        >>> bool(lr.strategy(s)[0, 0] > 0.5)
        True
    """
    return ONS(domain, alpha, G, gamma, eps)
