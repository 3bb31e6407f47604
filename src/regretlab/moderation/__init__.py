"""Online moderation: a no-regret ensemble of safety experts, as a library and a local service.

Experts are callables ``text -> Pr(unsafe)``; :mod:`~regretlab.moderation.aggregation` combines
them with EWA/Hedge, Fixed-Share or a category-aware (sleeping) ensemble that learns from labels
whenever they arrive; :mod:`~regretlab.moderation.service` serves it over HTTP on 127.0.0.1 with
its state in SQLite (write-ahead log). Spec §5 (AEGIS, Ghosh et al. 2024, arXiv 2404.05993).
"""

from regretlab.moderation.aggregation import (
    LOSSES,
    Aggregator,
    CategoryAware,
    EWA,
    FixedShare,
    ModerationRound,
    ModerationStream,
    best_switching_loss,
    category_aware,
    default_lr,
    ewa,
    fixed_share,
    fixed_share_bound,
    fixed_share_lr,
    loss_values,
    regret_bound,
    run_stream,
    upgrade_state,
)
from regretlab.moderation.experts import (
    CallableExpert,
    EmbeddingLogisticExpert,
    KeywordExpert,
    Rule,
    build_expert,
    fit_logistic,
)
from regretlab.moderation.synthetic import simulate_pool

__all__ = [
    "EWA",
    "FixedShare",
    "ModerationRound",
    "ModerationStream",
    "category_aware",
    "upgrade_state",
    "LOSSES",
    "Aggregator",
    "CallableExpert",
    "CategoryAware",
    "EmbeddingLogisticExpert",
    "KeywordExpert",
    "Rule",
    "best_switching_loss",
    "build_expert",
    "default_lr",
    "ewa",
    "fit_logistic",
    "fixed_share",
    "fixed_share_bound",
    "fixed_share_lr",
    "loss_values",
    "regret_bound",
    "run_stream",
    "simulate_pool",
]
