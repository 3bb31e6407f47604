"""Sleeping experts (tested through a direct import; the lead's experts/__init__ imports it)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regretlab.core.registry import learners
from regretlab.core.types import FullInfo
from regretlab.experts.sleeping import SleepingAdaNormalHedge, SleepingHedge, sleeping_ada_normal_hedge, sleeping_hedge


def _play(learner, utility, awake):
    B, T, K = utility.shape
    state = learner.init(np.arange(B, dtype=np.uint64), K)
    regret = np.zeros((B, K))
    for t in range(T):
        p = learner.strategy(state, context=awake[:, t])
        assert np.allclose(p.sum(axis=1), 1.0)
        has = awake[:, t].any(axis=1)
        assert (p[has][~awake[:, t][has]] == 0).all()  # no mass on asleep experts
        mix = np.einsum("bk,bk->b", p, utility[:, t])
        regret += (utility[:, t] - mix[:, None]) * awake[:, t]
        state = learner.update(state, FullInfo(utility=utility[:, t], awake=awake[:, t]))
    np.testing.assert_allclose(state.regret, regret, atol=1e-9)
    return state


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), K=st.integers(2, 6), T=st.integers(1, 150), eta=st.floats(0.05, 2.0))
def test_sleeping_hedge_bound(seed, K, T, eta):
    # potential argument (Freund et al. 1997; Hoeffding's lemma on u ∈ [0,1]):
    # R_g = Σ_{t awake} (u_g − ⟨p, u⟩) ≤ ln K / η + η T / 8 for every expert g
    rng = np.random.default_rng(seed)
    utility = rng.uniform(0, 1, (2, T, K)) ** rng.uniform(0.2, 5)
    awake = rng.uniform(size=(2, T, K)) < rng.uniform(0.2, 1.0)
    state = _play(SleepingHedge(lr=eta), utility, awake)
    assert (state.regret <= np.log(K) / eta + eta * T / 8 + 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), K=st.integers(2, 8), T=st.integers(1, 300))
def test_sleeping_ada_normal_hedge_bound(seed, K, T):
    # Luo & Schapire (COLT 2015), Thm 1 with a uniform prior: for every expert g,
    # R_g ≤ √(3 C_g (ln K + ln B + ln(1 + ln(1 + C_g)/2))), B = 5/2 (up to the +1 inside C)
    rng = np.random.default_rng(seed)
    utility = rng.uniform(0, 1, (2, T, K))
    utility[:, :, 0] += 0.2 * rng.uniform()  # one good expert so that regret can be large
    utility = np.clip(utility, 0, 1)
    awake = rng.uniform(size=(2, T, K)) < 0.6
    state = _play(SleepingAdaNormalHedge(), utility, awake)
    C = state.abs_regret
    bound = np.sqrt(3 * (C + 1) * (np.log(K) + np.log(2.5) + np.log1p(np.log1p(C) / 2)))
    assert (state.regret <= bound + 1e-9).all()


def test_weights_formula_and_fallbacks():
    learner = SleepingAdaNormalHedge()
    state = learner.init(np.zeros(1, dtype=np.uint64), 3)
    state = state._replace(regret=np.array([[2.0, 0.5, -3.0]]), abs_regret=np.array([[4.0, 1.0, 3.0]]))
    w = lambda R, C: 0.5 * (np.exp(max(R + 1, 0) ** 2 / (3 * (C + 1))) - np.exp(max(R - 1, 0) ** 2 / (3 * (C + 1))))
    expect = np.array([w(2.0, 4.0), w(0.5, 1.0), 0.0])
    np.testing.assert_allclose(learner.strategy(state, np.ones((1, 3), bool))[0], expect / expect.sum(), rtol=1e-12)
    # only the expert with zero weight awake: uniform over awake; nobody awake: uniform over all
    np.testing.assert_allclose(learner.strategy(state, np.array([[False, False, True]]))[0], [0, 0, 1])
    np.testing.assert_allclose(learner.strategy(state, np.zeros((1, 3), bool))[0], [1 / 3] * 3)
    # huge regrets do not overflow (log-space weights)
    big = state._replace(regret=np.array([[1e4, 1e4 - 1, 0.0]]), abs_regret=np.array([[10.0, 10.0, 1.0]]))
    assert np.isfinite(learner.strategy(big, np.ones((1, 3), bool))).all()


def test_registered_and_bad_input():
    assert "sleeping_ada_normal_hedge" in learners and "sleeping_hedge" in learners
    assert isinstance(learners.make("sleeping_hedge", lr=0.5), SleepingHedge)
    learner = sleeping_ada_normal_hedge()
    state = learner.init(np.zeros(2, dtype=np.uint64), 3)
    with pytest.raises(ValueError, match="awake mask \\(context\\) must have shape \\[2, 3\\]"):
        learner.strategy(state, np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="feedback.utility must have shape \\[2, 3\\]"):
        learner.update(state, FullInfo(utility=np.zeros((2, 2))))
    with pytest.raises(ValueError, match="schedule must be 'fixed' or 'anytime'"):
        sleeping_hedge(schedule="doubling")
    with pytest.raises(ValueError, match="prior must be a 1-D array of positive numbers"):
        SleepingAdaNormalHedge(prior=np.array([1.0, -1.0]))


@pytest.mark.parametrize("name", ["sleeping_ada_normal_hedge", "sleeping_hedge"])
def test_batch_row_equals_solo_and_registry_params(name):
    rng = np.random.default_rng(5)
    utility = rng.uniform(0, 1, (3, 40, 4))
    awake = rng.uniform(size=(3, 40, 4)) < 0.7
    for params in learners.get(name).test_params:
        learner = learners.make(name, **params)
        both = learner.init(np.arange(3, dtype=np.uint64), 4)
        solo = learner.init(np.arange(1, 2, dtype=np.uint64), 4)
        for t in range(40):
            pb = learner.strategy(both, context=awake[:, t])
            ps = learner.strategy(solo, context=awake[1:2, t])
            np.testing.assert_array_equal(pb[1], ps[0])
            both = learner.update(both, FullInfo(utility=utility[:, t], awake=awake[:, t]))
            solo = learner.update(solo, FullInfo(utility=utility[1:2, t], awake=awake[1:2, t]))
        # without a mask every expert is awake
        full = learner.update(both, FullInfo(utility=utility[:, 0]))
        assert (full.t == both.t + 1).all()
