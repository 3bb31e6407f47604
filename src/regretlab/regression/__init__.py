"""Online regression: batched online ridge/VAW/OGD/AdaGrad, HL-Gauss and heteroscedastic
regressors, groupwise regret (sleeping AdaNormalHedge over per-group experts) and in-context
learners, all on one contract (:mod:`regretlab.regression.types`) and one prediction driver
(:func:`regretlab.regression.driver.run_predictor`)."""

from regretlab.regression.driver import ArrayStream, PredictionTrace, run_predictor
from regretlab.regression.online import (
    GradientRegressor,
    HeteroscedasticGaussian,
    HistogramRegressor,
    OnlineRidge,
    adagrad_regressor,
    heteroscedastic_gaussian,
    hl_gauss_regressor,
    ogd_regressor,
    online_ridge,
    run_regressor,
    vaw,
    vaw_bound,
)
from regretlab.regression.types import Gaussian, Grouped, Label, Mixture, point

__all__ = [
    "ArrayStream",
    "Gaussian",
    "GradientRegressor",
    "Grouped",
    "HeteroscedasticGaussian",
    "HistogramRegressor",
    "Label",
    "Mixture",
    "OnlineRidge",
    "PredictionTrace",
    "adagrad_regressor",
    "heteroscedastic_gaussian",
    "hl_gauss_regressor",
    "ogd_regressor",
    "online_ridge",
    "point",
    "run_predictor",
    "run_regressor",
    "vaw",
    "vaw_bound",
]
