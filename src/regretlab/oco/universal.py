"""Cover's universal portfolio, the reference learner of log-loss portfolio selection (Cover 1991)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_int
from regretlab.core.registry import register
from regretlab.core.simplex import softmax
from regretlab.oco._base import OCOLearner
from regretlab.oco.domains import Simplex


class UniversalState(NamedTuple):
    t: np.ndarray  # [B] rounds learned from
    x: np.ndarray  # [B, D] the wealth-weighted average portfolio
    log_wealth: np.ndarray  # [B, M] log wealth of every candidate constant-rebalanced portfolio


class UniversalPortfolio(OCOLearner):
    """Wealth-weighted average of constant-rebalanced portfolios under the uniform prior."""

    name = "universal_portfolio"

    def __init__(self, horizon: int | None, samples: int, seed: int) -> None:
        super().__init__(Simplex())
        self.horizon = None if horizon is None else check_int("horizon", horizon)
        self.samples = check_int("samples", samples)
        self.seed = check_int("seed", seed, minimum=0)

    def candidates(self, D: int) -> tuple[np.ndarray, np.ndarray]:
        """``(portfolios [M, D], log prior weights [M])``: Gauss-Legendre nodes for ``D = 2``
        (exact), uniform samples of the simplex (a seeded Dirichlet(1, ..., 1)) for ``D >= 3``."""
        if D == 1:
            return np.ones((1, 1)), np.zeros(1)
        if D == 2:
            n = max(8, (self.horizon or 2 * self.samples) // 2 + 2)
            nodes, weights = np.polynomial.legendre.leggauss(n)
            b = 0.5 * (nodes + 1.0)
            return np.stack([b, 1.0 - b], axis=1), np.log(weights)
        gen = np.random.default_rng(self.seed)
        return gen.dirichlet(np.ones(D), size=self.samples), np.zeros(self.samples)

    def init(self, keys: Any, D: int) -> UniversalState:
        b, d = self._dim(keys, D)
        cands, log_prior = self.candidates(d)
        log_w = np.tile(log_prior, (b, 1))
        return UniversalState(np.zeros(b, dtype=np.int64), self._mix(log_w, cands), log_w)

    @staticmethod
    def _mix(log_w: np.ndarray, cands: np.ndarray) -> np.ndarray:
        return softmax(log_w) @ cands

    def update(self, state: UniversalState, feedback: Any) -> UniversalState:
        g = self.grad(state, feedback)  # = r_t / <r_t, x_t>: the price relatives up to a positive factor
        if (g < 0).any() or not (g > 0).any(axis=1).all():
            raise ValueError("universal_portfolio learns from log-loss portfolio rounds: feedback.grad must be "
                             "r_t / <r_t, x_t> (>= 0, not all 0)")
        cands, _ = self.candidates(g.shape[1])
        growth = g @ cands.T  # [B, M] <r_t, b> / <r_t, x_t>; the common factor cancels in the average
        log_w = state.log_wealth + np.log(np.maximum(growth, 1e-300))
        log_w = log_w - log_w.max(axis=1, keepdims=True)
        return UniversalState(state.t + 1, self._mix(log_w, cands), log_w)


@register("universal_portfolio", family="portfolio", tunes=("horizon",), test_params=[{"horizon": 50}])
def universal_portfolio(horizon: int | None = None, samples: int = 2000, seed: int = 0) -> UniversalPortfolio:
    r"""Cover's universal portfolio: the wealth-weighted average of all constant-rebalanced portfolios.

    Update: :math:`x_{t+1} = \int b\, W_t(b)\, d\mu(b) / \int W_t(b)\, d\mu(b)` with
    :math:`W_t(b) = \prod_{s \le t} \langle r_s, b\rangle` and :math:`\mu` uniform on the simplex.
    For ``D = 2`` the integral is a Gauss-Legendre rule with ``horizon / 2 + 2`` nodes, exact for
    every round up to ``horizon`` (the integrands are polynomials of degree ``<= t + 1`` in ``b``);
    for ``D >= 3`` it is the average over ``samples`` uniform draws of the simplex (seeded by
    ``seed``, the same for every run), a Monte Carlo approximation.

    It learns from ``Gradient`` feedback of log-loss portfolio rounds: the utility gradient
    :math:`r_t / \langle r_t, x_t\rangle` is the price-relative vector up to a positive factor,
    which cancels in the average.

    Regret (Cover, "Universal portfolios", Math. Finance 1991; Blum & Kalai 1999, Thm 1): the
    exact mixture has log-wealth regret against the best constant-rebalanced portfolio in hindsight
    :math:`\le (D-1)\ln(T+1)` on every market.

    Args:
        horizon: the last round the ``D = 2`` rule is exact for (default ``2 * samples``).
        samples: candidates for ``D >= 3``; seed: their seed.
    Returns:
        A learner on the simplex with state ``t [B]``, ``x [B, D]``, ``log_wealth [B, M]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> up = universal_portfolio(horizon=10); s = up.init(rng.spawn_keys(0, 1), 2)
        >>> s = up.update(s, Gradient(np.array([[2.0, 0.0]]) / 1.0))  # asset 0 doubled, asset 1 lost all
        >>> up.strategy(s).round(4).tolist()  # E[b^2] / E[b] under the uniform prior = 2/3
        [[0.6667, 0.3333]]
    """
    return UniversalPortfolio(horizon, samples, seed)


