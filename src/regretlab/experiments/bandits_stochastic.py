"""Stochastic bandit comparison: UCB1, KL-UCB, MOSS, Thompson, ε-greedy, Exp3, Tsallis-INF on
Bernoulli arms with a chosen gap (pseudo-regret curves against UCB1's logarithmic bound).

The figure is pseudo-regret against the round on log-log axes (mean over runs, 95% band, the
fitted slope in the legend), with UCB1's finite-time bound (Auer, Cesa-Bianchi & Fischer 2002,
Thm 1) and the rates ``∝ t^{1/2}``, ``∝ t`` dashed grey. The summary checks each learner's final
pseudo-regret against its paper's bound where it has a finite-time one (UCB1, MOSS, Exp3,
Tsallis-INF), and that KL-UCB and Thompson sampling end below UCB1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.bandits import bernoulli_bandit, play
from regretlab.experiments import Experiment, register_experiment
from regretlab.plot import columns, companions, regret_curves, stored_config
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
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    # the arms, so that a figure or summary of these rows alone can name them and their bounds
    out["K"] = np.full(out["round"].size, config.K)
    out["gap"] = np.full(out["round"].size, float(config.gap))
    out["ucb1_bound"] = ucb1_bound(out["round"], config.K, config.gap)
    return out


def ucb1_bound(t: Any, K: int, gap: float) -> np.ndarray:
    """UCB1's pseudo-regret bound after ``t`` rounds with ``K - 1`` arms ``gap`` below the best:
    ``Σ_{i: Δ_i > 0} 8 ln t / Δ_i + (1 + π²/3) Σ_i Δ_i`` (Auer, Cesa-Bianchi & Fischer 2002, Thm 1).

    Example:
        >>> round(float(ucb1_bound(1000, 2, 0.5)[0]), 2)
        112.67
    """
    t = np.atleast_1d(np.asarray(t, dtype=float))
    return (K - 1) * (8 * np.log(t) / gap + (1 + math.pi**2 / 3) * gap)


# finite-time bounds on the expected pseudo-regret at the tuned horizon T (learners made by name)
BOUNDS = {
    "ucb1": ("Auer et al. 2002 Thm 1: Σ 8 ln T/Δ + (1 + π²/3) Σ Δ", None),
    "moss": ("Audibert & Bubeck 2009 Thm 5: 49 √(KT)", lambda T, K: 49 * math.sqrt(K * T)),
    "exp3": ("Bubeck & Cesa-Bianchi 2012 Thm 3.1: √(2TK ln K)", lambda T, K: math.sqrt(2 * T * K * math.log(K))),
    "tsallis_inf": ("Zimmert & Seldin 2021 Thm 1: 4√(KT) + 1", lambda T, K: 4 * math.sqrt(K * T) + 1),
}
# consistent policies that the papers report below UCB1 on Bernoulli arms
BELOW_UCB1 = {"kl_ucb": "Garivier & Cappé 2011", "thompson": "Agrawal & Goyal 2013; Chapelle & Li 2011"}


def _arms(cols: dict[str, np.ndarray]) -> tuple[int | None, float | None]:
    """``(K, gap)`` of the rows (their columns, else their stored config; ``None`` if unknown)."""
    if "K" in cols and "gap" in cols and len(set(cols["K"].tolist())) == 1 and len(set(cols["gap"].tolist())) == 1:
        return int(cols["K"][0]), float(cols["gap"][0])
    cfg = stored_config(cols)
    return cfg.get("K"), cfg.get("gap")


def summarize_stochastic(rows: Any) -> list[Any]:
    """Final pseudo-regret per learner (± standard error over runs) and verdicts: below its
    paper's finite-time bound (UCB1, MOSS, Exp3, Tsallis-INF), below UCB1's (KL-UCB, Thompson)."""
    from regretlab.summary import Estimate, Verdict

    cols = columns(rows)
    T = int(cols["round"].max())
    last = cols["round"] == T
    K = _arms(cols)[0]
    finals = {}
    out: list[Any] = []
    for name in sorted(set(cols["learner"].tolist())):
        finals[name] = Estimate.of(cols["pseudo_regret"][last & (cols["learner"] == name)])
        out.append((f"{name}: pseudo-regret at T = {T:,}", finals[name]))
    for name, (source, bound) in BOUNDS.items():
        if name not in finals:
            continue
        if bound is None:
            if "ucb1_bound" not in cols:
                continue
            value = float(cols["ucb1_bound"][last][0])
        elif K is None:
            continue
        else:
            value = bound(T, K)
        out.append(Verdict(f"{name}: pseudo-regret at T = {T:,} below its bound ({source})", finals[name],
                           (None, value), quantity="pseudo-regret"))
    for name, source in BELOW_UCB1.items():
        if name in finals and "ucb1" in finals:
            out.append(Verdict(f"{name}: pseudo-regret at T = {T:,} below UCB1's ({float(finals['ucb1']):.4g}; {source})",
                               finals[name], (None, float(finals["ucb1"])), quantity="pseudo-regret"))
    return out


def plot_stochastic(rows: Any, outdir: Path) -> list[Path]:
    """Pseudo-regret against the round, log-log (mean over runs, 95% band, fitted slope in the
    legend), UCB1's bound and the rates ∝ t^{1/2}, ∝ t dashed grey; the title names the arms."""
    cols = columns(rows)
    K, gap = _arms(cols)
    reference = None
    if "ucb1_bound" in cols:
        xs = np.unique(cols["round"])
        reference = {"UCB1 bound (Auer et al. 2002, Thm 1)":
                     np.array([cols["ucb1_bound"][cols["round"] == x][0] for x in xs])}
    setting = "Bernoulli arms" + (f", K = {K}, gap {gap:g}" if K is not None and gap is not None else "")
    return companions(regret_curves(rows, Path(outdir) / "bandits_stochastic.png", metric="pseudo_regret",
                          title="Pseudo-regret of bandit learners", setting=setting, reference=reference))


register_experiment(Experiment(
    "bandits_stochastic", StochasticConfig, run_stochastic, plot_stochastic,
    demo={"T": 1000, "runs": 10, "algo": "ucb1,kl_ucb,thompson,exp3,tsallis_inf"}, summarize=summarize_stochastic,
    description="UCB1 / KL-UCB / MOSS / Thompson / ε-greedy / Exp3 / Tsallis-INF on Bernoulli arms with a chosen gap.",
    reference="Auer et al. 2002; Garivier & Cappé 2011; Agrawal & Goyal 2013; Zimmert & Seldin 2021",
))
