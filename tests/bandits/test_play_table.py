"""Exp3.play_table, the compiled whole-round specialisation, equals the general path: the runner's
protocol (strategy, rng.sample_actions on the action stream, update(Bandit(a, r, p[a]))) played
round by round with the pure strategy/update contract."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.bandits import exp3
from regretlab.core import Bandit, rng

B, K, T = 5, 4, 300


def _table(seed: int = 0, k: int = K, t: int = T, lo: float = -1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(lo, lo + 1.0, size=(t, k))


def protocol(learner, state, act, table):
    """The general path: ``(state, rewards [T, B], actions [T, B], number of zero probabilities seen)``."""
    b = state.loss.shape[0]
    rows = np.arange(b)
    rewards, actions = [], []
    zeros = 0
    for t in range(table.shape[0]):
        p = learner.strategy(state)
        zeros += int((p == 0).sum())
        a = rng.sample_actions(act, state.t, p)
        r = table[t, a]
        state = learner.update(state, Bandit(a, r, p[rows, a]))
        rewards.append(r)
        actions.append(a)
    return state, np.array(rewards).reshape(-1, b), np.array(actions).reshape(-1, b), zeros


def _assert_same_state(got, want):
    np.testing.assert_array_equal(got.t, want.t)  # per-run round counters [B]
    for name in ("loss", "weight", "total", "p"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=0, atol=1e-12, err_msg=name)


LEARNERS = {
    "tuned": lambda: exp3(horizon=T),
    "explore": lambda: exp3(lr=0.3, exploration=0.05),
    "underflow": lambda: exp3(lr=40.0),  # weights underflow: rebuilds, and probabilities of exactly 0
    "range01": lambda: exp3(lr=0.2, reward_range=(0.0, 1.0)),
}


@pytest.mark.parametrize("name", sorted(LEARNERS))
def test_play_table_equals_protocol_loop(name):
    learner = LEARNERS[name]()
    lo = learner.reward_range[0]
    table = _table(3, lo=lo) if name != "range01" else (np.random.default_rng(4).uniform(size=(T, K)) < 0.5) * 1.0
    keys = rng.spawn_keys(11, B)
    act = rng.derive(keys, "action")
    s0 = learner.init(keys, K)
    want, rewards, actions, zeros = protocol(learner, s0, act, table)
    got = learner.play_table(s0, act, table, history=True)
    _assert_same_state(got.state, want)
    np.testing.assert_array_equal(got.actions, actions)
    np.testing.assert_allclose(got.reward, rewards.sum(axis=0), rtol=0, atol=1e-12)
    if name == "underflow":
        assert zeros > 0  # the sampler's zero-probability rule was exercised
    # chunks continue from the state's round counter: general path for 70 rounds, then two tables
    mid, *_ = protocol(learner, s0, act, table[:70])
    first = learner.play_table(mid, act, table[70:131])
    second = learner.play_table(first.state, act, table[131:])
    _assert_same_state(second.state, want)
    assert first.actions is None
    np.testing.assert_allclose(first.reward + second.reward, rewards[70:].sum(axis=0), rtol=0, atol=1e-9)
    # the general path continues from a play_table state as if it had played every round itself
    back, *_ = protocol(learner, learner.play_table(s0, act, table[:200]).state, act, table[200:])
    _assert_same_state(back, want)


def test_play_table_rows_are_solo_runs_and_input_state_untouched():
    learner = exp3(horizon=T)
    keys = rng.spawn_keys(5, B)
    act = rng.derive(keys, "action")
    s0 = learner.init(keys, K)
    before = [a.copy() for a in (s0.loss, s0.weight, s0.total, s0.p)]
    table = _table(6)
    full = learner.play_table(s0, act, table, history=True)
    for a, b in zip(before, (s0.loss, s0.weight, s0.total, s0.p)):
        np.testing.assert_array_equal(a, b)
    solo = learner.play_table(learner.init(keys[2:3], K), act[2:3], table, history=True)
    np.testing.assert_array_equal(full.actions[:, 2], solo.actions[:, 0])
    np.testing.assert_allclose(full.state.p[2], solo.state.p[0], rtol=0, atol=1e-12)
    assert not full.state.p.flags.writeable


def test_play_table_bad_input():
    learner = exp3(horizon=T)
    keys = rng.spawn_keys(0, 2)
    act = rng.derive(keys, "action")
    s = learner.init(keys, K)
    bad = _table(1, t=20)
    bad[7, 3] = 0.5  # outside the default reward_range (-1, 0), in a column that may never be played
    with pytest.raises(ValueError, match="reward_range"):
        learner.play_table(s, act, bad)
    bad[7, 3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        learner.play_table(s, act, bad)
    with pytest.raises(ValueError, match=r"shape \[T, 4\]"):
        learner.play_table(s, act, _table(1, k=3, t=20))
    with pytest.raises(ValueError, match="action_keys"):
        learner.play_table(s, keys.astype(np.int64), _table(1, t=20))
    with pytest.raises(ValueError, match="action_keys"):
        learner.play_table(s, act[:1], _table(1, t=20))
    anytime = exp3(schedule="anytime")
    with pytest.raises(ValueError, match="fixed"):
        anytime.play_table(anytime.init(keys, K), act, _table(1, t=20))
    # an empty table is zero rounds
    out = learner.play_table(s, act, np.empty((0, K)))
    assert (out.state.t == 0).all() and (out.reward == 0).all()


def test_play_table_rows_at_different_rounds_equal_solo_runs():
    # a state whose runs are at different rounds (rows of two runs stacked): each row draws at its
    # own round and rebuilds its weights at its own multiples of 64, as its solo run does
    learner = exp3(lr=0.3, exploration=0.05)
    keys = rng.spawn_keys(8, 2)
    act = rng.derive(keys, "action")
    table = _table(9, t=200)
    solos = [learner.play_table(learner.init(keys[b:b + 1], K), act[b:b + 1], table[:n]).state
             for b, n in enumerate((61, 9))]
    mixed = type(solos[0])(*[None if x is None else np.concatenate([x, y]) for x, y in zip(*solos)])
    got = learner.play_table(mixed, act, table[100:], history=True)
    np.testing.assert_array_equal(got.state.t, [161, 109])
    for b in range(2):
        want = learner.play_table(solos[b], act[b:b + 1], table[100:], history=True)
        np.testing.assert_array_equal(got.actions[:, b], want.actions[:, 0])
        for name in ("loss", "weight", "total", "p"):
            np.testing.assert_array_equal(getattr(got.state, name)[b:b + 1], getattr(want.state, name), err_msg=name)
    # and the general path from the same mixed state plays the same rounds
    back, rewards, actions, _ = protocol(learner, mixed, act, table[100:])
    np.testing.assert_array_equal(actions, got.actions)
    _assert_same_state(back, got.state)
