"""Online convex optimisation with ``Gradient`` feedback on declared convex domains.

Domains (:mod:`regretlab.oco.domains`): simplex, probability simplex over a named class, ℓ2 ball,
box, unconstrained ``R^D``. Learners (registered, ``family="oco"``): projected OGD, AdaGrad
(diagonal and full), Online Newton Step, KT coin betting (scalar and vector), MetaGrad, optimistic
OMD with hints, Ader (dynamic regret); Cover's universal portfolio (``family="portfolio"``).
Settings (:mod:`regretlab.oco.settings`): linear, quadratic, logistic and log-loss portfolio
losses, adaptive adversaries and recorded sequences. The driver is :func:`regretlab.run.run`;
regret is computed in :mod:`regretlab.metrics.oco`.
"""

from regretlab.oco.adagrad import oco_adagrad, oco_adagrad_full
from regretlab.oco.ader import ader
from regretlab.oco.coin_betting import kt_scalar, kt_vector
from regretlab.oco.domains import (
    Ball,
    Box,
    ClassSimplex,
    Domain,
    Reals,
    Simplex,
    as_domain,
    ball,
    box,
    class_simplex,
    reals,
    simplex,
)
from regretlab.oco.metagrad import metagrad
from regretlab.oco.ogd import oco_ogd
from regretlab.oco.ons import ons
from regretlab.oco.optimistic import optimistic_omd
from regretlab.oco.settings import (
    OCOSetting,
    adversarial_linear,
    from_sequence,
    linear_losses,
    logistic_losses,
    portfolio,
    quadratic_losses,
    synthetic_classification,
    synthetic_price_relatives,
)
from regretlab.oco.universal import universal_portfolio

__all__ = [
    "Ball",
    "Box",
    "ClassSimplex",
    "Domain",
    "OCOSetting",
    "Reals",
    "Simplex",
    "ader",
    "adversarial_linear",
    "as_domain",
    "ball",
    "box",
    "class_simplex",
    "from_sequence",
    "kt_scalar",
    "kt_vector",
    "linear_losses",
    "logistic_losses",
    "metagrad",
    "oco_adagrad",
    "oco_adagrad_full",
    "oco_ogd",
    "ons",
    "optimistic_omd",
    "portfolio",
    "quadratic_losses",
    "reals",
    "simplex",
    "synthetic_classification",
    "synthetic_price_relatives",
    "universal_portfolio",
]
