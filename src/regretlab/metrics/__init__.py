"""Metrics: regret (external, realised, swap, tracking) and sublinearity detectors."""

from regretlab.metrics.regret import external_regret, realized_regret, swap_regret, tracking_regret
from regretlab.metrics.sublinearity import (
    SlopeTest,
    TrendTest,
    loglog_slope,
    slope_test,
    trend_test,
)

__all__ = [
    "SlopeTest", "TrendTest", "external_regret", "loglog_slope", "realized_regret",
    "slope_test", "swap_regret", "tracking_regret", "trend_test",
]
