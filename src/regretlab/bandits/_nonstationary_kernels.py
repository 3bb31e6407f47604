"""Compiled (Numba) steps of the non-stationary bandit learners, each checked against a NumPy
reference in tests/nonstationary. Every kernel writes into fresh arrays, except the shared window
ring (see :mod:`regretlab.bandits._windows`), whose writes never change what an older state shows.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from regretlab.bandits._kernels import feedback_ok


@numba.njit(cache=True, nogil=True)
def _sw_arm(count, total, i, c, inv_sqrt, inv):
    """SW-UCB's arm for run ``i``: one absent from the window first (lowest index), else
    ``argmax total/count + c/sqrt(count)`` (ties: lowest index), with the tables of
    :func:`sw_ucb_strategy`."""
    best = 0
    value = -np.inf
    for j in range(count.shape[1]):
        m = int(count[i, j])
        if m == 0:
            return j
        v = total[i, j] * inv[m] + c * inv_sqrt[m]
        if v > value:
            value = v
            best = j
    return best


@numba.njit(cache=True, nogil=True)
def sw_ucb_strategy(count, total, t, window, tables):
    """SW-UCB's one-hot strategy ``[B, K]``: an arm absent from the window first (lowest index), else
    ``argmax total/count + scale sqrt(xi ln min(t, window) / count)`` (ties: lowest index).

    ``tables [3, window + 1]``: ``bonus[n] = scale sqrt(xi ln max(n, 1))``, ``1/sqrt(m)`` and ``1/m`` for
    ``n, m <= window`` (counts are integers), so a round costs one multiply-add per arm instead of
    a logarithm, square roots and divisions."""
    b, k = count.shape
    out = np.zeros((b, k))
    for i in range(b):
        out[i, _sw_arm(count, total, i, tables[0, min(t[i], window)], tables[1], tables[2])] = 1.0
    return out


@numba.njit(cache=True, nogil=True)
def sw_ucb_step(data, head, count, total, t, action, reward, prob, bounds, window, tables):
    """SW-UCB update with validation and the next strategy: ``(ok, count', total', head', t', p')``.

    Checks the feedback first (``ok`` False on a bad row; the caller then raises the NumPy checks'
    error), then per run: drop the pair written ``window`` writes ago, append ``(action, x)`` with
    ``x = (r - lo)/(hi - lo)`` (``bounds = (lo, hi)``) to the time-major ring ``data [cap, B, 1, 2]``
    at ``head [B, 1]`` (in place: the caller made sure it may), and compute round ``t + 1``'s one-hot
    strategy as :func:`sw_ucb_strategy` does (``tables = [bonus, 1/sqrt(m), 1/m]``, ``[3, window + 1]``).

    Written as short passes over the batch (check, drop, append, index) rather than one pass per
    run: each is a tight loop, and together they take about 60% of the time of one fused pass.
    """
    b, k = count.shape
    lo = bounds[0]
    hi = bounds[1]
    tol = 1e-9 * (hi - lo)
    rlo = lo - tol
    rhi = hi + tol
    bad = False
    for i in range(b):  # the checks of regretlab.bandits._common.check_bandit (NaN fails)
        a = action[i]
        r = reward[i]
        q = prob[i]
        bad |= (a < 0) | (a >= k) | (not (r >= rlo and r <= rhi)) | (not (q > 0.0 and q <= 1.0 + 1e-9))
    if bad:
        return False, count, total, head, t, count
    mask = data.shape[0] - 1  # a power of two minus one: h & mask = h mod cap
    span = hi - lo
    new_count = count.copy()
    new_total = total.copy()
    new_head = head + 1
    new_t = t + 1
    for i in range(b):
        h = head[i, 0]
        if h >= window:  # the pair written `window` writes ago leaves the window
            pos = (h - window) & mask
            old = int(data[pos, i, 0, 0])
            new_count[i, old] -= 1.0
            new_total[i, old] -= data[pos, i, 0, 1]
            if new_count[i, old] == 0.0:  # an empty window sums to exactly 0 (no rounding residue)
                new_total[i, old] = 0.0
    for i in range(b):
        x = min(max((reward[i] - lo) / span, 0.0), 1.0)
        pos = head[i, 0] & mask
        a = action[i]
        data[pos, i, 0, 0] = a
        data[pos, i, 0, 1] = x
        new_count[i, a] += 1.0
        new_total[i, a] += x
    p = np.zeros((b, k))
    for i in range(b):
        p[i, _sw_arm(new_count, new_total, i, tables[0, min(new_t[i], window)], tables[1], tables[2])] = 1.0
    return True, new_count, new_total, new_head, new_t, p


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


@numba.njit(cache=True, nogil=True)
def kl_bernoulli(p, q):
    """``kl(p, q)`` of Bernoulli means, both clipped to ``[1e-15, 1 - 1e-15]``."""
    eps = 1e-15
    p = min(max(p, eps), 1.0 - eps)
    q = min(max(q, eps), 1.0 - eps)
    return p * math.log(p / q) + (1.0 - p) * math.log((1.0 - p) / (1.0 - q))


@numba.njit(cache=True, nogil=True)
def _forced(t, tau, period, k):
    """Forced exploration of M-UCB / GLR-kl-UCB: arm ``r - 1`` when ``r = (t - τ) mod ⌊K/α⌋ ∈ [1, K]``
    (``t`` the 1-based round), else -1."""
    if period <= 0:
        return -1
    r = (t - tau) % period
    if 1 <= r <= k:
        return r - 1
    return -1


@numba.njit(cache=True, nogil=True)
def m_ucb_choice(count, total, t, tau, period):
    """M-UCB arm per run: forced exploration, else an arm unpulled since the last restart, else
    ``argmax X̄_i + sqrt(2 ln(t - τ) / n_i)`` on the samples since the restart."""
    b, k = count.shape
    out = np.empty(b, dtype=np.int64)
    for i in range(b):
        now = t[i] + 1
        arm = _forced(now, tau[i], period, k)
        if arm < 0:
            c = math.sqrt(2.0 * math.log(max(now - tau[i], 1)))
            value = -np.inf
            for j in range(k):
                m = count[i, j]
                if m == 0.0:
                    arm = j
                    break
                v = total[i, j] / m + c / math.sqrt(m)
                if v > value:
                    value = v
                    arm = j
        out[i] = arm
    return out


@numba.njit(cache=True, nogil=True)
def m_ucb_step(data, head, count, total, tau, t, action, x, window, threshold):
    """M-UCB update: append ``x`` to the pulled arm's ring, then, once the arm has ``window`` samples
    since the restart, restart every arm when ``|Σ newest w/2 - Σ previous w/2| > threshold``.

    Returns ``(count', total', tau', detected [B] bool)``; writes the ring in place (the caller made
    sure it may) and advances ``head`` in place (the caller's copy)."""
    b, k = count.shape
    mask = data.shape[2] - 1  # a power of two minus one: h & mask = h mod cap
    half = window // 2
    new_count = count.copy()
    new_total = total.copy()
    new_tau = tau.copy()
    detected = np.zeros(b, dtype=np.bool_)
    for i in range(b):
        a = action[i]
        h = head[i, a]
        data[i, a, h & mask, 0] = x[i]
        head[i, a] = h + 1
        new_count[i, a] += 1.0
        new_total[i, a] += x[i]
        if new_count[i, a] >= window:
            newer = 0.0
            older = 0.0
            for j in range(half):
                newer += data[i, a, (h - j) & mask, 0]
                older += data[i, a, (h - half - j) & mask, 0]
            if abs(newer - older) > threshold:
                detected[i] = True
                new_tau[i] = t[i] + 1
                for j in range(k):
                    new_count[i, j] = 0.0
                    new_total[i, j] = 0.0
    return new_count, new_total, new_tau, detected


@numba.njit(cache=True, nogil=True)
def glr_choice(count, total, t, tau, period, local, iters):
    """GLR-kl-UCB arm per run: forced exploration (on ``t`` for local restarts, ``t - τ`` for global
    ones), else an arm unpulled since its restart, else the largest kl-UCB index
    ``max{q : n_i kl(μ̂_i, q) <= ln(t - τ_i)}`` (bisection)."""
    b, k = count.shape
    out = np.empty(b, dtype=np.int64)
    for i in range(b):
        now = t[i] + 1
        arm = _forced(now, 0 if local else tau[i, 0], period, k)
        if arm < 0:
            value = -np.inf
            for j in range(k):
                m = count[i, j]
                if m == 0.0:
                    arm = j
                    break
                mu = total[i, j] / m
                budget = math.log(max(now - tau[i, j], 1)) / m
                lo = mu
                hi = 1.0
                for _ in range(iters):
                    mid = 0.5 * (lo + hi)
                    if kl_bernoulli(mu, mid) <= budget:
                        lo = mid
                    else:
                        hi = mid
                if lo > value:
                    value = lo
                    arm = j
        out[i] = arm
    return out


@numba.njit(cache=True, nogil=True)
def glr_statistic(n, sum_n, s, sum_s):
    """Bernoulli GLR statistic of a split at ``s`` of ``n`` samples:
    ``s kl(μ̂_{1:s}, μ̂) + (n - s) kl(μ̂_{s+1:n}, μ̂)``."""
    mu = sum_n / n
    return s * kl_bernoulli(sum_s / s, mu) + (n - s) * kl_bernoulli((sum_n - sum_s) / (n - s), mu)


@numba.njit(cache=True, nogil=True)
def glr_step(data, head, count, total, tau, t, action, x, step, keep, delta, local):
    """GLR-kl-UCB update: add ``x`` to the pulled arm; every ``step`` samples since the arm's restart
    append its running sum to the arm's ring of checkpoints and test every kept split point
    ``s = n - j step``: a change when ``max_s GLR(s) >= ln(n^{3/2} / δ)``. A change restarts the arm
    (``local``) or every arm.

    Returns ``(count', total', tau', detected [B] bool)``; writes the ring in place (the caller made
    sure it may) and advances ``head`` in place (the caller's copy)."""
    b, k = count.shape
    mask = data.shape[2] - 1  # a power of two minus one: h & mask = h mod cap
    new_count = count.copy()
    new_total = total.copy()
    new_tau = tau.copy()
    detected = np.zeros(b, dtype=np.bool_)
    for i in range(b):
        a = action[i]
        new_count[i, a] += 1.0
        new_total[i, a] += x[i]
        n = new_count[i, a]
        if int(n) % step != 0:
            continue
        h = head[i, a]
        data[i, a, h & mask, 0] = new_total[i, a]
        head[i, a] = h + 1
        marks = int(n) // step  # checkpoints of this epoch; the newest is the whole sum
        shown = min(marks, keep)
        sum_n = new_total[i, a]
        threshold = math.log(n ** 1.5 / delta)
        for j in range(1, shown):
            s = n - j * step
            if glr_statistic(n, sum_n, s, data[i, a, (h - j) & mask, 0]) >= threshold:
                detected[i] = True
                break
        if detected[i]:
            for j in range(k):
                if local and j != a:
                    continue
                new_count[i, j] = 0.0
                new_total[i, j] = 0.0
                new_tau[i, j] = t[i] + 1
    return new_count, new_total, new_tau, detected


@numba.njit(cache=True, nogil=True)
def sw_ucb_play(data, head, count, total, t0, table, lo, hi, window, tables, actions, reward, history):
    """SW-UCB's protocol for ``T = len(table)`` rounds in place, with the numbers of
    :func:`sw_ucb_strategy` and :func:`sw_ucb_step`: each round run ``i`` plays the arm
    :func:`_sw_arm` picks at its round ``t0[i] + s`` (the runner's draw from a one-hot strategy is
    that arm), gets ``table[s, i, arm]`` (``table [T, B or 1, K]``, float64 or bool, checked by the
    caller), drops the pair written ``window`` writes ago and appends ``(arm, x)`` to the ring
    ``data [cap, B, 1, 2]`` at ``head [B, 1]`` (the caller's copies). Rounds outer, runs inner: the
    table and the time-major ring are read and written in memory order."""
    t_len = table.shape[0]
    b, k = count.shape
    shared = table.shape[1] == 1
    mask = data.shape[0] - 1
    span = hi - lo
    bonus = tables[0]
    inv_sqrt = tables[1]
    inv = tables[2]
    for s in range(t_len):
        for i in range(b):
            arm = _sw_arm(count, total, i, bonus[min(t0[i] + s, window)], inv_sqrt, inv)
            r = table[s, 0 if shared else i, arm] + 0.0  # float64 (bool tables too)
            h = head[i, 0]
            if h >= window:  # the pair written `window` writes ago leaves the window
                pos = (h - window) & mask
                old = int(data[pos, i, 0, 0])
                count[i, old] -= 1.0
                total[i, old] -= data[pos, i, 0, 1]
                if count[i, old] == 0.0:
                    total[i, old] = 0.0
            x = min(max((r - lo) / span, 0.0), 1.0)
            pos = h & mask
            data[pos, i, 0, 0] = arm
            data[pos, i, 0, 1] = x
            count[i, arm] += 1.0
            total[i, arm] += x
            head[i, 0] = h + 1
            reward[i] += r
            if history:
                actions[s, i] = arm


@numba.njit(cache=True, nogil=True)
def d_ucb_play(count, total, table, lo, hi, discount, scale, xi, actions, reward, history):
    """D-UCB's protocol for ``T = len(table)`` rounds in place, with the numbers of
    :func:`d_ucb_choice` and :func:`d_ucb_step` (the runner's draw from the one-hot is the arm):
    ``table [T, B or 1, K]`` float64 or bool, checked by the caller."""
    t_len = table.shape[0]
    b, k = count.shape
    shared = table.shape[1] == 1
    span = hi - lo
    for s in range(t_len):
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
            r = table[s, 0 if shared else i, best] + 0.0  # float64 (bool tables too)
            x = min(max((r - lo) / span, 0.0), 1.0)
            for j in range(k):
                count[i, j] = discount * count[i, j]
                total[i, j] = discount * total[i, j]
            count[i, best] += 1.0
            total[i, best] += x
            reward[i] += r
            if history:
                actions[s, i] = best
