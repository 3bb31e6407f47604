"""Experts (full-information) learners, all batched over runs.

One algorithm family per module (``hedge.py``, ``adahedge.py``, ``ftrl.py`` ...); a new module
that registers a learner is found by the registry with no edit here. Factories return learner objects with ``init(keys, K)``, ``strategy(state)``, ``update(state,
feedback)`` and a per-run round counter ``state.t [B]``; a run whose feedback has every action
asleep gets no feedback and keeps its state (:func:`keep_asleep`). Wrappers compose:
``optimistic(hedge())``, ``swap(regret_matching())``.
"""

import importlib.util as _util

from regretlab.experts._base import keep_asleep
from regretlab.experts.ada_normal_hedge import ada_normal_hedge
from regretlab.experts.adahedge import adahedge
from regretlab.experts.fixed_share import fixed_share
from regretlab.experts.ftl import ftl
from regretlab.experts.ftpl import ftpl
from regretlab.experts.ftrl import ftrl
from regretlab.experts.hedge import hedge
from regretlab.experts.ogd import ogd
from regretlab.experts.uniform import uniform
from regretlab.experts.regret_matching import (
    discounted_regret_matching,
    regret_matching,
    regret_matching_plus,
)
from regretlab.experts.wrappers import optimistic, stationary, swap

__all__ = [
    "ada_normal_hedge", "adahedge", "discounted_regret_matching", "fixed_share", "ftl", "ftpl",
    "ftrl", "hedge", "keep_asleep", "ogd", "optimistic", "regret_matching", "regret_matching_plus",
    "stationary", "swap", "uniform",
]

# Sleeping experts (awake masks) live in their own module.
if _util.find_spec("regretlab.experts.sleeping") is not None:
    from regretlab.experts.sleeping import *  # noqa: F401,F403
    from regretlab.experts import sleeping as _sleeping

    __all__ += list(getattr(_sleeping, "__all__", []))
