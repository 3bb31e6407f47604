"""Compiled kernels agree with their NumPy references (DESIGN.md: compiled hot loop checked against NumPy)."""

from __future__ import annotations

import numpy as np

from regretlab.bandits import exp3
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
