"""Contextual bandits: linear (LinUCB disjoint / hybrid, linear Thompson sampling), oracle-based
(ε-greedy, explore-first and SquareCB over any registered online regressor), Exp4 over a policy
class, the settings they play in, and off-policy evaluation of logged streams.

Learners are registered with family ``"contextual"`` (``feedback = Bandit``): the round's context
(features ``[B, D]`` shared by the arms or ``[B, K, D]`` per arm) enters through
``strategy(state, context)`` and comes back in ``Bandit(..., context=...)`` to ``update``. The
settings (:mod:`.settings`) are one-player settings of :func:`regretlab.run.run`; regret against
the best fixed linear policy in hindsight is computed in :mod:`regretlab.metrics.contextual`.
"""

from regretlab.bandits.contextual import linear, ope, oracle, policies, settings
from regretlab.bandits.contextual.linear import lin_ts, linucb, linucb_hybrid
from regretlab.bandits.contextual.ope import LoggedStream, doubly_robust, ips, snips
from regretlab.bandits.contextual.oracle import (
    epsilon_greedy_oracle,
    explore_first,
    square_cb,
)
from regretlab.bandits.contextual.policies import (
    ClassifierPolicy,
    LinearPolicy,
    PolicyClass,
    policy_exp4,
)
from regretlab.bandits.contextual.settings import (
    ClassificationBandit,
    LinearContextual,
    ReplayContextual,
    classification_bandit,
    linear_contextual,
    logistic_contextual,
    record_stream,
    replay_contextual,
    sklearn_dataset,
    switching_contexts,
)

__all__ = [
    "ClassificationBandit", "ClassifierPolicy", "LinearContextual", "LinearPolicy", "LoggedStream", "PolicyClass",
    "ReplayContextual", "classification_bandit", "doubly_robust", "epsilon_greedy_oracle", "explore_first", "ips",
    "lin_ts", "linear", "linear_contextual", "linucb", "linucb_hybrid", "logistic_contextual", "ope", "oracle",
    "policies", "policy_exp4", "record_stream", "replay_contextual", "settings", "sklearn_dataset", "snips", "square_cb",
    "switching_contexts",
]
