"""Shared pieces of the bandit learners: run keys, reward checks, action-set checks, noise."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from regretlab.core import rng
from regretlab.core.types import Bandit

# Sub-streams of the learner key (all derived from the "learner" stream of the run key), so that
# action draws, perturbations and geometric resampling never share random numbers.
STREAM_ACT = 11
STREAM_NOISE = 12
STREAM_RESAMPLE = 13
STREAM_LAZY = 14
STREAM_PRIOR = 15


def init_keys(keys: Any) -> np.ndarray:
    """Validate run keys ``[B]`` and derive the learner's own stream ``[B]`` uint64."""
    arr = np.asarray(keys)
    if arr.ndim != 1 or arr.size < 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            "keys must be a 1-d integer array of run keys (see regretlab.core.rng.spawn_keys), "
            f"got shape {list(arr.shape)} dtype {arr.dtype}"
        )
    return rng.derive(arr.astype(np.uint64), "learner")


def check_range(name: str, value: Any) -> tuple[float, float]:
    """A ``(low, high)`` pair of finite numbers with ``low < high``."""
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high), got {value!r}") from None
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"{name} must be a pair of finite numbers, got {value!r}")
    if not lo < hi:
        raise ValueError(f"{name} must have low < high, got {value!r}")
    return float(lo), float(hi)


def check_rewards(name: str, reward: Any, shape: tuple[int, ...], lo: float, hi: float) -> np.ndarray:
    """``reward`` as a float array of ``shape`` with every entry in ``[lo, hi]``, or a clear error."""
    arr = np.asarray(reward, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {list(shape)}, got shape {list(arr.shape)}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {arr[~np.isfinite(arr)].ravel()[0]!r}")
    tol = 1e-9 * (hi - lo)
    bad = (arr < lo - tol) | (arr > hi + tol)
    if bad.any():
        raise ValueError(
            f"{name} must lie in the declared reward_range [{lo}, {hi}], got {arr[bad].ravel()[0]!r} "
            "(pass reward_range=(low, high) to the learner factory)"
        )
    return arr


def check_bandit(feedback: Any, batch: int, k: int, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(action [B] int, reward [B], prob [B])`` of a :class:`Bandit` feedback, validated."""
    if not isinstance(feedback, Bandit):
        raise TypeError(
            "feedback must be Bandit(action=[B], reward=[B], prob=[B]) for a bandit learner, "
            f"got {type(feedback).__name__}"
        )
    action = np.asarray(feedback.action)
    if action.shape != (batch,) or not np.issubdtype(action.dtype, np.integer):
        raise ValueError(f"feedback.action must be an integer array of shape [{batch}], got {action!r:.80}")
    if (action < 0).any() or (action >= k).any():
        raise ValueError(f"feedback.action must be in [0, {k}), got {action[(action < 0) | (action >= k)][0]}")
    reward = check_rewards("feedback.reward", feedback.reward, (batch,), lo, hi)
    prob = np.asarray(feedback.prob, dtype=np.float64)
    if prob.shape != (batch,) or not ((prob > 0) & (prob <= 1 + 1e-9)).all():
        raise ValueError(f"feedback.prob must be [{batch}] probabilities in (0, 1], got {prob!r:.80}")
    return action.astype(np.int64), reward, prob


def noise(kind: str, keys: np.ndarray, counter: int, size: int) -> np.ndarray:
    """Perturbation draws ``[B, size]``: ``laplace``, ``gumbel``, ``exponential`` or ``gaussian``."""
    u = rng.uniform(keys, counter, size)
    if kind == "gumbel":
        return -np.log(-np.log(u))
    if kind == "exponential":
        return -np.log(u)
    if kind == "laplace":
        return np.where(u < 0.5, np.log(2 * u), -np.log(2 * (1 - u)))
    if kind == "gaussian":
        from scipy.special import ndtri

        return ndtri(u)
    raise ValueError(f"noise must be one of laplace, gumbel, exponential, gaussian, got {kind!r}")


NOISES = ("laplace", "gumbel", "exponential", "gaussian")


def learner_repr(obj: Any, name: str) -> str:
    params = ", ".join(f"{k}={v!r}" for k, v in vars(obj).items() if not k.startswith("_"))
    return f"{name}({params})"
