"""Prediction-loss accounting: cumulative loss and the best fixed linear predictor in hindsight.

The prediction analogue of :mod:`regretlab.metrics.ledger`. A prediction driver
(:func:`regretlab.regression.driver.run_predictor`) tells the :class:`PredictionLedger`, each
round and for every run ``b`` that was scored (``mask[b]``), the learner's loss ``ℓ_t`` and the
round's ``(x_t [D], y_t)``. The ledger keeps

* ``loss [B]``: ``Σ_t ℓ_t`` (and any other named per-round losses, e.g. ``nll``);
* ``gram [B, D, D] = Σ_t x_t x_tᵀ``, ``moment [B, D] = Σ_t y_t x_t``, ``yy [B] = Σ_t y_t²``: the
  sufficient statistics of every fixed linear predictor's square loss;
* ``t [B]``: the rounds scored per run;

and :func:`comparator_loss` turns them into the loss of the best ridge in hindsight,
``min_u Σ_t (uᵀx_t − y_t)² + λ‖u‖² = Σy² − bᵀ(G + λI)⁻¹b`` (λ = 0: least squares, with a
pseudo-inverse for rank-deficient designs). Regret is ``loss − comparator_loss``: with λ > 0 it
is the quantity the Vovk–Azoury–Warmuth bound controls (:func:`regretlab.regression.vaw_bound`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regretlab.core.errors import check_int, check_positive

__all__ = ["PredictionLedger", "comparator_loss", "cumulative_loss", "regret", "ridge_hindsight_loss",
           "ridge_loss", "square_loss"]


def square_loss(prediction: Any, y: np.ndarray) -> np.ndarray:
    """``[B]`` square loss of a prediction: ``(ŷ − y)²``, or the prediction's own ``square_loss(y)``
    (a distribution: e.g. the expected loss of a randomised mixture)."""
    own = getattr(prediction, "square_loss", None)
    if callable(own):
        return np.asarray(own(y), dtype=np.float64)
    return (np.asarray(prediction, dtype=np.float64) - y) ** 2


def ridge_loss(gram: np.ndarray, moment: np.ndarray, yy: np.ndarray, lam: float) -> np.ndarray:
    """``[B]`` ``min_u Σ (uᵀx − y)² + λ‖u‖²`` from ``gram [B, D, D]``, ``moment [B, D]``, ``yy [B]``.

    ``yy − bᵀ(G + λI)⁻¹b``; with ``λ = 0`` the minimum-norm least-squares value
    ``yy − bᵀG⁺b`` (eigenvalues below ``1e-11 λ_max`` dropped). Clipped at 0 against rounding.

    Example:
        >>> g = np.array([[[2.0]]]); b = np.array([[2.0]]); yy = np.array([2.0])   # x = (1, 1), y = (1, 1)
        >>> ridge_loss(g, b, yy, 0.0).tolist(), ridge_loss(g, b, yy, 2.0).tolist()   # 2 - 4/2, 2 - 4/4
        ([0.0], [1.0])
    """
    lam = check_positive("lam", lam, allow_zero=True)
    d = gram.shape[-1]
    if lam > 0:
        sol = np.linalg.solve(gram + lam * np.eye(d), moment[..., None])[..., 0]
        return np.maximum(yy - np.einsum("bd,bd->b", moment, sol), 0.0)
    eig, vec = np.linalg.eigh(gram)
    top = eig.max(axis=1, keepdims=True)
    keep = (eig > np.where(top > 0, top, np.inf) * 1e-11)
    proj = np.einsum("bdk,bd->bk", vec, moment)
    inv = np.where(keep, 1.0 / np.where(keep, eig, 1.0), 0.0)
    return np.maximum(yy - np.einsum("bk,bk->b", proj**2, inv), 0.0)


def ridge_hindsight_loss(X: np.ndarray, y: np.ndarray, lam: float = 1.0) -> float:
    """min_u Σ_t (uᵀx_t − y_t)² + λ‖u‖² (the VAW comparator in closed form) of one stream X ``[T, D]``, y ``[T]``."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    u = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
    return float(np.sum((X @ u - y) ** 2) + lam * u @ u)


