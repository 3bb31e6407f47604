"""Individually fair online learning with one-sided feedback (Bechavod & Roth, ICML 2023).

Auditors and gamma-panels (:mod:`.panel`), the reduction to a contextual combinatorial
semi-bandit (:mod:`.reduction`), and the run loop with Exp2 / Context-Semi-Bandit-FTPL and the
accuracy-regret and violation metrics (:mod:`.online`). Spec: ``specs/regret-papers.md`` section 6.
"""

from regretlab.fairness.panel import Auditor, Panel, Violation, lipschitz_auditor
from regretlab.fairness.reduction import (
    ArrayStream,
    LendingStream,
    RoundContext,
    ThresholdClass,
    action_table,
    expected_errors,
    linearised_fairness,
    one_sided_losses,
    revealed_mask,
    round_losses,
    synthetic_losses,
)
from regretlab.fairness.online import FairRun, best_fair_errors, default_panel, make_learner, run_fair_learning

__all__ = [
    "ArrayStream", "Auditor", "FairRun", "LendingStream", "Panel", "RoundContext", "ThresholdClass",
    "Violation", "action_table", "best_fair_errors", "default_panel", "expected_errors",
    "linearised_fairness", "lipschitz_auditor", "make_learner", "one_sided_losses",
    "revealed_mask", "round_losses", "run_fair_learning", "synthetic_losses",
]
