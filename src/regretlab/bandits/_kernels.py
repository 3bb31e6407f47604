"""Compiled (Numba) hot loops of the bandit learners, each checked against its NumPy reference in tests
(the row softmax and the action sampler are the core's, :mod:`regretlab.core.kernels`).

The ``*_step`` kernels are one learner update each: they validate the feedback in the same pass
(``ok`` is False on the first bad row; the caller then re-runs the NumPy checks, which raise the
error message), and write into freshly allocated arrays, never into their inputs (updates are pure).
Arithmetic follows the NumPy code it replaced operation for operation, so results are unchanged.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from regretlab.core.kernels import _inverse_cdf

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@numba.njit(cache=True, nogil=True)
def feedback_ok(action: np.ndarray, reward: np.ndarray, prob: np.ndarray, k: int, lo: float, hi: float) -> bool:
    """The checks of :func:`regretlab.bandits._common.check_bandit` in one pass: every action in
    ``[0, k)``, every reward in ``[lo, hi]`` (to ``1e-9 (hi - lo)``, NaN fails), every prob in ``(0, 1]``."""
    tol = 1e-9 * (hi - lo)
    rlo, rhi = lo - tol, hi + tol
    for i in range(action.shape[0]):
        a = action[i]
        r = reward[i]
        p = prob[i]
        if a < 0 or a >= k or not (r >= rlo and r <= rhi) or not (p > 0.0 and p <= 1.0 + 1e-9):
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _rebuild(loss_row: np.ndarray, w_row: np.ndarray, eta: float) -> float:
    """``w = exp(-η (L̂ - min L̂))`` of one run; returns the row sum."""
    k = loss_row.shape[0]
    m = loss_row[0]
    for j in range(1, k):
        if loss_row[j] < m:
            m = loss_row[j]
    s = 0.0
    for j in range(k):
        v = math.exp(-eta * (loss_row[j] - m))
        w_row[j] = v
        s += v
    return s


@numba.njit(cache=True, nogil=True)
def exp3_fixed_step(loss, weight, action, reward, prob, lo, hi, eta, gamma, t, refresh_every):
    """Fixed-rate Exp3 update with validation: ``(ok, L̂', w', Σw', p', t + 1)`` for the next round
    (``ok`` is also False when ``t`` does not hold one counter per run).

    ``est = ((hi - r)/(hi - lo)) / prob``; ``L̂[a] += est``; ``w[a] *= exp(-η est)``; row sums
    recomputed; ``p = w / Σw`` mixed with ``γ/K`` when ``gamma`` > 0. ``t`` is the runs' int64
    ``[B]`` round counter; a run whose new round ``t[b] + 1`` is a multiple of ``refresh_every`` (a
    power of two: the test is a bit mask, no division), or whose weights underflow, has its weights
    rebuilt as ``exp(-η (L̂ - min L̂))``.

    Written as short passes over the batch rather than one pass per run: each pass is a tight loop
    (the sums and divisions overlap across runs, the ``exp`` calls run back to back), several times
    faster than a per-run body.
    """
    b, k = loss.shape
    if t.shape[0] != b or not feedback_ok(action, reward, prob, k, lo, hi):
        return False, np.empty((0, 0)), np.empty((0, 0)), np.empty(0), np.empty((0, 0)), np.empty(0, np.int64)
    new_loss = loss.copy()
    new_w = weight.copy()
    new_t = np.empty(b)
    new_p = np.empty((b, k))
    rounds = np.empty(b, np.int64)
    span = hi - lo
    f = np.empty(b)
    for i in range(b):
        rounds[i] = t[i] + 1
    for i in range(b):
        est = ((hi - reward[i]) / span) / prob[i]
        new_loss[i, action[i]] += est
        f[i] = -eta * est
    for i in range(b):
        f[i] = math.exp(f[i])
    for i in range(b):
        a = action[i]
        new_w[i, a] = new_w[i, a] * f[i]
    for i in range(b):  # a fresh sum, not total + (new - old): no cancellation when weights drop
        s = 0.0
        for j in range(k):
            s += new_w[i, j]
        new_t[i] = s
    mask = refresh_every - 1
    for i in range(b):
        if (rounds[i] & mask) == 0 or new_t[i] < 1e-150 or new_w[i, action[i]] < 1e-200:
            new_t[i] = _rebuild(new_loss[i], new_w[i], eta)  # (the thresholds keep out of the denormal range)
    for i in range(b):
        s = new_t[i]
        for j in range(k):
            new_p[i, j] = new_w[i, j] / s
    if gamma != 0.0:
        c, e = 1.0 - gamma, gamma / k
        for i in range(b):
            for j in range(k):
                new_p[i, j] = c * new_p[i, j] + e
    return True, new_loss, new_w, new_t, new_p, rounds


@numba.njit(cache=True, nogil=True)
def iw_step(loss, action, reward, prob, lo, hi, offset):
    """Importance-weighted loss update with validation: ``(ok, L̂')`` with
    ``L̂'[a] = L̂[a] + ((hi - r)/(hi - lo)) / (prob + offset)`` (Exp3, Tsallis-INF: offset 0; Exp3-IX: γ)."""
    b, k = loss.shape
    if not feedback_ok(action, reward, prob, k, lo, hi):
        return False, np.empty((0, 0))
    new_loss = loss.copy()
    span = hi - lo
    for i in range(b):
        new_loss[i, action[i]] += ((hi - reward[i]) / span) / (prob[i] + offset)
    return True, new_loss


@numba.njit(cache=True, nogil=True)
def exp3p_step(loss, p, action, reward, prob, lo, hi, beta):
    """Exp3.P gain update with validation: ``(ok, Ĝ')``, ``Ĝ' = Ĝ + (g 1[A=i] + β) / p`` with
    ``g = 1 - (hi - r)/(hi - lo)`` and ``p`` this round's strategy."""
    b, k = loss.shape
    if not feedback_ok(action, reward, prob, k, lo, hi):
        return False, np.empty((0, 0))
    new_loss = np.empty((b, k))
    span = hi - lo
    for i in range(b):
        a = action[i]
        g = 1.0 - (hi - reward[i]) / span
        for j in range(k):
            new_loss[i, j] = loss[i, j] + ((g if j == a else 0.0) + beta) / p[i, j]
    return True, new_loss


@numba.njit(cache=True, nogil=True)
def _mix64(x):
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@numba.njit(cache=True, nogil=True)
def exp3_fixed_play(loss, weight, total, p, action_keys, t0, table, lo, hi, eta, gamma, refresh_every, history):
    """``T = len(table)`` whole rounds of fixed-rate Exp3 per run, the runner's protocol compiled.

    Round ``t`` of run ``b``: the uniform of :func:`regretlab.core.rng.uniform` (key
    ``action_keys[b]``, counter ``t0 + t``), the inverse-CDF draw of
    :func:`regretlab.core.kernels.sample_rows` from ``p``, reward ``table[t, a]``, then the update of
    :func:`exp3_fixed_step`. Returns ``(ok, L̂', w', Σw', p', reward [B], actions)``: each run's
    total reward over the table and, with ``history``, the actions ``[T, B]`` (else ``[0, B]``;
    fresh memory is slow to touch, so nothing per round is kept unless asked). ``ok`` is False if
    a reward lies outside ``[lo, hi]`` (nothing is returned then). Every run is at round ``t0``:
    :meth:`regretlab.bandits.adversarial.Exp3.play_table` calls it once per distinct round.
    """
    b, k = loss.shape
    n = table.shape[0]
    tol = 1e-9 * (hi - lo)
    for t in range(n):
        for j in range(k):
            r = table[t, j]
            if not (r >= lo - tol and r <= hi + tol):
                return (False, np.empty((0, 0)), np.empty((0, 0)), np.empty(0), np.empty((0, 0)),
                        np.empty(0), np.empty((0, 0), np.int64))
    new_loss = loss.copy()
    new_w = weight.copy()
    new_t = total.copy()
    new_p = p.copy()
    actions = np.empty((n if history else 0, b), np.int64)
    reward = np.zeros(b)
    span = hi - lo
    c, e = 1.0 - gamma, gamma / k
    scale = 1.0 / 9007199254740992.0
    act = np.empty(b, np.int64)
    f = np.empty(b)
    # Round by round over all runs, in passes (as exp3_fixed_step): the runs' work is independent,
    # so the draws, exps and divisions of different runs overlap; one run at a time would wait on
    # each round's dependency chain.
    for t in range(n):
        ctr = np.uint64(t0 + t)
        refresh = (t0 + t + 1) % refresh_every == 0
        for i in range(b):
            x = _mix64(_mix64(action_keys[i] + ctr * _GOLDEN) + _GOLDEN)
            u = float(x >> np.uint64(11)) * scale + 0.5 * scale
            # the core sampler's branch-free inverse CDF: same additions, same order, same action
            tot = 0.0
            for j in range(k):
                tot += new_p[i, j]
            a = _inverse_cdf(new_p, i, u * tot)
            act[i] = a
            r = table[t, a]
            reward[i] += r
            est = ((hi - r) / span) / new_p[i, a]
            new_loss[i, a] += est
            f[i] = -eta * est
        if history:
            actions[t] = act
        for i in range(b):
            f[i] = math.exp(f[i])
        for i in range(b):
            a = act[i]
            new_w[i, a] = new_w[i, a] * f[i]
        for i in range(b):
            sw = 0.0
            for j in range(k):
                sw += new_w[i, j]
            new_t[i] = sw
        for i in range(b):
            if refresh or new_t[i] < 1e-150 or new_w[i, act[i]] < 1e-200:
                new_t[i] = _rebuild(new_loss[i], new_w[i], eta)
        for i in range(b):
            sw = new_t[i]
            for j in range(k):
                new_p[i, j] = new_w[i, j] / sw
        if gamma != 0.0:
            for i in range(b):
                for j in range(k):
                    new_p[i, j] = c * new_p[i, j] + e
    return True, new_loss, new_w, new_t, new_p, reward, actions
