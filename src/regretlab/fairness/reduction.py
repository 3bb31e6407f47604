"""Reduction of fair learning with one-sided feedback to a contextual combinatorial semi-bandit.

Bechavod & Roth (ICML 2023), reconstructed in ``specs/regret-papers.md`` section 6.2:

1. Lagrangian loss ``L_C(pi) = Err(pi) + C Unfair(pi)``.
2. Linearised fairness term: for the reported pair ``(x, x')`` (``x`` favoured) add the
   full-information examples ``(x, 0)`` and ``(x', 1)`` with weight ``C``:
   ``C [pi(x) - pi(x')] = C [l(pi,(x,0)) + l(pi,(x',1)) - 1]`` with ``l(pi,(x,y)) = |pi(x) - y|``.
3. One-sided feedback: subtract the loss of predicting 0, so predicting 0 costs 0 and predicting
   1 on a real individual costs ``1 - 2y``, observed exactly when the prediction is 1.
4. Coordinates ``d = k + 2`` (real individuals, then the two synthetic examples); we append one
   always-on zero-loss coordinate so that every action is non-empty, as the semi-bandit learners
   require (it changes no loss).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive
from regretlab.fairness.panel import Violation


# --------------------------------------------------------------------------- the two transforms


def one_sided_losses(labels: np.ndarray) -> np.ndarray:
    """Loss of predicting 1 minus the loss of predicting 0: ``1 - 2 y`` (``[B, k]``).

    Args:
        labels: ``[B, k]`` 0/1 labels.
    """
    return 1.0 - 2.0 * np.asarray(labels, dtype=np.float64)


def linearised_fairness(c: float, favour_x: np.ndarray, favour_x2: np.ndarray) -> np.ndarray:
    """``C [l(pi,(x,0)) + l(pi,(x',1)) - 1]`` with ``l(pi,(x,y)) = |pi(x) - y|``.

    Equals ``C [pi(x) - pi(x')]`` for every randomised policy (the section 6.6.3 identity).

    Args:
        c: weight ``C >= 0``.
        favour_x: ``pi(x)`` (any shape).
        favour_x2: ``pi(x')`` (same shape).
    """
    c = check_positive("c", c, allow_zero=True)
    fx, fx2 = np.asarray(favour_x, float), np.asarray(favour_x2, float)
    return c * (np.abs(fx - 0.0) + np.abs(fx2 - 1.0) - 1.0)


def synthetic_losses(c: float, found: np.ndarray) -> np.ndarray:
    """``[B, 2]`` semi-bandit losses of the synthetic coordinates: ``(C, -C)`` on violating rounds.

    After subtracting the loss of predicting 0, example ``(x, 0)`` costs ``C`` when predicted 1 and
    ``(x', 1)`` costs ``-C`` (``C (1 - 1) - C (1 - 0)``); both are 0 on rounds without a violation.
    """
    found = np.asarray(found, dtype=bool)
    return np.where(found[:, None], np.array([c, -c])[None, :], 0.0)


# --------------------------------------------------------------------------- hypothesis class


class ThresholdClass:
    """Axis-aligned threshold classifiers ``h_{j,tau}(x) = 1[x_j >= tau]`` (spec section 6.6: 64 of them).

    Args:
        num_features: ``F``.
        thresholds: thresholds per feature; ``tau`` on the grid ``0, 1/n, ..., (n-1)/n``.
    """

    def __init__(self, num_features: int = 2, thresholds: int = 32):
        self.num_features = check_int("num_features", num_features)
        self.thresholds = check_int("thresholds", thresholds)
        self.feature = np.repeat(np.arange(self.num_features), self.thresholds)  # [H]
        self.tau = np.tile(np.arange(self.thresholds) / self.thresholds, self.num_features)  # [H]

    @property
    def size(self) -> int:
        return self.feature.size

    def predict(self, x: np.ndarray) -> np.ndarray:
        """``[..., H]`` bool predictions for individuals ``x [..., F]``."""
        return x[..., self.feature] >= self.tau

    def separator(self) -> np.ndarray:
        """Points on which every two distinct classifiers disagree somewhere: ``[P, F]``."""
        pts = []
        for j in range(self.num_features):
            for i in range(1, self.thresholds):
                p = np.zeros(self.num_features)
                p[j] = i / self.thresholds
                pts.append(p)
        return np.asarray(pts)


# --------------------------------------------------------------------------- data streams


@dataclass(frozen=True)
class LendingStream:
    """Synthetic lending applicants (spec section 6.6): ``x ~ U[0,1]^F``, ``y ~ Bernoulli(sigmoid(w.x + b))``.

    Draws are counter-based (``regretlab.core.rng``), so run ``b`` of a batch equals a solo run.
    """

    individuals: int = 4
    weights: tuple[float, ...] = (4.0, 2.0)
    bias: float = -3.0

    @property
    def num_features(self) -> int:
        return len(self.weights)

    def draw(self, keys: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Round ``t``: ``x [B, k, F]``, ``y [B, k]`` (0/1 ints)."""
        k, f = self.individuals, self.num_features
        u = rng.uniform(rng.derive(keys, "env"), t, k * f + k)
        x = u[:, : k * f].reshape(-1, k, f)
        logit = x @ np.asarray(self.weights) + self.bias
        y = (u[:, k * f :] < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
        return x, y


@dataclass(frozen=True)
class ArrayStream:
    """Replay a data set ``features [N, F]``, ``labels [N]`` in a per-run random order, ``k`` per round."""

    features: np.ndarray
    labels: np.ndarray
    individuals: int = 4

    def __post_init__(self) -> None:
        x = check_array("features", self.features, shape=(None, None))
        y = check_array("labels", self.labels, shape=(x.shape[0],))
        if not np.isin(y, (0, 1)).all():
            raise ValueError("labels must be 0/1")
        object.__setattr__(self, "features", x)
        object.__setattr__(self, "labels", y.astype(np.int64))

    @property
    def num_features(self) -> int:
        return self.features.shape[1]

    def draw(self, keys: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        u = rng.uniform(rng.derive(keys, "data"), t, self.individuals)
        idx = np.minimum((u * self.labels.size).astype(np.int64), self.labels.size - 1)
        return self.features[idx], self.labels[idx]


# --------------------------------------------------------------------------- semi-bandit instance


@dataclass(frozen=True)
class RoundContext:
    """One round of the semi-bandit instance.

    Attributes:
        x: ``[B, k, F]`` individuals (or ``[k, F]`` for a separator context).
        favoured: ``[B]`` index of ``x`` in the reported pair (``-1``: no violation).
        other: ``[B]`` index of ``x'`` (``-1``: no violation).
    """

    x: np.ndarray
    favoured: np.ndarray | None = None
    other: np.ndarray | None = None


def action_table(hclass: ThresholdClass, ctx: RoundContext) -> np.ndarray:
    """``[B, H, k + 3]`` (or ``[H, k + 3]``) bool: ``a_h`` = predictions on the real individuals,
    on ``x`` and ``x'`` of the reported pair (0 without a violation), and the always-on coordinate."""
    x = ctx.x
    single = x.ndim == 2
    if single:
        x = x[None]
    pred = hclass.predict(x)  # [B, k, H]
    b, k, h = pred.shape
    out = np.zeros((b, h, k + 3), dtype=bool)
    out[:, :, :k] = np.transpose(pred, (0, 2, 1))
    if ctx.favoured is not None:
        found = ctx.favoured >= 0
        rows = np.arange(b)
        fav = np.where(found, ctx.favoured, 0)
        oth = np.where(found, ctx.other, 0)
        out[:, :, k] = pred[rows, fav] & found[:, None]
        out[:, :, k + 1] = pred[rows, oth] & found[:, None]
    out[:, :, k + 2] = True
    return out[0] if single else out


def round_losses(labels: np.ndarray, violation: Violation, c: float) -> np.ndarray:
    """``[B, k + 3]`` semi-bandit losses: ``1 - 2y`` per individual, ``(C, -C)`` on the synthetic
    coordinates of violating rounds, 0 on the always-on coordinate."""
    k = labels.shape[1]
    out = np.zeros((labels.shape[0], k + 3))
    out[:, :k] = one_sided_losses(labels)
    out[:, k : k + 2] = synthetic_losses(c, violation.found)
    return out


def revealed_mask(k: int) -> np.ndarray:
    """``[k + 3]`` bool: the synthetic and always-on coordinates are observed whatever is played."""
    mask = np.zeros(k + 3, dtype=bool)
    mask[k:] = True
    return mask


def expected_errors(favour: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``Err(pi) = sum_i pi(x^i)(1 - y^i) + (1 - pi(x^i)) y^i`` per run, ``[B]``."""
    return (favour * (1 - labels) + (1 - favour) * labels).sum(axis=-1)
