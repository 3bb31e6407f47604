"""Combinatorial semi-bandits: estimator unbiasedness, FTPL/Hedge identity, regret bounds, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regretlab.bandits.combinatorial import (
    CallbackOracle,
    EnumerationOracle,
    FixedSetOracle,
    SemiBanditState,
    TopMOracle,
    check_action_set,
    exp2,
    ftpl_semibandit,
    geometric_resampling_mean,
    m_sets,
    semibandit_estimate,
)
from regretlab.core import SemiBandit, rng
from regretlab.core.simplex import softmax


def test_m_sets_counts_and_rows():
    a = m_sets(6, 2)
    assert a.shape == (math.comb(6, 2), 6)
    assert (a.sum(axis=1) == 2).all()
    assert len({tuple(r) for r in a}) == a.shape[0]


def test_exp2_estimator_unbiased_monte_carlo():
    # E[u_j 1[a_j=1] / P_j] = u_j (Audibert, Bubeck & Lugosi 2014); Monte-Carlo mean within 3 sigma.
    actions = m_sets(5, 2)
    learner = exp2(actions=actions, lr=0.7, exploration=0.05)
    b = 40_000
    state = learner.init(rng.spawn_keys(3, b))
    score = np.tile(np.linspace(-2.0, 0.0, actions.shape[0]), (b, 1))
    state = state._replace(score=score)
    u = -np.array([0.1, 0.9, 0.5, 0.3, 0.7])
    _, chosen = learner.act(state)
    est = semibandit_estimate(chosen, np.where(chosen, u, 0.0), learner.marginals(state))
    mean, se = est.mean(axis=0), est.std(axis=0) / math.sqrt(b)
    assert (np.abs(mean - u) <= 3 * se).all(), (mean, u, se)
    # the empirical frequency of each component matches the marginal P_j
    p = learner.marginals(state)[0]
    assert np.allclose(chosen.mean(axis=0), p, atol=4 * np.sqrt(p * (1 - p) / b).max())


@pytest.mark.parametrize("max_resamples", [3, 400])
def test_geometric_resampling_unbiased_up_to_truncation(max_resamples):
    # Neu & Bartok (2013): E[u_j K_j 1[a_j=1]] = u_j (1 - (1 - P_j)^M); with Gumbel noise over
    # singleton actions the leader's law is softmax(eps * U) exactly, so P_j is known in closed form.
    k, b, eps = 4, 20_000, 1.0
    learner = ftpl_semibandit(FixedSetOracle(np.eye(k)), epsilon=eps, max_resamples=max_resamples, noise="gumbel")
    state = learner.init(rng.spawn_keys(5, b))
    cum = np.array([-1.0, -0.2, -0.6, -2.0])
    state = state._replace(summary=np.tile(cum, (b, 1)))
    p = softmax(eps * cum[None, :])[0]
    _, chosen = learner.act(state)
    counts = learner.resample_counts(state, None, chosen)
    u = np.array([-0.3, -0.8, -0.5, -1.0])
    est = np.where(chosen, u * counts, 0.0)
    target = u * np.array([p[j] * geometric_resampling_mean(p[j], max_resamples) for j in range(k)])
    mean, se = est.mean(axis=0), est.std(axis=0) / math.sqrt(b)
    assert (np.abs(mean - target) <= 3 * se).all(), (mean, target, se)
    if max_resamples == 400:  # truncation bias (1-P)^M is negligible: unbiased for u itself
        assert (np.abs(mean - u) <= 3 * se + 1e-3).all()


def test_gumbel_ftpl_equals_hedge_in_distribution():
    # argmax_k U_k + G_k / eps with Gumbel G is distributed as softmax(eps U) (Gumbel-max trick;
    # Kalai & Vempala 2005 / spec 2.3 "with Gumbel noise FTPL equals Hedge").
    k, b, eps = 5, 50_000, 0.8
    learner = ftpl_semibandit(np.eye(k, dtype=int), epsilon=eps, max_resamples=1, noise="gumbel")
    state = learner.init(rng.spawn_keys(11, b))
    cum = np.array([0.0, -0.5, -1.0, 0.3, -2.0])
    state = state._replace(summary=np.tile(cum, (b, 1)))
    policy, _ = learner.act(state)
    freq = np.bincount(policy, minlength=k) / b
    p = softmax(eps * cum[None, :])[0]
    assert (np.abs(freq - p) <= 3 * np.sqrt(p * (1 - p) / b)).all(), (freq, p)


def test_top_m_oracle_matches_enumeration():
    d, m, b = 7, 3, 50
    top, table = TopMOracle(d, m), FixedSetOracle(m_sets(d, m))
    g = np.random.default_rng(0)
    summary, z = g.normal(size=(b, d)), g.normal(size=(b, 1, d))
    assert (top.act(top.best(summary, z), None) == table.act(table.best(summary, z), None)).all()


def _expected_regret(learner, actions, losses, b, seed):
    """Mean over runs of sum_t <p_t, A l_t> - min_h sum_t <a_h, l_t> (pseudo-regret), Exp2 only."""
    state = learner.init(rng.spawn_keys(seed, b))
    total = np.zeros(b)
    for t in range(losses.shape[0]):
        p = learner.strategy(state)
        total += p @ (actions @ losses[t])
        _, chosen = learner.act(state)
        state = learner.update(state, SemiBandit(chosen, np.where(chosen, -losses[t], 0.0)))
    best = (actions @ losses.sum(axis=0)).min()
    return float(total.mean() - best)


def test_exp2_regret_under_semibandit_bound():
    # Exp2 with eta = sqrt(2 ln M / (m D T)) has expected regret <= sqrt(2 m D T ln M) for losses in
    # [0, 1] (Audibert, Bubeck & Lugosi 2014). 200 runs in one batch; the bound is in expectation
    # and the batch mean has standard error far below the 40% slack we observe.
    d, m, t_len, b = 6, 2, 400, 200
    actions = m_sets(d, m)
    g = np.random.default_rng(1)
    losses = g.uniform(0.3, 1.0, size=(t_len, d))
    losses[:, [1, 4]] = g.uniform(0.0, 0.6, size=(t_len, 2))  # best set {1, 4}
    reg = _expected_regret(exp2(actions=actions, horizon=t_len), actions.astype(float), losses, b, 0)
    bound = math.sqrt(2 * m * d * t_len * math.log(actions.shape[0]))
    assert 0 < reg <= bound, (reg, bound)


def _contextual_instance():
    # X = {0, 1}; policies = all maps X -> 2-subsets of 4 components (6^2 = 36 policies).
    base = m_sets(4, 2)
    table = np.array([[base[h0], base[h1]] for h0 in range(6) for h1 in range(6)])  # [H, X, D]
    policy_actions = lambda x: table[:, x] if np.ndim(x) == 0 else np.transpose(table[:, x], (1, 0, 2))
    return table, policy_actions


def test_context_ftpl_and_exp2_learn_contextual_instance():
    table, policy_actions = _contextual_instance()
    t_len, b = 300, 32
    g = np.random.default_rng(2)
    xs = g.integers(0, 2, size=(t_len, b))
    mean_loss = np.array([[0.2, 0.8, 0.3, 0.9], [0.9, 0.3, 0.8, 0.2]])  # best: {0,2} on x=0, {1,3} on x=1
    losses = np.clip(mean_loss[xs] + g.normal(0, 0.1, size=(t_len, b, 4)), 0, 1)
    best = min((np.einsum("tbd,tbd->", table[h][xs], losses)) for h in range(table.shape[0])) / b
    oracle = EnumerationOracle(policy_actions, 4, separator=[0, 1])
    learners = {
        "ftpl": ftpl_semibandit(oracle, epsilon=0.3, max_resamples=30),
        "exp2": exp2(num_policies=table.shape[0], horizon=t_len),
    }
    for name, learner in learners.items():
        state = learner.init(rng.spawn_keys(4, b))
        total = 0.0
        for t in range(t_len):
            ctx = xs[t] if name == "ftpl" else table[:, xs[t]].transpose(1, 0, 2)
            _, chosen = learner.act(state, ctx)
            total += float((chosen * losses[t]).sum()) / b
            state = learner.update(state, SemiBandit(chosen, np.where(chosen, -losses[t], 0.0)), ctx)
        uniform = float(losses.sum() / 2) / b  # a uniform 2-subset picks each component w.p. 1/2
        # Learning: FTPL's regret is at most 35% of the uniform policy's after 300 rounds; Exp2's
        # realised regret (mean of 32 runs) is under its expected-regret bound sqrt(2 m D T ln H).
        limit = 0.35 * (uniform - best) if name == "ftpl" else math.sqrt(2 * 2 * 4 * t_len * math.log(36))
        assert total - best < limit, (name, total - best, limit)


def test_callback_oracle_agrees_with_enumeration():
    table, policy_actions = _contextual_instance()

    def fit(contexts, utilities, separator, noise):
        score = np.einsum("shd,bsd->bh", np.stack([policy_actions(s) for s in separator]).astype(float), noise)
        for i, x in enumerate(contexts):
            score += np.einsum("bhd,bd->bh", policy_actions(x).astype(float), utilities[:, i])
        return np.argmax(score, axis=1)

    def act(policy, x):
        return table[policy, x]

    enum = ftpl_semibandit(EnumerationOracle(policy_actions, 4, [0, 1]), epsilon=0.5, max_resamples=8)
    call = ftpl_semibandit(CallbackOracle(fit, act, [0, 1], 4), epsilon=0.5, max_resamples=8)
    b = 6
    se, sc = enum.init(rng.spawn_keys(9, b)), call.init(rng.spawn_keys(9, b))
    g = np.random.default_rng(3)
    for _ in range(15):
        x = g.integers(0, 2, size=b)
        (pe, ce), (pc, cc) = enum.act(se, x), call.act(sc, x)
        assert (pe == pc).all() and (ce == cc).all()
        fb = SemiBandit(ce, np.where(ce, -g.uniform(size=(b, 4)), 0.0))
        se, sc = enum.update(se, fb, x), call.update(sc, fb, x)
    assert sc.summary[1].shape == (b, 15, 4)


def test_batch_row_equals_solo_run():
    actions = m_sets(4, 2)
    for learner in (exp2(actions=actions, horizon=50), ftpl_semibandit(actions, horizon=50)):
        keys = rng.spawn_keys(7, 5)
        sb, s1 = learner.init(keys), learner.init(keys[2:3])
        for t in range(20):
            _, cb = learner.act(sb)
            _, c1 = learner.act(s1)
            assert (cb[2] == c1[0]).all()
            loss = np.linspace(0, 1, 4) * ((t % 3) / 2)
            sb = learner.update(sb, SemiBandit(cb, np.where(cb, -loss, 0.0)))
            s1 = learner.update(s1, SemiBandit(c1, np.where(c1, -loss, 0.0)))


def test_revealed_coordinates_used_without_weighting():
    learner = exp2(actions=[[1, 0, 0], [0, 1, 1]], lr=1.0)
    s = learner.init(rng.spawn_keys(0, 1))
    chosen = np.array([[True, False, False]])
    p = learner.marginals(s)
    s2 = learner.update(s, SemiBandit(chosen, np.array([[-0.5, 0.0, -0.25]])), revealed=[False, False, True])
    assert np.allclose(s2.score, [[-0.5 / p[0, 0], -0.25]])


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="empty row at index \\[1\\]"):
        check_action_set([[1, 0], [0, 0]])
    with pytest.raises(ValueError, match="0/1"):
        exp2(actions=[[1, 2]])
    with pytest.raises(ValueError, match="empty row"):
        ftpl_semibandit([[0, 0, 0]], horizon=10)
    learner = exp2(actions=m_sets(3, 1), horizon=10)
    s = learner.init(rng.spawn_keys(0, 2))
    _, chosen = learner.act(s)
    with pytest.raises(ValueError, match="reward_range"):
        learner.update(s, SemiBandit(chosen, np.where(chosen, 2.0, 0.0)))
    with pytest.raises(ValueError, match="empty row"):
        exp2(num_policies=2, horizon=5).act(exp2(num_policies=2).init(rng.spawn_keys(0, 1)),
                                             np.array([[1, 0], [0, 0]]))
    with pytest.raises(ValueError, match="epsilon"):
        ftpl_semibandit(TopMOracle(3, 1))
    with pytest.raises(TypeError, match="ERMOracle"):
        ftpl_semibandit(object(), epsilon=1.0, max_resamples=2)


def test_semibandit_setting_answers_component_feedback():
    from regretlab.bandits.combinatorial import SemiBanditRound, SemiBanditSetting

    u = -np.array([[0.9, 0.1, 0.5], [0.2, 0.4, 0.6]])  # [T, D]
    fixed = SemiBanditSetting(u, m_sets(3, 2), revealed=[False, False, True])
    s = fixed.init(rng.spawn_keys(0, 2))
    ctx = fixed.context(s, 0)
    assert isinstance(ctx, SemiBanditRound) and ctx.context is None
    with pytest.raises(ValueError, match="step"):
        fixed.semi_bandit(s, 0, np.array([0, 0]))
    s, (per_action,) = fixed.step(s, (np.full((2, 3), 1 / 3),), (np.array([0, 2]),))
    np.testing.assert_allclose(per_action, np.tile(m_sets(3, 2).astype(float) @ u[0], (2, 1)))
    chosen, reward = fixed.semi_bandit(s, 0, np.array([0, 2]))
    assert chosen.astype(int).tolist() == [[1, 1, 0], [0, 1, 1]]
    np.testing.assert_allclose(reward, [[-0.9, -0.1, -0.5], [0.0, -0.1, -0.5]])  # coordinate 2 is revealed
    s, _ = fixed.step(s, (np.full((2, 3), 1 / 3),), (np.array([0, 0]),))
    with pytest.raises(ValueError, match="past its 2 rounds"):
        fixed.step(s, (np.full((2, 3), 1 / 3),), (np.array([0, 0]),))
    # per-round tables are the context, unless contexts are given
    tables = np.stack([m_sets(3, 2), m_sets(3, 1)])  # [T, M=3, D=3]
    per_round = SemiBanditSetting(u, tables)
    assert per_round.context(per_round.init(rng.spawn_keys(0, 1)), 0).shape == (3, 3)
    assert SemiBanditSetting(u, tables, contexts=["x0", "x1"]).context(SemiBanditState(1), 0) == "x1"
    with pytest.raises(ValueError, match="reward_range"):
        SemiBanditSetting(-u, m_sets(3, 2))  # utilities above the declared (-1, 0)
    with pytest.raises(ValueError, match="D=2 components"):
        SemiBanditSetting(u, m_sets(2, 1))
    with pytest.raises(ValueError, match="T=2 rounds"):
        SemiBanditSetting(u, np.stack([m_sets(3, 1)] * 3))
    with pytest.raises(ValueError, match="empty row"):
        SemiBanditSetting(u, [[1, 0, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="batch=3"):
        SemiBanditSetting(np.stack([u, u], axis=1), m_sets(3, 2)).init(rng.spawn_keys(0, 3))


def test_exp2_through_the_driver_under_the_semibandit_bound():
    # The driver path: run(exp2, SemiBanditSetting) with the instance of test_exp2_regret_under_semibandit_bound;
    # pseudo-regret of the expected play (trace.regret) under sqrt(2 m D T ln M) (Audibert et al. 2014).
    from regretlab.bandits.combinatorial import SemiBanditSetting
    from regretlab.run import run

    d, m, t_len = 6, 2, 400
    actions = m_sets(d, m)
    g = np.random.default_rng(1)
    losses = g.uniform(0.3, 1.0, size=(t_len, d))
    losses[:, [1, 4]] = g.uniform(0.0, 0.6, size=(t_len, 2))
    try:
        trace = run(exp2(actions=actions, horizon=t_len), SemiBanditSetting(-losses, actions), t_len, batch=100,
                    every=t_len, progress=False)
    except TypeError as exc:
        if "SemiBandit" in str(exc):
            pytest.skip("regretlab.run.run does not drive SemiBandit learners yet")
        raise
    bound = math.sqrt(2 * m * d * t_len * math.log(actions.shape[0]))
    assert 0 < trace.regret[-1].mean() <= bound, (trace.regret[-1].mean(), bound)
