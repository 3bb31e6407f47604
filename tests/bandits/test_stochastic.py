"""Stochastic bandits: UCB1 logarithmic regret, the other baselines against UCB1's bound, envs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regretlab.bandits import (
    bernoulli_bandit, epsilon_greedy, gap_means, gaussian_bandit, kl_ucb, moss, play, thompson, ucb1,
)
from regretlab.core import Bandit, rng


def test_ucb1_regret_is_logarithmic_on_fixed_gap():
    # Auer, Cesa-Bianchi & Fischer (2002) Thm 1: E[R_T] <= 8 ln T / gap + (1 + pi^2/3) gap.
    # Logarithmic growth: the regret added per doubling of T is constant (ratio 1; a sqrt(T) law
    # would give sqrt(2) = 1.41). 200 runs in one batch; margin: ratios in [0.8, 1.2].
    gap = 0.3
    out = play(ucb1(), bernoulli_bandit(means=[0.6, 0.6 - gap]), 16_000, 200, seed=2, every=1000)
    r = out["pseudo_regret"].mean(axis=1)
    at = {t: r[t // 1000 - 1] for t in (2000, 4000, 8000, 16000)}
    for t, v in at.items():
        assert v <= 8 * math.log(t) / gap + (1 + math.pi**2 / 3) * gap
    ratios = [(at[16000] - at[8000]) / (at[8000] - at[4000]), (at[8000] - at[4000]) / (at[4000] - at[2000])]
    assert all(0.8 <= x <= 1.2 for x in ratios), ratios


@pytest.mark.parametrize("name", ["kl_ucb", "moss", "thompson_beta", "thompson_gaussian", "eps_decay"])
def test_baselines_beat_ucb1_bound(name):
    # Each is a consistent policy with O(ln T / gap) regret (Garivier & Cappe 2011; Audibert & Bubeck
    # 2009; Agrawal & Goyal 2013; Auer et al. 2002 eps_n-greedy with c/d^2 = 5, d = gap): its mean
    # pseudo-regret on 3 Bernoulli arms (gap 0.2) must be below UCB1's bound sum_i 8 ln T / gap_i.
    t_len, gap = 3000, 0.2
    learner = {"kl_ucb": kl_ucb(), "moss": moss(horizon=t_len), "thompson_beta": thompson(),
               "thompson_gaussian": thompson(prior="gaussian", sigma=0.5),
               "eps_decay": epsilon_greedy(epsilon=5 / gap**2 / 3, schedule="decay")}[name]
    env = bernoulli_bandit(num_actions=3, gap=gap, best=0.6)
    r = play(learner, env, t_len, 100, seed=4, every=t_len)["pseudo_regret"][-1]
    assert r.mean() <= 2 * 8 * math.log(t_len) / gap, r.mean()


def test_fixed_epsilon_greedy_regret_is_linear():
    # With a fixed epsilon the learner explores forever: pseudo-regret ~ eps (K-1)/K * gap * T.
    eps, gap, t_len = 0.2, 0.3, 4000
    r = play(epsilon_greedy(epsilon=eps), bernoulli_bandit(means=[0.7, 0.4]), t_len, 100, seed=1, every=1000)
    mean = r["pseudo_regret"].mean(axis=1)
    assert abs(mean[-1] - eps / 2 * gap * t_len) <= 0.1 * eps / 2 * gap * t_len
    assert mean[-1] / mean[1] == pytest.approx(2.0, rel=0.15)  # linear: doubling T doubles regret


def test_environments_have_declared_means():
    env = gaussian_bandit(means=[0.0, -1.0], sigma=0.5)
    state = env.init(rng.spawn_keys(0, 20_000))
    _, u = env.step(state, np.full((20_000, 2), 0.5))
    assert np.allclose(u.mean(axis=0), [0.0, -1.0], atol=4 * 0.5 / math.sqrt(20_000))
    assert gap_means(3, 0.1).tolist() == pytest.approx([0.5, 0.4, 0.4])
    benv = bernoulli_bandit(means=[0.9, 0.1])
    _, u = benv.step(benv.init(rng.spawn_keys(1, 20_000)), None)
    assert np.allclose(u.mean(axis=0), [0.9, 0.1], atol=0.01)


def test_bad_inputs():
    with pytest.raises(ValueError, match="means of Bernoulli"):
        bernoulli_bandit(means=[1.5, 0.2])
    learner = ucb1()
    s = learner.init(rng.spawn_keys(0, 1), 2)
    with pytest.raises(ValueError, match="reward_range"):
        learner.update(s, Bandit(np.array([0]), np.array([-1.0]), np.array([1.0])))
    with pytest.raises(ValueError, match="prior"):
        thompson(prior="poisson")


def test_tsallis_inf_logarithmic_in_stochastic_regime():
    # Best of both worlds (Zimmert & Seldin 2021, Thm 4): O(sum_i ln T / gap_i) on stochastic arms.
    # Regret added per doubling of T stays flat (ratio <= 1.25; sqrt(T) growth would give 1.41).
    from regretlab.bandits import tsallis_inf

    out = play(tsallis_inf(reward_range=(0.0, 1.0)), bernoulli_bandit(means=[0.6, 0.3]), 8000, 100, seed=6, every=1000)
    r = out["pseudo_regret"].mean(axis=1)
    r2, r4, r8 = r[1], r[3], r[7]
    assert (r8 - r4) / (r4 - r2) <= 1.25, (r2, r4, r8)
