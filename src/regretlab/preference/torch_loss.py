"""The INPO, DPO and IPO losses in torch (``[llm]`` extra); same formulas as :mod:`.loss`.

INPO (Zhang et al., ICLR 2025, arXiv 2407.00617): ``mean (h - eta/2)^2`` with
``h = (logp_w - logp_l) - eta tau (ref_w - ref_l) - (1 - eta tau)(last_w - last_l)``.
The reference and last-policy log-probs are precomputed tensors (no gradient), so an INPO step
costs the same forward/backward as a DPO step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from regretlab.core.errors import check_positive
from regretlab.preference.loss import check_eta_tau

__all__ = ["inpo_loss", "dpo_loss", "ipo_loss", "nash_md_loss", "sppo_loss", "dno_loss", "spin_loss", "xpo_loss",
           "preference_loss", "METHOD_LOSSES"]


def inpo_loss(logp_w: torch.Tensor, logp_l: torch.Tensor, ref_w: torch.Tensor, ref_l: torch.Tensor,
              last_w: torch.Tensor, last_l: torch.Tensor, eta: float, tau: float) -> torch.Tensor:
    """INPO loss, mean over the batch.

    Args:
        logp_w, logp_l: ``[N]`` sequence log-probs of chosen / rejected under the trained policy.
        ref_w, ref_l: ``[N]`` under pi_ref (precomputed).  last_w, last_l: ``[N]`` under pi_t.
        eta, tau: INPO step and KL strength, ``eta tau < 1``.
    Returns:
        Scalar loss tensor.
    """
    eta, tau = check_eta_tau(eta, tau)
    r = eta * tau
    h = (logp_w - logp_l) - r * (ref_w - ref_l) - (1 - r) * (last_w - last_l)
    return ((h - eta / 2) ** 2).mean()


def dpo_loss(logp_w: torch.Tensor, logp_l: torch.Tensor, ref_w: torch.Tensor, ref_l: torch.Tensor,
             beta: float) -> torch.Tensor:
    """DPO loss ``mean -log sigmoid(beta [(logp_w - logp_l) - (ref_w - ref_l)])`` (Rafailov et al. 2023)."""
    beta = check_positive("beta", beta)
    return -F.logsigmoid(beta * ((logp_w - logp_l) - (ref_w - ref_l))).mean()


def ipo_loss(logp_w: torch.Tensor, logp_l: torch.Tensor, ref_w: torch.Tensor, ref_l: torch.Tensor,
             beta: float) -> torch.Tensor:
    """IPO loss ``mean ((logp_w - logp_l) - (ref_w - ref_l) - 1/(2 beta))^2`` (Azar et al. 2024)."""
    beta = check_positive("beta", beta)
    return (((logp_w - logp_l) - (ref_w - ref_l)) - 1 / (2 * beta)).pow(2).mean()


def nash_md_loss(logp_w, logp_l, ref_w, ref_l, last_w, last_l, eta: float, tau: float) -> torch.Tensor:
    """Nash-MD as a regression: ``mean (h - eta/2)^2``, ``h = log pi/mu (y_w) - log pi/mu (y_l)`` with the
    geometric mixture ``log mu = (1 - eta tau) log pi_t + eta tau log ref`` (its normaliser cancels).

    With pairs drawn from mu and ordered by lambda_P, the minimiser is Nash-MD's update
    ``pi ∝ mu exp(eta P(y > mu))`` (the IPO identity; Munos et al. 2024, eq. 10). The loss is INPO's with
    ``eta tau <= 1``; the methods differ in where the pairs are sampled (pi_t vs mu).
    """
    eta = check_positive("eta", eta)
    tau = check_positive("tau", tau, allow_zero=True)
    b = eta * tau
    if b > 1:
        raise ValueError(f"eta * tau (the mixture weight) must be in [0, 1], got {b:g}")
    h = (logp_w - logp_l) - b * (ref_w - ref_l) - (1 - b) * (last_w - last_l)
    return ((h - eta / 2) ** 2).mean()


def sppo_loss(logp_w, logp_l, last_w, last_l, target: torch.Tensor) -> torch.Tensor:
    """SPPO's squared regression on a pair: ``mean ((log pi/pi_t (y_w) - log pi/pi_t (y_l)) - target)^2``.

    ``target = eta (P̂(y_w > pi_t) - P̂(y_l > pi_t))`` from the K samples. This is the difference of Wu et al.'s
    two squared terms (2024, eq. 4.7) before squaring: the log-partition log Z_t cancels exactly instead of being
    approximated by eta/2, so the minimiser is ``pi_t exp(eta P(y > pi_t)) / Z`` (eq. 4.5).
    """
    return (((logp_w - last_w) - (logp_l - last_l)) - target).pow(2).mean()


def dno_loss(logp_w, logp_l, last_w, last_l, target: torch.Tensor, eta: float) -> torch.Tensor:
    """DNO's regression to win rates (Rosset et al. 2024, Algorithm 1, eq. 7): binary cross-entropy of
    ``sigmoid(eta (log pi/pi_t (y_w) - log pi/pi_t (y_l)))`` against ``target = sigmoid(r̂(y_w) - r̂(y_l))``,
    ``r̂(y) = P̂(y > pi_t)``; minimiser ``pi_t exp(r / eta) / Z``."""
    eta = check_positive("eta", eta)
    z = eta * ((logp_w - last_w) - (logp_l - last_l))
    return -(target * F.logsigmoid(z) + (1 - target) * F.logsigmoid(-z)).mean()


def spin_loss(logp_w, logp_l, last_w, last_l, lam: float) -> torch.Tensor:
    """SPIN (Chen et al. 2024, eq. 4.7, logistic loss): ``mean -log sigmoid(lam log pi/pi_t (y_data) -
    lam log pi/pi_t (y_self))`` with the demonstration as ``w`` and the self-generated response as ``l``."""
    lam = check_positive("lam", lam)
    return -F.logsigmoid(lam * ((logp_w - last_w) - (logp_l - last_l))).mean()


def xpo_loss(logp_w, logp_l, ref_w, ref_l, from_ref_w: torch.Tensor, beta: float, alpha: float) -> torch.Tensor:
    """XPO (Xie et al. 2024, Algorithm 1 line 5): the DPO loss plus ``alpha mean log pi(y~)`` on the response
    of each pair that was sampled from pi_ref (``from_ref_w``: True where that is the winner)."""
    check_positive("alpha", alpha, allow_zero=True)
    bonus = torch.where(from_ref_w, logp_w, logp_l).mean()
    return dpo_loss(logp_w, logp_l, ref_w, ref_l, beta) + alpha * bonus


#: the trainer's losses (``TrainerConfig.loss``)
METHOD_LOSSES = ("inpo", "nash_md", "online_ipo", "ipo", "sppo", "dno", "spin", "dpo", "xpo")


def preference_loss(kind: str, logp_w, logp_l, ref_w, ref_l, last_w, last_l, *, eta: float, tau: float,
                    beta: float, target: torch.Tensor | None = None, from_ref_w: torch.Tensor | None = None,
                    alpha: float = 0.0, lam: float = 1.0) -> torch.Tensor:
    """Dispatch on ``kind`` in :data:`METHOD_LOSSES` (``online_ipo`` and ``ipo`` share the IPO loss; they
    differ in the sampling rule). ``target`` is the per-pair regression target of SPPO and DNO;
    ``from_ref_w`` marks XPO's reference-sampled side."""
    if kind == "inpo":
        return inpo_loss(logp_w, logp_l, ref_w, ref_l, last_w, last_l, eta, tau)
    if kind == "nash_md":
        return nash_md_loss(logp_w, logp_l, ref_w, ref_l, last_w, last_l, eta, tau)
    if kind == "dpo":
        return dpo_loss(logp_w, logp_l, ref_w, ref_l, beta)
    if kind in ("ipo", "online_ipo"):
        return ipo_loss(logp_w, logp_l, ref_w, ref_l, beta)
    if kind in ("sppo", "dno"):
        if target is None:
            raise ValueError(f"the {kind} loss needs the per-pair win-rate target")
        return sppo_loss(logp_w, logp_l, last_w, last_l, target) if kind == "sppo" else dno_loss(
            logp_w, logp_l, last_w, last_l, target, eta)
    if kind == "spin":
        return spin_loss(logp_w, logp_l, last_w, last_l, lam)
    if kind == "xpo":
        if from_ref_w is None:
            raise ValueError("the xpo loss needs from_ref_w (which side of each pair was sampled from pi_ref)")
        return xpo_loss(logp_w, logp_l, ref_w, ref_l, from_ref_w, beta, alpha)
    raise ValueError(f"loss must be one of {', '.join(repr(k) for k in METHOD_LOSSES)}, got {kind!r}")
