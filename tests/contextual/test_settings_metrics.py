"""Contextual settings, the hindsight-policy regret of metrics.contextual, the oracle learners and
Exp4 over a policy class (against the registered exp4 fed the same advice)."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.bandits.adversarial import exp4
from regretlab.bandits.contextual import (
    ClassifierPolicy,
    LinearPolicy,
    PolicyClass,
    classification_bandit,
    epsilon_greedy_oracle,
    linear_contextual,
    linucb,
    policy_exp4,
    replay_contextual,
    square_cb,
    switching_contexts,
)
from regretlab.bandits.contextual.settings import record_stream
from regretlab.core import Bandit, rng
from regretlab.metrics import contextual as cm
from regretlab.run import run


def test_the_driver_sees_the_recorded_stream_and_the_ledger_pseudo_regret_matches():
    env = linear_contextual(num_actions=3, dim=2, instance_seed=4)
    keys = rng.spawn_keys(3, 4)
    trace = run(square_cb(dim=2, gamma=20.0), env, T=60, keys=keys, history=True, progress=False)
    stream = record_stream(env, 60, keys)
    np.testing.assert_array_equal(trace.utilities, stream.utilities)  # the rewards the driver got
    np.testing.assert_allclose(cm.pseudo_regret(trace.strategies, stream.means)[-1], trace.metrics["pseudo_regret"][-1],
                               rtol=1e-12)
    np.testing.assert_allclose(cm.cumulative_expected_utility(trace.strategies, stream.utilities)[-1],
                               trace.metrics["utility"][-1], rtol=1e-12)


def test_true_parameters_are_the_optimal_policy_and_regret_vs_policy():
    env = linear_contextual(num_actions=4, dim=3, noise="none", instance_seed=1)
    keys = rng.spawn_keys(0, 3)
    stream = record_stream(env, 200, keys)
    best = cm.best_linear_policy(stream.contexts, stream.utilities, candidates=[env.theta])
    np.testing.assert_allclose(best.cumulative[-1], stream.means.max(axis=2).sum(axis=0), rtol=1e-12)
    # a noiseless linear model: the ridge fit in hindsight finds the optimal policy too (nearly)
    ridge = cm.policy_utility(stream.contexts, stream.utilities, cm.fit_linear_policy(stream.contexts, stream.utilities))
    assert (ridge.sum(axis=0) >= 0.99 * best.cumulative[-1]).all()
    trace = run(linucb(dim=3, alpha=0.3), env, T=200, keys=keys, every=50, progress=False)
    regret = cm.regret_vs_policy(trace.metrics["utility"], best.cumulative, trace.rounds)
    np.testing.assert_allclose(regret, trace.metrics["pseudo_regret"], rtol=1e-9, atol=1e-9)  # same comparator
    with pytest.raises(ValueError, match="theta must be"):
        cm.policy_utility(stream.contexts, stream.utilities, np.ones((5, 3)))
    with pytest.raises(ValueError, match="learner_cumulative"):
        cm.regret_vs_policy(trace.metrics["utility"][:, :2], best.cumulative, trace.rounds)


def test_classification_bandit_on_wine_is_the_supervised_to_bandit_conversion():
    env = classification_bandit("wine")
    keys = rng.spawn_keys(1, 2)
    stream = record_stream(env, 2 * env.n, keys)
    # each pass shows every example once, in a per-run order; reward 1 exactly on the label
    seen = np.stack([stream.contexts[:env.n, b] for b in range(2)])
    assert np.unique(seen[0], axis=0).shape[0] == np.unique(env.X, axis=0).shape[0]
    assert not np.array_equal(seen[0], seen[1])
    assert (stream.utilities.sum(axis=2) == 1).all()
    np.testing.assert_array_equal(stream.means, stream.utilities)
    solo = record_stream(env, 30, keys[1:])
    np.testing.assert_array_equal(solo.contexts[:, 0], stream.contexts[:30, 1])
    # LinUCB learns the classes: far more correct than chance over two passes
    trace = run(linucb(dim=env.dim, alpha=0.2), env, T=2 * env.n, keys=keys, every=env.n, progress=False)
    assert (trace.metrics["utility"][-1] > 0.8 * 2 * env.n).all()


def test_replay_and_switching_streams():
    g = np.random.default_rng(0)
    x, u = g.standard_normal((20, 2)), g.random((20, 3))
    tr = run(linucb(dim=2), replay_contextual(x, u, utility_range=(0.0, 1.0)), T=20, batch=2, progress=False,
             history=True)
    np.testing.assert_array_equal(tr.utilities, np.broadcast_to(u[:, None], (20, 2, 3)))
    env = switching_contexts(num_actions=3, dim=3, block=10, spread=0.0)
    s = record_stream(env, 30, rng.spawn_keys(0, 1))
    np.testing.assert_allclose(np.abs(s.contexts[:, 0]).argmax(axis=1), np.repeat([0, 1, 2], 10))


def test_oracle_learners_beat_uniform_on_a_linear_model():
    env = linear_contextual(num_actions=4, dim=3, instance_seed=6)
    uniform = epsilon_greedy_oracle(dim=3, epsilon=1.0)
    base = run(uniform, env, T=1500, batch=6, seed=0, every=1500, progress=False).metrics["pseudo_regret"][-1].mean()
    for learner in (epsilon_greedy_oracle(dim=3, epsilon=0.05), square_cb(dim=3, horizon=1500),
                    square_cb(dim=3, gamma=100.0, regressor="vaw"),
                    epsilon_greedy_oracle(dim=3, regressor="ogd_regressor", regressor_params={"lr": 0.05})):
        got = run(learner, env, T=1500, batch=6, seed=0, every=1500, progress=False).metrics["pseudo_regret"][-1]
        assert got.mean() < 0.5 * base, (learner, got.mean(), base)
    with pytest.raises(ValueError, match="regressor must be a registered online regressor"):
        square_cb(dim=3, regressor="hedge")


def test_policy_exp4_is_exp4_fed_the_policy_class_advice():
    env = linear_contextual(num_actions=3, dim=2, features="per_arm", instance_seed=2)
    keys = rng.spawn_keys(5, 3)
    stream = record_stream(env, 50, keys)
    pols = [LinearPolicy(env.theta), LinearPolicy(-env.theta), LinearPolicy(np.array([1.0, 0.0]))]
    wrapped, inner = policy_exp4(pols, dim=2, lr=0.2), exp4(num_experts=3, lr=0.2, reward_range=(0.0, 1.0))
    pc = PolicyClass(pols, dim=2)
    sw, si = wrapped.init(keys, 3), inner.init(keys, 3)
    act, rows = rng.derive(keys, "action"), np.arange(3)
    for t in range(50):
        x = stream.contexts[t]
        adv = pc.advice(x, 3, 3)
        p = wrapped.strategy(sw, x)
        np.testing.assert_allclose(p, inner.strategy(si, adv), rtol=1e-12)
        a = rng.sample_actions(act, t, p)
        r = stream.utilities[t, rows, a]
        sw = wrapped.update(sw, Bandit(a, r, p[rows, a], context=x))
        si = inner.update(si, Bandit(a, r, p[rows, a], context=adv))
    # the optimal policy of the model gathers the weight (least estimated loss)
    assert (sw.exp4.loss.argmin(axis=1) == 0).all()


def test_classifier_policy_wraps_an_offline_trained_model():
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression

    env = classification_bandit("wine")
    clf = LogisticRegression(max_iter=500).fit(env.X[::2], env.y[::2])  # offline, on half the data
    x = env.X[1::2][:, None, :].repeat(3, axis=1)
    hard = ClassifierPolicy(clf)(x)
    np.testing.assert_array_equal(hard.argmax(axis=1), clf.predict(env.X[1::2]))
    np.testing.assert_allclose(ClassifierPolicy(clf, stochastic=True)(x), clf.predict_proba(env.X[1::2]))
    tr = run(policy_exp4([ClassifierPolicy(clf), LinearPolicy(np.zeros((3, env.dim)))], dim=env.dim, horizon=400),
             env, T=400, batch=2, seed=0, every=400, progress=False)
    assert (tr.metrics["utility"][-1] > 0.8 * 400).all()


def test_logistic_model_and_setting_arguments():
    from regretlab.bandits.contextual import logistic_contextual

    env = logistic_contextual(num_actions=3, dim=4, scale=2.0, instance_seed=3)
    s = record_stream(env, 200, rng.spawn_keys(0, 5))
    direct = 1.0 / (1.0 + np.exp(-2.0 * np.einsum("tbd,kd->tbk", s.contexts, env.theta)))
    np.testing.assert_allclose(s.means, direct, rtol=1e-12)
    assert set(np.unique(s.utilities)) <= {0.0, 1.0}
    assert abs(s.utilities.mean() - s.means.mean()) < 4 * np.sqrt(0.25 / s.utilities.size)  # Bernoulli(μ)
    for bad, match in (({"features": "both"}, "features must be one of"), ({"dim": 0}, "dim"),
                       ({"num_actions": 1.5}, "num_actions")):
        with pytest.raises(ValueError, match=match):
            linear_contextual(**bad)
    with pytest.raises(ValueError, match="dataset must be one of"):
        classification_bandit("mnist")
    with pytest.raises(ValueError, match="at least 2 classes"):
        classification_bandit(X=np.ones((3, 2)), y=np.zeros(3))
