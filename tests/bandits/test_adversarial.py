"""Adversarial bandits: Exp3 family regret bounds on adversarial sequences, estimator unbiasedness."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regretlab.bandits import ArrayEnv, bandit_ftpl, exp3, exp3_ix, exp3p, exp4, play, tsallis_inf
from regretlab.core import Bandit, FullInfo, rng

T, K, B = 2000, 5, 200


def _sequences():
    g = np.random.default_rng(0)
    noisy = g.uniform(0, 1, (T, K))
    noisy[:, 2] = g.uniform(0, 0.7, T)  # arm 2 best on average
    shift = np.zeros((T, K))
    shift[: T // 2, 0] = 1.0  # arm 0 terrible first, then the others: best fixed arm is 0 at the end
    shift[T // 2:, 1:] = 1.0
    # stochastic-looking but adversarially drifting means (Dekel-style random walk, clipped)
    walk = np.clip(0.5 + np.cumsum(g.normal(0, 0.02, T))[:, None] + np.array([0, 0.1, 0.1, 0.1, 0.1]) +
                   g.normal(0, 0.05, (T, K)), 0, 1)
    return {"noisy": noisy, "shift": shift, "walk": walk}


SEQS = _sequences()


def _mean_regret(learner, losses, b=B, seed=1):
    r = play(learner, ArrayEnv(-losses), losses.shape[0], b, seed=seed, every=losses.shape[0])["regret"][-1]
    return r.mean(), r.std() / math.sqrt(b)


@pytest.mark.parametrize("seq", sorted(SEQS))
def test_exp3_expected_regret_under_sqrt_2TKlnK(seq):
    # Bubeck & Cesa-Bianchi (2012), Thm 3.1: eta = sqrt(2 ln K/(TK)) gives E[R_T] <= sqrt(2 T K ln K)
    # (= 179.4 here). Margin: the batch mean of 200 runs plus 3 standard errors must be under it.
    mean, se = _mean_regret(exp3(horizon=T), SEQS[seq])
    assert mean + 3 * se <= math.sqrt(2 * T * K * math.log(K)), (mean, se)


@pytest.mark.parametrize("seq", sorted(SEQS))
def test_anytime_and_high_probability_variants_under_their_bounds(seq):
    losses = SEQS[seq]
    lk = math.log(K)
    bounds = {
        "exp3_anytime": (exp3(schedule="anytime"), 2 * math.sqrt(T * K * lk)),  # B&CB 2012 Thm 3.1
        # Neu (2015) Thm 1 with delta = 0.05: 2 sqrt(2KT ln K) + (sqrt(2KT/ln K) + 1) ln(2/delta)
        "exp3_ix": (exp3_ix(horizon=T), 2 * math.sqrt(2 * K * T * lk) + (math.sqrt(2 * K * T / lk) + 1) * math.log(40)),
        "exp3p": (exp3p(horizon=T, delta=0.05), 5.15 * math.sqrt(T * K * math.log(K / 0.05))),  # Thm 3.3
        "tsallis_inf": (tsallis_inf(), 4 * math.sqrt(K * T) + 1),  # Zimmert & Seldin 2021, Thm 1
    }
    for name, (learner, bound) in bounds.items():
        mean, se = _mean_regret(learner, losses, b=100)
        assert mean + 3 * se <= bound, (name, mean, se, bound)


def test_bandit_ftpl_geometric_resampling_regret():
    # FPL+GR (Neu & Bartok 2013) has regret O(sqrt(K T ln K)); we check it stays under Exp3's
    # sqrt(2 T K ln K) on the noisy sequence (T = 1000, 60 runs).
    losses = SEQS["noisy"][:1000]
    mean, se = _mean_regret(bandit_ftpl(horizon=1000), losses, b=60)
    assert mean + 3 * se <= math.sqrt(2 * 1000 * K * math.log(K)), (mean, se)


def test_exp3_importance_weighted_estimate_unbiased():
    # E[l(A) 1[A=i] / p(A)] = l(i): Monte-Carlo mean of one update from a fixed state, within 3 sigma.
    b, k = 50_000, 4
    learner = exp3(lr=0.5)
    state = learner.init(rng.spawn_keys(0, b), k)
    state = state._replace(loss=np.tile([0.0, 1.0, 2.0, 0.5], (b, 1)))
    p = learner.strategy(state)
    a = rng.sample_actions(rng.derive(rng.spawn_keys(1, b), "action"), 0, p)
    ell = np.array([0.2, 0.9, 0.4, 0.7])
    new = learner.update(state, Bandit(a, -ell[a], p[np.arange(b), a]))
    est = new.loss - state.loss
    mean, se = est.mean(axis=0), est.std(axis=0) / math.sqrt(b)
    assert (np.abs(mean - ell) <= 3 * se).all(), (mean, ell, se)


def test_exp4_regret_against_best_expert():
    # Bubeck & Cesa-Bianchi (2012) Thm 4.2: E[R_T] <= sqrt(2 T K ln N) against the best of N experts.
    losses = SEQS["noisy"]
    n = 6
    g = np.random.default_rng(5)
    advice = g.dirichlet(np.ones(K), size=(T, n))  # [T, N, K]
    advice[:, 0] = np.eye(K)[2]  # expert 0 always recommends the best arm

    class AdviceEnv(ArrayEnv):
        def context(self, state):
            return advice[state]

    out = play(exp4(num_experts=n, horizon=T), AdviceEnv(-losses), T, 100, seed=3, every=T)
    # regret vs best expert: sum_t <xi_t(j), l_t> - sum_t <p_t, l_t>; play() reports vs best arm,
    # and expert 0 is the best arm, so the two coincide here.
    expert_loss = np.einsum("tnk,tk->n", advice, losses)
    assert expert_loss.argmin() == 0
    r = out["regret"][-1]
    assert r.mean() + 3 * r.std() / 10 <= math.sqrt(2 * T * K * math.log(n))


def test_batch_row_equals_solo_run_and_seed_determinism():
    losses = SEQS["noisy"][:200]
    for learner in (exp3(horizon=200), exp3_ix(horizon=200), tsallis_inf(), bandit_ftpl(horizon=200)):
        full = play(learner, ArrayEnv(-losses), 200, 4, seed=9)["regret"]
        again = play(learner, ArrayEnv(-losses), 200, 4, seed=9)["regret"]
        assert np.array_equal(full, again)
        keys = rng.spawn_keys(9, 4)
        s_all, s_one = learner.init(keys, K), learner.init(keys[1:2], K)
        for t in range(30):
            pa, po = learner.strategy(s_all), learner.strategy(s_one)
            assert np.allclose(pa[1], po[0])
            a = np.full(4, t % K)
            s_all = learner.update(s_all, Bandit(a, -losses[t, a], np.maximum(pa[np.arange(4), a], 1e-9)))
            s_one = learner.update(s_one, Bandit(a[:1], -losses[t, a[:1]], np.maximum(po[0, a[:1]], 1e-9)))


def test_bad_rewards_and_params_raise():
    learner = exp3(horizon=10)
    s = learner.init(rng.spawn_keys(0, 2), 3)
    with pytest.raises(ValueError, match="reward_range"):
        learner.update(s, Bandit(np.array([0, 1]), np.array([0.5, -0.2]), np.array([0.3, 0.3])))
    with pytest.raises(ValueError, match="finite"):
        learner.update(s, Bandit(np.array([0, 1]), np.array([np.nan, -0.2]), np.array([0.3, 0.3])))
    with pytest.raises(ValueError, match="prob"):
        learner.update(s, Bandit(np.array([0, 1]), np.array([-0.5, -0.2]), np.array([0.0, 0.3])))
    with pytest.raises(ValueError, match="action"):
        learner.update(s, Bandit(np.array([0, 3]), np.array([-0.5, -0.2]), np.array([0.3, 0.3])))
    with pytest.raises(TypeError, match="Bandit"):
        learner.update(s, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="lr > 0 or horizon"):
        exp3()
    with pytest.raises(ValueError, match="reward_range"):
        exp3(horizon=10, reward_range=(1, 0))
    with pytest.raises(ValueError, match="advice"):
        exp4(num_experts=2, horizon=5).strategy(exp4(num_experts=2, horizon=5).init(rng.spawn_keys(0, 1), 3))


FAMILY = {
    "exp3": lambda: exp3(horizon=50),
    "exp3_anytime": lambda: exp3(schedule="anytime"),
    "exp3_explore": lambda: exp3(lr=0.3, exploration=0.1),
    "exp3_ix": lambda: exp3_ix(horizon=50),
    "exp3p": lambda: exp3p(horizon=50),
    "tsallis_inf": lambda: tsallis_inf(),
}


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_update_is_pure_and_strategy_is_read_only_state(name):
    learner = FAMILY[name]()
    keys = rng.spawn_keys(2, 3)
    state = learner.init(keys, 4)
    act = rng.derive(keys, "action")
    for t in range(20):
        p = learner.strategy(state)
        assert not p.flags.writeable  # the returned strategy cannot change the state
        with pytest.raises(ValueError):
            p[0, 0] = 1.0
        a = rng.sample_actions(act, t, p)
        fb = Bandit(a, -SEQS["noisy"][t, a], p[np.arange(3), a])
        snapshot = [None if x is None else np.array(x, copy=True) for x in state]
        new = learner.update(state, fb)
        for old, kept in zip(state, snapshot):  # the argument state is never mutated
            if kept is not None:
                np.testing.assert_array_equal(old, kept)
        again = learner.update(state, fb)  # same state, same feedback: same numbers
        for x, y in zip(new, again):
            if x is not None:
                np.testing.assert_array_equal(x, y)
        # the carried strategy is the one recomputed from the rest of the state
        np.testing.assert_allclose(learner.strategy(new._replace(p=None)), learner.strategy(new), rtol=0, atol=1e-15)
        state = new


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_converted_feedback_gives_the_same_numbers(name):
    # the kernel fast path takes int64/float64 arrays as they are; lists, int32, float32 are
    # converted and checked first, and must give the same update
    learner = FAMILY[name]()
    state = learner.init(rng.spawn_keys(4, 3), 4)
    a = np.array([0, 3, 1])
    r = np.array([-0.25, -0.5, -0.75])
    p = learner.strategy(state)[np.arange(3), a]
    want = learner.update(state, Bandit(a, r, p))
    for fb in (Bandit(a.tolist(), r.tolist(), p.tolist()), Bandit(a.astype(np.int32), r.astype(np.float32).astype(np.float64), p),
               Bandit(a.astype(np.uint8), r, p.copy())):
        got = learner.update(state, fb)
        np.testing.assert_array_equal(got.loss, want.loss)
        np.testing.assert_array_equal(got.p, want.p)


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_bad_feedback_raises_clear_errors_on_the_compiled_path(name):
    learner = FAMILY[name]()
    s = learner.init(rng.spawn_keys(0, 2), 3)
    ok_a, ok_r, ok_p = np.array([0, 1]), np.array([-0.5, -0.2]), np.array([0.3, 0.3])
    cases = [
        (Bandit(ok_a, np.array([0.5, -0.2]), ok_p), ValueError, "reward_range"),
        (Bandit(ok_a, np.array([-0.5, np.nan]), ok_p), ValueError, "finite"),
        (Bandit(ok_a, np.array([-np.inf, -0.2]), ok_p), ValueError, "finite"),
        (Bandit(ok_a, ok_r, np.array([0.3, 0.0])), ValueError, "prob"),
        (Bandit(ok_a, ok_r, np.array([np.nan, 0.3])), ValueError, "prob"),
        (Bandit(ok_a, ok_r, np.array([1.5, 0.3])), ValueError, "prob"),
        (Bandit(np.array([0, 3]), ok_r, ok_p), ValueError, "action"),
        (Bandit(np.array([-1, 0]), ok_r, ok_p), ValueError, "action"),
        (Bandit(np.array([0, 1, 2]), np.array([-0.5, -0.2, -0.1]), np.array([0.3, 0.3, 0.3])), ValueError, r"shape \[2\]"),
        (Bandit(np.array([0.0, 1.0]), ok_r, ok_p), ValueError, "integer"),
        (FullInfo(np.zeros((2, 3))), TypeError, "Bandit"),
    ]
    for fb, exc, match in cases:
        with pytest.raises(exc, match=match):
            learner.update(s, fb)
