"""Population (infinite-data) updates of preference-optimisation methods on tabular games.

Every method is one frozen dataclass registered under its name, with one interface:
``method.init(game, start=None) -> MethodState`` and ``method.step(game, state) -> MethodState``
(pure; the state's ``policy`` is ``[X, Y]``). :func:`run_method` iterates any of them and records
the exact duality gap (:func:`regretlab.preference.games.duality_gap`) of the last and the average
iterate. Notation: ``w_t(y) = P(y > pi_t | x)`` is the win rate of y against the current policy;
``tau`` is the game's KL strength.

============  ==========================================================================================
name          population update (per context x)
============  ==========================================================================================
inpo          ``pi' ∝ pi^(1-eta tau) ref^(eta tau) exp(eta w_t)`` (Zhang et al. 2025, INPO eq. ★)
nash_md       ``mu ∝ pi^(1-eta tau) ref^(eta tau)``; ``pi' ∝ mu exp(eta P(y > mu))`` (Munos et al. 2024, §6)
online_ipo    one gradient step of the IPO loss on pairs from ``sg(mu)``, ``mu ∝ pi^(1-b) ref^b``
              (b = 0: online IPO, b > 0: IPO-MD; Calandriello et al. 2024, §4-5)
ipo           iterative IPO: exact minimiser with pairs from pi_t: ``pi' ∝ ref exp(w_t / tau)`` (Azar et al. 2024)
sppo          ``pi' ∝ pi exp(eta w_t)`` (Wu et al. 2024, eq. 4.5)
dno           ``pi' ∝ pi exp(w_t / eta)``: the minimiser of DNO's regression to win rates (Rosset et al. 2024, Alg. 1)
spin          ``pi' ∝ pi (p_data / pi)^(1/lam)`` (Chen et al. 2024, Theorem 5.4)
dpo           iterative DPO: exact minimiser of the DPO loss on pairs from pi_t (Newton; Dong et al. 2024)
xpo           exact minimiser of DPO + ``alpha sum_s E_{y~ref} log pi(y)`` on the pairs (pi_s, ref), s <= t
              gathered so far (Xie et al. 2024, Algorithm 1)
============  ==========================================================================================

Example:
    >>> import numpy as np
    >>> from regretlab.preference import CYCLIC_P, CYCLIC_REF, PreferenceGame
    >>> game = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=0.1)
    >>> tr = run_method(make_method("inpo", eta=2.0), game, 200)
    >>> bool(tr.last_gap[-1] < 1e-10)
    True
    >>> sorted(METHODS)[:3]
    ['dno', 'dpo', 'inpo']
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable, ClassVar, NamedTuple

import numpy as np
from scipy.special import expit, logsumexp

from regretlab.core.errors import check_int, check_positive, check_probability
from regretlab.preference.games import PreferenceGame, duality_gap, win_rate

__all__ = [
    "MethodState", "MethodTrace", "METHODS", "register_method", "make_method", "run_method",
    "geometric_mixture", "spin_data", "INPO", "NashMD", "OnlineIPO", "IterativeIPO", "SPPO", "DNO", "SPIN",
    "IterativeDPO", "XPO",
]


class MethodState(NamedTuple):
    """State of a population update.

    Attributes:
        policy: the current policy pi_t.  # [X, Y]
        t: finished updates.
        pairs: XPO's accumulated pair weights ``A[x, w, l]`` (other methods: ``[0]``).  # [X, Y, Y]
    """

    policy: np.ndarray  # [X, Y]
    t: int
    pairs: np.ndarray  # [X, Y, Y] or [0]


class MethodTrace(NamedTuple):
    """Duality gaps of a method's iterates.

    Attributes:
        last: pi_{T+1}.  # [X, Y]
        average: mean of pi_1..pi_T.  # [X, Y]
        last_gap: gap of pi_t at the recorded rounds.  # [R]
        average_gap: gap of the mean of pi_1..pi_t.  # [R]
        rounds: recorded t (1-based).  # [R]
    """

    last: np.ndarray
    average: np.ndarray
    last_gap: np.ndarray
    average_gap: np.ndarray
    rounds: np.ndarray


#: name -> method class; filled by :func:`register_method`
METHODS: dict[str, type] = {}


def register_method(name: str) -> Callable[[type], type]:
    """Class decorator: register a population method under ``name`` (idempotent on re-import)."""
    def deco(cls: type) -> type:
        cls.name = name
        METHODS[name] = cls
        return cls
    return deco


def make_method(name: str, **params: float) -> "_Method":
    """Build a registered method by name (``-`` and ``_`` are interchangeable); unknown names raise."""
    key = str(name).replace("-", "_").lower()
    if key not in METHODS:
        raise ValueError(f"method must be one of {', '.join(sorted(METHODS))}, got {name!r}")
    cls = METHODS[key]
    allowed = {f.name for f in fields(cls)}
    bad = sorted(set(params) - allowed)
    if bad:
        raise TypeError(f"method {key!r} takes parameters {sorted(allowed)}, got unknown {bad}")
    return cls(**params)


def _normalise(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(-1, keepdims=True)
    out = np.exp(z)
    return out / out.sum(-1, keepdims=True)


def _log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p)


def geometric_mixture(pi: np.ndarray, ref: np.ndarray, beta: float) -> np.ndarray:
    """``pi^mu ∝ pi^(1 - beta) ref^beta`` for a mixture weight ``beta`` in [0, 1] (per row).

    Reference: Munos et al., "Nash learning from human feedback", ICML 2024, eq. (9).
    """
    beta = check_probability("mixture weight beta", beta)
    return _normalise((1 - beta) * _log(np.asarray(pi, float)) + beta * _log(np.asarray(ref, float)))


def spin_data(game: PreferenceGame) -> np.ndarray:
    """SPIN's demonstration distribution in a preference game: the winner of a pair drawn from ref.

    ``p_data(y|x) = 2 ref(y|x) P(y > ref | x)`` (sums to 1 because ``P(ref > ref) = 1/2``).
    """
    return 2 * game.ref * win_rate(game.P, game.ref)


@dataclass(frozen=True)
class _Method:
    name: ClassVar[str] = ""

    def init(self, game: PreferenceGame, start: object = None) -> MethodState:
        """``pi_1 = start`` (default ``ref``); ``t = 0``."""
        p = game.ref.copy() if start is None else game.policy(start, "start").copy()
        return MethodState(p, 0, np.zeros(0))

    def step(self, game: PreferenceGame, state: MethodState) -> MethodState:
        """One population update; returns the new state (the argument is not changed)."""
        return MethodState(self.update(game, state.policy), state.t + 1, state.pairs)

    def update(self, game: PreferenceGame, pi: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def check(self, game: PreferenceGame) -> None:
        """Validate the hyper-parameters against the game (raises ValueError)."""


@register_method("inpo")
@dataclass(frozen=True)
class INPO(_Method):
    """INPO / OMD: ``pi' ∝ pi^(1-eta tau) ref^(eta tau) exp(eta P(y > pi))``, ``eta tau < 1``.

    Reference: Zhang et al., "Iterative Nash Policy Optimization", ICLR 2025 (arXiv 2407.00617), eq. (★);
    last iterate -> pi*_tau linearly, average-iterate gap O(1/sqrt(T)) at tau = 0.
    """

    eta: float = 2.0

    def check(self, game: PreferenceGame) -> None:
        check_positive("eta", self.eta)
        if self.eta * game.tau >= 1:
            raise ValueError(f"eta * tau must be < 1 (got eta={self.eta}, tau={game.tau})")

    def update(self, game, pi):
        et = self.eta * game.tau
        return _normalise((1 - et) * _log(pi) + et * np.log(game.ref) + self.eta * win_rate(game.P, pi))


@register_method("nash_md")
@dataclass(frozen=True)
class NashMD(_Method):
    """Nash-MD: mirror descent against the geometric mixture ``mu ∝ pi^(1-beta) ref^beta``, beta = eta tau.

    ``pi' = argmax_q eta P(q > mu) - KL(q || mu)``, i.e. ``pi' ∝ mu exp(eta P(y > mu))``.

    Reference: Munos et al., "Nash learning from human feedback", ICML 2024, §6 eq. (9)-(10); Theorem 1:
    ``KL(pi*_tau || pi_T) <= (1 - eta tau)^T KL(pi*_tau || pi_0) + 2 eta / tau`` (constant step: an O(eta)
    bias in the policy, O(eta^2) in the gap).
    """

    eta: float = 1.0

    def check(self, game: PreferenceGame) -> None:
        check_positive("eta", self.eta)
        if self.eta * game.tau > 1:
            raise ValueError(f"eta * tau (the mixture weight) must be in [0, 1] (got eta={self.eta}, tau={game.tau})")

    def update(self, game, pi):
        mu = geometric_mixture(pi, game.ref, self.eta * game.tau)
        return _normalise(_log(mu) + self.eta * win_rate(game.P, mu))


@register_method("online_ipo")
@dataclass(frozen=True)
class OnlineIPO(_Method):
    """Online IPO / IPO-MD: one gradient step on the tabular logits of the IPO loss with pairs from ``sg(mu)``.

    ``theta' = theta - lr * 4 mu(y) [g(y) - E_mu g - (P(y > mu) - 1/2) / tau]`` with ``theta = log pi``,
    ``g = theta - log ref`` and ``mu ∝ pi^(1 - mixture) ref^mixture`` (mixture 0: online IPO; > 0: IPO-MD).
    This is the exact gradient of ``E_{y,y'~mu} E_{lambda_P}[(log pi(y_w)ref(y_l)/(pi(y_l)ref(y_w)) - 1/(2 tau))^2]``.

    Reference: Calandriello et al., "Human alignment of large language models through online preference
    optimisation", ICML 2024, §4 (online IPO: stationary point pi*_tau) and §5 (IPO-MD).
    """

    lr: float = 0.1
    mixture: float = 0.0

    def check(self, game: PreferenceGame) -> None:
        check_positive("lr", self.lr)
        check_probability("mixture", self.mixture)
        if game.tau <= 0:
            raise ValueError("online IPO needs tau > 0 (its loss target is 1/(2 tau))")

    def update(self, game, pi):
        mu = geometric_mixture(pi, game.ref, self.mixture)
        g = np.log(pi) - np.log(game.ref)
        grad = 4 * mu * (g - (mu * g).sum(-1, keepdims=True) - (win_rate(game.P, mu) - 0.5) / game.tau)
        return _normalise(np.log(pi) - self.lr * grad)


@register_method("ipo")
@dataclass(frozen=True)
class IterativeIPO(_Method):
    """Iterative IPO: the exact minimiser of the IPO loss on pairs from pi_t: ``pi' ∝ ref exp(P(y > pi_t)/tau)``.

    Reference: Azar et al., "A general theoretical paradigm to understand learning from human preferences",
    AISTATS 2024, Proposition 4 (``pi* ∝ ref exp(tau^-1 p(y > mu))``) with mu = pi_t.
    """

    def check(self, game: PreferenceGame) -> None:
        if game.tau <= 0:
            raise ValueError("iterative IPO needs tau > 0")

    def update(self, game, pi):
        return _normalise(np.log(game.ref) + win_rate(game.P, pi) / game.tau)


@register_method("sppo")
@dataclass(frozen=True)
class SPPO(_Method):
    """SPPO: multiplicative weights ``pi' ∝ pi exp(eta P(y > pi))`` (no reference term).

    Reference: Wu et al., "Self-play preference optimization for language model alignment", 2024
    (arXiv 2405.00675), eq. (4.5); Theorem 4.1: with ``eta = Theta(1/sqrt(T))`` the average iterate's
    (tau = 0) duality gap is ``O(1/sqrt(T))``.
    """

    eta: float = 0.1

    def check(self, game: PreferenceGame) -> None:
        check_positive("eta", self.eta)

    def update(self, game, pi):
        return _normalise(_log(pi) + self.eta * win_rate(game.P, pi))


@register_method("dno")
@dataclass(frozen=True)
class DNO(_Method):
    """DNO: soft policy iteration on the win-rate reward, ``pi' ∝ pi exp(P(y > pi) / eta)``.

    The minimiser of DNO's regression ``E_{y,y'~pi_t}[BCE(sigmoid(r(y) - r(y')), sigmoid(eta log pi/pi_t (y)
    - eta log pi/pi_t (y')))]`` with ``r = P(. > pi_t)``.

    Reference: Rosset et al., "Direct Nash optimization", 2024 (arXiv 2404.03715), Algorithm 1 and eq. (7).
    """

    eta: float = 10.0

    def check(self, game: PreferenceGame) -> None:
        check_positive("eta", self.eta)

    def update(self, game, pi):
        return _normalise(_log(pi) + win_rate(game.P, pi) / self.eta)


@register_method("spin")
@dataclass(frozen=True)
class SPIN(_Method):
    """SPIN: ``pi' ∝ pi (p_data / pi)^(1/lam)``; ``p_data`` defaults to :func:`spin_data` (winners of ref pairs).

    Reference: Chen et al., "Self-play fine-tuning converts weak language models to strong language models",
    ICML 2024, Theorem 5.4 (logistic loss); its fixed point is p_data.
    """

    lam: float = 2.0
    data: tuple | None = None

    def check(self, game: PreferenceGame) -> None:
        check_positive("lam", self.lam)

    def update(self, game, pi):
        pd = spin_data(game) if self.data is None else game.policy(np.asarray(self.data, float), "data")
        return _normalise((1 - 1 / self.lam) * _log(pi) + _log(pd) / self.lam)


def _dpo_pairs(P: np.ndarray, mu: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """``A[x, w, l] = (mu(w) nu(l) + mu(l) nu(w)) P[x, w, l]``: weight of the labelled pair (w wins, l loses)."""
    draw = mu[:, :, None] * nu[:, None, :]
    return (draw + np.swapaxes(draw, 1, 2)) * P


def _dpo_objective(u: np.ndarray, A: np.ndarray, beta: float, alpha: float, ref: np.ndarray,
                   f: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``sum A softplus(-beta (u_w - u_l)) + alpha sum_y ref log softmax(f)`` with its gradient and Hessian in f.

    ``u = f - log ref`` (one context). Returns (value, gradient [Y], Hessian [Y, Y]).
    """
    D = u[:, None] - u[None, :]
    val = float((A * np.logaddexp(0.0, -beta * D)).sum())
    s = expit(-beta * D)
    G = A * s
    grad = beta * (G.sum(0) - G.sum(1))
    C = A * s * (1 - s)
    C = C + C.T
    H = beta ** 2 * (np.diag(C.sum(1)) - C)
    if alpha:
        lp = f - logsumexp(f)
        pi = np.exp(lp)
        val += alpha * float(ref @ lp)
        grad = grad + alpha * (ref - pi)
        H = H - alpha * (np.diag(pi) - np.outer(pi, pi))
    return val, grad, H


def _newton(A: np.ndarray, beta: float, alpha: float, ref: np.ndarray, f0: np.ndarray) -> np.ndarray:
    """Minimise :func:`_dpo_objective` over f by damped Newton (Levenberg–Marquardt) steps.

    The objective is shift invariant (its gradient sums to 0), and responses no pair touches have zero
    gradient and curvature: they keep their starting value (the minimum-change minimiser).
    """
    f = np.array(f0, float)
    lref = np.log(ref)
    val, g, H = _dpo_objective(f - lref, A, beta, alpha, ref, f)
    scale = max(1.0, float(np.abs(A).sum()) * beta * beta)
    lam = 1e-12 * scale
    eye = np.eye(len(f))
    for _ in range(100):
        if np.abs(g).max() < 1e-15 * scale:
            break
        while True:
            try:
                L = np.linalg.cholesky(H + lam * eye)
                d = -np.linalg.solve(L.T, np.linalg.solve(L, g))
            except np.linalg.LinAlgError:
                lam *= 10
                continue
            fn = f + d
            vn, gn, Hn = _dpo_objective(fn - lref, A, beta, alpha, ref, fn)
            if vn <= val + 1e-14 * abs(val) or lam > 1e12 * scale:
                break
            lam *= 10
        if vn > val + 1e-14 * abs(val):
            break
        done = -float(g @ d) < 1e-26 * max(1.0, abs(val)) or np.abs(d).max() < 1e-13
        f, val, g, H = fn, vn, gn, Hn
        if alpha and np.ptp(f) > 500:
            raise ValueError(f"the XPO objective has no finite minimiser: the exploration bonus alpha={alpha:g} "
                             f"outweighs the DPO term of a response that rarely wins (or P is 0 or 1); use a "
                             f"smaller alpha")
        lam = max(lam / 100, 1e-12 * scale)
        if done:
            break
    return f


@register_method("dpo")
@dataclass(frozen=True)
class IterativeDPO(_Method):
    """Iterative DPO: ``pi' = argmin E_{y,y'~pi_t, lambda_P}[-log sigmoid(beta log pi(y_w)ref(y_l)/(pi(y_l)ref(y_w)))]``.

    Solved exactly by Newton's method; under Bradley–Terry ``P = sigmoid(r(y) - r(y'))`` the minimiser is
    ``ref exp(r / beta)`` (normalised) for any pair distribution with full support.

    Reference: Rafailov et al., NeurIPS 2023, eq. (7); iterative: Dong et al., "RLHF workflow", TMLR 2024.
    """

    beta: float = 0.1

    def check(self, game: PreferenceGame) -> None:
        check_positive("beta", self.beta)

    def update(self, game, pi):
        A = _dpo_pairs(game.P, pi, pi)
        out = np.empty_like(pi)
        for x in range(pi.shape[0]):
            out[x] = _normalise(_newton(A[x], self.beta, 0.0, game.ref[x], np.log(game.ref[x])))
        return out


@register_method("xpo")
@dataclass(frozen=True)
class XPO(_Method):
    """XPO: ``pi_{t+1} = argmin alpha sum_{s<=t} E_{y~ref} log pi(y) + sum_{s<=t} DPO loss on (y ~ pi_s, y' ~ ref)``.

    The exploration bonus (the alpha term, minimised) lowers pi where ref is large, optimistically
    favouring responses the reference rarely produces. Solved exactly by Newton's method. The objective is
    bounded below only while ``alpha t ref(y)`` stays under the DPO weight of the pairs y wins (small alpha;
    the paper's practical alpha is ~1e-5): otherwise a ValueError says so.

    Reference: Xie et al., "Exploratory preference optimization", 2024 (arXiv 2405.21046), Algorithm 1
    line 5; the pair is one response from pi_t and one from pi_ref, labelled by the preference.
    """

    beta: float = 0.1
    alpha: float = 1e-4

    def check(self, game: PreferenceGame) -> None:
        check_positive("beta", self.beta)
        check_positive("alpha", self.alpha, allow_zero=True)

    def init(self, game, start=None):
        st = super().init(game, start)
        return MethodState(st.policy, 0, np.zeros_like(game.P))

    def step(self, game, state):
        A = state.pairs + _dpo_pairs(game.P, state.policy, game.ref)
        t = state.t + 1
        out = np.empty_like(state.policy)
        for x in range(out.shape[0]):
            out[x] = _normalise(_newton(A[x], self.beta, self.alpha * t, game.ref[x], _log(state.policy[x])
                                        if state.policy[x].min() > 0 else np.log(game.ref[x])))
        return MethodState(out, t, A)

    def update(self, game, pi):
        return self.step(game, self.init(game, pi)).policy


def run_method(method: _Method, game: PreferenceGame, T: int, start: object = None, every: int = 1) -> MethodTrace:
    """Iterate ``method`` T times from ``start`` (default ref), recording last/average-iterate duality gaps.

    Args:
        method: a registered method (see :data:`METHODS`).  game: the game (its tau is the gap's tau).
        T: updates.  start: pi_1 ``[X, Y]``.  every: record every ``every`` rounds (and round T).
    Returns:
        :class:`MethodTrace`; round t records pi_t and the mean of pi_1..pi_t, as
        :func:`regretlab.preference.games.omd` does.
    """
    T = check_int("T", T)
    every = check_int("every", every)
    method.check(game)
    state = method.init(game, start)
    total = np.zeros_like(state.policy)
    rounds, last_gap, avg_gap = [], [], []
    for t in range(1, T + 1):
        total += state.policy
        if t % every == 0 or t == T:
            rounds.append(t)
            last_gap.append(duality_gap(game, state.policy))
            avg_gap.append(duality_gap(game, total / t))
        state = method.step(game, state)
    return MethodTrace(state.policy, total / T, np.array(last_gap), np.array(avg_gap), np.array(rounds))
