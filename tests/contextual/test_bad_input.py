"""Bad input to the contextual bandits (issue 17, Show: "contexts of the wrong dimension ...,
propensities of 0 in a logged stream — each a one-line error naming the argument and what was
expected"), for what the conformance suite and test_ope.py do not already check: a wrong context
handed back with the feedback to ``update`` (every registered contextual learner), a replayed
stream whose contexts and utilities disagree, a policy class fed features of another dimension,
and zero propensities in a batched logged stream ``[B, n]``."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.bandits.contextual import doubly_robust, ips, replay_contextual, snips
from regretlab.bandits.contextual.policies import LinearPolicy, PolicyClass, policy_exp4
from regretlab.core import Bandit, learners, rng

K = 3
CASES = [(e.name, e.test_params[0]) for e in learners.entries("contextual")]


def _one_line(info, *words):
    text = str(info.value)
    assert "\n" not in text, text
    for w in words:
        assert w in text, text


@pytest.mark.parametrize("name,params", CASES, ids=[n for n, _ in CASES])
def test_update_with_a_context_of_the_wrong_dimension(name, params):
    """The context that comes back with the feedback is checked like the one ``strategy`` saw."""
    learner = learners.make(name, **params)
    keys = rng.spawn_keys(0, 2)
    state = learner.init(keys, K)
    d = learner.dim
    x = np.full((2, K, d), 1.0 / d)
    p = learner.strategy(state, x)
    a = p.argmax(axis=1)
    for bad in (np.ones((2, K, d + 1)), np.ones((2, d - 1 if d > 1 else d + 2)), np.ones((4, K, d))):
        with pytest.raises(ValueError, match="^context must have shape") as info:
            learner.update(state, Bandit(a, np.array([1.0, 0.0]), p[np.arange(2), a], context=bad))
        _one_line(info, f"dim={d}", str(list(bad.shape)))
    with pytest.raises(ValueError, match="^context is required") as info:
        learner.update(state, Bandit(a, np.array([1.0, 0.0]), p[np.arange(2), a]))
    _one_line(info)


def test_a_replayed_stream_whose_contexts_and_utilities_disagree():
    with pytest.raises(ValueError, match=r"^utilities must be \[T, K\] or \[T, B, K\] with T = len\(contexts\) = 5, "
                                         r"got \[4, 2\]") as info:
        replay_contextual(np.ones((5, 3)), np.ones((4, 2)))
    _one_line(info)


def test_a_policy_class_fed_features_of_another_dimension():
    pc = PolicyClass([LinearPolicy(np.ones(3)), LinearPolicy(-np.ones(3))], dim=3)
    with pytest.raises(ValueError, match=r"^context must have shape \[1, 3\] .* got \[1, 2, 4\]") as info:
        pc.advice(np.ones((1, 2, 4)), 1, 2)
    _one_line(info, "dim=3")
    with pytest.raises(ValueError, match=r"^dim=4 differs from the policy class's dim=3$"):
        policy_exp4(pc, dim=4)


@pytest.mark.parametrize("where", [(0, 0), (1, 2)])
def test_a_zero_propensity_in_a_batched_logged_stream_names_its_index(where):
    """A logged stream of ``B = 2`` runs of ``n = 3`` rounds: the zero is found and located."""
    mu = np.full((2, 3), 0.5)
    mu[where] = 0.0
    action, reward = np.zeros((2, 3), dtype=np.int64), np.ones((2, 3))
    target = np.broadcast_to(np.eye(2)[0], (2, 3, 2))
    for est in (lambda: ips(action, reward, mu, target), lambda: snips(action, reward, mu, target),
                lambda: doubly_robust(action, reward, mu, target, np.zeros((2, 3, 2)))):
        with pytest.raises(ValueError, match=r"^propensity must be the logging policy's probability of the "
                                             r"logged action, in \(0, 1\]") as info:
            est()
        _one_line(info, f"index [{where[0]}, {where[1]}]", "probability 0 cannot be importance weighted")
