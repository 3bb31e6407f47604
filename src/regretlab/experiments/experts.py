"""Experts experiments: learner comparison on any environment, and spec §2.6 targets 1 and 4's
baselines (Park et al., "Do LLM agents have regret?", ICLR 2025)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.experiments import Experiment, register_experiment
from regretlab.metrics import loglog_slope, slope_test, trend_test
from regretlab.plot import columns, line_plot, regret_curves, save
from regretlab.run import make_env, make_learner, run


def _names(text: str, what: str) -> list[str]:
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    if not names:
        raise ValueError(f"{what} must name at least one entry, got {text!r}")
    return names


@dataclass(frozen=True)
class ExpertsConfig:
    """Compare learners on one environment.

    Attributes:
        algo: comma-separated registered learner names (``regretlab list``).
        env: a registered environment name.
        T: rounds per run.
        runs: independent runs (one batch).
        K: number of actions, 0 for the environment's default.
        every: record every ``every`` rounds; 0 chooses about 200 points.
    """

    algo: str = "hedge,adahedge,ftl"
    env: str = "alternating"
    T: int = 10_000
    runs: int = 100
    K: int = 0
    every: int = 0

    def estimate(self) -> tuple[float, float]:
        """``(bytes, seconds)`` one cell needs, roughly: its tidy rows (~300 bytes each at the
        peak) and per-run state; the time is a low estimate (10 us a round and learner, plus
        1 ns per run and action). Used by ``validate_config`` to refuse sizes that cannot fit."""
        if isinstance(self.every, (int, float)) and self.every < 0:
            raise ValueError(f"every must be >= 0 (0: about 200 points), got {self.every}")
        learners = max(len([n for n in str(self.algo).split(",") if n.strip()]), 1)
        T, runs, k = float(self.T), float(self.runs), max(float(self.K), 2.0)
        every = float(self.every) if self.every else max(1.0, T // 200)
        points = math.ceil(T / every)
        nbytes = 300.0 * learners * points * runs + 16 * 8 * runs * k
        seconds = learners * T * (10e-6 + 1e-9 * runs * k)
        return nbytes, seconds


def run_experts(config: ExpertsConfig, seed: int) -> dict[str, Any]:
    from regretlab.progress import bar

    every = config.every or max(1, config.T // 200)
    env_params = {"num_actions": config.K} if config.K else {}
    names = _names(config.algo, "algo")
    parts = []
    with bar(len(names) * config.T, "experts: rounds", fields=("learner",), transient=True) as pb:
        for i, name in enumerate(names):
            pb.update(i * config.T, learner=name)
            env = make_env(config.env, config.T, **env_params)
            learner = make_learner(name, config.T, utility_range=getattr(env, "utility_range", None))
            tr = run(learner, env, config.T, batch=config.runs, seed=seed, every=every,
                     progress=lambda done, i=i: pb.update(i * config.T + done))
            rows = tr.to_rows()
            rows["learner"] = [name] * len(rows["run"])
            parts.append(rows)
    return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}


def summarize_experts(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    out: list[tuple[str, Any]] = []
    for name in sorted(set(cols["learner"].tolist())):
        sel = cols["learner"] == name
        rounds = np.unique(cols["round"][sel])
        mean = np.array([cols["regret"][sel & (cols["round"] == r)].mean() for r in rounds])
        final = cols["regret"][sel & (cols["round"] == rounds[-1])]
        half = 1.96 * final.std(ddof=1) / math.sqrt(final.size) if final.size > 1 else 0.0
        pos = mean > 0
        verdict = ""
        if pos.sum() >= 3:
            st = slope_test(mean[pos], rounds[pos].astype(float))
            tt = trend_test(mean) if mean.size >= 2 else None
            verdict = (f"slope {st.slope:.3f} [{st.ci_low:.3f}, {st.ci_high:.3f}], "
                       f"sublinear p={st.pvalue:.2g}; trend p={tt.pvalue:.2g}" if tt else "")
        out.append((f"{name}: final regret (T={rounds[-1]})", f"{final.mean():.3f} ± {half:.3f}  {verdict}"))
    return out


def plot_experts(rows: Any, outdir: Path) -> list[Path]:
    """The regret curves of ``rows`` (one config; ``regretlab show``/``report`` split stored rows
    by the config fields that differ between cells before calling this)."""
    return [regret_curves(rows, Path(outdir) / "experts_regret.png", title="Regret (mean, 95% band)")]


register_experiment(Experiment(
    "experts", ExpertsConfig, run_experts, plot_experts,
    demo={"T": 2000, "runs": 20, "algo": "hedge,adahedge,regret_matching,ftl"},
    summarize=summarize_experts,
    description="Compare experts learners on one environment: regret curves with 95% bands and slopes.",
    reference="Cesa-Bianchi & Lugosi 2006; spec §2.3",
))


@dataclass(frozen=True)
class AlternatingConfig:
    """FTL vs tuned Hedge on the alternating sequence at horizons 2^min_exp .. 2^max_exp (spec §2.6 t1)."""

    min_exp: int = 6
    max_exp: int = 14
    algo: str = "ftl,hedge"


def run_alternating(config: AlternatingConfig, seed: int) -> dict[str, Any]:
    out: dict[str, list[Any]] = {"learner": [], "T": [], "regret": [], "bound": []}
    for name in _names(config.algo, "algo"):
        for e in range(config.min_exp, config.max_exp + 1):
            T = 2**e
            tr = run(make_learner(name, T), make_env("alternating", T), T, batch=1, seed=seed, every=T)
            out["learner"].append(name)
            out["T"].append(T)
            out["regret"].append(float(tr.final()[0]))
            out["bound"].append(math.sqrt(T * math.log(2) / 2))
    return out


def summarize_alternating(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    res = []
    for name in sorted(set(cols["learner"].tolist())):
        sel = cols["learner"] == name
        order = np.argsort(cols["T"][sel])
        t, r = cols["T"][sel][order].astype(float), cols["regret"][sel][order].astype(float)
        # one deterministic curve per learner, several stored cells may repeat it: average per T
        ts = np.unique(t)
        rs = np.array([r[t == v].mean() for v in ts])
        slope, _, _ = loglog_slope(ts, rs[:, None], n_boot=1)
        res.append((f"{name}: log-log slope of regret vs T", f"{slope:.3f}"))
    return res


def plot_alternating(rows: Any, outdir: Path) -> list[Path]:
    cols = columns(rows)
    series = {}
    for name in sorted(set(cols["learner"].tolist())):
        sel = cols["learner"] == name
        ts = np.unique(cols["T"][sel])
        series[name] = (ts, np.array([cols["regret"][sel & (cols["T"] == v)].mean() for v in ts]))
    ts = np.unique(cols["T"])
    series["sqrt(T ln 2 / 2)"] = (ts, np.sqrt(ts * math.log(2) / 2))
    return [line_plot(series, Path(outdir) / "alternating_regret_vs_T.png", xlabel="T", ylabel="regret",
                      title="Alternating losses: FTL linear, Hedge sqrt(T)", logx=True, logy=True)]


register_experiment(Experiment(
    "alternating", AlternatingConfig, run_alternating, plot_alternating,
    demo={"max_exp": 11}, summarize=summarize_alternating,
    description="FTL (slope 1) vs tuned Hedge (slope ~0.49) on the alternating sequence.",
    reference="spec §2.6 target 1 [V-run]",
))


@dataclass(frozen=True)
class GeneratorsConfig:
    """Tuned Hedge on the loss generators of spec §2.1 (d actions, horizon T, runs per generator)."""

    T: int = 10_000
    K: int = 2
    runs: int = 20
    envs: str = "gaussian,linear_trend,sinusoidal,alternating,adaptive"


def run_generators(config: GeneratorsConfig, seed: int) -> dict[str, Any]:
    out: dict[str, list[Any]] = {"env": [], "run": [], "regret": [], "bound": []}
    bound = math.sqrt(config.T * math.log(config.K) / 2)
    for name in _names(config.envs, "envs"):
        params = {} if name == "alternating" else {"num_actions": config.K}
        tr = run(make_learner("hedge", config.T), make_env(name, config.T, **params), config.T,
                 batch=config.runs, seed=seed, every=config.T)
        for b, r in enumerate(tr.final()):
            out["env"].append(name)
            out["run"].append(b)
            out["regret"].append(float(r))
            out["bound"].append(bound)
    return out


def summarize_generators(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    return [(f"hedge on {e}: max regret over runs (bound {cols['bound'][0]:.1f})",
             f"{cols['regret'][cols['env'] == e].max():.2f}") for e in sorted(set(cols["env"].tolist()))]


def plot_generators(rows: Any, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = columns(rows)
    envs = sorted(set(cols["env"].tolist()))
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    ax.boxplot([cols["regret"][cols["env"] == e] for e in envs])
    ax.set_xticks(range(1, len(envs) + 1), envs, rotation=20)
    ax.axhline(cols["bound"][0], color="k", linestyle="--", label="sqrt(T ln K / 2)")
    ax.set_ylabel("final regret")
    ax.set_title("Tuned Hedge on the loss generators")
    ax.legend()
    return [save(fig, Path(outdir) / "generators_regret.png")]


register_experiment(Experiment(
    "generators", GeneratorsConfig, run_generators, plot_generators,
    demo={"T": 2000, "runs": 8}, summarize=summarize_generators,
    description="Tuned Hedge stays under sqrt(T ln K / 2) on every loss generator and seed.",
    reference="spec §2.6 target 1",
))
