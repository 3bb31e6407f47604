"""Prequential (predict-then-reveal) evaluation of any ``fit/predict`` model as an online learner,
with regret against hindsight comparators and the CTR23 metrics (R², Pearson r).

TabDPT (Ma et al., arXiv 2410.18164) evaluates on OpenML-CTR23 with MSE, Pearson correlation and
R² on a test split, standardising y with the training mean/std; run online, the context is every
past row (regression spec §4.3). :class:`KNNRetrievalRidge` is the retrieval-context stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regretlab.core.errors import check_int, check_positive


class KNNRetrievalRidge:
    """Retrieval in-context regressor: ridge (with intercept) on the k nearest context rows.

    ``fit`` stores the context; ``predict`` retrieves each query's k Euclidean neighbours and solves
    min_{θ,θ₀} Σ (θᵀx + θ₀ − y)² + α‖θ‖² on them. Deterministic and brute force.
    """

    def __init__(self, k: int = 256, alpha: float = 1.0):
        self.k = check_int("k", k)
        self.alpha = check_positive("alpha", alpha)

    def fit(self, X: np.ndarray, y: np.ndarray) -> "KNNRetrievalRidge":
        self.X_ = np.asarray(X, dtype=np.float64)
        self.y_ = np.asarray(y, dtype=np.float64)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        out = np.empty(X.shape[0])
        for i, q in enumerate(X):
            dist = np.einsum("nd,nd->n", self.X_ - q, self.X_ - q)
            k = min(self.k, dist.size)
            near = np.argpartition(dist, k - 1)[:k] if k < dist.size else np.arange(dist.size)
            A, b = self.X_[near], self.y_[near]
            mx, my = A.mean(axis=0), b.mean()
            Ac = A - mx
            theta = np.linalg.solve(Ac.T @ Ac + self.alpha * np.eye(A.shape[1]), Ac.T @ (b - my))
            out[i] = (q - mx) @ theta + my
        return out


@dataclass
class PrequentialResult:
    """Prequential predictions and metrics.

    Attributes:
        predictions: ``[T]`` ŷ_t (the first ``warmup`` rows predict the running mean).
        loss: ``[T]`` (ŷ_t − y_t)².
        sse, sse_hindsight_ols, sse_best_constant: totals; regret = sse − sse_hindsight_ols.
        r2, pearson: CTR23 metrics on the evaluation half (rows ≥ T/2).
    """

    predictions: np.ndarray
    loss: np.ndarray
    sse: float
    sse_hindsight_ols: float
    sse_best_constant: float
    regret: float
    r2: float
    pearson: float


def ctr23_metrics(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """(R² = 1 − SSE/SST, Pearson r) as in TabDPT's ``paper_evaluation.py``."""
    y, pred = np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    r2 = 1.0 - float(np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))
    return r2, float(np.corrcoef(y, pred)[0, 1])


def prequential(model, X: np.ndarray, y: np.ndarray, refit_every: int = 1, warmup: int = 10, standardize: bool = True) -> PrequentialResult:
    """Run ``model`` (any object with ``fit(X, y)`` and ``predict(X)``) prequentially on (X, y).

    Round t ≥ warmup: (re)fit on rows < t every ``refit_every`` rounds (targets standardised with
    the past mean/std), predict row t, reveal y_t. Regret is against the least-squares fit in
    hindsight on all T rows.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be [T, D] and y [T], got {list(X.shape)} and {list(y.shape)}")
    if not np.isfinite(y).all():
        raise ValueError("y must be finite")
    refit_every, warmup = check_int("refit_every", refit_every), check_int("warmup", warmup, minimum=2)
    T = X.shape[0]
    pred = np.empty(T)
    csum = np.concatenate([[0.0], np.cumsum(y)])
    pred[0] = 0.0
    for t in range(1, min(warmup, T)):
        pred[t] = csum[t] / t
    mu, sd = 0.0, 1.0
    for t in range(warmup, T):
        if (t - warmup) % refit_every == 0:
            past = y[:t]
            mu, sd = (past.mean(), past.std() or 1.0) if standardize else (0.0, 1.0)
            model.fit(X[:t], (past - mu) / sd)
        pred[t] = float(model.predict(X[t : t + 1])[0]) * sd + mu
    loss = (pred - y) ** 2
    theta = np.linalg.lstsq(X, y, rcond=None)[0]
    ols = float(np.sum((X @ theta - y) ** 2))
    const = float(np.sum((y - y.mean()) ** 2))
    half = T // 2
    r2, r = ctr23_metrics(y[half:], pred[half:])
    return PrequentialResult(pred, loss, float(loss.sum()), ols, const, float(loss.sum()) - ols, r2, r)
