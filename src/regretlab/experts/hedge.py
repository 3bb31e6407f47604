"""Exponential weights and friends: Hedge (fixed, anytime, doubling), AdaHedge, Fixed-Share,
FTRL (entropic / Euclidean), OGD on the simplex, FTPL (Gaussian / Gumbel), FTL, AdaNormalHedge."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from regretlab.core import rng
from regretlab.core.kernels import softmax_rows
from regretlab.core.errors import check_int, check_positive, check_probability
from regretlab.core.registry import register
from regretlab.core.simplex import normalize, project_simplex, softmax
from regretlab.experts._base import (
    CumulativeLearner,
    CumulativeState,
    anytime_hedge_rate,
    tuned_hedge_rate,
)

_SCHEDULES = ("fixed", "anytime", "doubling")


def _doubling_epoch(t: int) -> tuple[int, int]:
    """Epoch ``m`` containing round index ``t`` (0-based) and its first round: epochs of 2**m."""
    m = int(math.floor(math.log2(t + 1)))
    return m, 2**m - 1


class Hedge(CumulativeLearner):
    r"""Hedge / multiplicative weights: :math:`p_t(k) \propto \exp(\eta_t U_{t-1}(k))`.

    ``U_{t-1}`` is the cumulative utility (minus cumulative loss). Schedules: ``fixed`` rate
    (``lr``, or tuned ``sqrt(8 ln K / T)`` from ``horizon``), ``anytime``
    ``eta_t = sqrt(8 ln K / t)`` (or ``lr / sqrt(t)``), ``doubling`` (restart on epochs of
    length ``2^m`` with the tuned rate for each epoch).

    Regret (losses in [0,1]): fixed tuned rate ``<= sqrt(T ln K / 2)`` (Cesa-Bianchi & Lugosi
    2006, Thm 2.2); anytime ``<= sqrt(2 T ln K) + sqrt(ln K / 8)`` (Thm 2.3); doubling
    ``<= sqrt(2)/(sqrt(2)-1) sqrt(T ln K / 2)``.
    """

    name = "hedge"
    uses_played = False
    optimistic_ok = True

    def __init__(self, lr: float | None = None, schedule: str = "fixed", horizon: int | None = None):
        if schedule not in _SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(_SCHEDULES)}, got {schedule!r}")
        if lr is not None:
            lr = check_positive("lr", lr)
        if horizon is not None:
            horizon = check_int("horizon", horizon, minimum=1)
        if schedule == "fixed" and lr is None and horizon is None:
            raise ValueError("hedge with schedule='fixed' needs lr > 0 or horizon >= 1 (to tune the rate)")
        self.lr, self.schedule, self.horizon = lr, schedule, horizon

    def rate(self, k: int, t: int) -> float:
        """Learning rate used at 0-based round ``t``."""
        if self.schedule == "fixed":
            return self.lr if self.lr is not None else tuned_hedge_rate(k, self.horizon)
        if self.schedule == "anytime":
            return self.lr / math.sqrt(t + 1) if self.lr is not None else anytime_hedge_rate(k, t + 1)
        m, _ = _doubling_epoch(t)
        return tuned_hedge_rate(k, 2**m)

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        return softmax_rows(signal, self.rate(signal.shape[1], state.t))

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        signal = state.signal + utility
        if self.schedule == "doubling":
            _, start_next = _doubling_epoch(state.t + 1)
            if start_next == state.t + 1:  # a new epoch starts: forget
                signal = np.zeros_like(signal)
        return state._replace(t=state.t + 1, signal=signal)


@register(
    "hedge",
    family="experts",
    test_params=[{"lr": 0.5}, {"schedule": "anytime"}, {"schedule": "doubling"}, {"horizon": 100}],
)
def hedge(lr: float | None = None, schedule: str = "fixed", horizon: int | None = None) -> Hedge:
    """Hedge / multiplicative weights with a fixed, anytime or doubling-trick learning rate.

    Example:
        >>> from regretlab.core import FullInfo, rng
        >>> h = hedge(lr=0.1); s = h.init(rng.spawn_keys(0, 2), 3)
        >>> s = h.update(s, FullInfo(np.array([[1.0, 0, 0], [0, 0, 1.0]])))
        >>> h.strategy(s).argmax(axis=1).tolist()
        [0, 2]
    """
    return Hedge(lr, schedule, horizon)


class FTRL(CumulativeLearner):
    r"""Follow the regularised leader on the simplex: :math:`p_t = \arg\max_p \langle p, U_{t-1}\rangle - R(p)/\eta_t`.

    ``regularizer="entropy"`` gives Hedge's softmax; ``"euclidean"`` gives the Euclidean
    projection of ``eta_t U_{t-1}`` (lazy projected gradient). ``schedule`` as for Hedge but the
    tuned Euclidean rate is ``sqrt(2/(K T))`` (regret ``<= sqrt(2 K T)`` for utilities in [0,1];
    Shalev-Shwartz 2012, Cor. 2.7 with D^2 = 1, G^2 = K).
    """

    name = "ftrl"
    uses_played = False
    optimistic_ok = True

    def __init__(self, regularizer: str = "entropy", lr: float | None = None,
                 schedule: str = "anytime", horizon: int | None = None):
        if regularizer not in ("entropy", "euclidean"):
            raise ValueError(f"regularizer must be 'entropy' or 'euclidean', got {regularizer!r}")
        if schedule not in ("fixed", "anytime"):
            raise ValueError(f"schedule must be 'fixed' or 'anytime', got {schedule!r}")
        if lr is not None:
            lr = check_positive("lr", lr)
        if horizon is not None:
            horizon = check_int("horizon", horizon, minimum=1)
        if schedule == "fixed" and lr is None and horizon is None:
            raise ValueError("ftrl with schedule='fixed' needs lr > 0 or horizon >= 1")
        self.regularizer, self.lr, self.schedule, self.horizon = regularizer, lr, schedule, horizon

    def rate(self, k: int, t: int) -> float:
        n = self.horizon if self.schedule == "fixed" and self.lr is None else t + 1
        if self.lr is not None:
            return self.lr if self.schedule == "fixed" else self.lr / math.sqrt(t + 1)
        if self.regularizer == "entropy":
            return tuned_hedge_rate(k, n)
        return math.sqrt(2.0 / (k * n))

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        eta = self.rate(signal.shape[1], state.t)
        if self.regularizer == "entropy":
            return softmax_rows(signal, eta)
        return project_simplex(eta * signal)


@register("ftrl", family="experts",
          test_params=[{}, {"regularizer": "euclidean"}, {"regularizer": "euclidean", "lr": 0.3, "schedule": "fixed"}])
def ftrl(regularizer: str = "entropy", lr: float | None = None, schedule: str = "anytime",
         horizon: int | None = None) -> FTRL:
    """FTRL on the simplex with an entropic or Euclidean regulariser."""
    return FTRL(regularizer, lr, schedule, horizon)


class _PlaysItsState(CumulativeLearner):
    """A learner whose ``signal`` is the strategy itself (starts uniform), updated in place."""

    def init(self, keys: Any, num_actions: int) -> CumulativeState:
        state = super().init(keys, num_actions)
        return state._replace(signal=np.full_like(state.signal, 1.0 / state.signal.shape[1]))

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        return signal


class OGD(_PlaysItsState):
    r"""Online (projected) gradient ascent on the simplex: :math:`p_{t+1} = \Pi_\Delta(p_t + \eta_t u_t)`.

    ``eta_t = lr / sqrt(t)``; default ``lr = sqrt(2/K)`` gives regret ``<= (3/2) sqrt(2 K T)`` for
    utilities in [0,1] (Zinkevich 2003, Thm 1 with D = sqrt 2, G = sqrt K). ``signal`` holds p_t.
    """

    name = "ogd"
    uses_played = False

    def __init__(self, lr: float | None = None):
        self.lr = None if lr is None else check_positive("lr", lr)

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        k = utility.shape[1]
        lr = self.lr if self.lr is not None else math.sqrt(2.0 / k)
        p = project_simplex(state.signal + lr / math.sqrt(state.t + 1) * utility)
        return state._replace(t=state.t + 1, signal=p)


@register("ogd", family="experts", test_params=[{}, {"lr": 0.05}])
def ogd(lr: float | None = None) -> OGD:
    """Online projected gradient ascent on the simplex with ``lr / sqrt(t)`` steps."""
    return OGD(lr)


class FTPL(CumulativeLearner):
    r"""Follow the perturbed leader: play :math:`\arg\max_k U_{t-1}(k) + \sigma_t z_t(k)`.

    ``z`` fresh each round, Gaussian or Gumbel. ``sigma_t = scale * sqrt(t)`` (``anytime``) or
    ``scale`` (fixed). With Gumbel noise and fixed ``scale = 1/eta`` the played action has
    exactly Hedge's distribution ``softmax(eta U)`` (the Gumbel-max trick). Expected regret
    ``O(sqrt(T ln K))`` (Kalai & Vempala 2005; Abernethy et al. 2014). The strategy is the
    one-hot vector of the perturbed leader.
    """

    name = "ftpl"
    uses_played = False
    optimistic_ok = True

    def __init__(self, noise: str = "gaussian", scale: float = 1.0, schedule: str = "anytime"):
        if noise not in ("gaussian", "gumbel"):
            raise ValueError(f"noise must be 'gaussian' or 'gumbel', got {noise!r}")
        if schedule not in ("fixed", "anytime"):
            raise ValueError(f"schedule must be 'fixed' or 'anytime', got {schedule!r}")
        self.noise, self.scale, self.schedule = noise, check_positive("scale", scale), schedule

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        b, k = signal.shape
        draw = rng.gumbel if self.noise == "gumbel" else rng.normal
        sigma = self.scale * (math.sqrt(state.t + 1) if self.schedule == "anytime" else 1.0)
        leader = np.argmax(signal + sigma * draw(state.key, state.t, k), axis=1)
        out = np.zeros((b, k))
        out[np.arange(b), leader] = 1.0
        return out


@register("ftpl", family="experts",
          test_params=[{}, {"noise": "gumbel", "scale": 5.0, "schedule": "fixed"}])
def ftpl(noise: str = "gaussian", scale: float = 1.0, schedule: str = "anytime") -> FTPL:
    """Follow the perturbed leader with Gaussian or Gumbel perturbations."""
    return FTPL(noise, scale, schedule)


class FTL(CumulativeLearner):
    """Follow the leader: play the action with the largest cumulative utility (ties: lowest index).

    The failure baseline: on alternating losses its regret is T/2 (linear).
    """

    name = "ftl"
    uses_played = False
    optimistic_ok = True

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        out = np.zeros_like(signal)
        out[np.arange(signal.shape[0]), np.argmax(signal, axis=1)] = 1.0
        return out


@register("ftl", family="experts")
def ftl() -> FTL:
    """Follow the leader (deterministic, ties to the lowest index): linear regret in the worst case."""
    return FTL()


class Uniform(CumulativeLearner):
    """The uniform strategy every round (a reference point, no learning)."""

    name = "uniform"
    uses_played = False

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        return np.full_like(signal, 1.0 / signal.shape[1])


@register("uniform", family="experts")
def uniform() -> Uniform:
    """The uniform policy (no learning)."""
    return Uniform()


class AdaHedge(CumulativeLearner):
    r"""AdaHedge: Hedge with :math:`\eta_t = \ln K / \Delta_{t-1}`, the cumulative mixability gap.

    Per round, with loss ``l = -u`` and weights ``w``: ``h = <w, l>``,
    ``m = -(1/eta) ln <w, exp(-eta l)>``, ``Delta += h - m``. While ``Delta = 0`` it follows the
    leader (uniformly over tied leaders). Regret for losses in [0,1] is at most
    ``2 sqrt(L*(T-L*)/T ln K) + 16/3 ln K + 2`` (de Rooij, van Erven, Grünwald & Koolen,
    JMLR 2014, Thm 6) without tuning. ``aux`` holds ``Delta [B]``.
    """

    name = "adahedge"
    uses_played = False

    def init_aux(self, batch: int, k: int) -> np.ndarray:
        return np.zeros(batch)  # [B] cumulative mixability gap

    def _eta(self, delta: np.ndarray, k: int) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.where(delta > 0, math.log(max(k, 2)) / np.where(delta > 0, delta, 1.0), np.inf)

    def _weights(self, signal: np.ndarray, eta: np.ndarray) -> np.ndarray:
        finite = np.isfinite(eta)
        leaders = signal >= signal.max(axis=1, keepdims=True) - 1e-12
        w = normalize(leaders.astype(float))
        if finite.any():
            w[finite] = softmax(eta[finite, None] * signal[finite])
        return w

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        return self._weights(signal, self._eta(state.aux, signal.shape[1]))

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        k = utility.shape[1]
        eta = self._eta(state.aux, k)
        w = self._weights(state.signal, eta)
        loss = -utility
        h = np.sum(w * loss, axis=1)
        m = np.empty_like(h)
        finite = np.isfinite(eta)
        if finite.any():
            e = eta[finite, None]
            lw = np.log(np.maximum(w[finite], 1e-300)) - e * loss[finite]
            lw = np.where(w[finite] > 0, lw, -np.inf)
            top = lw.max(axis=1, keepdims=True)
            m[finite] = -(np.log(np.exp(lw - top).sum(axis=1)) + top[:, 0]) / e[:, 0]
        if (~finite).any():  # eta = inf: mix loss is the best loss among the leaders
            m[~finite] = np.where(w[~finite] > 0, loss[~finite], np.inf).min(axis=1)
        delta = state.aux + np.maximum(h - m, 0.0)
        return state._replace(t=state.t + 1, signal=state.signal + utility, aux=delta)


@register("adahedge", family="experts")
def adahedge() -> AdaHedge:
    """AdaHedge: Hedge with a learning rate tuned online from the mixability gap (no horizon needed)."""
    return AdaHedge()


class FixedShare(_PlaysItsState):
    r"""Fixed-Share (Herbster & Warmuth 1998): Hedge step then mix in ``alpha`` of the uniform.

    :math:`v \propto w_t e^{\eta u_t}`, :math:`w_{t+1} = (1-\alpha) v + \alpha/K`. Tracking regret
    against the best sequence with ``k`` switches is ``O(sqrt(T (k ln K + k ln(T/k))))`` with
    ``alpha ~ k/(T-1)``. Default ``lr`` tuned from ``horizon`` as for Hedge. ``signal`` holds w_t.
    """

    name = "fixed_share"
    uses_played = False

    def __init__(self, lr: float | None = None, alpha: float = 0.01, horizon: int | None = None):
        # alpha first: a bad alpha is named even when lr/horizon are missing too
        self.alpha = check_probability("fixed_share alpha (the share mixed back to uniform each round)", alpha)
        if lr is None and horizon is None:
            raise ValueError("fixed_share needs lr > 0 or horizon >= 1 (to tune the rate)")
        self.lr = None if lr is None else check_positive("lr", lr)
        self.horizon = None if horizon is None else check_int("horizon", horizon)

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        k = utility.shape[1]
        eta = self.lr if self.lr is not None else tuned_hedge_rate(k, self.horizon)
        v = softmax(np.log(np.maximum(state.signal, 1e-300)) + eta * utility)
        w = (1.0 - self.alpha) * v + self.alpha / k
        return state._replace(t=state.t + 1, signal=w)


@register("fixed_share", family="experts", test_params=[{"lr": 0.3, "alpha": 0.01}, {"horizon": 100}])
def fixed_share(lr: float | None = None, alpha: float = 0.01, horizon: int | None = None) -> FixedShare:
    """Fixed-Share: Hedge that keeps a fraction ``alpha`` on every expert, for shifting targets."""
    return FixedShare(lr, alpha, horizon)


def _log_ada_normal_weight(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``log w(R, C)`` with ``w = (Phi(R+1, C+1) - Phi(R-1, C+1)) / 2``, ``Phi = exp([x]_+^2 / 3C)``."""
    a1 = np.maximum(r + 1.0, 0.0) ** 2 / (3.0 * (c + 1.0))
    a2 = np.maximum(r - 1.0, 0.0) ** 2 / (3.0 * (c + 1.0))
    with np.errstate(divide="ignore"):
        return math.log(0.5) + a1 + np.log(-np.expm1(a2 - a1))


