"""Adaptive regret on a regime-switching stream: Hedge vs Fixed-Share vs FLH vs CBCE vs SAOL (issue 17).

Bernoulli losses whose means change every ``period`` rounds (``regime_switching``). Hedge tuned
to ``T`` has regret ``O(sqrt(T ln K))`` against the best fixed action of the whole run, but on a
regime whose best action is not the overall leader its regret grows linearly; FLH (Hazan &
Seshadhri 2009), CBCE (Jun et al. 2017) and SAOL (Daniely et al. 2015) restart base learners and keep the regret of every
interval small. The figure shows the worst regret over intervals of at most ``tau`` rounds
(:func:`~regretlab.metrics.interval.strongly_adaptive_regret`) against ``tau`` on log-log axes,
and the external regret curves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.experiments import Experiment, register_experiment

SHOWN = {"hedge": "Hedge", "fixed_share": "Fixed-Share", "flh": "FLH (AdaHedge)", "cbce": "CBCE (AdaHedge)",
         "saol": "SAOL (AdaHedge)"}


@dataclass(frozen=True)
class AdaptiveConfig:
    """Experts learners on piecewise-stationary Bernoulli losses.

    Attributes:
        algo: comma-separated registered experts learners, made by name with ``horizon=T``
            (``fixed_share`` gets ``alpha = 1/period``, the switching rate).
        K: actions; regimes: distinct mean vectors (drawn U[0,1] per run), cycled through;
        period: rounds per regime; T: rounds per run; runs: independent runs (one batch).
        every: record the regret curve every ``every`` rounds (0: about 100 points).
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    learner_fields: ClassVar[tuple[str, ...]] = ("algo",)
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

    algo: str = "hedge,fixed_share,flh,cbce,saol"
    K: int = 4
    regimes: int = 3
    period: int = 1000
    T: int = 16_000
    runs: int = 10
    every: int = 0

    def validate(self, names: dict[str, str]) -> None:
        """Every learner is one of the ``experts`` family (full-information losses)."""
        from regretlab.core import learners

        for name in [n.strip() for n in self.algo.split(",") if n.strip()]:
            family = learners.get(name).family
            if family != "experts":
                raise ValueError(f"{names.get('algo', 'algo')} must name experts learners (full information: "
                                 f"e.g. hedge, fixed_share, flh, cbce), got {name!r} of family {family!r}")


def _learner(name: str, config: AdaptiveConfig) -> Any:
    from regretlab.run import make_learner

    params: dict[str, Any] = {"alpha": 1.0 / config.period} if name == "fixed_share" else {}
    return make_learner(name, config.T, **params)


