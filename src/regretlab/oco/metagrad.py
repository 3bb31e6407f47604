"""MetaGrad: multiple learning rates in online learning (van Erven & Koolen 2016)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_int
from regretlab.core.registry import register
from regretlab.core.simplex import logsumexp
from regretlab.oco._base import OCOLearner, lipschitz


class MetaGradState(NamedTuple):
    t: np.ndarray  # [B] rounds learned from
    x: np.ndarray  # [B, D] the master's point
    slaves: np.ndarray  # [B, E, D] the point of the slave of each rate eta_i
    log_pi: np.ndarray  # [B, E] log weights of the slaves (the exponential-weights master)
    precision: np.ndarray  # [B, E, D, D] Sigma^{-1} = I / D^2 + 2 eta^2 sum g g^T per slave


class MetaGrad(OCOLearner):
    """MetaGrad (full version): tilted exponential weights over ONS-like slaves, one per rate."""

    name = "metagrad"

    def __init__(self, domain: Any, G: float, horizon: int) -> None:
        super().__init__(domain)
        self._bounded("its grid of rates comes from the diameter")
        self.G = lipschitz(G)
        self.horizon = check_int("horizon", horizon)

    def etas(self, D: int) -> np.ndarray:
        """``eta_i = 2^{-i} / (5 D G)``, ``i = 0 .. ceil(log2(T) / 2)``."""
        count = math.ceil(0.5 * math.log2(max(self.horizon, 2))) + 1
        return 2.0 ** -np.arange(count) / (5.0 * self.diameter(D) * self.G)

    def init(self, keys: Any, D: int) -> MetaGradState:
        b, d = self._dim(keys, D)
        etas = self.etas(d)
        e = etas.size
        i = np.arange(e)
        prior = (1.0 + 1.0 / e) / ((i + 1.0) * (i + 2.0))  # C / ((i+1)(i+2)), C = 1 + 1/#rates
        start = self.domain.start(b, d)
        precision = np.broadcast_to(np.eye(d) / self.diameter(d) ** 2, (b, e, d, d)).copy()
        return MetaGradState(np.zeros(b, dtype=np.int64), start, np.repeat(start[:, None], e, axis=1),
                             np.tile(np.log(prior / prior.sum()), (b, 1)), precision)

    def update(self, state: MetaGradState, feedback: Any) -> MetaGradState:
        g = -self.grad(state, feedback)  # the loss gradient
        b, e, d = state.slaves.shape
        etas = self.etas(d)  # [E]
        r = np.einsum("bed,bd->be", state.slaves - state.x[:, None, :], g)  # (w^eta - w)^T g
        surrogate = etas * r + (etas * r) ** 2  # l^eta(w^eta) = -eta (w - w^eta)^T g + eta^2 ((w^eta - w)^T g)^2
        log_pi = state.log_pi - surrogate
        log_pi = log_pi - logsumexp(log_pi, axis=1)[:, None]
        precision = state.precision + 2.0 * (etas**2)[None, :, None, None] * (g[:, None, :, None] * g[:, None, None, :])
        step = etas[None, :, None] * np.linalg.solve(precision, g[:, None, :, None])[..., 0]
        raw = state.slaves - step * (1.0 + 2.0 * etas[None, :] * r)[..., None]
        slaves = self.domain.project(raw.reshape(b * e, d), metric=precision.reshape(b * e, d, d)).reshape(b, e, d)
        weight = np.exp(log_pi) * etas[None, :]  # the master tilts the weights by eta
        x = np.einsum("be,bed->bd", weight, slaves) / weight.sum(axis=1, keepdims=True)
        return MetaGradState(state.t + 1, self.domain.project(x), slaves, log_pi, precision)


@register("metagrad", family="oco", tunes=("horizon",), test_params=[{"horizon": 64}, {"horizon": 8, "G": 3.0}])
def metagrad(domain: Any = "ball", G: float = 1.0, horizon: int = 1000) -> MetaGrad:
    r"""MetaGrad (full-matrix version) on a bounded convex domain.

    Update: slaves for the rates :math:`\eta_i = 2^{-i}/(5DG)`, :math:`i = 0..\lceil \tfrac12\log_2 T\rceil`,
    each an ONS on the surrogate
    :math:`\ell^\eta_t(u) = -\eta (w_t - u)^T g_t + \eta^2 ((u - w_t)^T g_t)^2`:
    :math:`\Sigma^{-1}_{t+1} = I/D^2 + 2\eta^2 \sum g g^T`,
    :math:`w^\eta_{t+1} = \Pi^{\Sigma^{-1}_{t+1}}(w^\eta_t - \eta \Sigma_{t+1} g_t (1 + 2\eta (w^\eta_t - w_t)^T g_t))`;
    the master plays :math:`w_t = \sum_\eta \pi_t(\eta)\, \eta\, w^\eta_t / \sum_\eta \pi_t(\eta)\, \eta`
    with :math:`\pi_{t+1}(\eta) \propto \pi_t(\eta) e^{-\ell^\eta_t(w^\eta_t)}` from the prior
    :math:`\pi_1(\eta_i) \propto 1/((i+1)(i+2))`.

    Regret (van Erven & Koolen, "MetaGrad: multiple learning rates in online learning", NeurIPS
    2016, Thm 7 and Cor. 8): for every ``u`` in the domain,
    :math:`R_T(u) = O\big(\sqrt{V_T^u\, D \ln T} + D G\, D \ln T\big)` with
    :math:`V_T^u = \sum_t ((u - w_t)^T g_t)^2 \le D^2 G^2 T`, so at most
    :math:`O(DG\sqrt{T \log\log T})` on any convex losses and :math:`O(D \log T)` on exp-concave or
    strongly convex ones (Cor. 8).

    Args:
        domain: a bounded domain (default the unit ball); G: the gradient bound; horizon: ``T``
            (sets the grid of rates).
    Returns:
        A learner with state ``t [B]``, ``x [B, D]``, ``slaves [B, E, D]``, ``log_pi [B, E]``,
        ``precision [B, E, D, D]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> lr = metagrad("ball", horizon=16); s = lr.init(rng.spawn_keys(0, 1), 2)
        >>> for _ in range(20):
        ...     s = lr.update(s, Gradient(np.array([[1.0, 0.0]])))
        >>> bool(lr.strategy(s)[0, 0] > 0.5)
        True
    """
    return MetaGrad(domain, G, horizon)


