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

__all__ = ["inpo_loss", "dpo_loss", "ipo_loss", "preference_loss"]


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


def preference_loss(kind: str, logp_w, logp_l, ref_w, ref_l, last_w, last_l, *, eta: float, tau: float,
                    beta: float) -> torch.Tensor:
    """Dispatch on ``kind`` in ``{"inpo", "dpo", "ipo"}`` (baselines use the reference log-probs)."""
    if kind == "inpo":
        return inpo_loss(logp_w, logp_l, ref_w, ref_l, last_w, last_l, eta, tau)
    if kind == "dpo":
        return dpo_loss(logp_w, logp_l, ref_w, ref_l, beta)
    if kind == "ipo":
        return ipo_loss(logp_w, logp_l, ref_w, ref_l, beta)
    raise ValueError(f"loss must be one of 'inpo', 'dpo', 'ipo', got {kind!r}")
