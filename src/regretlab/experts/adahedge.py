"""AdaHedge: Hedge with its rate tuned online from the mixability gap (de Rooij et al. 2014)."""

from __future__ import annotations

import math

import numpy as np

from regretlab.core.registry import register
from regretlab.core.simplex import normalize, softmax
from regretlab.experts._base import CumulativeLearner, CumulativeState


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


