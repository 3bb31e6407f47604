"""The INPO loss (and the DPO / IPO baselines) as pure NumPy functions; pair construction.

INPO (Zhang et al., ICLR 2025, arXiv 2407.00617), spec §1.2:

    h_t(pi; x, y, y') = log pi(y|x)/pi(y'|x) - eta tau log ref(y|x)/ref(y'|x)
                        - (1 - eta tau) log pi_t(y|x)/pi_t(y'|x)
    L_t(pi) = E[(h_t(pi; x, y_w, y_l) - eta/2)^2],   (y_w, y_l) ~ lambda_P(y, y'),  y, y' ~ pi_t

The authors' code writes the same loss with ``eta_code = 1/eta`` and ``ratio = eta tau``.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from regretlab.core.errors import check_array, check_int, check_positive

__all__ = [
    "check_eta_tau",
    "inpo_margin",
    "inpo_loss",
    "dpo_loss",
    "ipo_loss",
    "sample_pairs",
    "fit_tabular_inpo",
    "tournament_pair",
    "from_code_params",
]


def check_eta_tau(eta: object, tau: object) -> tuple[float, float]:
    """Validate INPO's step ``eta > 0`` and regularisation ``tau >= 0`` with ``eta * tau < 1``."""
    e = check_positive("eta", eta)
    t = check_positive("tau", tau, allow_zero=True)
    if e * t >= 1:
        raise ValueError(f"eta * tau must be < 1 (got eta={e}, tau={t}, eta*tau={e * t})")
    return e, t


def from_code_params(eta_code: float, ratio: float) -> tuple[float, float]:
    """Convert the authors' ``(eta, ratio)`` to the paper's ``(eta, tau)``: ``eta = 1/eta_code``, ``tau = ratio/eta``.

    Example: the shipped ``eta_code = 0.005, ratio = 1/3`` is ``eta = 200, tau = 1/600``.
    """
    eta = 1.0 / check_positive("eta_code", eta_code)
    ratio = check_positive("ratio", ratio, allow_zero=True)
    if ratio >= 1:
        raise ValueError(f"ratio must be < 1, got {ratio}")
    return eta, ratio / eta


def inpo_margin(logp_w, logp_l, ref_w, ref_l, last_w, last_l, eta: float, tau: float) -> np.ndarray:
    """``h = (logp_w - logp_l) - eta tau (ref_w - ref_l) - (1 - eta tau)(last_w - last_l)``.

    Args:
        logp_w, logp_l: log pi(y_w|x), log pi(y_l|x) of the policy being trained, ``[N]``.
        ref_w, ref_l: the same under pi_ref, ``[N]``.  last_w, last_l: under pi_t, ``[N]``.
        eta, tau: INPO step and KL strength (``eta tau < 1``).
    Returns:
        ``[N]`` margins h.
    """
    eta, tau = check_eta_tau(eta, tau)
    r = eta * tau
    lw, ll = np.asarray(logp_w, float), np.asarray(logp_l, float)
    return (lw - ll) - r * (np.asarray(ref_w, float) - np.asarray(ref_l, float)) - (1 - r) * (
        np.asarray(last_w, float) - np.asarray(last_l, float))


def inpo_loss(logp_w, logp_l, ref_w, ref_l, last_w, last_l, eta: float, tau: float) -> float:
    """INPO loss ``mean (h - eta/2)^2`` over N pairs (winner first).

    Args: as :func:`inpo_margin`.
    Returns:
        The mean squared loss (float).
    Reference: INPO, arXiv 2407.00617, eq. for L_t; authors' ``trainer.py``
    (``(logits - 1/(2 eta_code))^2`` with ``eta_code = 1/eta``).
    """
    h = inpo_margin(logp_w, logp_l, ref_w, ref_l, last_w, last_l, eta, tau)
    return float(np.mean((h - eta / 2) ** 2))


def dpo_loss(logp_w, logp_l, ref_w, ref_l, beta: float) -> float:
    """DPO loss ``mean -log sigmoid(beta [(logp_w - logp_l) - (ref_w - ref_l)])`` (Bradley–Terry).

    Reference: Rafailov et al., "Direct Preference Optimization", NeurIPS 2023.
    """
    beta = check_positive("beta", beta)
    z = beta * ((np.asarray(logp_w, float) - np.asarray(logp_l, float))
                - (np.asarray(ref_w, float) - np.asarray(ref_l, float)))
    return float(np.mean(np.logaddexp(0.0, -z)))


def ipo_loss(logp_w, logp_l, ref_w, ref_l, beta: float) -> float:
    """IPO loss ``mean ((logp_w - logp_l) - (ref_w - ref_l) - 1/(2 beta))^2``.

    Reference: Azar et al., "A general theoretical paradigm to understand learning from human
    preferences", AISTATS 2024.
    """
    beta = check_positive("beta", beta)
    z = (np.asarray(logp_w, float) - np.asarray(logp_l, float)) - (np.asarray(ref_w, float) - np.asarray(ref_l, float))
    return float(np.mean((z - 1 / (2 * beta)) ** 2))


