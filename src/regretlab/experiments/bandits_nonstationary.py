"""Non-stationary bandits: SW-UCB, D-UCB, Exp3.S and M-UCB against UCB1 on a piecewise-stationary
instance, dynamic regret against the best arm of each segment as the horizon grows.

The change points sit at fixed fractions of T (``changes`` of them, equal segments), so the
number of segments stays fixed while T grows: Garivier & Moulines (2011) give SW-UCB and D-UCB
dynamic regret O(sqrt(Υ T log T)) (log-log slope about 1/2), Auer et al. (2002) give Exp3.S
O(sqrt(Υ K T log(KT))) against the best switching sequence, Cao et al. (2019) M-UCB
O(sqrt(Υ K T log T)); UCB1, which never forgets, keeps pulling the old best arm after a change
and its dynamic regret grows linearly in T (slope about 1).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.experiments import Experiment, register_experiment

REWARD_RANGE = (0.0, 1.0)  # Bernoulli rewards


@dataclass(frozen=True)
class NonstationaryConfig:
    """Bandit learners on K Bernoulli arms whose means jump at ``changes`` change points.

    Attributes:
        algo: comma-separated registered learners of the ``bandits`` family, each made by name
            (horizon ``T``, reward range ``[0, 1]``) and told the instance's number of changes,
            arms and switches when its factory takes ``changes`` / ``switches`` / ``num_actions``.
        K: arms (>= 2).
        changes: change points, at ``T/(changes+1), 2T/(changes+1), ...``.
        high / low / mid: the means. Even segments: arm 0 at ``high``, the others at ``low``; odd
            segment ``s``: arm 0 drops to ``low + 0.1`` and arm ``1 + (s//2) mod (K-1)`` rises to
            ``mid < high``, which UCB1's estimate of arm 0 (near ``high``) hides for a constant
            fraction of the segment.
        min_T / max_T: horizons ``min_T, 2 min_T, ... <= max_T``.
        runs: independent runs per horizon.
        sw_window: SW-UCB's window ``τ`` (0: ``2 sqrt(T ln T / changes)``, tuned to each T).
        discount: D-UCB's ``γ ∈ (0, 1]`` (0: ``1 - sqrt(changes / T)/4``, tuned to each T).
    """
    # declared for sweep.validate_config: the fields naming learners and sizes
    learner_fields: ClassVar[tuple[str, ...]] = ("algo",)
    size_fields: ClassVar[tuple[str, ...]] = ("K", "min_T", "max_T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("changes", "sw_window")

    algo: str = "sw_ucb,d_ucb,exp3_s,m_ucb,ucb1"
    K: int = 2
    changes: int = 2
    high: float = 0.9
    low: float = 0.2
    mid: float = 0.6
    min_T: int = 1000
    max_T: int = 32_000
    runs: int = 50
    sw_window: int = 0
    discount: float = 0.0

    def validate(self, names: dict[str, str] | None = None) -> None:
        names = names or {}
        if self.K < 2:
            raise ValueError(f"{names.get('K', 'K')} must be an integer >= 2, got {self.K}")
        if not 0.0 <= self.low + 0.1 <= self.mid < self.high <= 1.0:
            raise ValueError(f"means must satisfy 0 <= low + 0.1 <= mid < high <= 1, got low={self.low}, "
                             f"mid={self.mid}, high={self.high}")
        if self.max_T < self.min_T:
            raise ValueError(f"{names.get('max_T', 'max_T')} must be >= min_T ({self.min_T}), got {self.max_T}")
        if self.discount != 0.0 and not 0.0 < self.discount <= 1.0:
            raise ValueError(f"{names.get('discount', 'discount')} must be a number in (0, 1] (0: tuned to T), "
                             f"got {self.discount}")
        if self.min_T <= 2 * (self.changes + 1):
            raise ValueError(f"{names.get('min_T', 'min_T')} must be > 2 (changes + 1) = {2 * (self.changes + 1)}, "
                             f"got {self.min_T}")
        from regretlab.core import learners

        for name in [n.strip() for n in self.algo.split(",") if n.strip()]:
            family = learners.get(name).family
            if family != "bandits":
                raise ValueError(f"{names.get('algo', 'algo')} must name K-armed bandit learners (family 'bandits': "
                                 f"e.g. sw_ucb, d_ucb, exp3_s, m_ucb), got {name!r} of family {family!r}")


def segment_means(config: NonstationaryConfig) -> np.ndarray:
    """``[changes + 1, K]`` means of the segments (see :class:`NonstationaryConfig`)."""
    k, s = config.K, config.changes + 1
    means = np.full((s, k), config.low)
    for j in range(s):
        if j % 2 == 0:
            means[j, 0] = config.high
        else:
            means[j, 0] = config.low + 0.1
            means[j, 1 + (j // 2) % (k - 1)] = config.mid
    return means


def horizons(config: NonstationaryConfig) -> list[int]:
    out, t = [], config.min_T
    while t <= config.max_T:
        out.append(t)
        t *= 2
    return out


def _learner(name: str, T: int, config: NonstationaryConfig) -> Any:
    from regretlab.core.registry import learners
    from regretlab.run import make_learner

    accepts = inspect.signature(learners.get(name).factory).parameters
    extra = {key: value for key, value in (("changes", config.changes), ("switches", config.changes),
                                          ("num_actions", config.K)) if key in accepts}
    if name == "sw_ucb" and config.sw_window:
        extra["window"] = config.sw_window
    if name == "d_ucb" and config.discount:
        extra["discount"] = config.discount
    return make_learner(name, T, utility_range=REWARD_RANGE, **extra)


def run_nonstationary(config: NonstationaryConfig, seed: int) -> dict[str, Any]:
    from regretlab.bandits.nonstationary import piecewise_bandit
    from regretlab.metrics.dynamic import dynamic_regret
    from regretlab.run import run

    config.validate()
    means = segment_means(config)
    cols: dict[str, list[Any]] = {"learner": [], "T": [], "run": [], "dynamic_regret": [],
                                  "first_segment_regret": [], "K": [], "changes": []}
    for T in horizons(config):
        cps = [T * (j + 1) // (config.changes + 1) for j in range(config.changes)]
        env = piecewise_bandit(means=means, change_points=cps)
        for name in [n.strip() for n in config.algo.split(",") if n.strip()]:
            tr = run(_learner(name, T, config), env, T=T, batch=config.runs, seed=seed, every=cps[0] if cps else T)
            regret = dynamic_regret(tr, env, "segment")  # [N, B]: after the first segment, ..., at T
            cols["learner"] += [name] * config.runs
            cols["T"] += [T] * config.runs
            cols["run"] += list(range(config.runs))
            cols["dynamic_regret"] += regret[-1].tolist()
            cols["first_segment_regret"] += regret[0].tolist()
            cols["K"] += [config.K] * config.runs
            cols["changes"] += [config.changes] * config.runs
    return {k: np.asarray(v) for k, v in cols.items()}


def _slopes(cols: dict[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    from regretlab.metrics import loglog_slope

    out = {}
    ts = np.unique(cols["T"])
    for name in dict.fromkeys(cols["learner"].tolist()):
        mine = cols["learner"] == name
        mat = np.stack([cols["dynamic_regret"][mine & (cols["T"] == t)] for t in ts])
        out[name] = loglog_slope(ts.astype(float), np.maximum(mat, 1e-9)) if ts.size >= 2 else (math.nan,) * 3
    return out


def summarize_nonstationary(rows: Any) -> list[Any]:
    """Per learner: the final dynamic regret at the largest T (± standard error over runs) and the
    log-log slope of dynamic regret in T (95% bootstrap CI over runs). Verdicts: SW-UCB's slope is
    at most 0.75 (O(sqrt(T log T)), Garivier & Moulines 2011) and UCB1's at least 0.9 (linear after
    the first change)."""
    from regretlab.plot import columns
    from regretlab.summary import Estimate, Verdict

    cols = columns(rows)
    slopes = _slopes(cols)
    last = cols["T"] == cols["T"].max()
    runs = int(last.sum() // max(len(slopes), 1))
    n_t = len(np.unique(cols["T"]))
    out: list[Any] = []
    for name, (slope, lo, hi) in slopes.items():
        out.append((f"{name}: dynamic regret at T = {int(cols['T'].max())} ({runs} runs)",
                    Estimate.of(cols["dynamic_regret"][last & (cols["learner"] == name)])))
        se = (hi - lo) / 3.92 if math.isfinite(lo) else None
        est = Estimate(slope, se, runs)
        small = None if n_t >= 3 else f"needs 3 horizons or more; this run has {n_t}"
        if name == "sw_ucb":
            out.append(Verdict(f"sw_ucb: log-log slope of dynamic regret in T (95% CI [{lo:.3f}, {hi:.3f}])",
                               est, (None, 0.75), quantity="slope", demo_size=small))
        elif name == "ucb1":
            out.append(Verdict(f"ucb1: log-log slope of dynamic regret in T (95% CI [{lo:.3f}, {hi:.3f}])",
                               est, (0.9, None), quantity="slope", demo_size=small))
        else:
            out.append((f"{name}: log-log slope of dynamic regret in T", est))
    return out


def plot_nonstationary(rows: Any, outdir: Path) -> list[Path]:
    """Mean dynamic regret against T per learner (log-log, 95% band over runs, fitted slope in the
    legend), with the rates sqrt(T) and T as dashed grey guides."""
    from regretlab import plot_style as style
    from regretlab.plot import columns, curve_stats

    cols = columns(rows)
    fig, ax = style.figure()
    values = []
    ts_all = np.unique(cols["T"]).astype(float)
    first = None
    for name in dict.fromkeys(cols["learner"].tolist()):
        mine = cols["learner"] == name
        ts, mean, half = curve_stats(cols["T"][mine], cols["dynamic_regret"][mine].astype(float))
        mean = np.maximum(mean, 1e-9)
        band = np.minimum(half, 0.99 * mean)  # keep the band positive on log axes
        style.line(ax, ts.astype(float), mean, band=band, name=name, slope=True)
        values += [mean - band, mean + band]
        first = mean[0] if first is None else max(first, mean[0])
    style.slope_guide(ax, ts_all, float(first), 0.5, r"$\propto \sqrt{T}$")
    style.slope_guide(ax, ts_all, float(first), 1.0, r"$\propto T$")
    style.set_scale(ax, "x", ts_all)
    style.set_scale(ax, "y", np.concatenate(values))
    ax.set_xlabel("horizon $T$")
    ax.set_ylabel(r"dynamic regret $R^{\mathrm{dyn}}_T$")
    runs = int(((cols["T"] == cols["T"].max()) & (cols["learner"] == cols["learner"][0])).sum())
    ks, changes = np.unique(cols["K"]), np.unique(cols["changes"])
    setting = (f"Bernoulli, K = {int(ks[0])}, {int(changes[0])} change points" if ks.size == 1 and changes.size == 1
               else "piecewise-stationary Bernoulli arms")
    style.title(ax, "Dynamic regret on a changing bandit", setting=setting,
                T=f"{int(ts_all[0])}…{int(ts_all[-1])}", runs=runs)
    style.legend(ax)
    return style.save(fig, Path(outdir) / "bandits_nonstationary.png")


register_experiment(Experiment(
    "bandits_nonstationary", NonstationaryConfig, run_nonstationary, plot_nonstationary,
    demo={"min_T": 400, "max_T": 3200, "runs": 10},
    summarize=summarize_nonstationary,
    description="SW-UCB / D-UCB / Exp3.S / M-UCB vs UCB1 on a piecewise-stationary bandit: dynamic regret vs T.",
    reference="Garivier & Moulines 2011; Auer et al. 2002 §8; Cao et al. 2019; Besson et al. 2022",
))
