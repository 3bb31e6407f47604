"""Switching costs and observation budgets: the three CPU targets of spec §8.5 (Cheng, Zhou & Ji,
"Understanding the role of feedback in online learning with switching costs", ICML 2023)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.bandits import ArrayEnv, exp3, play
from regretlab.bandits.switching import BatchedExp3, bandit_threshold, mrw_losses, setting_a, setting_b, simulate
from regretlab.experiments import Experiment, register_experiment
from regretlab.plot import columns, line_plot


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    ok = y > 0
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0]) if ok.sum() >= 2 else float("nan")


def _means(cols: dict[str, np.ndarray], x: str, y: str, sel: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    sel = np.ones(cols[x].size, dtype=bool) if sel is None else sel
    xs = np.unique(cols[x][sel])
    return xs, np.array([cols[y][sel & (cols[x] == v)].mean() for v in xs])


def _rows(out: dict[str, np.ndarray], **labels: Any) -> dict[str, list[Any]]:
    n = out["regret"].size
    rows: dict[str, list[Any]] = {k: [v] * n for k, v in labels.items()}
    rows["run"] = list(range(n))
    for key in ("regret", "loss", "switches", "observations", "free_observations", "best_loss"):
        rows[key] = out[key].tolist()
    return rows


def _concat(parts: list[dict[str, list[Any]]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}


# -- target 1: budget curve, Setting B ----------------------------------------------------------
@dataclass(frozen=True)
class BudgetCurveConfig:
    """Setting B regret vs observation budget on the multi-scale random walk.

    Attributes:
        T: horizon; K: arms; runs: repetitions; epsilon: gap of the best arm.
        exponents: budgets are round(K T^e) for these e (``|``-separated on the CLI).
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

    T: int = 2**16
    K: int = 4
    runs: int = 10
    epsilon: float = 0.05
    exponents: tuple = (0.5, 2 / 3, 5 / 6, 1.0)


def run_budget_curve(config: BudgetCurveConfig, seed: int) -> dict[str, Any]:
    losses = mrw_losses(config.K, config.T, config.runs, seed=seed, epsilon=config.epsilon)
    parts = []
    for e in config.exponents:
        budget = max(config.K, round(config.K * config.T ** float(e)))
        policy = setting_b(config.T, config.K, budget)
        out = simulate(policy, losses, seed=seed)
        bound = config.T * math.sqrt(config.K * math.log(config.K) / (2 * budget)) + 3 * math.sqrt(policy.batches * math.log(config.K))
        parts.append(_rows(out, budget=budget, tau=policy.tau, bound=bound))
    return _concat(parts)


