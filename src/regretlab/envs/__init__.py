"""Environments: batched streams of utilities (losses enter as -loss)."""

from regretlab.envs.losses import (
    EnvState,
    LossEnvironment,
    adaptive,
    alternating,
    bernoulli,
    drifting,
    from_array,
    from_callable,
    gaussian,
    linear_trend,
    regime_switching,
    sinusoidal,
)

__all__ = [
    "EnvState", "LossEnvironment", "adaptive", "alternating", "bernoulli", "drifting",
    "from_array", "from_callable", "gaussian", "linear_trend", "regime_switching", "sinusoidal",
]
