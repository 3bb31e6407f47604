"""Auditors, gamma-panels and fairness-violation detection (Bechavod & Roth, ICML 2023).

An auditor ``j`` holds a metric ``d^j`` on individuals and objects to a pair ``(x, x')`` of the
round when the deployed policy treats them too differently:
``pi(x) - pi(x') > d^j(x, x') + alpha``. A panel of ``m`` auditors declares a violation on a pair
when at least ``ceil(gamma m)`` of them object to it (the gamma-fraction aggregate metric).
Spec: ``specs/regret-papers.md`` section 6.1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from regretlab.core.errors import check_positive, check_probability


@dataclass(frozen=True)
class Auditor:
    """An auditor with metric ``distance(x [..., F], x' [..., F]) -> [...]`` (nonnegative)."""

    distance: Callable[[np.ndarray, np.ndarray], np.ndarray]
    name: str = "auditor"


def lipschitz_auditor(scale: float, order: float = 2) -> Auditor:
    """Auditor with metric ``d(x, x') = L ||x - x'||_order`` (spec section 6.6: ``L in {0.5, 1, 2}``)."""
    scale = check_positive("scale", scale)

    def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return scale * np.linalg.norm(a - b, ord=order, axis=-1)

    return Auditor(distance, f"L={scale:g}")


@dataclass(frozen=True)
class Violation:
    """Panel reports for a batch of rounds.

    Attributes:
        found: ``[B]`` bool, a pair was reported.
        favoured: ``[B]`` int index of ``x`` (the individual treated better), ``-1`` when none.
        other: ``[B]`` int index of ``x'``, ``-1`` when none.
        objectors: ``[B]`` number of auditors objecting to the reported pair.
        excess: ``[B]`` ``pi(x) - pi(x') - d_gamma(x, x') - alpha`` of the reported pair (0 when none).
    """

    found: np.ndarray
    favoured: np.ndarray
    other: np.ndarray
    objectors: np.ndarray
    excess: np.ndarray


class Panel:
    """A gamma-panel of auditors.

    Args:
        auditors: the ``m >= 1`` auditors.
        gamma: fraction in ``(0, 1]``; a pair is a violation when ``>= ceil(gamma m)`` object.
        alpha: slack ``alpha >= 0`` of every auditor.

    Example:
        >>> panel = Panel([lipschitz_auditor(L) for L in (0.5, 1, 2)], gamma=2 / 3, alpha=0.05)
        >>> panel.quorum
        2
    """

    def __init__(self, auditors: Sequence[Auditor], gamma: float, alpha: float = 0.0):
        auditors = list(auditors)
        if not auditors:
            raise ValueError("auditors must hold at least one auditor: an empty panel cannot audit")
        for j, a in enumerate(auditors):
            if not isinstance(a, Auditor):
                raise TypeError(f"auditors[{j}] must be an Auditor, got {type(a).__name__}")
        gamma = check_probability("gamma", gamma)
        if gamma == 0:
            raise ValueError("gamma must be in (0, 1], got 0")
        self.auditors = auditors
        self.gamma = gamma
        self.alpha = check_positive("alpha", alpha, allow_zero=True)
        # a tolerance so that gamma = 2/3 with m = 3 gives a quorum of 2, not 3
        self.quorum = max(1, math.ceil(gamma * len(auditors) - 1e-9))

    def objections(self, x: np.ndarray, favour: np.ndarray) -> np.ndarray:
        """``[B, k, k]`` number of auditors objecting to each ordered pair ``(i, j)``.

        Args:
            x: ``[B, k, F]`` the round's individuals.
            favour: ``[B, k]`` the policy's acceptance probabilities ``pi(x^i)``.
        """
        diff = favour[:, :, None] - favour[:, None, :]  # pi(x_i) - pi(x_j)
        count = np.zeros(diff.shape, dtype=np.int64)
        for a in self.auditors:
            d = a.distance(x[:, :, None, :], x[:, None, :, :])
            count += diff > d + self.alpha
        return count

    def aggregate_distance(self, x: np.ndarray) -> np.ndarray:
        """``[B, k, k]`` the panel metric ``d_gamma``: the ``quorum``-th smallest auditor distance."""
        d = np.stack([a.distance(x[:, :, None, :], x[:, None, :, :]) for a in self.auditors])
        return np.sort(d, axis=0)[self.quorum - 1]

    def detect(self, x: np.ndarray, favour: np.ndarray) -> Violation:
        """The reported pair per round: most objectors, then the largest excess over ``d_gamma``.

        Args:
            x: ``[B, k, F]`` individuals.
            favour: ``[B, k]`` acceptance probabilities.

        Returns:
            A :class:`Violation`.
        """
        x = np.asarray(x, dtype=np.float64)
        favour = np.asarray(favour, dtype=np.float64)
        if x.ndim != 3 or favour.shape != x.shape[:2]:
            raise ValueError(
                f"x must be [B, k, F] and favour [B, k]; got shapes {list(x.shape)} and {list(favour.shape)}"
            )
        count = self.objections(x, favour)
        excess = favour[:, :, None] - favour[:, None, :] - self.aggregate_distance(x) - self.alpha
        ok = count >= self.quorum
        score = np.where(ok, count * 1e6 + excess, -np.inf).reshape(x.shape[0], -1)
        flat = score.argmax(axis=1)
        found = np.isfinite(score[np.arange(x.shape[0]), flat])
        k = x.shape[1]
        fav, oth = np.divmod(flat, k)
        b = np.arange(x.shape[0])
        return Violation(
            found,
            np.where(found, fav, -1),
            np.where(found, oth, -1),
            np.where(found, count.reshape(x.shape[0], -1)[b, flat], 0),
            np.where(found, excess.reshape(x.shape[0], -1)[b, flat], 0.0),
        )
