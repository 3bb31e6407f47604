"""Information acquisition from several agents: spec section 3.4 targets 1-3.

* ``mechanisms_lp``: the section 3.2 LP on random tiny instances (n = 2, |B_i| = |S_i| = |Theta| =
  |A| = 2, M = 1): exhaustive IC check, solve time, and the correlated-vs-uncorrelated gap, both
  in the paper's model (state observed ex post) and in the peer-prediction variant.
* ``mechanisms_etc``: the explore-then-commit principal on the fixed two-agent instance; regret vs
  ``T`` on a log-log grid (theory ``O~(T^{2/3})``).

Reference: Cacciamani, Castiglioni, Gatti, "Online Information Acquisition: Hiring Multiple
Agents", ICLR 2024; ``specs/regret-papers.md`` section 3.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.experiments import Experiment, register_experiment
from regretlab.plot import columns as _columns


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``log y`` on ``log x`` (spec section 0 slope check)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = y > 0
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)[0])


# ------------------------------------------------------------------ target 1 and 2


@dataclass(frozen=True)
class LPConfig:
    """Random tiny instances for the section 3.2 LP.

    Attributes:
        instances: random instances per variant.
        agents, efforts, signals, states, actions: instance sizes.
        cost_scale: costs of effort uniform in ``[0, cost_scale]`` (effort 0 is free).
        peer_cost_scale: the same for the peer-prediction (state not observed) variant.
    """

    instances: int = 1000
    agents: int = 2
    efforts: int = 2
    signals: int = 2
    states: int = 2
    actions: int = 2
    cost_scale: float = 0.05
    peer_cost_scale: float = 0.01


def run_lp(config: LPConfig, seed: int) -> dict[str, Any]:
    from regretlab.mechanisms import check_ic, random_instance, solve_correlated, solve_uncorrelated

    rng = np.random.default_rng(seed)
    out: dict[str, list[Any]] = {k: [] for k in (
        "variant", "instance", "solve_ms", "ic_ok", "ic_max_gain", "works", "opt_correlated",
        "opt_uncorrelated", "gap")}
    for variant, observed, cost in (("state_observed", True, config.cost_scale),
                                    ("peer_prediction", False, config.peer_cost_scale)):
        for k in range(config.instances):
            inst = random_instance(rng, agents=config.agents, efforts=config.efforts,
                                   signals=config.signals, states=config.states,
                                   actions=config.actions, cost_scale=cost, state_observed=observed)
            t0 = time.perf_counter()
            mech = solve_correlated(inst)
            ms = 1e3 * (time.perf_counter() - t0)
            ic = check_ic(inst, mech, tol=1e-7)
            unc = solve_uncorrelated(inst)
            out["variant"].append(variant)
            out["instance"].append(k)
            out["solve_ms"].append(ms)
            out["ic_ok"].append(bool(ic.ok))
            out["ic_max_gain"].append(ic.max_gain)
            out["works"].append(bool(mech.recommendation[0] < 1 - 1e-9))
            out["opt_correlated"].append(mech.value)
            out["opt_uncorrelated"].append(unc.value)
            out["gap"].append(mech.value - unc.value)
    return out


def summarize_lp(rows: Any) -> list[tuple[str, Any]]:
    c = _columns(rows)
    res = []
    for variant in ("state_observed", "peer_prediction"):
        sel = c["variant"] == variant
        if not sel.any():
            continue
        res += [
            (f"{variant}: instances (effort hired)", f"{int(sel.sum())} ({int(c['works'][sel].sum())})"),
            (f"{variant}: exhaustive IC check passed", f"{int(c['ic_ok'][sel].sum())}/{int(sel.sum())}"
             f" (max gain {c['ic_max_gain'][sel].max():.2e})"),
            (f"{variant}: LP solve ms median / max", f"{np.median(c['solve_ms'][sel]):.2f} / {c['solve_ms'][sel].max():.2f}"),
            (f"{variant}: largest OPT_corr - OPT_uncorr", f"{c['gap'][sel].max():.4g}"
             f" ({int((c['gap'][sel] > 1e-3).sum())} instances > 1e-3)"),
        ]
    return res


def plot_lp(rows: Any, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = _columns(rows)
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    for variant in ("state_observed", "peer_prediction"):
        sel = c["variant"] == variant
        ax[0].hist(c["solve_ms"][sel], bins=30, alpha=0.6, label=variant)
        ax[1].scatter(c["opt_uncorrelated"][sel], c["opt_correlated"][sel], s=8, alpha=0.6, label=variant)
    ax[0].axvline(50, color="k", ls="--", label="50 ms target")
    ax[0].set(xlabel="LP solve time (ms)", ylabel="instances", title="Section 3.2 LP (HiGHS)")
    lo, hi = min(c["opt_uncorrelated"].min(), 0), max(c["opt_correlated"].max(), 1)
    ax[1].plot([lo, hi], [lo, hi], "k--", lw=1)
    ax[1].set(xlabel="OPT uncorrelated", ylabel="OPT correlated", title="Correlation gap")
    for a in ax:
        a.legend(fontsize=8)
    fig.tight_layout()
    path = Path(outdir) / "mechanisms_lp.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


register_experiment(Experiment(
    "mechanisms_lp", LPConfig, run_lp, plot_lp,
    demo={"instances": 40},
    summarize=summarize_lp,
    description="Info-acquisition LP: exhaustive IC check, solve time, correlated vs uncorrelated gap.",
    reference="Cacciamani et al. ICLR 2024; spec section 3.4 targets 1-2",
))


# ------------------------------------------------------------------ target 3


@dataclass(frozen=True)
class ETCConfig:
    """Explore-then-commit regret on the fixed two-agent instance.

    Attributes:
        horizons: the ``T`` grid.
        runs: seeds per horizon.
        c_explore, c_search, c_slack, c_mix: constants of :meth:`PhaseSchedule.power`.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("runs",)

    horizons: tuple[int, ...] = (1000, 3000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
    runs: int = 20
    c_explore: float = 1.0
    c_search: float = 0.5
    c_slack: float = 0.1
    c_mix: float = 0.1


def run_etc(config: ETCConfig, seed: int) -> dict[str, Any]:
    from regretlab.mechanisms import (
        PhaseSchedule, assumption_rules, etc_instance, explore_then_commit, solve_correlated)

    inst = etc_instance()
    opt = solve_correlated(inst).value
    rules, _ = assumption_rules(inst)
    sched = PhaseSchedule.power(c_explore=config.c_explore, c_search=config.c_search,
                                c_slack=config.c_slack, c_mix=config.c_mix)
    out: dict[str, list[Any]] = {k: [] for k in (
        "T", "run", "regret", "explore_rounds", "commit_value", "optimum", "obedient")}
    for t in config.horizons:
        for r in range(config.runs):
            res = explore_then_commit(inst, int(t), np.random.default_rng([seed, int(t), r]),
                                      schedule=sched, rules=rules, optimum=opt)
            out["T"].append(int(t))
            out["run"].append(r)
            out["regret"].append(res.regret)
            out["explore_rounds"].append(res.explore_rounds)
            out["commit_value"].append(res.commit_value)
            out["optimum"].append(opt)
            out["obedient"].append(bool(res.obedient))
    return out


def _mean_by(c: dict[str, np.ndarray], key: str, value: str) -> tuple[np.ndarray, np.ndarray]:
    xs = np.unique(c[key])
    return xs, np.array([c[value][c[key] == x].mean() for x in xs])


def summarize_etc(rows: Any) -> list[tuple[str, Any]]:
    c = _columns(rows)
    ts, reg = _mean_by(c, "T", "regret")
    return [
        ("log-log slope of mean regret (target [0.55, 0.75])", f"{loglog_slope(ts, reg):.3f}"),
        ("R_T / T at the smallest and largest T", f"{reg[0] / ts[0]:.4f} -> {reg[-1] / ts[-1]:.4f}"),
        ("runs whose agents obeyed the committed mechanism", f"{int(c['obedient'].sum())}/{c['obedient'].size}"),
    ]


def plot_etc(rows: Any, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = _columns(rows)
    ts, reg = _mean_by(c, "T", "regret")
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.loglog(ts, reg, "o-", label=f"ETC mean regret (slope {loglog_slope(ts, reg):.2f})")
    ax.loglog(ts, reg[0] * (ts / ts[0]) ** (2 / 3), "k--", lw=1, label="T^(2/3) reference")
    ax.set(xlabel="T", ylabel="regret  T*OPT - sum V_t", title="Explore-then-commit principal")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(outdir) / "mechanisms_etc.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


register_experiment(Experiment(
    "mechanisms_etc", ETCConfig, run_etc, plot_etc,
    demo={"horizons": (1000, 10_000, 100_000), "runs": 5},
    summarize=summarize_etc,
    description="Explore-then-commit principal hiring two agents: regret slope vs T (theory 2/3).",
    reference="Cacciamani et al. ICLR 2024; spec section 3.4 target 3",
))
