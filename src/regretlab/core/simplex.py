"""Numerically stable operations on the probability simplex, batched over the first axis."""

from __future__ import annotations

import numpy as np


def logsumexp(x: np.ndarray, axis: int = -1, where: np.ndarray | None = None) -> np.ndarray:
    """``log Σ exp(x)`` along ``axis`` without overflow; ``where`` masks entries out."""
    if where is not None:
        x = np.where(where, x, -np.inf)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


def softmax(x: np.ndarray, axis: int = -1, where: np.ndarray | None = None) -> np.ndarray:
    """Stable softmax ``exp(x - max) / Σ exp(x - max)``; masked entries get probability 0.

    Example:
        >>> softmax(np.array([[0.0, np.log(3.0)]])).round(3).tolist()
        [[0.25, 0.75]]
    """
    if where is not None:
        x = np.where(where, x, -np.inf)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(x - m)
    s = np.sum(e, axis=axis, keepdims=True)
    return e / np.where(s > 0, s, 1.0)


def project_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection of each row of ``v [B, K]`` onto the simplex (Duchi et al., ICML 2008)."""
    v = np.asarray(v, dtype=np.float64)
    k = v.shape[-1]
    u = -np.sort(-v, axis=-1)
    css = np.cumsum(u, axis=-1) - 1.0
    ind = np.arange(1, k + 1)
    cond = u - css / ind > 0
    rho = k - 1 - np.argmax(cond[..., ::-1], axis=-1)  # last index where cond holds
    theta = np.take_along_axis(css, rho[..., None], axis=-1) / (rho[..., None] + 1.0)
    return np.maximum(v - theta, 0.0)


def normalize(w: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """Rows of nonnegative ``w`` divided by their sums; an all-zero row becomes uniform (over ``where``)."""
    w = np.asarray(w, dtype=np.float64)
    if where is not None:
        w = np.where(where, w, 0.0)
    s = w.sum(axis=-1, keepdims=True)
    if where is None:
        fallback = np.full_like(w, 1.0 / w.shape[-1])
    else:
        fallback = where / np.maximum(where.sum(axis=-1, keepdims=True), 1)
    return np.where(s > 0, w / np.where(s > 0, s, 1.0), fallback)


def uniform(batch: int, k: int) -> np.ndarray:
    """The uniform strategy ``[B, K]``."""
    return np.full((batch, k), 1.0 / k)
