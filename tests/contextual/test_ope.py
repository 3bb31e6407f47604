"""Off-policy evaluation: IPS, self-normalised IPS and doubly robust equal a direct computation,
IPS and DR are unbiased (within 3σ over many logged streams), and bad propensities are errors."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.bandits.contextual.ope import (
    check_propensity,
    doubly_robust,
    ips,
    log_stream,
    snips,
)
from regretlab.bandits.contextual.policies import LinearPolicy
from regretlab.bandits.contextual.settings import linear_contextual
from regretlab.core import rng


def _logged(batch=3, T=50, seed=0):
    env = linear_contextual(num_actions=4, dim=3, instance_seed=5)

    def logging(x):  # a softmax of a fixed linear score: every arm has probability > 0
        s = x @ np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, -1.0, 0.0]]).T
        e = np.exp(2.0 * s)
        return e / e.sum(axis=1, keepdims=True)

    return env, log_stream(env, logging, T, rng.spawn_keys(seed, batch))


def _target(env, logged):
    pi = LinearPolicy(env.theta)  # the optimal policy of the model
    b, n, d = logged.contexts.shape
    x = np.broadcast_to(logged.contexts[:, :, None, :], (b, n, 4, d)).reshape(b * n, 4, d)
    return pi(x).reshape(b, n, 4)


def test_estimators_equal_a_direct_computation():
    env, lg = _logged()
    target = _target(env, lg)
    q = np.full(target.shape, 0.3) + 0.1 * np.arange(4)
    for b in range(3):
        ips_terms, sn_num, sn_den, dr_terms = [], 0.0, 0.0, []
        for i in range(lg.action.shape[1]):  # one logged round at a time, written out
            a, r, mu = int(lg.action[b, i]), float(lg.reward[b, i]), float(lg.propensity[b, i])
            w = target[b, i, a] / mu
            ips_terms.append(w * r)
            sn_num += w * r
            sn_den += w
            dr_terms.append(sum(target[b, i, k] * q[b, i, k] for k in range(4)) + w * (r - q[b, i, a]))
        assert ips(lg.action, lg.reward, lg.propensity, target).value[b] == pytest.approx(np.mean(ips_terms), abs=1e-12)
        assert snips(lg.action, lg.reward, lg.propensity, target).value[b] == pytest.approx(sn_num / sn_den, abs=1e-12)
        assert doubly_robust(lg.action, lg.reward, lg.propensity, target, q).value[b] == pytest.approx(
            np.mean(dr_terms), abs=1e-12)
        np.testing.assert_allclose(ips(lg.action, lg.reward, lg.propensity, target).se[b],
                                   np.std(ips_terms, ddof=1) / np.sqrt(len(ips_terms)), rtol=1e-12)
    # the target's probability of the logged action is accepted in place of its distribution
    pa = np.take_along_axis(target, lg.action[..., None], axis=2)[..., 0]
    np.testing.assert_array_equal(ips(lg.action, lg.reward, lg.propensity, pa).value,
                                  ips(lg.action, lg.reward, lg.propensity, target).value)
    # logged probabilities are the logging policy's: the propensity is its entry at the action
    np.testing.assert_array_equal(lg.propensity, np.take_along_axis(lg.logging, lg.action[..., None], 2)[..., 0])


def test_ips_and_dr_are_unbiased_within_three_sigma():
    # E[IPS] = E[DR] = V(π) for propensities > 0 and a reward model fixed before the data
    # (Dudík, Langford & Li 2011, Thm 1 with a fixed q̂). 300 independent logged streams of 40 rounds;
    # the truth of each stream is the target's expected reward under the known model's means.
    env, lg = _logged(batch=300, T=40, seed=1)
    target = _target(env, lg)
    truth = np.einsum("bnk,bnk->bn", target, lg.means).mean(axis=1)  # [B] V(π) on each stream's contexts
    q = np.full(target.shape, 0.5)  # a deliberately wrong model: DR stays unbiased
    for est in (ips(lg.action, lg.reward, lg.propensity, target),
                doubly_robust(lg.action, lg.reward, lg.propensity, target, q)):
        err = est.value - truth
        assert abs(err.mean()) < 3 * err.std(ddof=1) / np.sqrt(err.size), (err.mean(), err.std())
    # and a good model shrinks DR's spread below IPS's
    dr_good = doubly_robust(lg.action, lg.reward, lg.propensity, target, lg.means)
    assert (dr_good.value - truth).std() < 0.8 * (ips(lg.action, lg.reward, lg.propensity, target).value - truth).std()


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, np.nan, np.inf])
def test_bad_propensities_are_one_line_errors(bad):
    p = np.array([0.5, bad, 0.2])
    with pytest.raises(ValueError, match=r"propensity must be .* in \(0, 1\]") as info:
        check_propensity(p)
    assert "\n" not in str(info.value) and "index [1]" in str(info.value)
    for f in (ips, snips):
        with pytest.raises(ValueError, match="propensity"):
            f([0, 1, 0], [1.0, 0.0, 1.0], p, [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="propensity"):
        doubly_robust([0, 1, 0], [1.0, 0.0, 1.0], p, np.eye(2)[[0, 0, 0]], np.zeros((3, 2)))


def test_other_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="propensity must have shape"):
        ips([0, 1], [1.0, 0.0], [0.5], [1.0, 1.0])
    with pytest.raises(ValueError, match="reward must have the shape"):
        ips([0, 1], [1.0], [0.5, 0.5], [1.0, 1.0])
    with pytest.raises(ValueError, match="action must be an integer"):
        ips([0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0])
    with pytest.raises(ValueError, match="target"):
        ips([0, 1], [1.0, 0.0], [0.5, 0.5], [[0.3, 0.3], [1.0, 0.0]])
    with pytest.raises(ValueError, match="distributions"):
        doubly_robust([0, 1], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0], np.zeros((2, 2)))