def summarize_budget_curve(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    bs, reg = _means(cols, "budget", "regret")
    _, bound = _means(cols, "budget", "bound")
    _, sw = _means(cols, "budget", "switches")
    out = [(f"B={int(b)}: mean regret (bound, switches)", f"{r:.1f} ({bd:.1f}, {s:.1f})") for b, r, bd, s in zip(bs, reg, bound, sw)]
    out.append(("log-log slope of regret vs B (target [-0.6, -0.4])", f"{_slope(bs, reg):.3f}"))
    return out


def plot_budget_curve(rows: Any, outdir: Path) -> list[Path]:
    cols = columns(rows)
    bs, reg = _means(cols, "budget", "regret")
    _, bound = _means(cols, "budget", "bound")
    series = {"lazy Hedge, full info at a random round": (bs, reg), "T sqrt(K ln K/(2B)) + 3 sqrt(N ln K)": (bs, bound)}
    return [line_plot(series, Path(outdir) / "switching_budget_curve.png", xlabel="observation budget B",
                      ylabel="regret incl. switches", title="Setting B: regret ~ T sqrt(K/B)", logx=True, logy=True)]


register_experiment(Experiment(
    "switching_budget_curve", BudgetCurveConfig, run_budget_curve, plot_budget_curve,
    demo={"T": 2**12, "runs": 4}, summarize=summarize_budget_curve,
    description="Setting B: regret vs observation budget, slope ~ -1/2 (spec §8.5 target 1).",
    reference="spec §8.5 target 1; Cheng, Zhou & Ji (ICML 2023)",
))


# -- target 2: phase transition, Setting A ------------------------------------------------------
@dataclass(frozen=True)
class PhaseTransitionConfig:
    """Setting A regret vs extra-observation budget ``B_ex = K T^e`` (flat, then slope -1/2).

    Attributes:
        T: horizon; K: arms; runs: repetitions; exponents: values of e (``|``-separated).
        epsilon: gap of the best arm; 0 means the hard value K^{1/3} T^{-1/3}.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

    T: int = 2**16
    K: int = 4
    runs: int = 10
    exponents: tuple = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    epsilon: float = 0.0


def run_phase_transition(config: PhaseTransitionConfig, seed: int) -> dict[str, Any]:
    eps = config.epsilon or config.K ** (1 / 3) * config.T ** (-1 / 3)
    losses = mrw_losses(config.K, config.T, config.runs, seed=seed, epsilon=min(eps, 0.5))
    parts = []
    for e in config.exponents:
        extra = 0 if float(e) == 0 else round(config.K * config.T ** float(e))
        policy = setting_a(config.T, config.K, extra)
        out = simulate(policy, losses, seed=seed)
        parts.append(_rows(out, extra_budget=extra, rule=policy.rule,
                           threshold=bandit_threshold(config.T, config.K)))
    return _concat(parts)


def summarize_phase_transition(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    bs, reg = _means(cols, "extra_budget", "regret")
    thr = float(cols["threshold"][0])
    out = [(f"B_ex={int(b)} ({'bandit' if b <= thr else 'full-info'} rule): mean regret", f"{r:.1f}") for b, r in zip(bs, reg)]
    low = reg[bs <= thr]
    if low.size:
        out.append(("spread below K^{1/3}T^{2/3} (target <= 20%)", f"{(low.max() / low.min() - 1) * 100:.1f}%"))
    hi = bs > thr
    if hi.sum() >= 2:
        out.append(("slope above threshold (theory -0.5)", f"{_slope(bs[hi], reg[hi]):.3f}"))
    return out


def plot_phase_transition(rows: Any, outdir: Path) -> list[Path]:
    cols = columns(rows)
    bs, reg = _means(cols, "extra_budget", "regret")
    x = np.maximum(bs, 1)
    thr = float(cols["threshold"][0])
    series = {"Setting A algorithm": (x, reg), "threshold K^{1/3}T^{2/3}": (np.array([thr, thr]), np.array([reg.min(), reg.max()]))}
    return [line_plot(series, Path(outdir) / "switching_phase_transition.png", xlabel="extra observations B_ex (0 shown at 1)",
                      ylabel="regret incl. switches", title="Setting A: flat, then T sqrt(K/B_ex)", logx=True, logy=True)]


register_experiment(Experiment(
    "switching_phase_transition", PhaseTransitionConfig, run_phase_transition, plot_phase_transition,
    demo={"T": 2**12, "runs": 4, "exponents": (0.0, 0.5, 0.8, 1.0)}, summarize=summarize_phase_transition,
    description="Setting A: extra observations help only above K^{1/3}T^{2/3} (spec §8.5 target 2).",
    reference="spec §8.5 target 2; Cheng, Zhou & Ji (ICML 2023)",
))


# -- target 3: batched Exp3 slope vs T; plain Exp3 switches linearly ---------------------------
@dataclass(frozen=True)
class BatchedExp3Config:
    """Batched Exp3 regret vs T on the hard MRW instance, and plain Exp3's switch count.

    Attributes:
        K: arms; runs: repetitions; min_exp / max_exp: T = 2^min_exp .. 2^max_exp.
        plain_max_exp: largest T = 2^e for plain (round-by-round) Exp3.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("runs",)
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

    K: int = 4
    runs: int = 10
    min_exp: int = 12
    max_exp: int = 18
    plain_max_exp: int = 15


def run_batched_exp3(config: BatchedExp3Config, seed: int) -> dict[str, Any]:
    parts = []
    for e in range(config.min_exp, config.max_exp + 1):
        t_len = 2**e
        eps = config.K ** (1 / 3) * t_len ** (-1 / 3) / math.log(t_len)
        losses = mrw_losses(config.K, t_len, config.runs, seed=seed, epsilon=min(eps, 0.5))
        out = simulate(BatchedExp3(t_len, config.K), losses, seed=seed)
        parts.append(_rows(out, learner="batched_exp3", T=t_len))
        if e <= config.plain_max_exp:
            res = play(exp3(horizon=t_len), ArrayEnv(-np.transpose(losses, (1, 0, 2))), t_len, config.runs,
                       seed=seed, every=t_len)
            sw = res["switches"][-1]
            loss = -res["reward"][-1]
            best = losses.sum(axis=1).min(axis=1)
            parts.append(_rows({"regret": loss + sw - best, "loss": loss, "switches": sw,
                                "observations": np.zeros(config.runs), "free_observations": np.full(config.runs, t_len),
                                "best_loss": best}, learner="exp3", T=t_len))
    return _concat(parts)


def summarize_batched_exp3(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    out = []
    for name in ("batched_exp3", "exp3"):
        sel = cols["learner"] == name
        if sel.any():
            ts, reg = _means(cols, "T", "regret", sel)
            _, sw = _means(cols, "T", "switches", sel)
            out.append((f"{name}: slope of regret vs T", f"{_slope(ts, reg):.3f}"))
            out.append((f"{name}: slope of switches vs T", f"{_slope(ts, sw):.3f}"))
    return out


def plot_batched_exp3(rows: Any, outdir: Path) -> list[Path]:
    cols = columns(rows)
    series = {}
    for name in ("batched_exp3", "exp3"):
        sel = cols["learner"] == name
        if sel.any():
            series[f"{name} regret"] = _means(cols, "T", "regret", sel)
            series[f"{name} switches"] = _means(cols, "T", "switches", sel)
    ts = np.unique(cols["T"]).astype(float)
    series["K^{1/3} T^{2/3}"] = (ts, 4 ** (1 / 3) * ts ** (2 / 3))
    return [line_plot(series, Path(outdir) / "switching_batched_exp3.png", xlabel="T", ylabel="regret / switches",
                      title="MRW instance: batched Exp3 ~ T^{2/3}, plain Exp3 switches ~ T", logx=True, logy=True)]


register_experiment(Experiment(
    "switching_batched_exp3", BatchedExp3Config, run_batched_exp3, plot_batched_exp3,
    demo={"min_exp": 10, "max_exp": 13, "plain_max_exp": 11, "runs": 4}, summarize=summarize_batched_exp3,
    description="Batched Exp3 regret slope 2/3 vs T; plain Exp3 switch count slope 1 (spec §8.5 target 3).",
    reference="spec §8.5 target 3; Dekel et al. (STOC 2014); Arora, Dekel & Tewari (ICML 2012)",
))