def run_adaptive(config: AdaptiveConfig, seed: int) -> dict[str, Any]:
    """Tidy rows of two kinds: ``curve`` (external regret at ``round``) and ``interval`` (worst
    regret over intervals of at most ``tau`` rounds), per learner and run."""
    from regretlab.envs import regime_switching
    from regretlab.metrics.interval import interval_regret_curve
    from regretlab.run import run

    from regretlab.core.errors import check_int

    check_int("K (actions)", config.K, minimum=2)
    for field in ("regimes", "period", "T", "runs"):
        check_int(field, getattr(config, field))
    env = regime_switching(num_actions=config.K, regimes=config.regimes, period=config.period)
    names = [n.strip() for n in config.algo.split(",") if n.strip()]
    if not names:
        raise ValueError(f"algo must name at least one learner, got {config.algo!r}")
    every = config.every or max(1, config.T // 100)
    taus = sorted({2**i for i in range(config.T.bit_length()) if 2**i <= config.T} | {config.period, config.T})
    cols: dict[str, list[Any]] = {k: [] for k in ("kind", "learner", "run", "round", "tau", "regret")}

    def add(kind: str, name: str, x: np.ndarray, values: np.ndarray, at: str) -> None:
        n, b = values.shape
        cols["kind"] += [kind] * (n * b)
        cols["learner"] += [name] * (n * b)
        cols["run"] += np.tile(np.arange(b), n).tolist()
        xs = np.repeat(x, b).tolist()
        cols["round"] += xs if at == "round" else [0] * (n * b)
        cols["tau"] += xs if at == "tau" else [0] * (n * b)
        cols["regret"] += values.reshape(-1).tolist()

    for name in names:
        tr = run(_learner(name, config), env, config.T, config.runs, seed=seed, history=True)
        pick = np.unique(np.r_[np.arange(every - 1, config.T, every), config.T - 1])
        add("curve", name, tr.rounds[pick], tr.regret[pick], "round")
        ts, reg = interval_regret_curve(tr.utilities, tr.strategies, taus)
        add("interval", name, ts, reg, "tau")
    n = len(cols["kind"])  # the stream's shape, so that an analysis of rows alone can name it
    return {**{k: np.asarray(v) for k, v in cols.items()}, "K": np.full(n, config.K),
            "regimes": np.full(n, config.regimes), "period": np.full(n, config.period)}


def _at(cols: dict[str, np.ndarray], name: str, tau: int) -> np.ndarray:
    sel = (cols["kind"] == "interval") & (cols["learner"] == name) & (cols["tau"] == tau)
    return cols["regret"][sel].astype(float)


def summarize_adaptive(rows: Any) -> list[Any]:
    """Per learner: the worst regret over intervals of at most one regime (``tau = period``) and
    over every interval (mean ± standard error over runs); verdicts: FLH's and CBCE's worst
    regret on intervals of one regime is at most half of Hedge's (the point of adaptive regret;
    measured ~0.1-0.3 of it). SAOL gets no verdict: its multiplicative weights pay ``ln s`` where
    CBCE pays ``sqrt(ln s)``, and at demo size its ratio was 0.51 (CBCE 0.18, FLH 0.34)."""
    from regretlab.plot import columns
    from regretlab.summary import Estimate, Verdict

    cols = columns(rows)
    names = list(dict.fromkeys(cols["learner"].tolist()))
    taus = np.unique(cols["tau"][cols["kind"] == "interval"])
    horizon = int(taus.max())
    period = int(cols["period"][0])
    out: list[Any] = []
    for name in names:
        out.append((f"{name}: worst regret over intervals of <= {period} rounds", Estimate.of(_at(cols, name, period))))
        out.append((f"{name}: worst regret over any interval (T = {horizon})", Estimate.of(_at(cols, name, horizon))))
    if "hedge" in names:
        ref = float(_at(cols, "hedge", period).mean())
        for name in ("flh", "cbce"):
            if name in names:
                ratio = float(_at(cols, name, period).mean()) / ref if ref > 0 else math.inf
                out.append(Verdict(f"{name}: worst regret over intervals of <= {period} rounds / Hedge's",
                                   ratio, (None, 0.5), quantity="ratio"))
    return out


def plot_adaptive(rows: Any, outdir: Path) -> list[Path]:
    """(a) worst regret over intervals of at most tau rounds vs tau (log-log, 95% bands over runs,
    fitted slopes, the rate tau^{1/2} dashed); (b) external regret vs round."""
    from regretlab import plot_style as style
    from regretlab.plot import columns, curve_stats

    cols = columns(rows)
    names = list(dict.fromkeys(cols["learner"].tolist()))
    runs = len(np.unique(cols["run"]))
    fig, (ax1, ax2) = style.figure(ncols=2, width=10.5)
    inter = cols["kind"] == "interval"
    shown = []
    for name in names:
        sel = inter & (cols["learner"] == name)
        taus, mean, half = curve_stats(cols["tau"][sel], cols["regret"][sel].astype(float))
        taus = taus.astype(float)
        ok = mean - half > 0  # log axes: the positive part of the curve and its band
        style.line(ax1, taus[ok], mean[ok], band=half[ok], name=name, label=SHOWN.get(name, name), slope=True)
        shown.append(np.concatenate([mean[ok] - half[ok], mean[ok] + half[ok]]))
    all_taus = np.unique(cols["tau"][inter]).astype(float)
    low = np.concatenate(shown) if shown else np.ones(1)
    anchor = float(np.min(low[low > 0])) if np.any(low > 0) else 1.0
    style.slope_guide(ax1, all_taus, anchor, 0.5, r"$\propto \tau^{1/2}$")
    style.set_scale(ax1, "x", all_taus)
    style.set_scale(ax1, "y", np.concatenate([low[low > 0], anchor * (all_taus / all_taus[0]) ** 0.5]))
    ax1.set_xlabel(r"interval length $\tau$")
    ax1.set_ylabel(r"worst regret over intervals of $\leq \tau$ rounds")
    style.legend(ax1)
    curve = cols["kind"] == "curve"
    values = []
    for name in names:
        sel = curve & (cols["learner"] == name)
        rounds, mean, half = curve_stats(cols["round"][sel], cols["regret"][sel].astype(float))
        style.line(ax2, rounds.astype(float), mean, band=half, name=name, label=SHOWN.get(name, name))
        values.append(np.concatenate([mean - half, mean + half]))
    ax2.set_xlabel("round $t$")
    ax2.set_ylabel("external regret (best fixed action)")
    style.set_scale(ax2, "y", np.concatenate(values), prefer="linear")
    style.hreference(ax2, 0.0, "zero regret")
    style.legend(ax2)
    period = int(cols["period"][0])
    horizon = int(np.max(cols["tau"][inter])) if inter.any() else int(np.max(cols["round"]))
    setting = f"regime switching, K = {int(cols['K'][0])}, {int(cols['regimes'][0])} regimes of {period} rounds"
    style.title(ax1, "(a) Strongly adaptive regret", setting=setting, T=horizon, runs=runs)
    style.title(ax2, "(b) Regret against the best fixed action", T=horizon, runs=runs)
    return style.save(fig, Path(outdir) / "experts_adaptive.png")


register_experiment(Experiment(
    "experts_adaptive", AdaptiveConfig, run_adaptive, plot_adaptive,
    demo={"T": 2000, "period": 250, "runs": 4},
    summarize=summarize_adaptive,
    description="Hedge vs Fixed-Share vs FLH vs CBCE on a regime-switching stream: worst interval regret vs tau.",
    reference="Hazan & Seshadhri (ICML 2009); Daniely, Gonen & Shalev-Shwartz (ICML 2015); "
              "Jun, Orabona, Wright & Willett (AISTATS 2017)",
))
