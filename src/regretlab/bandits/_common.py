"""Shared pieces of the bandit learners: run keys, reward checks, action-set checks, noise."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from regretlab.core import rng
from regretlab.core.types import Bandit
from regretlab.experts._base import column, per_run  # noqa: F401  (per-run rates: one number when the runs share t)

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
    tol = 1e-9 * (hi - lo)
    # two reductions; a NaN makes both comparisons false, so it is caught too
    if arr.size and not (arr.min() >= lo - tol and arr.max() <= hi + tol):
        bad = ~((arr >= lo - tol) & (arr <= hi + tol))
        what = "finite" if not np.isfinite(arr[bad]).all() else f"in the declared reward_range [{lo}, {hi}]"
        raise ValueError(
            f"{name} must be {what}, got {arr[bad].ravel()[0]!r} "
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
    if action.shape != (batch,) or action.dtype.kind not in "iu":
        raise ValueError(f"feedback.action must be an integer array of shape [{batch}], got {action!r:.80}")
    if action.min() < 0 or action.max() >= k:
        raise ValueError(f"feedback.action must be in [0, {k}), got {action[(action < 0) | (action >= k)][0]}")
    reward = check_rewards("feedback.reward", feedback.reward, (batch,), lo, hi)
    prob = np.asarray(feedback.prob, dtype=np.float64)
    if prob.shape != (batch,) or not (prob.min() > 0 and prob.max() <= 1 + 1e-9):
        raise ValueError(f"feedback.prob must be [{batch}] probabilities in (0, 1], got {prob!r:.80}")
    return action.astype(np.int64, copy=False), reward, prob


def shared_round(counter: Any) -> int | None:
    """The round counter of every run when they all agree (an int, or a ``[B]`` array of equal
    values), else ``None``."""
    arr = np.asarray(counter)
    if arr.ndim == 0:
        return int(arr)
    if arr.size == 0:
        return 0
    first = arr.flat[0]
    return int(first) if (arr == first).all() else None


def uniform(keys: np.ndarray, counter: Any, size: int) -> np.ndarray:
    """:func:`regretlab.core.rng.uniform` ``[B, size]`` with a per-run counter (an int or ``[B]``).

    Row ``b`` is ``rng.uniform(keys[b:b+1], counter[b], size)``: the same numbers whatever the
    other runs' rounds are, so a run's draws depend on its own key and round only.
    """
    return rng.uniform(keys, counter, size)


def sample_actions(keys: np.ndarray, counter: Any, probs: np.ndarray) -> np.ndarray:
    """:func:`regretlab.core.rng.sample_actions` with a per-run counter (an int or ``[B]``)."""
    return rng.sample_actions(keys, counter, probs)


def round_counter(batch: int) -> np.ndarray:
    """A fresh per-run round counter ``t [B]`` (int64 zeros)."""
    return np.zeros(batch, dtype=np.int64)


def noise(kind: str, keys: np.ndarray, counter: Any, size: int) -> np.ndarray:
    """Perturbation draws ``[B, size]``: ``laplace``, ``gumbel``, ``exponential`` or ``gaussian``.

    ``counter`` is the round (an int, or ``[B]`` per-run rounds).
    """
    u = uniform(keys, counter, size)
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
