"""Tabular preference games: P(y > pi), the KL-regularised game J, its duality gap, Nash policies.

A preference game over a finite response set is a stack of matrices ``P[x, y, y'] = Pr(y beats y'
| x)`` with ``P + P^T = 1`` (general: intransitive preferences are allowed), a context distribution
``rho[x]`` and a reference policy ``ref[x, y]``. Policies are arrays ``pi[x, y]`` on the simplex.
A single-context game may be given as a ``[Y, Y]`` matrix with ``[Y]`` policies; every function
then returns the single-context value.

Reference: Zhang et al., "Iterative Nash Policy Optimization" (INPO), ICLR 2025, arXiv 2407.00617,
section 3 (game, duality gap) and eq. (★) of spec §1.2 (the online-mirror-descent update).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp

from regretlab.core.errors import check_array, check_int, check_positive

__all__ = [
    "PreferenceGame",
    "OMDTrace",
    "blade_chest",
    "check_preference",
    "win_rate",
    "preference",
    "kl",
    "objective",
    "best_response_values",
    "duality_gap",
    "omd_step",
    "omd",
    "regularized_nash",
    "von_neumann_winner",
    "CYCLIC_P",
    "CYCLIC_REF",
]

#: Spec §1.5 target 1: a cyclic (intransitive) 3-response preference, P[i, j] = Pr(i beats j).
CYCLIC_P = np.array([[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]])
#: Spec §1.5 target 1: the reference policy of the cyclic game.
CYCLIC_REF = np.array([0.6, 0.3, 0.1])


def check_preference(name: str, value: object, *, atol: float = 1e-9) -> np.ndarray:
    """Return ``value`` as a ``[X, Y, Y]`` preference array, or raise naming ``name``.

    Checks entries in [0, 1] and ``P[x, y, y'] + P[x, y', y] = 1`` (so the diagonal is 1/2).
    A ``[Y, Y]`` matrix is returned as ``[1, Y, Y]``.
    """
    arr = check_array(name, value)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2] or arr.shape[1] < 2:
        raise ValueError(f"{name} must have shape [Y, Y] or [X, Y, Y] with Y >= 2, got {list(np.shape(value))}")
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{name} entries must be probabilities in [0, 1], got range [{arr.min()}, {arr.max()}]")
    skew = np.abs(arr + np.swapaxes(arr, 1, 2) - 1).max()
    if skew > atol:
        raise ValueError(f"{name} must satisfy P[y, y'] + P[y', y] = 1, violated by {skew:.3g}")
    return arr


def _policy(name: str, value: object, X: int, Y: int) -> np.ndarray:
    arr = check_array(name, value)
    if arr.ndim == 1:
        arr = np.broadcast_to(arr, (X, arr.shape[0]))
    if arr.shape != (X, Y):
        raise ValueError(f"{name} must have shape [{Y}] or [{X}, {Y}], got {list(np.shape(value))}")
    if arr.min() < 0 or np.abs(arr.sum(-1) - 1).max() > 1e-6:
        raise ValueError(f"{name} must be a distribution over the {Y} responses in each context (rows >= 0, summing to 1)")
    return arr


@dataclass(frozen=True)
class PreferenceGame:
    """A tabular preference game ``(P, rho, ref, tau)``.

    Attributes:
        P: preference tensor, ``P[x, y, y'] = Pr(y beats y' | x)``.  # [X, Y, Y]
        ref: reference policy pi_ref.  # [X, Y]
        rho: context distribution.  # [X]
        tau: KL-regularisation strength tau >= 0.
    """

    P: np.ndarray  # [X, Y, Y]
    ref: np.ndarray  # [X, Y]
    rho: np.ndarray  # [X]
    tau: float

    @classmethod
    def make(cls, P: object, ref: object = None, rho: object = None, tau: float = 0.0) -> "PreferenceGame":
        """Validate and build a game; ``ref`` defaults to uniform, ``rho`` to uniform contexts."""
        Pa = check_preference("P", P)
        X, Y = Pa.shape[0], Pa.shape[1]
        refa = np.full((X, Y), 1.0 / Y) if ref is None else _policy("ref", ref, X, Y)
        if refa.min() <= 0:
            raise ValueError("ref must have full support (every entry > 0)")
        if rho is None:
            rhoa = np.full(X, 1.0 / X)
        else:
            rhoa = check_array("rho", rho, shape=(X,))
            if rhoa.min() < 0 or abs(rhoa.sum() - 1) > 1e-9:
                raise ValueError(f"rho must be a distribution over the {X} contexts")
        tau = check_positive("tau", tau, allow_zero=True)
        return cls(Pa, np.array(refa), rhoa, tau)

    @property
    def shape(self) -> tuple[int, int]:
        """``(X, Y)``: number of contexts and of responses."""
        return self.P.shape[0], self.P.shape[1]

    def policy(self, pi: object, name: str = "pi") -> np.ndarray:
        """Validate a policy and return it as ``[X, Y]``."""
        return _policy(name, pi, *self.shape)


def blade_chest(num_contexts: int, num_responses: int, dim: int = 2, scale: float = 3.0,
                seed: int = 0) -> np.ndarray:
    """Random intransitive preferences from the blade-chest model.

    ``P[x, y, y'] = sigmoid(b_xy . c_xy' - b_xy' . c_xy)`` with Gaussian blade/chest vectors.

    Args:
        num_contexts: X.  num_responses: Y.  dim: blade/chest dimension.
        scale: standard deviation of the vectors (larger = more decisive, more cyclic).
        seed: random seed.
    Returns:
        ``P`` of shape ``[X, Y, Y]``.
    Reference: Chen & Joachims, "Modeling intransitivity in matchup and comparison data", WSDM 2016.
    """
    X = check_int("num_contexts", num_contexts)
    Y = check_int("num_responses", num_responses, minimum=2)
    rng = np.random.default_rng(seed)
    blade = rng.normal(0, scale, (X, Y, dim))
    chest = rng.normal(0, scale, (X, Y, dim))
    score = np.einsum("xad,xbd->xab", blade, chest)
    return 1.0 / (1.0 + np.exp(-(score - np.swapaxes(score, 1, 2))))


def win_rate(P: object, pi: object) -> np.ndarray:
    """``P(y > pi | x) = sum_y' pi(y'|x) P[x, y, y']`` for every response.

    Args:
        P: ``[Y, Y]`` or ``[X, Y, Y]``.  pi: ``[Y]`` or ``[X, Y]``.
    Returns:
        ``[Y]`` or ``[X, Y]`` win rates of each response against pi.
    """
    Pa = np.asarray(P, dtype=float)
    pia = np.asarray(pi, dtype=float)
    if Pa.ndim == 2:
        return Pa @ pia
    return np.einsum("xab,xb->xa", Pa, np.broadcast_to(pia, Pa.shape[:2]))


def preference(game: PreferenceGame, pi1: object, pi2: object) -> float:
    """``P(pi1 > pi2) = E_x E_{y~pi1, y'~pi2} P(y > y' | x)``."""
    a, b = game.policy(pi1, "pi1"), game.policy(pi2, "pi2")
    return float(game.rho @ np.einsum("xa,xab,xb->x", a, game.P, b))


def kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``KL(p || q)`` along the last axis (0 log 0 = 0)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return terms.sum(-1)


def objective(game: PreferenceGame, pi1: object, pi2: object) -> float:
    """``J(pi1, pi2) = P(pi1 > pi2) - tau E_x KL(pi1||ref) + tau E_x KL(pi2||ref)``."""
    a, b = game.policy(pi1, "pi1"), game.policy(pi2, "pi2")
    reg = game.tau * float(game.rho @ (kl(b, game.ref) - kl(a, game.ref)))
    return preference(game, a, b) + reg


def best_response_values(game: PreferenceGame, pi: object) -> tuple[float, float]:
    """``(max_pi' J(pi', pi), min_pi' J(pi, pi'))`` in closed form.

    For tau > 0: ``max = E_x[tau log sum_y ref exp(P(y>pi)/tau) + tau KL(pi||ref)]`` and
    ``min = E_x[-tau KL(pi||ref) - tau log sum_y ref exp(-P(pi>y)/tau)]`` (Gibbs variational
    principle). For tau = 0: ``max_y P(y>pi)`` and ``min_y P(pi>y)``.
    """
    p = game.policy(pi)
    wins = win_rate(game.P, p)  # P(y > pi | x)  [X, Y]
    beats = 1.0 - wins  # P(pi > y | x) = 1 - P(y > pi | x)
    if game.tau == 0:
        return float(game.rho @ wins.max(-1)), float(game.rho @ beats.min(-1))
    t = game.tau
    logref = np.log(game.ref)
    kl_pi = kl(p, game.ref)
    hi = t * logsumexp(logref + wins / t, axis=-1) + t * kl_pi
    lo = -t * kl_pi - t * logsumexp(logref - beats / t, axis=-1)
    return float(game.rho @ hi), float(game.rho @ lo)


def duality_gap(game: PreferenceGame, pi: object) -> float:
    """``DualGap(pi) = max_pi' J(pi', pi) - min_pi' J(pi, pi') >= 0``; zero iff pi is the Nash policy.

    Args:
        game: the preference game (tau = 0 uses the unregularised formula).
        pi: policy ``[Y]`` or ``[X, Y]``.
    Returns:
        The duality gap (a float).
    Reference: INPO (arXiv 2407.00617), the duality-gap metric; spec §1.1.
    """
    hi, lo = best_response_values(game, pi)
    return max(hi - lo, 0.0)


def _check_step(eta: float, tau: float) -> tuple[float, float]:
    eta = check_positive("eta", eta)
    tau = check_positive("tau", tau, allow_zero=True)
    if eta * tau >= 1:
        raise ValueError(f"eta * tau must be < 1 (got eta={eta}, tau={tau}, eta*tau={eta * tau})")
    return eta, tau


def omd_step(game: PreferenceGame, pi: object, eta: float) -> np.ndarray:
    """One step of the closed-form INPO/OMD update (★).

    ``pi'(y|x) ∝ pi(y|x)^(1 - eta tau) ref(y|x)^(eta tau) exp(eta P(y > pi | x))``.

    Args:
        game: the game (its ``tau``).  pi: current policy ``[X, Y]`` (or ``[Y]``).  eta: step size > 0
            with ``eta * tau < 1``.
    Returns:
        The next policy, ``[X, Y]``.
    Reference: INPO, eq. (★) of spec §1.2 (online mirror descent with KL to pi_ref).
    """
    eta, tau = _check_step(eta, game.tau)
    p = game.policy(pi)
    return _step(game, p, eta)


def _step(game: PreferenceGame, p: np.ndarray, eta: float) -> np.ndarray:
    et = eta * game.tau
    with np.errstate(divide="ignore"):
        logits = (1 - et) * np.log(p) + et * np.log(game.ref) + eta * win_rate(game.P, p)
    logits -= logits.max(-1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(-1, keepdims=True)


class OMDTrace(NamedTuple):
    """Trajectory of the closed-form OMD dynamics.

    Attributes:
        last: the final iterate pi_{T+1}.  # [X, Y]
        average: the average of pi_1..pi_T.  # [X, Y]
        last_gap: duality gap of pi_t at the recorded rounds.  # [R]
        average_gap: duality gap of the running average at the recorded rounds.  # [R]
        rounds: the recorded round numbers t (1-based).  # [R]
    """

    last: np.ndarray  # [X, Y]
    average: np.ndarray  # [X, Y]
    last_gap: np.ndarray  # [R]
    average_gap: np.ndarray  # [R]
    rounds: np.ndarray  # [R]


def omd(game: PreferenceGame, eta: float, T: int, start: object = None, every: int = 1) -> OMDTrace:
    """Run (★) self-play for T rounds, recording last- and average-iterate duality gaps.

    ``pi_1 = start`` (default ``ref``); ``pi_{t+1} = ★(pi_t)``; the average is ``(1/t) sum_{s<=t} pi_s``.
    The gap at round t is that of pi_t (last) and of the average of pi_1..pi_t.

    Args:
        game: the game.  eta: step size.  T: rounds.  start: initial policy ``[X, Y]``.
        every: record every ``every`` rounds (and always round T).
    Returns:
        :class:`OMDTrace`.
    Reference: INPO (arXiv 2407.00617), Theorem on average-iterate regret; spec §1.3.
    """
    eta, _ = _check_step(eta, game.tau)
    T = check_int("T", T)
    every = check_int("every", every)
    p = game.ref.copy() if start is None else game.policy(start, "start").copy()
    total = np.zeros_like(p)
    rounds, last_gap, avg_gap = [], [], []
    for t in range(1, T + 1):
        total += p
        if t % every == 0 or t == T:
            rounds.append(t)
            last_gap.append(duality_gap(game, p))
            avg_gap.append(duality_gap(game, total / t))
        p = _step(game, p, eta)
    return OMDTrace(p, total / T, np.array(last_gap), np.array(avg_gap), np.array(rounds))


def regularized_nash(game: PreferenceGame, eta: float | None = None, tol: float = 1e-13,
                     max_iter: int = 100_000) -> np.ndarray:
    """The unique regularised Nash policy pi*_tau (tau > 0), by iterating (★) to its fixed point.

    The fixed point of (★) satisfies ``pi(y|x) ∝ ref(y|x) exp(P(y > pi | x) / tau)``, the
    first-order condition of the strongly concave-convex game J; (★) with a constant step
    converges to it linearly (INPO's last-iterate theorem). The step is halved if it does not.

    Args:
        game: the game, ``tau > 0``.  eta: step (default ``0.5 / tau`` capped at 10).
        tol: stop when the duality gap is below ``tol``.  max_iter: iteration limit per step size.
    Returns:
        pi*_tau, ``[X, Y]``.
    """
    if game.tau <= 0:
        raise ValueError("tau must be > 0 for the regularised Nash policy; use von_neumann_winner for tau = 0")
    eta = min(0.5 / game.tau, 2.0) if eta is None else _check_step(eta, game.tau)[0]
    p = game.ref.copy()
    best = duality_gap(game, p)
    for it in range(1, max_iter + 1):
        nxt = _step(game, p, eta)
        change = np.abs(nxt - p).max()
        p = nxt
        # run to machine precision (the gap alone would stop ~1e-13 short in KL)
        if change <= 1e-14 and duality_gap(game, p) < tol:
            return p
        if it % 200 == 0:
            gap = duality_gap(game, p)
            if gap > 0.5 * best and gap > tol:  # not contracting: the step is too large
                eta /= 2
            best = min(best, gap)
    if duality_gap(game, p) < tol:
        return p
    raise RuntimeError("regularized_nash did not converge; try a smaller eta or a larger tol")


def von_neumann_winner(P: object) -> np.ndarray:
    """The (tau = 0) Nash policy of a single-context preference matrix, by linear programming.

    ``max_pi min_y P(pi > y)``; the value is 1/2 for any preference matrix (symmetric game).

    Args:
        P: ``[Y, Y]`` preference matrix.
    Returns:
        A maximin policy ``[Y]``.
    Reference: Dudík et al., "Contextual dueling bandits", COLT 2015 (von Neumann winner).
    """
    from scipy.optimize import linprog

    Pa = check_preference("P", P)
    if Pa.shape[0] != 1:
        raise ValueError("von_neumann_winner takes a single [Y, Y] matrix")
    M = Pa[0]
    Y = M.shape[0]
    # variables (pi_1..pi_Y, v): maximise v s.t. sum_y pi_y P[y, y'] >= v for every y'
    c = np.zeros(Y + 1)
    c[-1] = -1
    A_ub = np.hstack([-M.T, np.ones((Y, 1))])
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(Y), A_eq=np.r_[np.ones(Y), 0][None], b_eq=[1],
                  bounds=[(0, None)] * Y + [(None, None)], method="highs")
    pi = np.clip(res.x[:Y], 0, None)
    return pi / pi.sum()
