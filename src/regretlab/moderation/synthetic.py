"""Synthetic moderation streams: a pool of experts whose accuracy depends on the regime (spec §5.5)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive, check_probability

# Spec §5.5 target 1: N = 4 experts, 3 regimes ("toxic chat", "jailbreak", "benign"), a different
# expert best in each; expert 3 is a steady generalist that is never the best in a regime.
DEFAULT_ACCURACY = np.array(
    [
        [0.90, 0.60, 0.70],
        [0.65, 0.92, 0.70],
        [0.70, 0.65, 0.93],
        [0.78, 0.78, 0.78],
    ]
)  # [N, R] accuracy q_{i,r}
REGIME_NAMES = ("toxic_chat", "jailbreak", "benign")


class Stream(NamedTuple):
    """A batch of labelled moderation streams."""

    scores: np.ndarray  # [B, T, N] expert probabilities of "unsafe"
    labels: np.ndarray  # [B, T] true labels in {0, 1}
    regime: np.ndarray  # [T] int regime (= category) of each round
    labelled: np.ndarray  # [B, T] bool, whether the label is revealed (one schedule for every run by default)


def simulate_pool(
    rounds: int = 30_000,
    accuracy: np.ndarray | None = None,
    regime_length: int | None = None,
    noise: float = 0.1,
    unsafe_rate: float = 0.5,
    label_rate: float = 1.0,
    batch: int = 1,
    seed: int = 0,
    shared_schedule: bool = True,
) -> Stream:
    """Regime-switching expert pool: ``p_{t,i} = clip(y_t q_{i,r} + (1-y_t)(1-q_{i,r}) + N(0, σ²))``.

    Regimes follow one another in equal blocks (the last block takes the remainder). Labels are
    revealed independently with probability ``label_rate``: on one audit schedule shared by the
    batch (so every run has the same number of labelled rounds, the ``T`` of the bounds), or with
    ``shared_schedule=False`` on a schedule of each run's own; labels and scores of run ``b``
    depend only on ``(seed, b)``.

    Args:
        rounds: T.
        accuracy: ``[N, R]`` per-regime accuracies q (default: :data:`DEFAULT_ACCURACY`).
        regime_length: rounds per regime (default ``T // R``).
        noise: σ of the Gaussian noise.
        unsafe_rate: Pr(y_t = 1).
        label_rate: Pr(label revealed).
        batch: B independent runs.
        seed: root seed.
        shared_schedule: one label schedule for the batch (default) or one per run (the
            aggregators count labelled rounds per run, ``t [B]``).

    Returns:
        A :class:`Stream`.
    """
    t = check_int("rounds", rounds)
    q = check_array("accuracy", DEFAULT_ACCURACY if accuracy is None else accuracy, shape=(None, None))
    if ((q < 0) | (q > 1)).any():
        raise ValueError("accuracy must hold probabilities in [0, 1]")
    n, r = q.shape
    length = check_int("regime_length", regime_length if regime_length is not None else max(t // r, 1))
    sigma = check_positive("noise", noise, allow_zero=True)
    check_probability("unsafe_rate", unsafe_rate)
    check_probability("label_rate", label_rate)
    regime = np.minimum(np.arange(t) // length, r - 1)
    keys = rng.derive(rng.spawn_keys(seed, batch), "data")
    y = (rng.uniform(keys, 0, t) < unsafe_rate).astype(np.float64)  # [B, T]
    eps = sigma * rng.normal(keys, 1, t * n).reshape(batch, t, n)
    qt = q.T[regime]  # [T, N]
    mean = y[:, :, None] * qt[None] + (1.0 - y[:, :, None]) * (1.0 - qt[None])
    scores = np.clip(mean + eps, 0.0, 1.0)
    if shared_schedule:  # one audit schedule for the batch: T_labelled is one number
        schedule = rng.derive(rng.spawn_keys(seed, 1), "noise")
        labelled = np.broadcast_to(rng.uniform(schedule, 0, t) < label_rate, (batch, t))
    else:
        labelled = rng.uniform(rng.derive(keys, "noise"), 0, t) < label_rate
    return Stream(scores, y, regime, labelled)