def sample_pairs(rng: np.random.Generator, P: object, pi: object, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``y, y' ~ pi`` and order them by ``lambda_P``: ``(y, y')`` w.p. ``P[y, y']``, else ``(y', y)``.

    Args:
        rng: NumPy generator.  P: ``[Y, Y]`` preference matrix.  pi: ``[Y]`` sampling policy.
        n: number of pairs.
    Returns:
        ``(winners [n], losers [n])`` response indices.
    """
    Pa = check_array("P", P)
    pia = check_array("pi", pi, shape=(Pa.shape[0],))
    n = check_int("n", n)
    y = rng.choice(len(pia), size=n, p=pia)
    y2 = rng.choice(len(pia), size=n, p=pia)
    keep = rng.random(n) < Pa[y, y2]
    return np.where(keep, y, y2), np.where(keep, y2, y)


def fit_tabular_inpo(winners, losers, num_responses: int, last: object, ref: object,
                     eta: float, tau: float) -> np.ndarray:
    """Minimise the INPO loss exactly over tabular policies ``log pi = f + const`` (least squares).

    ``min_f sum_pairs (f_w - f_l - b_wl)^2`` with ``b = eta/2 + eta tau (log ref_w - log ref_l) +
    (1 - eta tau)(log last_w - log last_l)``; solved on the pair-count graph Laplacian (f is defined
    up to a constant, fixed by ``sum f = 0``).

    Args:
        winners, losers: ``[N]`` response indices.  num_responses: Y.  last: pi_t ``[Y]``.
        ref: pi_ref ``[Y]``.  eta, tau: INPO parameters.
    Returns:
        The minimiser as a policy ``[Y]``.
    Reference: INPO, spec §1.2 "Key fact" (the IPO identity); spec §1.5 target 2.
    """
    eta, tau = check_eta_tau(eta, tau)
    Y = check_int("num_responses", num_responses, minimum=2)
    w = np.asarray(winners, int)
    lo = np.asarray(losers, int)
    lref = np.log(check_array("ref", ref, shape=(Y,)))
    llast = np.log(check_array("last", last, shape=(Y,)))
    r = eta * tau
    b = eta / 2 + r * (lref[w] - lref[lo]) + (1 - r) * (llast[w] - llast[lo])
    # normal equations of sum (f_w - f_l - b)^2:  L f = g
    L = np.zeros((Y, Y))
    np.add.at(L, (w, w), 1.0)
    np.add.at(L, (lo, lo), 1.0)
    np.add.at(L, (w, lo), -1.0)
    np.add.at(L, (lo, w), -1.0)
    g = np.zeros(Y)
    np.add.at(g, w, b)
    np.add.at(g, lo, -b)
    A = np.vstack([L, np.ones((1, Y))])
    f = np.linalg.lstsq(A, np.r_[g, 0.0], rcond=None)[0]
    p = np.exp(f - f.max())
    return p / p.sum()


def tournament_pair(num: int, prefer: Callable[[int, int], float] | np.ndarray,
                    threshold: float = 0.5) -> tuple[int, int] | None:
    """Tournament pair selection: knock-out winner vs. knock-out loser of the first-round losers.

    Round by round, candidates play in adjacent pairs ``(0,1), (2,3), ...`` and ``i`` beats ``j``
    when ``P(i > j) > threshold`` (ties go to the earlier index; an odd one out gets a bye). The
    knock-out winner is the chosen response. The first-round losers then play a knock-out in which
    the *loser* advances; its last one is the rejected response. The pair is kept only if
    ``P(winner > loser) > threshold``.

    Args:
        num: number K of candidate responses (>= 2).
        prefer: ``prefer(i, j) -> P(i > j)`` or a ``[K, K]`` matrix.
        threshold: win threshold (0.5).
    Returns:
        ``(winner, loser)`` indices, or ``None`` when the final check fails.
    Reference: INPO pipeline (spec §1.2 step 4, ``use_tournament=True``).
    """
    K = check_int("num", num, minimum=2)
    if isinstance(prefer, np.ndarray):
        M = check_array("prefer", prefer, shape=(K, K))
        prefer_fn: Callable[[int, int], float] = lambda i, j: float(M[i, j])  # noqa: E731
    elif callable(prefer):
        prefer_fn = prefer
    else:
        raise TypeError(f"prefer must be a callable (i, j) -> P(i > j) or a [K, K] array, got {type(prefer).__name__}")

    def beats(i: int, j: int) -> bool:
        return float(prefer_fn(i, j)) > threshold or (
            float(prefer_fn(i, j)) == threshold and i < j)

    def knockout(cands: Sequence[int], keep_winner: bool) -> tuple[int, list[int]]:
        first_losers: list[int] = []
        rnd = list(cands)
        first = True
        while len(rnd) > 1:
            nxt = []
            for k in range(0, len(rnd) - 1, 2):
                a, b = rnd[k], rnd[k + 1]
                win, lose = (a, b) if beats(a, b) else (b, a)
                nxt.append(win if keep_winner else lose)
                if first:
                    first_losers.append(lose)
            if len(rnd) % 2:
                nxt.append(rnd[-1])
            rnd, first = nxt, False
        return rnd[0], first_losers

    winner, losers = knockout(range(K), keep_winner=True)
    loser, _ = knockout(losers, keep_winner=False)
    if winner == loser or not float(prefer_fn(winner, loser)) > threshold:
        return None
    return winner, loser
