"""Log-loss portfolio selection: ONS vs OGD vs AdaGrad vs Cover's universal portfolio.

Each run is a seeded synthetic market of ``D`` assets (``r_t,i = exp(mu_i + volatility
clip(N(0, 1), -2, 2))`` with a log-drift ``mu_i ~ U[-drift, drift]`` per run and asset). The loss
``-log <r_t, x_t>`` is 1-exp-concave, so the Online Newton Step has regret ``O(D log T)`` against
the best constant-rebalanced portfolio in hindsight (Hazan, Agarwal & Kale 2007), Cover's
universal portfolio ``(D - 1) ln(T + 1)`` (Cover 1991; Blum & Kalai 1999), while projected OGD
and AdaGrad only guarantee ``O(sqrt T)``. Regret is recorded at 16 horizons of one anytime run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.experiments import Experiment, register_experiment

LABELS = {"ons": "ONS", "oco_ogd": "projected OGD", "oco_adagrad": "AdaGrad (diagonal)",
          "oco_adagrad_full": "AdaGrad (full)", "universal_portfolio": "universal portfolio",
          "metagrad": "MetaGrad", "kt_vector": "KT (vector)", "kt_scalar": "KT (per coordinate)", "ader": "Ader", "optimistic_omd": "optimistic OMD"}


@dataclass(frozen=True)
class PortfolioConfig:
    """OCO learners on a log-loss portfolio (synthetic price relatives, one market per run).

    Attributes:
        algo: comma-separated registered learners of the ``oco`` / ``portfolio`` families (each
            made on the simplex with ``G`` the market's gradient bound where it takes one, and
            tuned to ``T``).
        D: assets; volatility: the log-return scale; drift: the largest log-drift per round.
        T: horizon; runs: independent runs (markets); points: horizons recorded (``T / points`` apart).
    """
    learner_fields: ClassVar[tuple[str, ...]] = ("algo",)
    environment_fields: ClassVar[tuple[str, ...]] = ()
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("D", "points")

    algo: str = "ons,oco_ogd,oco_adagrad,universal_portfolio"
    D: int = 3
    volatility: float = 0.05
    drift: float = 0.05
    T: int = 8192
    runs: int = 20
    points: int = 16


def _learner(name: str, T: int, G: float) -> Any:
    import inspect

    from regretlab.core.registry import learners
    from regretlab.run import make_learner

    accepts = inspect.signature(learners.get(name).factory).parameters
    params: dict[str, Any] = {}
    if "domain" in accepts:
        params["domain"] = "simplex"
    if "G" in accepts:
        params["G"] = G
    return make_learner(name, T, **params)


def run_portfolio(config: PortfolioConfig, seed: int) -> dict[str, Any]:
    from regretlab.core.errors import check_int, check_positive
    from regretlab.oco.settings import portfolio
    from regretlab.run import run

    check_int("D", config.D, minimum=1)
    check_int("points", config.points, minimum=1)
    check_positive("volatility", config.volatility, allow_zero=True)
    check_positive("drift", config.drift, allow_zero=True)
    if not [n for n in config.algo.split(",") if n.strip()]:
        raise ValueError("algo must name at least one registered oco or portfolio learner, got ''")
    setting = portfolio(config.D, volatility=config.volatility, drift=config.drift)
    G = setting.gradient_bound()
    every = max(1, config.T // max(1, config.points))
    parts = []
    for name in [n.strip() for n in config.algo.split(",") if n.strip()]:
        tr = run(_learner(name, config.T, G), setting, config.T, config.runs, seed=seed, every=every)
        n, b = tr.regret.shape
        parts.append({
            "learner": np.array([name] * (n * b)),
            "run": np.tile(np.arange(b), n),
            "round": np.repeat(tr.rounds, b),
            "regret": tr.regret.reshape(-1),
            "log_wealth": -tr.metrics["loss"].reshape(-1),
            "best_log_wealth": -tr.metrics["best_loss"].reshape(-1),
        })
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _matrix(cols: dict[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(rounds [n], regret [n, runs])`` of one learner."""
    mask = cols["learner"] == name
    rounds = np.unique(cols["round"][mask])
    key = cols["cell_key"][mask] if "cell_key" in cols else np.zeros(mask.sum())
    ids = {pair: i for i, pair in enumerate(dict.fromkeys(zip(key.tolist(), cols["run"][mask].tolist())))}
    out = np.full((rounds.size, len(ids)), np.nan)
    for r, k, run_, v in zip(cols["round"][mask], key.tolist(), cols["run"][mask].tolist(), cols["regret"][mask]):
        out[np.searchsorted(rounds, r), ids[(k, run_)]] = v
    return rounds.astype(float), out


