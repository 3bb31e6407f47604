"""Regret measures computed outside the learners, from recorded utilities and strategies.

Shapes: ``utilities [T, B, K]``, ``strategies [T, B, K]`` (utility: higher is better).
External regret (spec §0): ``R_T = max_k sum_t u_t(k) - sum_t <p_t, u_t>``.
"""

from __future__ import annotations

import numpy as np

from regretlab.core.errors import check_array, check_int


def _pair(utilities: np.ndarray, strategies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    u = check_array("utilities", utilities)
    p = check_array("strategies", strategies)
    if u.ndim == 2:
        u, p = u[:, None, :], (p[:, None, :] if p.ndim == 2 else p)
    if u.ndim != 3 or p.shape != u.shape:
        raise ValueError(
            f"utilities and strategies must both have shape [T, B, K] (or [T, K]), got "
            f"{list(np.shape(utilities))} and {list(np.shape(strategies))}"
        )
    return u, p


def external_regret(utilities: np.ndarray, strategies: np.ndarray) -> np.ndarray:
    """Cumulative expected external regret after each round, ``[T, B]``.

    Example:
        >>> u = np.array([[0.0, 1.0], [0.0, 1.0]]); p = np.full((2, 2), 0.5)
        >>> external_regret(u, p)[:, 0].tolist()
        [0.5, 1.0]
    """
    u, p = _pair(utilities, strategies)
    best = np.cumsum(u, axis=0).max(axis=2)
    return best - np.cumsum(np.sum(p * u, axis=2), axis=0)


def realized_regret(utilities: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """Cumulative regret of the actions actually played ``actions [T, B]``, ``[T, B]``."""
    u = check_array("utilities", utilities, shape=(None, None, None))
    a = np.asarray(actions)
    if a.shape != u.shape[:2]:
        raise ValueError(f"actions must have shape {list(u.shape[:2])}, got {list(a.shape)}")
    got = np.take_along_axis(u, a[..., None].astype(np.int64), axis=2)[..., 0]
    return np.cumsum(u, axis=0).max(axis=2) - np.cumsum(got, axis=0)


def swap_regret(utilities: np.ndarray, strategies: np.ndarray) -> np.ndarray:
    """Swap regret at the end, ``[B]``: ``sum_i max_j sum_t p_t(i) (u_t(j) - u_t(i))``.

    It is at least the external regret and bounds the distance to correlated equilibrium.
    """
    u, p = _pair(utilities, strategies)
    gain = np.einsum("tbi,tbj->bij", p, u) - np.einsum("tbi,tbi->bi", p, u)[:, :, None]
    return np.maximum(gain.max(axis=2), 0.0).sum(axis=1)


def tracking_regret(utilities: np.ndarray, strategies: np.ndarray, switches: int) -> np.ndarray:
    """Regret against the best action sequence with at most ``switches`` changes, ``[B]``.

    Dynamic programming over (switches used, current action): ``O(T (k+1) K)`` per run.
    """
    k_sw = check_int("switches", switches, minimum=0)
    u, p = _pair(utilities, strategies)
    t_len, b, k = u.shape
    value = np.full((k_sw + 1, b, k), -np.inf)
    value[0] = 0.0
    for t in range(t_len):
        stay = value
        move = np.concatenate([np.full((1, b, k), -np.inf), np.repeat(value[:-1].max(axis=2, keepdims=True), k, axis=2)])
        value = np.maximum(stay, move) + u[t][None]
    best = value.max(axis=(0, 2))
    return best - np.sum(p * u, axis=(0, 2))
