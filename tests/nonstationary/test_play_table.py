"""SW-UCB's and D-UCB's play_table, the compiled whole-round path, equal the general path: the
runner's protocol (strategy, rng.sample_actions on the action stream, update(Bandit(a, r, p[a])))
played round by round on the pure contract, and the driver's own rounds on a generated table."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.bandits.nonstationary import d_ucb, piecewise_bandit, sw_ucb
from regretlab.core import Bandit, rng
from regretlab.run import run

B, K, T = 6, 4, 400


def protocol(learner, state, act, table):
    """The general path: ``(state, rewards [T, B], actions [T, B])``; ``table [T, K]`` or ``[T, B, K]``."""
    b = state.t.size
    rows = np.arange(b)
    rewards, actions = [], []
    for s in range(table.shape[0]):
        p = learner.strategy(state)
        a = rng.sample_actions(act, state.t, p)
        r = table[s, a] if table.ndim == 2 else table[s, rows, a]
        state = learner.update(state, Bandit(a, np.asarray(r, dtype=np.float64), p[rows, a]))
        rewards.append(r)
        actions.append(a)
    return state, np.array(rewards, dtype=np.float64), np.array(actions)


def _same_state(got, want):
    np.testing.assert_array_equal(got.t, want.t)
    np.testing.assert_array_equal(got.count, want.count)
    np.testing.assert_allclose(got.total, want.total, rtol=0, atol=1e-12)
    if hasattr(want, "window"):
        assert got.window == want.window  # the windows show the same (arm, reward) pairs
        np.testing.assert_array_equal(got.p, want.p)


LEARNERS = {
    "sw_ucb": lambda: sw_ucb(window=37),
    "sw_ucb_range": lambda: sw_ucb(window=5, xi=1.0, reward_range=(-2.0, 3.0)),
    "d_ucb": lambda: d_ucb(discount=0.97),
    "d_ucb_range": lambda: d_ucb(discount=0.9, scale=0.5, reward_range=(-2.0, 3.0)),
}


def _table(learner, per_run: bool, seed: int = 0) -> np.ndarray:
    lo, hi = learner.reward_range
    gen = np.random.default_rng(seed)
    shape = (T, B, K) if per_run else (T, K)
    means = np.linspace(0.2, 0.8, K)[::-1 if seed % 2 else 1]
    bern = gen.random(shape) < means
    if (lo, hi) == (0.0, 1.0):
        return bern
    return lo + (hi - lo) * np.clip(bern * 0.7 + gen.random(shape) * 0.3, 0, 1)


@pytest.mark.parametrize("per_run", [False, True])
@pytest.mark.parametrize("name", sorted(LEARNERS))
def test_play_table_equals_protocol_loop(name, per_run):
    learner = LEARNERS[name]()
    table = _table(learner, per_run, seed=3)
    keys = rng.spawn_keys(11, B)
    act = rng.derive(keys, "action")
    s0 = learner.init(keys, K)
    want, rewards, actions = protocol(learner, s0, act, table)
    got = learner.play_table(learner.init(keys, K), table, history=True)
    _same_state(got.state, want)
    np.testing.assert_array_equal(got.actions, actions)
    np.testing.assert_allclose(got.reward, rewards.sum(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(learner.strategy(got.state), learner.strategy(want))
    # chunks continue from the state's round counter: the general path for 70 rounds, then two tables
    # (from a fresh init: a SW-UCB state lagging the ring's newest by more than cap - window rounds
    # is refused, on either path)
    mid, *_ = protocol(learner, learner.init(keys, K), act, table[:70])
    first = learner.play_table(mid, table[70:131])
    second = learner.play_table(first.state, table[131:])
    assert first.actions is None
    _same_state(second.state, want)
    np.testing.assert_allclose(first.reward + second.reward, rewards[70:].sum(axis=0), rtol=0, atol=1e-9)
    # the general path continues from a play_table state as if it had played every round itself
    back, *_ = protocol(learner, learner.play_table(learner.init(keys, K), table[:200]).state, act, table[200:])
    _same_state(back, want)


@pytest.mark.parametrize("name", ["sw_ucb", "d_ucb"])
def test_play_table_rows_are_solo_runs_and_input_untouched(name):
    learner = LEARNERS[name]()
    table = _table(learner, True, seed=4)
    s0 = learner.init(rng.spawn_keys(5, B), K)
    mid = learner.play_table(s0, table[:50]).state
    before = {f: np.array(getattr(mid, f)) for f in ("t", "count", "total")}
    shown = mid.window.shown()[0].copy() if name == "sw_ucb" else None
    full = learner.play_table(mid, table[50:80], history=True)  # 30 rounds < the ring's slack (cap - window)
    for f, v in before.items():  # the argument still shows what it showed
        np.testing.assert_array_equal(getattr(mid, f), v)
    if shown is not None:
        np.testing.assert_array_equal(mid.window.shown()[0], shown)
    # a branch from the older state (not the ring's newest) gives the same rounds again
    again = learner.play_table(mid, table[50:80], history=True)
    np.testing.assert_array_equal(again.actions, full.actions)
    for b in (0, B - 1):
        solo = learner.init(rng.spawn_keys(5, B)[b:b + 1], K)
        solo = learner.play_table(solo, table[:50, b:b + 1])
        one = learner.play_table(solo.state, table[50:80, b:b + 1], history=True)
        np.testing.assert_array_equal(one.actions[:, 0], full.actions[:, b])


@pytest.mark.parametrize("make", [lambda: sw_ucb(window=60), lambda: d_ucb(discount=0.98)])
def test_play_table_equals_driver_rounds(make):
    """The driver on a piecewise-stationary Bernoulli environment, replayed from the environment's
    own draws: the same arms, so the same dynamic pseudo-regret (to 1e-12)."""
    learner = make()
    env = piecewise_bandit(means=[[0.8, 0.3, 0.5], [0.2, 0.9, 0.5]], change_points=[150])
    t_len, batch, seed = 300, 5, 7
    trace = run(learner, env, T=t_len, batch=batch, seed=seed)
    keys = rng.spawn_keys(seed, batch)
    es = env.init(keys)
    table = np.empty((t_len, batch, 3))
    for t in range(t_len):
        es, (table[t],) = env.step(es, None)
    got = learner.play_table(learner.init(keys, 3), table, history=True)
    mu = env.mean_table(t_len)
    gap = (mu.max(axis=1)[:, None] - np.take_along_axis(mu, got.actions, axis=1)).sum(axis=0)
    np.testing.assert_allclose(trace.metrics["pseudo_regret"][-1], gap, rtol=0, atol=1e-12)


def test_play_table_bad_tables():
    learner = sw_ucb(window=4)
    s = learner.init(rng.spawn_keys(0, 2), 3)
    with pytest.raises(ValueError, match="table must be rewards"):
        learner.play_table(s, np.full((5, 3), 1.5))
    with pytest.raises(ValueError, match="table must be rewards"):
        learner.play_table(s, np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match=r"table must be rewards \[T, 3\]"):
        learner.play_table(s, np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"\[T, 2, 3\]"):
        d_ucb(discount=0.9).play_table(d_ucb(discount=0.9).init(rng.spawn_keys(0, 2), 3), np.zeros((5, 3, 3)))
