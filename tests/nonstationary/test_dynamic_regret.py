"""Dynamic regret on a piecewise-stationary instance (issue 17, Show: "SW-UCB vs UCB1 on a
piecewise-stationary instance: dynamic regret grows like sqrt(T·segments), while UCB1's is linear
after the first change"), and the dynamic-regret metric against direct computations."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.bandits import ucb1
from regretlab.bandits.nonstationary import drifting_bandit, piecewise_bandit, sw_ucb
from regretlab.metrics import loglog_slope
from regretlab.metrics.dynamic import dynamic_regret, segment_best
from regretlab.run import run

# Three segments at fixed fractions of T. Arm 0 is best, then arm 1 (0.6) while arm 0 drops to
# 0.3, then arm 0 again. UCB1's estimate of arm 0 stays near 0.9 for a constant fraction of the
# second segment, so it keeps pulling it: a constant regret per round, linear in T.
MEANS = [[0.9, 0.2], [0.3, 0.6], [0.9, 0.2]]
HORIZONS = [1500, 3000, 6000, 12000]
RUNS = 40


def _instance(T):
    return piecewise_bandit(means=MEANS, change_points=[T // 3, 2 * T // 3])


def _final_dynamic_regret(make, seed):
    out = []
    for T in HORIZONS:
        env = _instance(T)
        tr = run(make(T), env, T=T, batch=RUNS, every=T // 3, seed=seed)
        out.append(dynamic_regret(tr, env, "segment"))
    return out


def test_sw_ucb_is_sqrt_t_and_ucb1_is_linear_after_the_first_change():
    # Garivier & Moulines 2011, Thm 1: with tau = 2 sqrt(T ln T / Y), SW-UCB's dynamic regret is
    # O(sqrt(Y T ln T)): local log-log slope ~0.5 + 1/(2 ln T) ~ 0.56 here. Margins: the upper end
    # of the 95% bootstrap CI over runs must stay below 0.75; UCB1's lower end above 0.9.
    sw = _final_dynamic_regret(lambda T: sw_ucb(horizon=T, changes=2), seed=3)
    ucb = _final_dynamic_regret(lambda T: ucb1(), seed=3)
    ts = np.array(HORIZONS, dtype=float)
    slope_sw, _, hi_sw = loglog_slope(ts, np.stack([r[-1] for r in sw]))
    slope_ucb, lo_ucb, _ = loglog_slope(ts, np.stack([r[-1] for r in ucb]))
    assert hi_sw < 0.75, (slope_sw, hi_sw)
    assert lo_ucb > 0.9, (slope_ucb, lo_ucb)
    # UCB1 is fine before the first change (logarithmic regret) and pays after it: at the largest T
    # less than 5% of its final regret was incurred in the first segment
    first, final = ucb[-1][0].mean(), ucb[-1][-1].mean()
    assert first < 0.05 * final, (first, final)
    # and SW-UCB ends far below UCB1
    assert sw[-1][-1].mean() < 0.4 * final


def test_segment_regret_equals_a_direct_computation_from_the_history():
    env = piecewise_bandit(means=[[0.7, 0.2, 0.5], [0.1, 0.2, 0.9]], change_points=[60])
    tr = run(sw_ucb(window=30), env, T=150, batch=3, seed=1, history=True)
    p = tr.strategies  # [T, B, K]
    mu = env.mean_table(150)  # [T, K]
    got = np.cumsum(np.einsum("tbk,tk->tb", p, mu), axis=0)
    seg = np.zeros(150)
    for t in range(150):  # the best arm of each segment, summed over the rounds so far (by hand)
        n = t + 1
        first = mu[:min(n, 60)].sum(axis=0).max()
        second = mu[60:n].sum(axis=0).max() if n > 60 else 0.0
        seg[t] = first + second
    np.testing.assert_allclose(dynamic_regret(tr, env, "segment"), seg[:, None] - got, atol=1e-9)
    np.testing.assert_allclose(dynamic_regret(tr, env, "round"), np.cumsum(mu.max(axis=1))[:, None] - got, atol=1e-9)
    # without the history the ledger's per-round pseudo-regret gives the same numbers
    tr2 = run(sw_ucb(window=30), env, T=150, batch=3, seed=1, every=50)
    np.testing.assert_allclose(dynamic_regret(tr2, env, "segment"), (seg[:, None] - got)[[49, 99, 149]], atol=1e-9)


def test_drifting_means_segment_benchmark_is_weaker_than_the_per_round_one():
    env = drifting_bandit(num_actions=3, period=400.0)
    tr = run(sw_ucb(window=50), env, T=800, batch=2, seed=0, every=100)
    per_round = dynamic_regret(tr, env, "round")
    blocks = dynamic_regret(tr, env, "segment", boundaries=np.arange(0, 800, 100))
    fixed = dynamic_regret(tr, env, "segment")  # one segment: the best fixed arm in hindsight
    assert (per_round >= blocks - 1e-9).all() and (blocks >= fixed - 1e-9).all()
    assert env.segments(800).tolist() == [0, 800]


def test_segment_best_of_partial_segments():
    mu = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert segment_best(mu, np.array([1, 2, 3, 4]), [0, 2]).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert segment_best(mu, np.array([4]), [0]).tolist() == [2.0]
    with pytest.raises(ValueError, match="boundaries"):
        segment_best(mu, np.array([4]), [1, 2])


def test_dynamic_regret_needs_the_means_per_round():
    from regretlab.bandits import bernoulli_bandit

    tr = run(ucb1(), bernoulli_bandit(means=[0.5, 0.4]), T=10)
    with pytest.raises(TypeError, match="mean_table"):
        dynamic_regret(tr, bernoulli_bandit(means=[0.5, 0.4]))
    with pytest.raises(ValueError, match="against"):
        dynamic_regret(tr, _instance(30), "best")
