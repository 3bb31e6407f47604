r"""Interval (adaptive) regret, computed from the per-round strategies and utilities of a run.

The regret on an interval ``I = [r, s]`` of rounds (1-based, inclusive) is

.. math:: \mathrm{Reg}_I = \max_k \sum_{t \in I} u_t(k) - \sum_{t \in I} \langle p_t, u_t \rangle ,

the regret of the rounds of ``I`` alone against the best fixed action *on* ``I``. With
``D_t(k) = sum_{i <= t} (u_i(k) - <p_i, u_i>)`` (the cumulative regret to ``k``, ``D_0 = 0``)
it is ``max_k (D_s(k) - D_{r-1}(k))``, so:

* :func:`interval_regret` — the worst regret over the intervals of length exactly ``tau``:
  one difference of prefix sums per start, ``O(T K)``;
* :func:`strongly_adaptive_regret` — the worst over intervals of length *at most* ``tau``
  (Daniely, Gonen & Shalev-Shwartz 2015): ``max_s (D_s - min_{s - tau <= j < s} D_j)``, a
  sliding-window minimum (van Herk / Gil–Werman block minima), ``O(T K)``;
* :func:`adaptive_regret` — the worst over every interval (Hazan & Seshadhri 2009): a running
  minimum of ``D``, ``O(T K)``;
* :func:`interval_regret_curve` — :func:`strongly_adaptive_regret` (or, with
  ``exact=True``, :func:`interval_regret`) at several ``tau``: ``O(T K)`` each, so
  ``O(T log T K)`` on a geometric grid of ``tau``.

Inputs are ``utilities [T, B, K]`` and ``strategies [T, B, K]`` (or ``[T, K]`` for one run), e.g.
``trace.utilities`` and ``trace.strategies`` of ``run(..., every=1, history=True)``; every
function returns one value per run, ``[B]``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from regretlab.core.errors import check_int
from regretlab.metrics.regret import _pair


def cumulative_regrets(utilities: Any, strategies: Any) -> np.ndarray:
    """``D [T + 1, B, K]``: ``D_t(k)`` the regret to action ``k`` after ``t`` rounds (``D_0 = 0``).

    Example:
        >>> u = np.array([[0.0, 1.0], [1.0, 0.0]]); p = np.full((2, 2), 0.5)
        >>> cumulative_regrets(u, p)[:, 0].tolist()
        [[0.0, 0.0], [-0.5, 0.5], [0.0, 0.0]]
    """
    u, p = _pair(utilities, strategies)
    r = u - np.sum(p * u, axis=2, keepdims=True)
    out = np.zeros((u.shape[0] + 1,) + u.shape[1:])
    np.cumsum(r, axis=0, out=out[1:])
    return out


def _tau(tau: Any, horizon: int) -> int:
    tau = check_int("tau (the interval length)", tau, minimum=1)
    if tau > horizon:
        raise ValueError(f"tau (the interval length) must be at most the {horizon} recorded rounds, got {tau}")
    return tau


def interval_regret(utilities: Any, strategies: Any, tau: int) -> np.ndarray:
    """``[B]`` the worst regret over the intervals of exactly ``tau`` rounds, ``O(T K)``.

    Args:
        utilities: ``[T, B, K]`` (or ``[T, K]``) utility of every action each round.
        strategies: ``[T, B, K]`` (or ``[T, K]``) the learner's strategy each round.
        tau: interval length, ``1 <= tau <= T``.

    Returns:
        ``[B]``: ``max over r of max_k sum_{t=r}^{r+tau-1} (u_t(k) - <p_t, u_t>)``.

    Example:
        >>> u = np.array([[0.0, -1.0]] * 3 + [[-1.0, 0.0]] * 3); p = np.tile([1.0, 0.0], (6, 1))
        >>> interval_regret(u, p, 3).tolist(), interval_regret(u, p, 6).tolist()
        ([3.0], [0.0])
    """
    d = cumulative_regrets(utilities, strategies)
    tau = _tau(tau, d.shape[0] - 1)
    return (d[tau:] - d[:-tau]).max(axis=(0, 2))


def _sliding_min(x: np.ndarray, width: int) -> np.ndarray:
    """``m[i] = min(x[i : i + width])`` along axis 0 for ``i = 0 .. n - width`` (Gil–Werman:
    minima of blocks of ``width`` from the left and from the right, two per output)."""
    n = x.shape[0]
    pad = (-n) % width
    if pad:
        x = np.concatenate([x, np.full((pad,) + x.shape[1:], np.inf)])
    blocks = x.reshape((-1, width) + x.shape[1:])
    left = np.minimum.accumulate(blocks, axis=1).reshape(x.shape)  # min from each block's start
    right = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(x.shape)  # to its end
    count = n - width + 1
    return np.minimum(right[:count], left[width - 1:width - 1 + count])


def strongly_adaptive_regret(utilities: Any, strategies: Any, tau: int) -> np.ndarray:
    """``[B]`` the worst regret over the intervals of at most ``tau`` rounds, ``O(T K)``.

    ``max_s max_k (D_s(k) - min_{max(0, s - tau) <= j < s} D_j(k))`` with a sliding-window minimum.
    Non-decreasing in ``tau``; at ``tau = T`` it is :func:`adaptive_regret`.

    Args:
        utilities: ``[T, B, K]`` (or ``[T, K]``).
        strategies: ``[T, B, K]`` (or ``[T, K]``).
        tau: the longest interval, ``1 <= tau <= T``.

    Returns:
        ``[B]`` strongly adaptive regret ``SA-Reg(tau)`` (Daniely, Gonen & Shalev-Shwartz 2015).

    Example:
        >>> u = np.array([[0.0, -1.0]] * 3 + [[-1.0, 0.0]] * 3); p = np.tile([1.0, 0.0], (6, 1))
        >>> strongly_adaptive_regret(u, p, 2).tolist(), strongly_adaptive_regret(u, p, 6).tolist()
        ([2.0], [3.0])
    """
    d = cumulative_regrets(utilities, strategies)
    horizon = d.shape[0] - 1
    tau = _tau(tau, horizon)
    # window of D_j for j = s - tau .. s - 1; pad the front with D_0 so early s see j >= 0 only
    front = np.broadcast_to(d[:1], (tau - 1,) + d.shape[1:])
    lows = _sliding_min(np.concatenate([front, d[:-1]]), tau)  # [T, B, K]: min over the window of s
    return (d[1:] - lows).max(axis=(0, 2))


def adaptive_regret(utilities: Any, strategies: Any) -> np.ndarray:
    """``[B]`` the worst regret over every interval of rounds, ``O(T K)`` (a running minimum).

    Example:
        >>> u = np.array([[0.0, -1.0]] * 3 + [[-1.0, 0.0]] * 3); p = np.tile([1.0, 0.0], (6, 1))
        >>> adaptive_regret(u, p).tolist()
        [3.0]
    """
    d = cumulative_regrets(utilities, strategies)
    lows = np.minimum.accumulate(d[:-1], axis=0)
    return (d[1:] - lows).max(axis=(0, 2))


def interval_regret_curve(utilities: Any, strategies: Any, taus: Sequence[int] | None = None, *,
                          exact: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Worst interval regret at several lengths: ``(taus [L], regret [L, B])``.

    Args:
        utilities: ``[T, B, K]`` (or ``[T, K]``).
        strategies: ``[T, B, K]`` (or ``[T, K]``).
        taus: interval lengths in ``[1, T]``; default the powers of 2 up to ``T``, and ``T``.
        exact: intervals of exactly ``tau`` rounds (:func:`interval_regret`) rather than of at
            most ``tau`` (:func:`strongly_adaptive_regret`, the default).

    Returns:
        The lengths used and the ``[L, B]`` worst regrets, ``O(L T K)``.

    Example:
        >>> u = np.array([[0.0, -1.0]] * 3 + [[-1.0, 0.0]] * 3); p = np.tile([1.0, 0.0], (6, 1))
        >>> taus, reg = interval_regret_curve(u, p)
        >>> taus.tolist(), reg[:, 0].tolist()
        ([1, 2, 4, 6], [1.0, 2.0, 3.0, 3.0])
    """
    u, p = _pair(utilities, strategies)
    horizon = u.shape[0]
    if taus is None:
        taus = sorted({2**i for i in range(horizon.bit_length()) if 2**i <= horizon} | {horizon})
    taus_arr = np.array([_tau(t, horizon) for t in taus], dtype=np.int64)
    fn = interval_regret if exact else strongly_adaptive_regret
    return taus_arr, np.stack([fn(u, p, int(t)) for t in taus_arr]) if taus_arr.size else np.zeros((0, u.shape[1]))
