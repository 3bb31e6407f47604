"""Shared pieces of the contextual bandit learners: context checks, reward normalisation, the
one-hot of an index policy and the compiled (Numba) kernels of the linear learners.

A round's context is the features every arm is scored on: ``[B, D]`` shared by the ``K`` arms,
or ``[B, K, D]`` one feature vector per arm (a ``[D]`` or ``[K, D]`` context is the same for every
run). :func:`features` turns either into a ``[B, K, D]`` view (no copy for shared features) and
raises a one-line error naming ``context`` when the shape does not fit ``B``, ``K`` or ``D``.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from regretlab.bandits._common import check_bandit, check_range

__all__ = ["features", "chosen_features", "normalised_reward", "one_hot", "check_dim"]


def check_dim(dim: Any) -> int:
    """The feature dimension ``D`` a contextual learner is made with (an integer >= 1)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be the context's feature dimension, an integer >= 1, got {dim!r}")
    return int(dim)


def features(context: Any, batch: int, k: int, dim: int, name: str = "context") -> np.ndarray:
    """``[B, K, D]`` float64 features of a round (a broadcast view for shared features).

    Accepts ``[B, D]`` (shared by the arms), ``[B, K, D]`` (per arm), ``[D]`` or ``[K, D]`` (the same
    for every run); anything else, a missing context or a non-finite entry is a ``ValueError``.
    """
    if context is None:
        raise ValueError(f"{name} is required: features [{batch}, {dim}] shared by the arms or "
                         f"[{batch}, {k}, {dim}] per arm (a contextual learner cannot act without one)")
    x = context if type(context) is np.ndarray and context.dtype == np.float64 else None
    if x is None:
        try:
            x = np.asarray(context, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be an array of features, got {type(context).__name__}") from None
    if x.ndim == 2 and x.shape == (batch, dim):
        out = np.broadcast_to(x[:, None, :], (batch, k, dim))
    elif x.ndim == 3 and x.shape == (batch, k, dim):
        out = x
    elif x.ndim == 1 and x.shape == (dim,):
        out = np.broadcast_to(x, (batch, k, dim))
    elif x.ndim == 2 and x.shape == (k, dim) and batch != k:
        out = np.broadcast_to(x, (batch, k, dim))
    else:
        raise ValueError(f"{name} must have shape [{batch}, {dim}] (features shared by the arms) or "
                         f"[{batch}, {k}, {dim}] (per arm), got {list(x.shape)}: the learner was made "
                         f"with dim={dim}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got a non-finite entry")
    return out


def chosen_features(x: np.ndarray, action: np.ndarray) -> np.ndarray:
    """``[B, D]`` the features of each run's played arm from ``x [B, K, D]``."""
    return np.ascontiguousarray(x[np.arange(x.shape[0]), action])


def normalised_reward(feedback: Any, batch: int, k: int, reward_range: tuple[float, float]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(action [B], x = (r - lo)/(hi - lo) in [0, 1] [B], prob [B])`` of validated Bandit feedback."""
    lo, hi = reward_range
    a, r, p = check_bandit(feedback, batch, k, lo, hi)
    return a, np.clip((r - lo) / (hi - lo), 0.0, 1.0), p


def one_hot(index: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((index.size, k))
    out[np.arange(index.size), index] = 1.0
    return out


def reward_range(value: Any) -> tuple[float, float]:
    return check_range("reward_range", value)


# -- compiled kernels ----------------------------------------------------------------------------
# The hot path of the disjoint linear learners: per run and arm the quadratic form x P x (K D^2
# per run-round, the floor of LinUCB's cost) and, after a pull, one Sherman-Morrison step on the
# played arm (D^2). NumPy's einsum over [B, K, D, D] spends most of its time on the small trailing
# axes; one compiled loop does the same arithmetic in the same order as the NumPy reference.
@numba.njit(cache=True, nogil=True)
def _scores(inverse: np.ndarray, theta: np.ndarray, x: np.ndarray, mean: np.ndarray, width: np.ndarray) -> None:
    """mean[b, a] = θ_a·x_a, width[b, a] = sqrt(x_aᵀ P_a x_a) for inverse [B, K, D, D], x [B, K, D]."""
    b_len, k_len, d_len = theta.shape
    for b in range(b_len):
        for a in range(k_len):
            m = 0.0
            q = 0.0
            for i in range(d_len):
                xi = x[b, a, i]
                m += theta[b, a, i] * xi
                s = 0.0
                for j in range(d_len):
                    s += inverse[b, a, i, j] * x[b, a, j]
                q += xi * s
            mean[b, a] = m
            width[b, a] = np.sqrt(max(q, 0.0))


def scores_reference(inverse: np.ndarray, theta: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NumPy reference of the compiled scores: ``(θ_a·x_a, sqrt(x_aᵀP_a x_a))`` ``[B, K]`` each."""
    mean = np.einsum("bkd,bkd->bk", theta, x)
    q = np.einsum("bki,bkij,bkj->bk", x, inverse, x)
    return mean, np.sqrt(np.maximum(q, 0.0))


def scores(inverse: np.ndarray, theta: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compiled :func:`scores_reference`."""
    b, k, _ = theta.shape
    mean, width = np.empty((b, k)), np.empty((b, k))
    _scores(inverse, theta, x, mean, width)
    return mean, width


@numba.njit(cache=True, nogil=True)
def _sherman_morrison(inverse: np.ndarray, moment: np.ndarray, theta: np.ndarray, action: np.ndarray,
                      x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> None:
    """In place, for the played arm a of every run with weight w > 0:
    P_a ← P_a − w (P_a x)(P_a x)ᵀ / (1 + w xᵀP_a x), b_a ← b_a + w y x, θ_a ← P_a b_a."""
    b_len, _, d_len = theta.shape
    px = np.empty(d_len)
    for b in range(b_len):
        w = weight[b]
        if w == 0.0:
            continue
        a = action[b]
        q = 0.0
        for i in range(d_len):
            s = 0.0
            for j in range(d_len):
                s += inverse[b, a, i, j] * x[b, j]
            px[i] = s
            q += x[b, i] * s
        c = w / (1.0 + w * q)
        for i in range(d_len):
            for j in range(d_len):
                inverse[b, a, i, j] -= c * px[i] * px[j]
            moment[b, a, i] += w * y[b] * x[b, i]
        for i in range(d_len):
            s = 0.0
            for j in range(d_len):
                s += inverse[b, a, i, j] * moment[b, a, j]
            theta[b, a, i] = s


def sherman_morrison(inverse: np.ndarray, moment: np.ndarray, theta: np.ndarray, action: np.ndarray,
                     x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New ``(inverse, moment, theta)`` after a (weighted) rank-one step on each run's played arm.

    Pure: the arguments are copied first. ``weight [B]`` (default 1) scales the pull (0: the run
    does not learn this round).
    """
    inverse, moment, theta = inverse.copy(), moment.copy(), theta.copy()
    w = np.ones(action.size) if weight is None else np.ascontiguousarray(weight, dtype=np.float64)
    _sherman_morrison(inverse, moment, theta, np.ascontiguousarray(action, dtype=np.int64),
                      np.ascontiguousarray(x), np.ascontiguousarray(y, dtype=np.float64), w)
    return inverse, moment, theta


def sherman_morrison_reference(inverse: np.ndarray, moment: np.ndarray, theta: np.ndarray, action: np.ndarray,
                               x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None
                               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NumPy reference of :func:`sherman_morrison`."""
    rows = np.arange(action.size)
    w = np.ones(action.size) if weight is None else np.asarray(weight, dtype=np.float64)
    inverse, moment, theta = inverse.copy(), moment.copy(), theta.copy()
    p = inverse[rows, action]
    px = np.einsum("bij,bj->bi", p, x)
    c = w / (1.0 + w * np.einsum("bi,bi->b", x, px))
    inverse[rows, action] = p - c[:, None, None] * px[:, :, None] * px[:, None, :]
    moment[rows, action] += (w * y)[:, None] * x
    theta[rows, action] = np.einsum("bij,bj->bi", inverse[rows, action], moment[rows, action])
    return inverse, moment, theta
