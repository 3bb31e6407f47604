"""The change detectors of M-UCB and GLR-kl-UCB on seeded piecewise-stationary instances: no
false alarm before the change, a detection within a stated delay after it (every run), and the
restart they trigger (the learner then pulls the new best arm)."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.bandits.change_detection import glr_kl_ucb, m_ucb
from regretlab.bandits.nonstationary import piecewise_bandit
from regretlab.core import Bandit, rng

T, CHANGE, RUNS = 3000, 1500, 50


def _drive(learner, env, seed=0):
    """The driver's protocol by hand, keeping the detection rounds: ``(first detection before the
    change [B], first after it, relative to the change [B], pulls of arm 1 over the last 500 rounds [B])``
    (-1: none)."""
    keys = rng.spawn_keys(seed, RUNS)
    state, env_state, act = learner.init(keys, 2), env.init(keys), rng.derive(keys, "action")
    before, after, late = np.full(RUNS, -1), np.full(RUNS, -1), np.zeros(RUNS)
    rows = np.arange(RUNS)
    for t in range(T):
        p = learner.strategy(state)
        a = rng.sample_actions(act, t, p)
        env_state, (u,) = env.step(env_state, (p,), (a,))
        seen = state.changes
        state = learner.update(state, Bandit(a, u[rows, a], p[rows, a]))
        hit = state.changes > seen
        if t < CHANGE:
            before[(before < 0) & hit] = t
        else:
            after[(after < 0) & hit] = t - CHANGE
        if t >= T - 500:
            late += a == 1
    return before, after, late


def test_m_ucb_detects_a_drop_of_the_best_arm_within_half_a_window():
    # Cao et al. 2019: after a change of size δ on the pulled arm the newer half of its window
    # differs from the older by about δ m after m new samples, so the test fires once δ m > b, well
    # within w/2 samples; w = 564 and b = 72 for δ = 0.6, T = 3000 (the paper's tuning)
    env = piecewise_bandit(means=[[0.8, 0.2], [0.2, 0.8]], change_points=[CHANGE])
    learner = m_ucb(horizon=T, min_change=0.6)
    before, after, late = _drive(learner, env)
    assert (before < 0).all()  # the threshold is a union bound over T rounds: no false alarm
    assert ((after >= 0) & (after <= learner.window // 2)).all(), np.sort(after)
    assert (late >= 450).all()  # restarted: the new best arm is played


@pytest.mark.parametrize("restart", ["local", "global"])
def test_glr_detects_a_drop_of_the_best_arm_within_100_rounds(restart):
    # Besson et al. 2022: the Bernoulli GLR's delay is about β(n, δ)/kl for a jump of 0.6 on the
    # pulled arm: ~30 samples; every run must detect within 100 rounds (step 10 adds <= 10)
    env = piecewise_bandit(means=[[0.8, 0.2], [0.2, 0.8]], change_points=[CHANGE])
    before, after, late = _drive(glr_kl_ucb(horizon=T, restart=restart), env)
    assert (before < 0).all()
    assert ((after >= 0) & (after <= 100)).all(), np.sort(after)
    assert (late >= 450).all()


def test_glr_sees_a_rise_of_an_unplayed_arm_through_forced_exploration():
    # arm 1 rises from 0.2 to 0.9 while arm 0 stays at 0.8: only forced exploration (one pull in
    # ⌊K/α⌋ = 27 rounds here) samples it, so the delay is longer; within 1000 rounds in every run
    env = piecewise_bandit(means=[[0.8, 0.2], [0.8, 0.9]], change_points=[CHANGE])
    learner = glr_kl_ucb(horizon=T)
    before, after, late = _drive(learner, env)
    assert (before < 0).all()
    assert ((after >= 0) & (after <= 1000)).all(), np.sort(after)
    assert np.median(late) >= 400