def summarize_portfolio(rows: Any) -> list[Any]:
    """ONS's final regret below OGD's (paired over markets), ONS's log-log slope over the second
    half of the horizons (logarithmic growth: <= 0.25; OGD's shown for comparison), the universal
    portfolio within its bound ``(D-1) ln(T+1)``, and each learner's final regret."""
    from regretlab.metrics import loglog_slope
    from regretlab.plot import columns, stored_config
    from regretlab.summary import Estimate, Verdict

    cols = columns(rows)
    names = list(dict.fromkeys(cols["learner"].tolist()))
    T = int(cols["round"].max())
    out: list[Any] = []
    finals = {n: _matrix(cols, n)[1][-1] for n in names}
    if "ons" in finals and "oco_ogd" in finals:
        diff = finals["oco_ogd"] - finals["ons"]
        out.append(Verdict(f"OGD's final regret minus ONS's at T = {T} (paired over {diff.size} markets)",
                           Estimate.of(diff), (0.0, None), quantity="difference",
                           demo_size=None if T >= 2048 else f"ONS overtakes OGD near T = 1500; this run has T = {T}",
                           full_size=None if T >= 2048 else "holds from T = 2048 (the demo size) on"))
    for name in ("ons", "oco_ogd"):
        if name not in names:
            continue
        rounds, mat = _matrix(cols, name)
        half = rounds >= rounds[-1] / 2
        if half.sum() >= 3 and mat.shape[1] >= 2:
            slope, lo, hi = loglog_slope(rounds[half], np.maximum(mat[half], 1e-12))
            est = Estimate(slope, (hi - lo) / 3.92, mat.shape[1])
            if name == "ons":
                out.append(Verdict(f"ONS: log-log slope of mean regret vs T over [T/2, T] (log T growth; "
                                   f"95% bootstrap [{lo:.2f}, {hi:.2f}])", est, (None, 0.25), quantity="slope"))
            else:
                label = f"OGD: log-log slope of mean regret vs T over [T/2, T] (95% bootstrap [{lo:.2f}, {hi:.2f}])"
                out.append((label, est))
    if "universal_portfolio" in finals:
        d = int(stored_config(cols).get("D", 3))
        bound = (d - 1) * math.log(T + 1)
        out.append(Verdict(f"universal portfolio: mean final regret within (D-1) ln(T+1) = {bound:.2f} "
                           f"(Cover 1991; sampled mixture for D >= 3)", Estimate.of(finals["universal_portfolio"]),
                           (None, bound), quantity="regret"))
    for name in names:
        out.append((f"{LABELS.get(name, name)}: final regret at T = {T}", Estimate.of(finals[name])))
    return out


def plot_portfolio(rows: Any, outdir: Path) -> list[Path]:
    """Mean regret against T (log-log, 95% band over markets, fitted slopes in the legend), the
    universal portfolio's bound (D-1) ln(T+1) and a sqrt(T) guide, dashed grey."""
    from regretlab import plot_style as style
    from regretlab.plot import columns, run_count, stored_config

    cols = columns(rows)
    fig, ax = style.figure()
    allx, ally = [], []
    for name in dict.fromkeys(cols["learner"].tolist()):
        rounds, mat = _matrix(cols, name)
        mean = mat.mean(axis=1)
        half = 1.96 * mat.std(axis=1, ddof=1) / math.sqrt(mat.shape[1]) if mat.shape[1] > 1 else np.zeros_like(mean)
        lo = np.maximum(mean - half, mean * 0.05)
        style.line(ax, rounds, mean, band=(lo, mean + half), name=name, label=LABELS.get(name, name), slope=True,
                   tail=0.5)
        allx.append(rounds)
        ally += [lo, mean + half]
    cfg = stored_config(cols)
    d = int(cfg.get("D", 3))
    xs = np.unique(np.concatenate(allx))
    bound = (d - 1) * np.log(xs + 1)
    style.reference(ax, xs, bound, r"$(D-1)\ln(T+1)$")
    ys = np.concatenate(ally + [bound])
    style.slope_guide(ax, xs, float(np.nanmax(ally[1][:1])) if ally else 1.0, 0.5, r"$\propto \sqrt{T}$")
    style.set_scale(ax, "x", xs)
    style.set_scale(ax, "y", ys[ys > 0])
    ax.set_xlabel("horizon $T$")
    ax.set_ylabel("regret vs best CRP")
    style.title(ax, "Log-loss portfolio: regret vs best constant-rebalanced portfolio",
                setting=f"synthetic markets, D = {d}", T=int(xs.max()), runs=run_count(cols))
    style.legend(ax)
    return style.save(fig, Path(outdir) / "oco_portfolio.png")


register_experiment(Experiment(
    "oco_portfolio", PortfolioConfig, run_portfolio, plot_portfolio,
    demo={"T": 2048, "runs": 6, "points": 8}, summarize=summarize_portfolio,
    description="ONS vs OGD vs AdaGrad vs universal portfolio on a log-loss portfolio (regret vs T, log-log).",
    reference="Hazan, Agarwal & Kale 2007 Thm 2; Zinkevich 2003; Duchi et al. 2011; Cover 1991",
))
