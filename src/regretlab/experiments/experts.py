"""Experts experiments: learner comparison on any environment, and spec §2.6 targets 1 and 4's
baselines (Park et al., "Do LLM agents have regret?", ICLR 2025)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab import plot_style as style
from regretlab.experiments import Experiment, register_experiment
from regretlab.metrics import slope_test, trend_test
from regretlab.plot import columns, companions, regret_curves, stored_config
from regretlab.run import make_env, make_learner, run
from regretlab.summary import Estimate, Verdict, format_estimate

# Learners without a sublinear-regret guarantee on adversarial losses: their slope is reported,
# not judged (FTL's regret on the alternating sequence is T/2, spec §2.1).
NO_GUARANTEE = {"ftl", "uniform"}


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
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    learner_fields: ClassVar[tuple[str, ...]] = ("algo",)
    environment_fields: ClassVar[tuple[str, ...]] = ("env",)
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

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


def summarize_experts(rows: Any) -> list[Any]:
    """Per learner: the final regret (mean ± standard error over runs) and a verdict on
    sublinearity (the log-log slope of the mean regret curve, with the trend test)."""
    cols = columns(rows)
    out: list[Any] = []
    verdicts: list[Any] = []
    for name in sorted(set(cols["learner"].tolist())):
        sel = cols["learner"] == name
        rounds = np.unique(cols["round"][sel])
        mean = np.array([cols["regret"][sel & (cols["round"] == r)].mean() for r in rounds])
        final = cols["regret"][sel & (cols["round"] == rounds[-1])]
        est = Estimate.of(final)
        out.append((f"{name}: final regret (T={rounds[-1]})", format_estimate(est, est.se)))
        pos = mean > 0
        if pos.sum() < 3:
            verdicts.append(Verdict(f"{name}: regret grows sublinearly", "regret <= 0 at most rounds",
                                    "log-log slope < 1", holds=True if mean[-1] <= 0 else None, quantity=""))
            continue
        st = slope_test(mean[pos], rounds[pos].astype(float))
        tt = trend_test(mean) if mean.size >= 2 else None
        slope = Estimate(st.slope, st.stderr)
        claim = (f"{name}: regret grows sublinearly (OLS slope of log mean regret on log t < 1"
                 + (f"; trend test p = {tt.pvalue:.2g}" if tt else "") + ")")
        if canonical(name) in NO_GUARANTEE:  # reported, not judged
            verdicts.append((f"{name}: log-log slope of mean regret vs t (no sublinear guarantee)", slope))
        else:
            verdicts.append(Verdict(claim, slope, (None, 1.0), holds=bool(st.sublinear), quantity="slope"))
    return out + verdicts


def canonical(name: str) -> str:
    return style.canonical_name(name)


def plot_experts(rows: Any, outdir: Path) -> list[Path]:
    """The regret curves of ``rows`` (one config; ``regretlab show``/``report`` split stored rows
    by the config fields that differ between cells before calling this): log-log where every
    value is positive, slopes in the legend."""
    cols = columns(rows)
    K = stored_config(cols).get("K") or None
    env = ", ".join(sorted(set(cols["env"].tolist()))) if "env" in cols else None
    setting = f"{env} losses" + (f", K = {K}" if K else "") if env else None
    return companions(regret_curves(rows, Path(outdir) / "experts_regret.png", title="Regret of experts learners",
                                    setting=setting))


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
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    learner_fields: ClassVar[tuple[str, ...]] = ("algo",)

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


# spec §2.6 target 1: log-log slopes of regret vs T on the alternating sequence
ALTERNATING_TARGETS = {"ftl": (0.98, 1.02), "hedge": (0.45, 0.52)}


def _alternating_curves(cols: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for name in sorted(set(cols["learner"].tolist())):
        sel = cols["learner"] == name
        # one deterministic curve per learner; several stored cells may repeat it: average per T
        ts = np.unique(cols["T"][sel]).astype(float)
        out[name] = (ts, np.array([cols["regret"][sel & (cols["T"] == v)].mean() for v in ts]))
    return out


def summarize_alternating(rows: Any) -> list[Any]:
    """Per learner: the log-log slope of regret vs T, checked against spec §2.6 target 1, and
    whether Hedge stays under its bound ``sqrt(T ln 2 / 2)`` at every T. Deterministic: one run."""
    cols = columns(rows)
    res: list[Any] = []
    for name, (ts, rs) in _alternating_curves(cols).items():
        slope = style.fitted_slope(ts, rs)
        label = f"{name}: log-log slope of regret vs T (T = {int(ts[0])}..{int(ts[-1])})"
        target = ALTERNATING_TARGETS.get(canonical(name))
        if slope is None:
            res.append((label, "fewer than 3 horizons with positive regret"))
        elif target is None:  # no target in spec §2.6: reported, not judged
            res.append((label, slope))
        else:
            res.append(Verdict(label, slope, target, quantity="slope"))
        if canonical(name) == "hedge":
            worst = float(np.max(rs / np.sqrt(ts * math.log(2) / 2)))
            res.append(Verdict("hedge: regret / sqrt(T ln 2 / 2) at the worst T (the bound holds at every T)",
                               worst, (None, 1.0), quantity="ratio"))
    return res


def plot_alternating(rows: Any, outdir: Path) -> list[Path]:
    """Regret at horizon T against T on log-log axes, slopes in the legend, Hedge's bound dashed."""
    cols = columns(rows)
    fig, ax = style.figure()
    curves = _alternating_curves(cols)
    ts = np.unique(cols["T"]).astype(float)
    for name, (x, y) in curves.items():
        style.line(ax, x, y, name=name, slope=True, marker="o")
    style.reference(ax, ts, np.sqrt(ts * math.log(2) / 2), r"bound $\sqrt{T \ln 2\, /\, 2}$")
    values = np.concatenate([y for _, y in curves.values()] + [np.sqrt(ts * math.log(2) / 2)])
    style.set_scale(ax, "x", ts)
    style.set_scale(ax, "y", values)
    ax.set_xlabel("horizon $T$")
    ax.set_ylabel("regret at $T$")
    e0, e1 = int(round(math.log2(ts[0]))), int(round(math.log2(ts[-1])))
    style.title(ax, r"Alternating losses: FTL linear, tuned Hedge $\sqrt{T}$", setting="K = 2",
                T=f"$2^{{{e0}}}$…$2^{{{e1}}}$", runs="1 run (deterministic)")
    style.legend(ax, loc="upper left")
    return style.save(fig, Path(outdir) / "alternating_regret_vs_T.png")


