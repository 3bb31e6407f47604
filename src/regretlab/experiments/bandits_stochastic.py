"""Stochastic bandit comparison: UCB1, KL-UCB, MOSS, Thompson, ε-greedy, Exp3, Tsallis-INF on
Bernoulli arms with a chosen gap (pseudo-regret curves against UCB1's logarithmic bound)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.bandits import bernoulli_bandit, play
from regretlab.experiments import Experiment, register_experiment
from regretlab.plot import columns, regret_curves
from regretlab.run import make_learner

# Bernoulli rewards lie in [0, 1]: every learner made by name is told so (reward_range=(0, 1)); the
# stochastic ones assume it already, the adversarial ones default to utilities in [-1, 0] (= -loss).
REWARD_RANGE = (0.0, 1.0)


@dataclass(frozen=True)
class StochasticConfig:
    """Compare bandit learners on K Bernoulli arms (best mean ``best``, the others ``best - gap``).

    Attributes:
        algo: comma-separated registered learners of the ``bandits`` family (any K-armed learner
            made by name; its rate is tuned to ``T`` and its reward range set to ``[0, 1]``).
        K: arms; gap: mean gap; best: best arm's mean; T: horizon; runs: independent runs.
        every: record every ``every`` rounds (0: about 100 points).
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    learner_fields: ClassVar[tuple[str, ...]] = ("algo",)
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

    algo: str = "ucb1,kl_ucb,moss,thompson,epsilon_greedy,exp3,tsallis_inf"
    K: int = 5
    gap: float = 0.1
    best: float = 0.5
    T: int = 10_000
    runs: int = 50
    every: int = 0


def run_stochastic(config: StochasticConfig, seed: int) -> dict[str, Any]:
    every = config.every or max(1, config.T // 100)
    env = bernoulli_bandit(num_actions=config.K, gap=config.gap, best=config.best)
    parts = []
    for name in [n.strip() for n in config.algo.split(",") if n.strip()]:
        learner = make_learner(name, config.T, utility_range=REWARD_RANGE)
        out = play(learner, env, config.T, config.runs, seed=seed, every=every)
        n, b = out["pseudo_regret"].shape
        parts.append({
            "learner": np.array([name] * (n * b)),
            "run": np.tile(np.arange(b), n),
            "round": np.repeat(out["rounds"], b),
            "pseudo_regret": out["pseudo_regret"].reshape(-1),
            "regret": out["regret"].reshape(-1),
            "switches": out["switches"].reshape(-1),
        })
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def summarize_stochastic(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    last = cols["round"] == cols["round"].max()
    out = []
    for name in sorted(set(cols["learner"].tolist())):
        r = cols["pseudo_regret"][last & (cols["learner"] == name)]
        out.append((f"{name}: final pseudo-regret", f"{r.mean():.1f} ± {1.96 * r.std(ddof=1) / math.sqrt(r.size):.1f}"))
    return out


def plot_stochastic(rows: Any, outdir: Path) -> list[Path]:
    return [regret_curves(rows, Path(outdir) / "bandits_stochastic.png", metric="pseudo_regret",
                          title="Bernoulli bandit: pseudo-regret (mean, 95% band)")]


register_experiment(Experiment(
    "bandits_stochastic", StochasticConfig, run_stochastic, plot_stochastic,
    demo={"T": 1000, "runs": 10, "algo": "ucb1,kl_ucb,thompson,exp3,tsallis_inf"}, summarize=summarize_stochastic,
    description="UCB1 / KL-UCB / MOSS / Thompson / ε-greedy / Exp3 / Tsallis-INF on Bernoulli arms with a chosen gap.",
    reference="Auer et al. 2002; Garivier & Cappé 2011; Agrawal & Goyal 2013; Zimmert & Seldin 2021",
))