class AdaNormalHedge(CumulativeLearner):
    r"""AdaNormalHedge (Luo & Schapire, COLT 2015): parameter-free, adaptive to the comparator.

    Per expert, ``R`` is cumulative regret and ``C`` cumulative absolute regret;
    :math:`p_t(i) \propto w(R_{t-1,i}, C_{t-1,i})` with
    :math:`w(R, C) = \tfrac12(\Phi(R+1, C+1) - \Phi(R-1, C+1))`, :math:`\Phi(R,C) = e^{[R]_+^2/3C}`;
    uniform when all weights are zero. Regret to expert i is
    ``O(sqrt(C_{T,i} ln(K ln C_{T,i})))``. ``signal`` holds ``R``; ``aux`` holds ``C [B, K]``.
    Computed in the log domain, so huge regrets never overflow.
    """

    name = "ada_normal_hedge"

    def init_aux(self, batch: int, k: int) -> np.ndarray:
        return np.zeros((batch, k))  # [B, K] cumulative |instantaneous regret|

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        logw = _log_ada_normal_weight(signal, state.aux)
        alive = np.isfinite(logw)
        return np.where(alive.any(axis=1, keepdims=True), softmax(logw, where=alive),
                        1.0 / signal.shape[1])

    def increment(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> np.ndarray:
        return utility - np.sum(played * utility, axis=1, keepdims=True)

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        r = self.increment(state, utility, played)
        return state._replace(t=state.t + 1, signal=state.signal + r, aux=state.aux + np.abs(r))


@register("ada_normal_hedge", family="experts")
def ada_normal_hedge() -> AdaNormalHedge:
    """AdaNormalHedge: parameter-free experts algorithm with comparator-adaptive regret."""
    return AdaNormalHedge()
