"""Parameter-free online learning by Krichevsky-Trofimov coin betting (Orabona & Pál 2016).

The learner bets a fraction of its wealth on the next "coin" ``c_t = grad_t / G`` (the utility
gradient, ``||c_t|| <= 1``): with ``S_{t-1} = sum_{s<t} c_s`` and ``Wealth_0 = eps``,

    w_t = (S_{t-1} / t) * Wealth_{t-1},        Wealth_t = Wealth_{t-1} + <c_t, w_t>

(the KT bettor; ``scalar``: one such bettor per coordinate, ``vector``: the Hilbert-space bettor
on the vector ``S``). On a bounded domain ``K`` the played point is ``x_t = Π_K(w_t)`` and the
bettor sees the surrogate coin ``(c_t - ||c_t|| ∇dist(w_t, K)) / 2`` (Cutkosky & Orabona,
"Black-box reductions for parameter-free online learning in Banach spaces", COLT 2018, Thm 3),
which keeps the regret against every ``u in K`` at most twice the unconstrained one.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_positive
from regretlab.core.registry import register
from regretlab.oco._base import OCOLearner, lipschitz


class KTState(NamedTuple):
    t: np.ndarray  # [B] rounds learned from
    x: np.ndarray  # [B, D] the point to play (the bet, projected onto the domain)
    w: np.ndarray  # [B, D] the bet
    wealth: np.ndarray  # [B] (vector) or [B, D] (scalar: one bettor per coordinate)
    total: np.ndarray  # [B, D] S_t, the sum of the coins so far


class KT(OCOLearner):
    """KT coin betting, scalar (per coordinate) or vector (Hilbert space)."""

    def __init__(self, domain: Any, eps: float, G: float, vector: bool) -> None:
        super().__init__(domain)
        self.eps = check_positive("eps", eps)
        self.G = lipschitz(G)
        self.vector = bool(vector)
        self.name = "kt_vector" if self.vector else "kt_scalar"

    def init(self, keys: Any, D: int) -> KTState:
        b, d = self._dim(keys, D)
        wealth = np.full(b, self.eps) if self.vector else np.full((b, d), self.eps)
        w = np.zeros((b, d))
        return KTState(np.zeros(b, dtype=np.int64), self.domain.project(w), w, wealth, np.zeros((b, d)))

    def coin(self, state: KTState, g: np.ndarray) -> np.ndarray:
        """The coin ``[B, D]`` of a utility gradient: ``g / G``, or the constrained surrogate."""
        norm = np.linalg.norm(g, axis=1)
        if self.domain.bounded:
            bound = norm
        else:
            bound = norm if self.vector else np.abs(g).max(axis=1)
        if (bound > self.G * (1.0 + 1e-9)).any():
            b = int(np.argmax(bound))
            kind = "||feedback.grad||_2" if (self.vector or self.domain.bounded) else "max |feedback.grad|"
            raise ValueError(f"{kind} must be <= G = {self.G:g} (coin betting needs the bound), got {bound[b]:.6g} "
                             f"in run {b}; make the learner with a larger G")
        if not self.domain.bounded:
            return g / self.G
        gap = state.w - state.x
        dist = np.linalg.norm(gap, axis=1, keepdims=True)
        direction = np.where(dist > 1e-12, gap / np.maximum(dist, 1e-300), 0.0)  # ∇ dist(w, K)
        return (g - norm[:, None] * direction) / (2.0 * self.G)

    def update(self, state: KTState, feedback: Any) -> KTState:
        g = self.grad(state, feedback)
        c = self.coin(state, g)
        if self.vector:
            wealth = state.wealth + np.einsum("bd,bd->b", c, state.w)
        else:
            wealth = state.wealth + c * state.w
        total = state.total + c
        t = state.t + 1
        w = total / (t + 1.0)[:, None] * (wealth[:, None] if self.vector else wealth)
        return KTState(t, self.domain.project(w), w, wealth, total)


@register("kt_scalar", family="oco", test_params=[{}, {"eps": 0.5, "G": 2.0}])
def kt_scalar(domain: Any = "reals", eps: float = 1.0, G: float = 1.0) -> KT:
    r"""Parameter-free KT coin betting, one scalar bettor per coordinate.

    Update (per coordinate ``i``, coins :math:`c_{t,i} = g_{t,i}/G \in [-1, 1]`):
    :math:`w_{t,i} = \frac{\sum_{s<t} c_{s,i}}{t} \mathrm{Wealth}_{t-1,i}`,
    :math:`\mathrm{Wealth}_{t,i} = \mathrm{Wealth}_{t-1,i} + c_{t,i} w_{t,i}`, ``Wealth_0 = eps``.

    Regret (Orabona & Pál, "Coin betting and parameter-free online learning", NeurIPS 2016,
    Cor. 5, applied per coordinate): for linear losses on ``R^D`` with ``max_i |g_{t,i}| <= G``,
    for *every* comparator ``u``,
    :math:`R_T(u) \le G \sum_i \big(|u_i| \sqrt{T \ln(1 + 24 T^2 u_i^2/\varepsilon^2)} + \varepsilon(1 - \tfrac{1}{e\sqrt T})\big)`,
    with no learning rate to tune. On a bounded domain (``||g||_2 <= G``) twice that, for ``u in K``.

    Args:
        domain: default ``reals`` (unconstrained); a bounded domain uses the constrained reduction.
        eps: the initial wealth per coordinate; G: the gradient bound.
    Returns:
        A learner with state ``t [B]``, ``x, w [B, D]``, ``wealth [B, D]``, ``total [B, D]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> lr = kt_scalar(); s = lr.init(rng.spawn_keys(0, 1), 1)
        >>> for _ in range(3):
        ...     s = lr.update(s, Gradient(np.array([[1.0]])))
        >>> lr.strategy(s).tolist()  # the bet grows with the wealth: 1 -> 1.5 -> 2.5
        [[1.875]]
    """
    return KT(domain, eps, G, vector=False)


@register("kt_vector", family="oco", test_params=[{}, {"eps": 0.5, "G": 2.0}])
def kt_vector(domain: Any = "reals", eps: float = 1.0, G: float = 1.0) -> KT:
    r"""Parameter-free KT coin betting in Hilbert space (one bettor on the vector of coins).

    Update (coins :math:`c_t = g_t/G`, :math:`\|c_t\|_2 \le 1`):
    :math:`w_t = \frac{\sum_{s<t} c_s}{t} \mathrm{Wealth}_{t-1}`,
    :math:`\mathrm{Wealth}_t = \mathrm{Wealth}_{t-1} + \langle c_t, w_t\rangle`, ``Wealth_0 = eps``.

    Regret (Orabona & Pál, NeurIPS 2016, Cor. 6, the KT bettor in Hilbert space): for linear losses
    on ``R^D`` with ``||g_t||_2 <= G``, for every comparator ``u``,
    :math:`R_T(u) \le G \big(\|u\| \sqrt{T \ln(1 + 24 T^2 \|u\|^2/\varepsilon^2)} + \varepsilon(1 - \tfrac{1}{e\sqrt{\pi T}})\big)`.
    On a bounded domain twice that, for ``u in K`` (Cutkosky & Orabona 2018, Thm 3).

    Args:
        domain: default ``reals``; eps: the initial wealth; G: the gradient bound.
    Returns:
        A learner with state ``t [B]``, ``x, w [B, D]``, ``wealth [B]``, ``total [B, D]``.

    Example:
        >>> from regretlab.core import Gradient, rng
        >>> lr = kt_vector(); s = lr.init(rng.spawn_keys(0, 1), 2)
        >>> s = lr.update(s, Gradient(np.array([[0.6, 0.8]])))
        >>> lr.strategy(s).tolist()
        [[0.3, 0.4]]
    """
    return KT(domain, eps, G, vector=True)


