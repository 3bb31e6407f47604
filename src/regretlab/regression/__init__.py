"""Online regression: batched online ridge/VAW/OGD/AdaGrad, HL-Gauss and heteroscedastic
regressors, groupwise regret (sleeping AdaNormalHedge over per-group experts) and in-context
learners evaluated prequentially."""

from regretlab.regression.online import (
    GradientRegressor,
    OnlineRidge,
    adagrad_regressor,
    ogd_regressor,
    online_ridge,
    run_regressor,
    vaw,
    vaw_bound,
)

__all__ = [
    "GradientRegressor",
    "OnlineRidge",
    "adagrad_regressor",
    "ogd_regressor",
    "online_ridge",
    "run_regressor",
    "vaw",
    "vaw_bound",
]
