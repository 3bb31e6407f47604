"""What a regression round carries: the feedback (:class:`Label`), contexts with group membership
(:class:`Grouped`), and the predictions that are distributions (:class:`Gaussian`, :class:`Mixture`).

The regressor contract (the regression analogue of the experts contract, see
:mod:`regretlab.core.types`): a factory returns an object with ``feedback = Label``,
``init(keys [B], D) -> state`` (``state.t [B]`` counts the rounds each run learned from),
``predict(state, context) -> [B]`` (or a distribution with a ``mean``), and
``update(state, Label(x, y, mask)) -> state``, pure (never mutates its argument). A row with
``mask = False`` leaves that run's state exactly as it was: that is how a sleeping group expert
skips a round and how a stream marks a round without a target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np


from regretlab.core.types import Label  # noqa: E402  (the feedback of regression learners)


@dataclass(frozen=True)
class Grouped:
    """Features with the groups each row belongs to (the context of groupwise learners).

    Attributes:
        x: ``[B, D]`` features.
        groups: ``[B, G]`` bool membership (the awake group experts).
    """

    x: np.ndarray  # [B, D]
    groups: np.ndarray  # [B, G] bool


class Gaussian(NamedTuple):
    """A Gaussian predictive distribution per run."""

    mean: np.ndarray  # [B]
    std: np.ndarray  # [B]

    def square_loss(self, y: np.ndarray) -> np.ndarray:
        """``(mean - y)^2`` ``[B]``."""
        return (self.mean - y) ** 2

    def nll(self, y: np.ndarray) -> np.ndarray:
        """Negative log-likelihood without the constant ``½ ln 2π``, ``[B]``."""
        return 0.5 * ((y - self.mean) / self.std) ** 2 + np.log(self.std)


class Mixture(NamedTuple):
    """A randomised prediction: expert ``g`` (of the awake ones) with probability ``weights[:, g]``."""

    weights: np.ndarray  # [B, G] probabilities (0 on asleep experts)
    values: np.ndarray  # [B, G] every expert's prediction
    awake: np.ndarray  # [B, G] bool

    @property
    def mean(self) -> np.ndarray:
        """``[B]`` the mixture's mean ``sum_g w_g yhat_g``."""
        return np.einsum("bg,bg->b", self.weights, np.where(self.awake, self.values, 0.0))

    def square_loss(self, y: np.ndarray) -> np.ndarray:
        """Expected square loss ``sum_g w_g (yhat_g - y)^2`` ``[B]`` (the groupwise algorithm's loss)."""
        return np.einsum("bg,bg->b", self.weights, ((self.values - y[:, None]) ** 2) * self.awake)


def point(prediction: Any) -> np.ndarray:
    """``[B]`` point prediction: the array itself, or a distribution's ``mean``."""
    mean = getattr(prediction, "mean", None)
    if mean is not None and not callable(mean):
        return np.asarray(mean, dtype=np.float64)
    return np.asarray(prediction, dtype=np.float64)


def check_keys(keys: Any) -> np.ndarray:
    """Run keys ``[B]`` (see :func:`regretlab.core.rng.spawn_keys`) as uint64, or a clear error."""
    arr = np.asarray(keys)
    if arr.ndim != 1 or arr.size < 1 or not np.issubdtype(arr.dtype, np.integer):
        got = repr(keys) if arr.ndim == 0 else f"shape {list(arr.shape)} dtype {arr.dtype}"
        raise ValueError(f"keys must be a 1-d integer array of run keys (regretlab.core.rng.spawn_keys(seed, B)), "
                         f"got {got}")
    return arr.astype(np.uint64)


def check_label(feedback: Any, batch: int) -> tuple[Any, np.ndarray, np.ndarray]:
    """``(x, y [B] float, mask [B] bool)`` of a :class:`Label`, or a clear error."""
    if not isinstance(feedback, Label):
        raise TypeError(f"feedback must be Label(x, y, mask) for a regressor, got {type(feedback).__name__}")
    y = np.asarray(feedback.y, dtype=np.float64)
    if y.shape != (batch,):
        raise ValueError(f"y must have shape [{batch}], got {list(y.shape)}")
    if not np.isfinite(y).all():
        raise ValueError(f"y must be finite, got a non-finite entry {y[~np.isfinite(y)][0]!r}")
    if feedback.mask is None:
        mask = np.ones(batch, dtype=bool)
    else:
        mask = np.asarray(feedback.mask)
        if mask.shape != (batch,) or mask.dtype != np.bool_:
            raise ValueError(f"mask must be a bool array of shape [{batch}], got {mask.dtype} {list(mask.shape)}")
    return feedback.x, y, mask


def keep_rows(mask: np.ndarray, new: Any, old: Any) -> Any:
    """Per run, the new state where ``mask`` and the old one elsewhere (every field leads with ``B``)."""
    if mask.all():
        return new
    if not mask.any():
        return old
    fields = []
    for a, b in zip(new, old):
        if isinstance(a, tuple):
            fields.append(keep_rows(mask, a, b))
            continue
        a = np.asarray(a)
        fields.append(np.where(mask.reshape((-1,) + (1,) * (a.ndim - 1)), a, b))
    return type(new)(*fields)


__all__ = ["Gaussian", "Grouped", "Label", "Mixture", "check_keys", "check_label", "keep_rows", "point"]
