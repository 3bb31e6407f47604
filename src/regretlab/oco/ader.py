"""Ader: adaptive online learning in dynamic environments (Zhang, Lu & Zhou 2018)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_int
from regretlab.core.registry import register
from regretlab.core.simplex import logsumexp
from regretlab.oco._base import OCOLearner, lipschitz


class AderState(NamedTuple):
    t: np.ndarray  # [B] rounds learned from
    x: np.ndarray  # [B, D] the meta-learner's point
    experts: np.ndarray  # [B, N, D] the OGD expert of each step size eta_i
    log_w: np.ndarray  # [B, N] log weights of the experts (Hedge on the linearised losses)


class Ader(OCOLearner):
    """Ader: Hedge over OGD experts with geometrically spaced step sizes."""

    name = "ader"

    def __init__(self, domain: Any, G: float, horizon: int) -> None:
        super().__init__(domain)
        self._bounded("its step sizes and meta rate come from the diameter")
        self.G = lipschitz(G)
        self.horizon = check_int("horizon", horizon)

    def steps(self, D: int) -> np.ndarray:
        """``eta_i = 2^{i-1} (D/G) sqrt(7 / (2T))``, ``i = 1 .. N``, ``N = ceil(log2(1 + 4T/7) / 2) + 1``."""
        T = self.horizon
        n = math.ceil(0.5 * math.log2(1.0 + 4.0 * T / 7.0)) + 1
        return 2.0 ** np.arange(n) * (self.diameter(D) / self.G) * math.sqrt(7.0 / (2.0 * T))

    def meta_rate(self, D: int) -> float:
        """``alpha = sqrt(8 / T) / (G D)``."""
        return math.sqrt(8.0 / self.horizon) / (self.G * self.diameter(D))

    def init(self, keys: Any, D: int) -> AderState:
        b, d = self._dim(keys, D)
        n = self.steps(d).size
        i = np.arange(1, n + 1)
        prior = (n + 1.0) / (n * i * (i + 1.0))  # w_1^i = (N + 1) / (N i (i + 1))
        start = self.domain.start(b, d)
        return AderState(np.zeros(b, dtype=np.int64), start, np.repeat(start[:, None], n, axis=1),
                         np.tile(np.log(prior / prior.sum()), (b, 1)))

    def update(self, state: AderState, feedback: Any) -> AderState:
        g = -self.grad(state, feedback)  # the loss gradient at the played point
        b, n, d = state.experts.shape
        surrogate = np.einsum("bnd,bd->bn", state.experts - state.x[:, None, :], g)  # <g, x^i - x>
        log_w = state.log_w - self.meta_rate(d) * surrogate
        log_w = log_w - logsumexp(log_w, axis=1)[:, None]
        steps = self.steps(d)
        raw = state.experts - steps[None, :, None] * g[:, None, :]
        experts = self.domain.project(raw.reshape(b * n, d)).reshape(b, n, d)
        x = np.einsum("bn,bnd->bd", np.exp(log_w), experts)
        return AderState(state.t + 1, self.domain.project(x), experts, log_w)


@register("ader", family="oco", tunes=("horizon",), test_params=[{"horizon": 64}, {"horizon": 10, "G": 2.0}])
def ader(domain: Any = "ball", G: float = 1.0, horizon: int = 1000) -> Ader:
    r"""Ader, for dynamic regret: Hedge over OGD experts with step sizes spread over a geometric grid.

    Update: experts :math:`x^i_{t+1} = \Pi_K(x^i_t - \eta_i \nabla f_t(x_t))` with
    :math:`\eta_i = 2^{i-1} \tfrac{D}{G}\sqrt{7/(2T)}`, :math:`i = 1..N`,
    :math:`N = \lceil \tfrac12 \log_2(1 + 4T/7)\rceil + 1`; the meta-learner plays
    :math:`x_t = \sum_i w_{t,i} x^i_t` with
    :math:`w_{t+1,i} \propto w_{t,i} e^{-\alpha \langle \nabla f_t(x_t), x^i_t - x_t\rangle}` (the
    linearised surrogate loss, so one gradient per round), :math:`\alpha = \sqrt{8/T}/(GD)` and the
    prior :math:`w_{1,i} = (N+1)/(N i (i+1))`.

    Dynamic regret (Zhang, Lu & Zhou, "Adaptive online learning in dynamic environments",
    NeurIPS 2018, Thm 3): against *any* comparator sequence :math:`u_1..u_T` of path length
    :math:`P_T = \sum_t \|u_t - u_{t-1}\|`,
    :math:`\sum_t f_t(x_t) - f_t(u_t) \le \tfrac34 G\sqrt{2T(7D^2 + 8DP_T)} + \tfrac{\sqrt{2T}}{4} G D (1 + 2\ln(k+1))`,
    :math:`k = \lfloor \log_2 \sqrt{1 + 4P_T/(7D)} \rfloor + 1`: :math:`O(\sqrt{T(1 + P_T)})`, the
    minimax rate, with no knowledge of :math:`P_T`.

    Args:
        domain: a bounded domain (default the unit ball); G: the gradient bound; horizon: ``T``.
    Returns:
        A learner with state ``t [B]``, ``x [B, D]``, ``experts [B, N, D]``, ``log_w [B, N]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> lr = ader("ball", horizon=100); s = lr.init(rng.spawn_keys(0, 1), 2)
        >>> s = lr.update(s, Gradient(np.array([[0.0, 1.0]])))
        >>> bool(lr.strategy(s)[0, 1] > 0)
        True
    """
    return Ader(domain, G, horizon)
