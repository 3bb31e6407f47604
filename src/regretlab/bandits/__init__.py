"""Bandits: adversarial (Exp3 family), stochastic baselines, combinatorial semi-bandits, switching costs.

Importing this package registers every learner (``@register``) and environment (``@register_env``).
"""

from regretlab.bandits import combinatorial
from regretlab.bandits.combinatorial import (
    CallbackOracle,
    EnumerationOracle,
    ERMOracle,
    FixedSetOracle,
    TopMOracle,
    check_action_set,
    exp2,
    ftpl_semibandit,
    m_sets,
)

__all__ = [
    "CallbackOracle", "ERMOracle", "EnumerationOracle", "FixedSetOracle", "TopMOracle",
    "check_action_set", "combinatorial", "exp2", "ftpl_semibandit", "m_sets",
]
