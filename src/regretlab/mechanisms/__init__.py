"""Mechanisms for information acquisition from several agents (Cacciamani, Castiglioni, Gatti, ICLR 2024).

Instance type, the section 3.2 LP for the optimal correlated IC mechanism, the optimal
uncorrelated mechanism, the exhaustive IC checker, best-responding agents and the
explore-then-commit online learner of section 3.3 (``specs/regret-papers.md`` section 3).
"""

from regretlab.mechanisms.agents import (
    AgentSimulator,
    Behaviour,
    ICReport,
    best_response,
    check_ic,
    mechanism_value,
    report_payoffs,
)
from regretlab.mechanisms.instance import InfoInstance, Mechanism, joint_signal_law, random_instance
from regretlab.mechanisms.lp import (
    LinearProgram,
    MechanismLPInfeasible,
    bayes_decision,
    build_correlated_lp,
    solve_correlated,
)
from regretlab.mechanisms.online import (
    ETCResult,
    PhaseSchedule,
    assumption_rules,
    etc_instance,
    explore_then_commit,
)
from regretlab.mechanisms.uncorrelated import information_value, min_payment_rule, solve_uncorrelated

__all__ = [
    "AgentSimulator", "Behaviour", "ETCResult", "PhaseSchedule", "assumption_rules",
    "etc_instance", "explore_then_commit", "ICReport", "InfoInstance", "LinearProgram", "Mechanism",
    "MechanismLPInfeasible", "bayes_decision", "best_response", "build_correlated_lp", "check_ic",
    "information_value", "joint_signal_law", "mechanism_value", "min_payment_rule",
    "random_instance", "report_payoffs", "solve_correlated", "solve_uncorrelated",
]
