"""Compiled kernels agree with their NumPy references (DESIGN.md: compiled hot loop checked against NumPy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regretlab.bandits import _kernels, exp3
from regretlab.bandits._common import check_bandit
from regretlab.core import Bandit, rng
from regretlab.core.simplex import softmax


def test_incremental_exp3_matches_softmax_reference():
    # The fixed-rate fast path keeps exp(-eta L) incrementally; it must equal softmax(-eta L) on
    # the same cumulative estimates (to rounding), including after underflow rebuilds.
    for lr in (0.05, 50.0):
        learner = exp3(lr=lr)
        keys = rng.spawn_keys(1, 64)
        state = learner.init(keys, 5)
        act = rng.derive(keys, "action")
        g = np.random.default_rng(2)
        for t in range(300):
            p = learner.strategy(state)
            np.testing.assert_allclose(p, softmax(-lr * state.loss), rtol=1e-9, atol=1e-12)
            a = rng.sample_actions(act, t, p)
            state = learner.update(state, Bandit(a, -g.uniform(size=64), p[np.arange(64), a]))


def _exp3_step_reference(loss, weight, a, r, prob, lo, hi, eta, gamma, t, refresh_every):
    """NumPy reference of _kernels.exp3_fixed_step (the update and strategy code it replaced);
    run ``i`` rebuilds its weights when its new round ``t[i]`` is a multiple of ``refresh_every``."""
    b, k = loss.shape
    rows = np.arange(b)
    est = ((hi - r) / (hi - lo)) / prob
    new_loss = loss.copy()
    new_loss[rows, a] += est
    new_w = weight.copy()
    new_w[rows, a] = weight[rows, a] * np.array([math.exp(-eta * e) for e in est])
    total = new_w.sum(axis=1)
    for i in range(b):
        total[i] = sum(new_w[i, j] for j in range(k))  # left-to-right, as the kernel
        if t[i] % refresh_every == 0 or total[i] < 1e-150 or new_w[i, a[i]] < 1e-200:
            d = new_loss[i] - new_loss[i].min()
            new_w[i] = [math.exp(-eta * v) for v in d]
            total[i] = sum(new_w[i, j] for j in range(k))
    p = new_w / total[:, None]
    return new_loss, new_w, total, p if gamma == 0 else (1 - gamma) * p + gamma / k


@pytest.mark.parametrize("refresh", ["none", "all", "some"])  # per-run round counters: some rows refresh
@pytest.mark.parametrize("gamma", [0.0, 0.1])
def test_fused_exp3_step_matches_numpy_reference(refresh, gamma):
    g = np.random.default_rng(3)
    b, k, eta = 40, 6, 0.7
    loss = g.uniform(0, 400, (b, k))
    loss[:5] = g.uniform(0, 3, (5, k))
    weight = np.exp(-eta * (loss - loss.min(axis=1, keepdims=True)))
    a = g.integers(0, k, b)
    r = g.uniform(-1, 0, b)
    prob = g.uniform(1e-3, 1, b)
    # the runs' new rounds (the kernel takes the counters before the update and advances them)
    t = {"none": np.full(b, 5), "all": np.full(b, 128), "some": g.choice([3, 64, 65, 192], b)}[refresh].astype(np.int64)
    ok, *got, rounds = _kernels.exp3_fixed_step(loss, weight, a, r, prob, -1.0, 0.0, eta, gamma, t - 1, 64)
    assert ok
    np.testing.assert_array_equal(rounds, t)
    for x, y in zip(got, _exp3_step_reference(loss, weight, a, r, prob, -1.0, 0.0, eta, gamma, t, 64)):
        np.testing.assert_array_equal(x, y)
    assert not any(np.shares_memory(x, y) for x in got for y in (loss, weight))  # fresh outputs


def test_iw_and_exp3p_steps_match_numpy_reference():
    g = np.random.default_rng(4)
    b, k = 30, 5
    loss = g.uniform(0, 10, (b, k))
    a = g.integers(0, k, b)
    r = g.uniform(2, 5, b)
    prob = g.uniform(1e-3, 1, b)
    ell = (5.0 - r) / 3.0
    ok, got = _kernels.iw_step(loss, a, r, prob, 2.0, 5.0, 0.05)
    want = loss.copy()
    want[np.arange(b), a] += ell / (prob + 0.05)
    assert ok and np.array_equal(got, want)
    p = g.dirichlet(np.ones(k), b)
    ok, got = _kernels.exp3p_step(loss, p, a, r, prob, 2.0, 5.0, 0.01)
    gain = np.zeros((b, k))
    gain[np.arange(b), a] = 1.0 - ell
    assert ok and np.array_equal(got, loss + (gain + 0.01) / p)


def test_compiled_feedback_check_agrees_with_numpy_checks():
    # feedback_ok must reject exactly what check_bandit rejects (the error message comes from the latter)
    g = np.random.default_rng(5)
    b, k, lo, hi = 8, 3, -1.0, 0.0
    for _ in range(300):
        a = g.integers(-1, k + 1, b) if g.uniform() < 0.3 else g.integers(0, k, b)
        r = g.choice([-1.0, -0.5, 0.0, 1e-10, -1 - 1e-10, 2e-9, np.nan, np.inf, -1.5], b, p=[.3, .3, .2, .05, .05, .03, .03, .02, .02])
        prob = g.choice([0.5, 1.0, 1 + 1e-10, 1e-300, 0.0, -0.1, 1.1, np.nan], b, p=[.6, .2, .05, .05, .03, .03, .02, .02])
        try:
            check_bandit(Bandit(a, r, prob), b, k, lo, hi)
            want = True
        except ValueError:
            want = False
        assert _kernels.feedback_ok(a, r, prob, k, lo, hi) == want, (a, r, prob)