class PredictionLedger:
    """Running sums of ``batch`` prediction runs, snapshotted on request (see the module docstring).

    Args:
        batch: ``B`` runs.
        dim: ``D`` features of the comparator (``None``: no comparator statistics).
        ridge: λ ≥ 0 of the best-ridge comparator (``None``: no comparator).

    Example:
        >>> led = PredictionLedger(1, dim=1, ridge=0.0)
        >>> for x, y, yhat in ((1.0, 1.0, 0.0), (1.0, 1.0, 0.5)):
        ...     led.record(np.array([(yhat - y) ** 2]), np.array([[x]]), np.array([y]))
        >>> led.snapshot(); regret(led)[:, 0].tolist()   # 1 + 0.25 - 0 (u = 1 is perfect)
        [1.25]
    """

    def __init__(self, batch: int, dim: int | None = None, *, ridge: float | None = 1.0) -> None:
        self.batch = check_int("batch", batch)
        self.ridge = None if ridge is None or dim is None else check_positive("ridge", ridge, allow_zero=True)
        b = self.batch
        self.t = np.zeros(b, dtype=np.int64)
        self.sums: dict[str, np.ndarray] = {"loss": np.zeros(b)}
        if self.ridge is not None:
            d = check_int("dim", dim)
            self.gram, self.moment, self.yy = np.zeros((b, d, d)), np.zeros((b, d)), np.zeros(b)
        self.rounds: list[int] = []
        self.snapshots: dict[str, list[np.ndarray]] = {}
        self._seen = 0

    def record(self, loss: np.ndarray, x: np.ndarray | None, y: np.ndarray, mask: np.ndarray | None = None,
               **others: np.ndarray) -> None:
        """Add one round: ``loss [B]`` (and other named losses ``[B]``), features ``x [B, D]`` and
        targets ``y [B]`` of the comparator; runs with ``mask = False`` are not scored."""
        m = None if mask is None or mask.all() else mask
        for name, value in (("loss", loss), *others.items()):
            value = np.asarray(value, dtype=np.float64)
            total = self.sums.setdefault(name, np.zeros(self.batch))
            self.sums[name] = total + (value if m is None else np.where(m, value, 0.0))
        if self.ridge is not None:
            xs = np.asarray(x, dtype=np.float64)
            if m is not None:
                xs, y = np.where(m[:, None], xs, 0.0), np.where(m, y, 0.0)
            self.gram = self.gram + np.einsum("bi,bj->bij", xs, xs)
            self.moment = self.moment + y[:, None] * xs
            self.yy = self.yy + y * y
        self.t = self.t + (1 if m is None else m)
        self._seen += 1

    def snapshot(self) -> None:
        """Keep the current sums (one more point on every curve)."""
        self.rounds.append(self._seen)
        for name, value in self.sums.items():
            self.snapshots.setdefault(name, []).append(value.copy())
        self.snapshots.setdefault("t", []).append(self.t.copy())
        if self.ridge is not None:
            self.snapshots.setdefault("comparator", []).append(ridge_loss(self.gram, self.moment, self.yy, self.ridge))

    def curve(self, name: str) -> np.ndarray:
        """``[N, B]`` snapshots of one statistic."""
        snaps = self.snapshots.get(name)
        if not snaps:
            raise KeyError(f"the prediction ledger has no {name!r} statistic"
                           + ("; it was made with ridge=None (no comparator)" if name == "comparator" else ""))
        return np.stack(snaps)


def cumulative_loss(ledger: PredictionLedger, name: str = "loss") -> np.ndarray:
    """``Σ_t ℓ_t`` at each snapshot, ``[N, B]``."""
    return ledger.curve(name)


def comparator_loss(ledger: PredictionLedger) -> np.ndarray:
    """Loss (plus ``λ‖u‖²``) of the best fixed ridge predictor in hindsight at each snapshot, ``[N, B]``."""
    return ledger.curve("comparator")


def regret(ledger: PredictionLedger) -> np.ndarray:
    """``Σ_t ℓ_t − min_u [Σ_t (uᵀx_t − y_t)² + λ‖u‖²]`` at each snapshot, ``[N, B]``."""
    return cumulative_loss(ledger) - comparator_loss(ledger)
