"""Histogram (distributional) regression heads: HL-Gauss, two-hot, bar decoding.

Farebrother et al., "Stop Regressing: Training Value Functions via Classification for Scalable
Deep RL", ICML 2024; the HL-Gauss loss is from Imani & White, ICML 2018. σ is always explicit
(the paper uses σ = 0.75 ς; the ``hl-gauss-pytorch`` package defaults to 2 ς).
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf, log_softmax, softmax

from regretlab.core.errors import check_int, check_positive


def bins(vmin: float, vmax: float, m: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Edges ``[m+1]`` e_i = v_min + iς, centres ``[m]`` c_i = (e_{i−1} + e_i)/2, width ς = (v_max − v_min)/m."""
    m = check_int("m", m)
    if not (np.isfinite(vmin) and np.isfinite(vmax) and vmin < vmax):
        raise ValueError(f"support must satisfy vmin < vmax (finite), got vmin={vmin!r}, vmax={vmax!r}")
    width = (vmax - vmin) / m
    edges = vmin + width * np.arange(m + 1)
    edges[-1] = vmax
    return edges, 0.5 * (edges[:-1] + edges[1:]), width


def hl_gauss_target(
    y: np.ndarray, vmin: float, vmax: float, m: int, sigma: float | None = None, sigma_ratio: float = 0.75
) -> np.ndarray:
    """HL-Gauss target histogram: the mass N(y, σ²) truncated to [v_min, v_max] puts in each bin.

    p_i(y) = [Φ((e_i − y)/σ) − Φ((e_{i−1} − y)/σ)] / [Φ((v_max − y)/σ) − Φ((v_min − y)/σ)],
    with y clipped to the support first and Φ written with erf.

    Args:
        y: ``[...]`` scalar targets.
        vmin, vmax, m: support and number of bins.
        sigma: σ (default ``sigma_ratio`` × bin width).
        sigma_ratio: σ/ς when ``sigma`` is None (paper: 0.75).

    Returns:
        ``[..., m]`` probabilities summing to 1.
    """
    edges, _, width = bins(vmin, vmax, m)
    sigma = check_positive("sigma", sigma_ratio * width if sigma is None else sigma)
    y = np.asarray(y, dtype=np.float64)
    if not np.isfinite(y).all():
        raise ValueError("y must be finite")
    y = np.clip(y, vmin, vmax)[..., None]
    cdf = erf((edges - y) / (np.sqrt(2.0) * sigma))
    mass = cdf[..., 1:] - cdf[..., :-1]
    return mass / (cdf[..., -1:] - cdf[..., :1])


def two_hot_target(y: np.ndarray, vmin: float, vmax: float, m: int) -> np.ndarray:
    """Two-hot target: for c_k ≤ y ≤ c_{k+1}, p_k = (c_{k+1} − y)/ς, p_{k+1} = (y − c_k)/ς; its mean is y."""
    _, centers, width = bins(vmin, vmax, m)
    y = np.clip(np.asarray(y, dtype=np.float64), centers[0], centers[-1])
    k = np.clip(np.floor((y - centers[0]) / width).astype(np.int64), 0, m - 2)
    upper = (y - centers[k]) / width
    out = np.zeros(y.shape + (m,))
    np.put_along_axis(out, k[..., None], (1.0 - upper)[..., None], axis=-1)
    np.put_along_axis(out, (k + 1)[..., None], upper[..., None], axis=-1)
    return out


def histogram_mean(q: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """ŷ = Σ_i q_i c_i."""
    return np.asarray(q) @ np.asarray(centers)


def decode_bar(logits: np.ndarray, centers: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """Bar-distribution decoding ŷ = Σ softmax(β z)_i c_i (TabDPT uses β = 0.2 / 0.25)."""
    return softmax(beta * np.asarray(logits, dtype=np.float64), axis=-1) @ np.asarray(centers)


def cross_entropy(p: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """CE(p, softmax(z)) = −Σ p_i log q_i; its gradient in z is q − p."""
    return -np.sum(p * log_softmax(logits, axis=-1), axis=-1)
