"""Compiled (Numba) hot loops of the bandit learners, each checked against its NumPy reference in tests
(the row softmax and the action sampler are the core's, :mod:`regretlab.core.kernels`)."""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True)
def exp3_fixed_update(loss: np.ndarray, weight: np.ndarray, total: np.ndarray, action: np.ndarray,
                      est: np.ndarray, eta: float, refresh: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One fixed-rate Exp3 step on copies: ``L̂[a] += est``, ``w[a] *= exp(-η est)``, row sums recomputed.

    With ``refresh`` (or when a run's weights underflow) the run's weights are rebuilt as
    ``exp(-η (L̂ - min L̂))``.
    """
    b, k = loss.shape
    new_loss = loss.copy()
    new_w = weight.copy()
    new_t = total.copy()
    for i in range(b):
        a = action[i]
        new_loss[i, a] += est[i]
        old = new_w[i, a]
        nw = old * math.exp(-eta * est[i])
        new_w[i, a] = nw
        s = 0.0
        for j in range(k):  # a fresh sum, not total + (new - old): no cancellation when weights drop
            s += new_w[i, j]
        new_t[i] = s
        if refresh or new_t[i] < 1e-150 or nw < 1e-200:  # keep weights out of the denormal range
            m = new_loss[i, 0]
            for j in range(1, k):
                if new_loss[i, j] < m:
                    m = new_loss[i, j]
            s = 0.0
            for j in range(k):
                v = math.exp(-eta * (new_loss[i, j] - m))
                new_w[i, j] = v
                s += v
            new_t[i] = s
    return new_loss, new_w, new_t
