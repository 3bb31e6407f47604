"""Core contract: feedback types, protocols, registry, random streams, simplex operations."""

from regretlab.core import rng, simplex
from regretlab.core.errors import check_array, check_int, check_positive, check_probability
from regretlab.core.registry import environments, learners, register, register_env
from regretlab.core.types import Bandit, Environment, FullInfo, Gradient, Label, Learner, SemiBandit, Setting

__all__ = [
    "Bandit", "Environment", "FullInfo", "Gradient", "Label", "Learner", "SemiBandit", "Setting",
    "check_array", "check_int", "check_positive", "check_probability",
    "environments", "learners", "register", "register_env", "rng", "simplex",
]
