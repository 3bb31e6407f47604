"""The non-stationary settings: rewards drawn with the declared means of each round (Bernoulli and
Gaussian), seeded change points, drifting means, and the means reported to the driver."""

from __future__ import annotations

import math

import numpy as np

from regretlab.bandits.nonstationary import drifting_bandit, piecewise_bandit, sw_ucb
from regretlab.core import environments, rng
from regretlab.run import make_env, run


def _rewards(env, T, batch):
    state = env.init(rng.spawn_keys(0, batch))
    out = []
    for _ in range(T):
        state, (u,) = env.step(state, None, None)
        out.append(u)
    return np.stack(out)  # [T, B, K]


def test_piecewise_rewards_follow_each_segments_means():
    means = [[0.8, 0.1], [0.3, 0.6]]
    for kind, sigma in (("bernoulli", 1.0), ("gaussian", 0.5)):
        env = piecewise_bandit(means=means, change_points=[20], kind=kind, sigma=sigma)
        u = _rewards(env, 40, 4000)
        sd = math.sqrt(0.25) if kind == "bernoulli" else sigma
        for seg, rounds in ((0, slice(0, 20)), (1, slice(20, 40))):
            got = u[rounds].mean(axis=(0, 1))
            assert np.allclose(got, means[seg], atol=5 * sd / math.sqrt(20 * 4000)), (kind, seg, got)
    assert env.utility_range is None and piecewise_bandit(means=means, change_points=[20]).utility_range == (0.0, 1.0)


def test_seeded_change_points_are_reproducible_and_registered():
    a = piecewise_bandit(num_changes=4, horizon=1000, num_actions=3, seed=5)
    b = piecewise_bandit(num_changes=4, horizon=1000, num_actions=3, seed=5)
    c = piecewise_bandit(num_changes=4, horizon=1000, num_actions=3, seed=6)
    assert a.change_points.tolist() == b.change_points.tolist() != c.change_points.tolist()
    assert len(set(a.change_points.tolist())) == 4 and (a.change_points >= 1).all() and (a.change_points < 1000).all()
    # segment s has its best arm s mod K
    assert [int(a.means_at(s).argmax()) for s in a.segments(1000)[:-1]] == [0, 1, 2, 0, 1]
    assert {"piecewise_bandit", "drifting_bandit"} <= set(environments.names("nonstationary"))
    made = make_env("piecewise_bandit", 500)  # the registered factory gets the run's horizon
    assert (made.change_points < 500).all() and made.change_points.size == 3


def test_drifting_means_and_the_reported_means_of_the_round_just_played():
    env = drifting_bandit(num_actions=3, center=0.5, amplitude=0.3, period=200.0)
    table = env.mean_table(400)
    assert np.allclose(table[:200], table[200:]) and np.allclose(table.max(axis=0), 0.8, atol=1e-3)
    state = env.init(rng.spawn_keys(0, 2))
    for t in range(5):
        state, _ = env.step(state, None, None)
        np.testing.assert_array_equal(env.mean_utility(state), env.means_at(t))
    # so the driver's pseudo-regret is the per-round dynamic regret
    tr = run(sw_ucb(window=20), env, T=300, batch=2, seed=0, history=True)
    p = tr.strategies
    direct = np.cumsum(table[:300].max(axis=1)[:, None] - np.einsum("tbk,tk->tb", p, table[:300]), axis=0)
    np.testing.assert_allclose(tr.metrics["pseudo_regret"], direct, atol=1e-9)