register_experiment(Experiment(
    "alternating", AlternatingConfig, run_alternating, plot_alternating,
    demo={"max_exp": 11}, summarize=summarize_alternating,
    description="FTL (slope 1) vs tuned Hedge (slope ~0.49) on the alternating sequence.",
    reference="spec §2.6 target 1 [V-run]",
))


@dataclass(frozen=True)
class GeneratorsConfig:
    """Tuned Hedge on the loss generators of spec §2.1 (d actions, horizon T, runs per generator)."""
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

    T: int = 10_000
    K: int = 2
    runs: int = 20
    envs: str = "gaussian,linear_trend,sinusoidal,alternating,adaptive"


def run_generators(config: GeneratorsConfig, seed: int) -> dict[str, Any]:
    out: dict[str, list[Any]] = {"env": [], "run": [], "regret": [], "bound": [], "T": [], "K": []}
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
            out["T"].append(config.T)
            out["K"].append(config.K)
    return out


def summarize_generators(rows: Any) -> list[Any]:
    """Per generator: the mean final regret (± standard error over runs) and the verdict that the
    worst run stays under ``sqrt(T ln K / 2)`` (spec §2.6 target 1, a hard bound)."""
    cols = columns(rows)
    bound = float(cols["bound"][0])
    out: list[Any] = []
    verdicts: list[Any] = []
    for e in sorted(set(cols["env"].tolist())):
        r = cols["regret"][cols["env"] == e].astype(float)
        out.append((f"hedge on {e}: mean final regret ({r.size} runs)", Estimate.of(r)))
        verdicts.append(Verdict(f"hedge on {e}: the largest regret over {r.size} runs stays under "
                                f"sqrt(T ln K / 2) = {bound:.4g}", float(r.max()), (None, bound), quantity="max"))
    return out + verdicts


def plot_generators(rows: Any, outdir: Path) -> list[Path]:
    """Final regret of tuned Hedge per generator (box and every run), the bound dashed."""
    cols = columns(rows)
    cfg = stored_config(cols)
    for key in ("T", "K"):
        if key not in cfg and key in cols and len(cols[key]) and np.all(np.isfinite(cols[key].astype(float))):
            cfg[key] = int(cols[key][0])
    envs = sorted(set(cols["env"].tolist()))
    fig, ax = style.figure()
    style.box(ax, {e: cols["regret"][cols["env"] == e] for e in envs}, name="hedge")
    style.hreference(ax, float(cols["bound"][0]), r"bound $\sqrt{T \ln K\, /\, 2}$")
    ax.set_ylabel("final regret $R_T$ of tuned Hedge")
    ax.set_xlabel("loss generator")
    runs = int(np.max([np.sum(cols["env"] == e) for e in envs])) if envs else 0
    style.title(ax, "Tuned Hedge on the loss generators", setting=f"K = {cfg.get('K', '?')}",
                T=cfg.get("T"), runs=f"{runs} runs per generator")
    style.legend(ax)
    return style.save(fig, Path(outdir) / "generators_regret.png")


register_experiment(Experiment(
    "generators", GeneratorsConfig, run_generators, plot_generators,
    demo={"T": 2000, "runs": 8}, summarize=summarize_generators,
    description="Tuned Hedge stays under sqrt(T ln K / 2) on every loss generator and seed.",
    reference="spec §2.6 target 1",
))
