"""The batched sliding-window, discounted and change-detecting learners against straightforward
per-run references, and the shared window ring: updates stay pure (what a state shows never
changes), a branch copies, and a state whose window was overwritten raises."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regretlab.bandits._windows import new_view
from regretlab.bandits.change_detection import glr_kl_ucb, m_ucb
from regretlab.bandits.nonstationary import d_ucb, piecewise_bandit, sw_ucb, sw_ucb_reference
from regretlab.core import Bandit, rng
from regretlab.run import run


def _arms_and_rewards(learner, env, T, batch, seed):
    """Arms pulled ``[T, B]`` (one-hot strategies) and every arm's reward ``[T, B, K]``."""
    tr = run(learner, env, T=T, batch=batch, seed=seed, history=True)
    return tr.strategies.argmax(axis=2), tr.utilities


def test_sw_ucb_equals_the_per_run_reference():
    env = piecewise_bandit(means=[[0.7, 0.5, 0.2], [0.2, 0.5, 0.8], [0.6, 0.1, 0.3]], change_points=[150, 320])
    arms, u = _arms_and_rewards(sw_ucb(window=40), env, 500, 4, seed=2)
    for b in range(4):
        np.testing.assert_array_equal(arms[:, b], sw_ucb_reference(u[:, b], window=40))


def _d_ucb_reference(x, discount, xi=0.6, scale=1.0):
    """D-UCB from its definition: discounted counts and sums recomputed from all past rounds."""
    T, k = x.shape
    arms = np.zeros(T, dtype=np.int64)
    for t in range(T):
        w = discount ** (t - 1 - np.arange(t))  # gamma^{t-1-s} for s < t
        count = np.array([(w * (arms[:t] == i)).sum() for i in range(k)])
        total = np.array([(w * (arms[:t] == i) * x[np.arange(t), arms[:t]]).sum() for i in range(k)])
        if (count == 0).any():
            arms[t] = int(np.argmin(count > 0))
            continue
        index = total / count + 2 * scale * np.sqrt(xi * math.log(max(count.sum(), 1.0)) / count)
        arms[t] = int(np.argmax(index))
    return arms


def test_d_ucb_equals_its_definition():
    env = piecewise_bandit(means=[[0.7, 0.3], [0.2, 0.8]], change_points=[120])
    arms, u = _arms_and_rewards(d_ucb(discount=0.95), env, 300, 3, seed=4)
    for b in range(3):
        ref = _d_ucb_reference(u[:, b], 0.95)
        # the recursion and the closed form differ by rounding; index ties are measure-zero here
        np.testing.assert_array_equal(arms[:, b], ref)


def _m_ucb_reference(x, window, threshold, period):
    """M-UCB (Cao et al. 2019, Algorithm 1) for one run, from lists of samples since the restart."""
    T, k = x.shape
    tau, samples, arms = 0, [[] for _ in range(k)], np.zeros(T, dtype=np.int64)
    for t in range(1, T + 1):
        r = (t - tau) % period if period else 0
        if 1 <= r <= k:
            a = r - 1
        elif any(len(s) == 0 for s in samples):
            a = next(i for i, s in enumerate(samples) if not s)
        else:
            a = int(np.argmax([np.mean(s) + math.sqrt(2 * math.log(t - tau) / len(s)) for s in samples]))
        arms[t - 1] = a
        samples[a].append(x[t - 1, a])
        if len(samples[a]) >= window:
            last = samples[a][-window:]
            if abs(sum(last[window // 2:]) - sum(last[:window // 2])) > threshold:
                tau, samples = t, [[] for _ in range(k)]
    return arms


def test_m_ucb_equals_the_per_run_reference():
    env = piecewise_bandit(means=[[0.8, 0.2], [0.2, 0.8]], change_points=[200])
    learner = m_ucb(horizon=500, window=40, threshold=8.0, exploration=0.1)
    arms, u = _arms_and_rewards(learner, env, 500, 3, seed=5)
    for b in range(3):
        np.testing.assert_array_equal(arms[:, b], _m_ucb_reference(u[:, b], 40, 8.0, 20))


def _glr_detects(samples, delta, step):
    """Bernoulli GLR over the split points s = n - j*step (the learner's sub-sampled test)."""
    x = np.asarray(samples)
    n = x.size
    mu = x.mean()

    def kl(p, q):
        p, q = np.clip(p, 1e-15, 1 - 1e-15), np.clip(q, 1e-15, 1 - 1e-15)
        return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))

    for s in range(n - step, 0, -step):
        if s * kl(x[:s].mean(), mu) + (n - s) * kl(x[s:].mean(), mu) >= math.log(n**1.5 / delta):
            return True
    return False


def test_glr_detections_equal_the_direct_test():
    # drive GLR-kl-UCB by hand and re-test each pulled arm's samples since its restart directly
    env = piecewise_bandit(means=[[0.8, 0.3], [0.1, 0.6]], change_points=[300])
    learner = glr_kl_ucb(horizon=800, step=5, history=1000, delta=0.05)
    keys = rng.spawn_keys(1, 2)
    state, es, act = learner.init(keys, 2), env.init(keys), rng.derive(keys, "action")
    since = [[[] for _ in range(2)] for _ in range(2)]
    rows, hits = np.arange(2), 0
    for t in range(800):
        p = learner.strategy(state)
        a = rng.sample_actions(act, t, p)
        es, (u,) = env.step(es, (p,), (a,))
        seen = state.changes
        state = learner.update(state, Bandit(a, u[rows, a], p[rows, a]))
        for b in range(2):
            since[b][a[b]].append(u[b, a[b]])
            s = since[b][a[b]]
            expect = len(s) % 5 == 0 and _glr_detects(s, 0.05, 5)
            assert bool(state.changes[b] > seen[b]) == expect, (t, b)
            if expect:
                since[b][a[b]] = []  # local restart
                hits += 1
    assert hits >= 2  # the change was seen in both runs


def test_ring_views_stay_pure_branch_and_refuse_overwritten_windows():
    learner = sw_ucb(window=3)
    keys = rng.spawn_keys(0, 2)
    s0 = learner.init(keys, 2)

    def fb(arm, r):
        return Bandit(np.array([arm, arm]), np.array([r, r]), np.array([1.0, 1.0]))

    s1 = learner.update(s0, fb(0, 1.0))
    s2 = learner.update(s1, fb(1, 0.0))
    branch = learner.update(s1, fb(0, 0.5))  # s1 is no longer the newest: a copy
    assert branch.window.ring is not s2.window.ring and s2.window.ring is s1.window.ring
    np.testing.assert_array_equal(branch.count, [[2, 0], [2, 0]])
    np.testing.assert_array_equal(s2.count, [[1, 1], [1, 1]])
    (vals, mask) = s1.window.shown()
    assert mask[:, 0, 0].all() and not mask[:, 0, 1:].any() and (vals[1, :, 0, 0] == 1.0).all()
    s = s2
    for _ in range(5):  # the newest state moves 6 rounds past s1 (cap 8 >= 2 x window 3)
        s = learner.update(s, fb(0, 0.0))
    with pytest.raises(ValueError, match="overwritten"):
        learner.update(s1, fb(0, 1.0))
    assert new_view(1, 2, 3, 5).cap == 16 and new_view(1, 2, 3, 8).cap == 16
