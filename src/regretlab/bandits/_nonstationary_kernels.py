"""Compiled (Numba) steps of the non-stationary bandit learners, each checked against a NumPy
reference in tests/nonstationary. Every kernel writes into fresh arrays, except the shared window
ring (see :mod:`regretlab.bandits._windows`), whose writes never change what an older state shows.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def sw_ucb_step(data, head, count, total, action, x, window):
    """SW-UCB window update: ``(count', total')`` after appending ``(action, x)`` to each run's ring
    ``data [2, B, 1, cap]`` at ``head [B]`` and dropping the value that leaves the window of
    ``window`` rounds. Writes the ring in place (the caller made sure it may)."""
    b, k = count.shape
    cap = data.shape[3]
    new_count = count.copy()
    new_total = total.copy()
    for i in range(b):
        h = head[i]
        if h >= window:  # the value written `window` writes ago leaves the window
            pos = (h - window) % cap
            old = int(data[0, i, 0, pos])
            new_count[i, old] -= 1.0
            new_total[i, old] -= data[1, i, 0, pos]
            if new_count[i, old] == 0.0:  # an empty window sums to exactly 0 (no rounding residue)
                new_total[i, old] = 0.0
        pos = h % cap
        a = action[i]
        data[0, i, 0, pos] = a
        data[1, i, 0, pos] = x[i]
        new_count[i, a] += 1.0
        new_total[i, a] += x[i]
    return new_count, new_total


@numba.njit(cache=True, nogil=True)
def sw_ucb_choice(count, total, t, window, scale, xi):
    """SW-UCB arm per run: an arm absent from the window first (lowest index), else
    ``argmax total/count + scale sqrt(xi ln min(t, window) / count)`` (ties: lowest index)."""
    b, k = count.shape
    out = np.empty(b, dtype=np.int64)
    for i in range(b):
        n = t[i] if t[i] < window else window
        c = scale * math.sqrt(xi * math.log(n if n > 1 else 1))
        best = -1
        value = -np.inf
        for j in range(k):
            m = count[i, j]
            if m == 0.0:
                best = j
                break
            v = total[i, j] / m + c / math.sqrt(m)
            if v > value:
                value = v
                best = j
        out[i] = best
    return out


@numba.njit(cache=True, nogil=True)
def d_ucb_step(count, total, action, x, discount):
    """D-UCB update: ``N' = γ N + e_a``, ``S' = γ S + x e_a`` per run."""
    b, k = count.shape
    new_count = np.empty((b, k))
    new_total = np.empty((b, k))
    for i in range(b):
        for j in range(k):
            new_count[i, j] = discount * count[i, j]
            new_total[i, j] = discount * total[i, j]
        a = action[i]
        new_count[i, a] += 1.0
        new_total[i, a] += x[i]
    return new_count, new_total


@numba.njit(cache=True, nogil=True)
def d_ucb_choice(count, total, scale, xi):
    """D-UCB arm per run: an unpulled arm first, else ``argmax S/N + 2 scale sqrt(xi ln n / N)``,
    ``n = Σ_i N_i``."""
    b, k = count.shape
    out = np.empty(b, dtype=np.int64)
    for i in range(b):
        n = 0.0
        for j in range(k):
            n += count[i, j]
        c = 2.0 * scale * math.sqrt(xi * math.log(n if n > 1.0 else 1.0))
        best = -1
        value = -np.inf
        for j in range(k):
            m = count[i, j]
            if m == 0.0:
                best = j
                break
            v = total[i, j] / m + c / math.sqrt(m)
            if v > value:
                value = v
                best = j
        out[i] = best
    return out


@numba.njit(cache=True, nogil=True)
def one_hot(index, k):
    """``[B, K]`` one-hot rows of ``index [B]``."""
    b = index.shape[0]
    out = np.zeros((b, k))
    for i in range(b):
        out[i, index[i]] = 1.0
    return out
