"""Moderation ensemble experiments: spec §5.5 targets 1-3 (AEGIS, Ghosh et al. 2024, arXiv 2404.05993).

A synthetic pool of N = 4 safety experts whose accuracy depends on the regime ("toxic chat",
"jailbreak", "benign"); a different expert is best in each regime. ``moderation_regimes``: EWA
regret <= sqrt(T ln N / 2) and Fixed-Share below the best fixed expert; ``moderation_scarcity``:
10 % of rounds labelled; ``moderation_categories``: the category-aware (sleeping) ensemble.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.experiments import Experiment, register_experiment
from regretlab.moderation import (
    CategoryAware,
    best_switching_loss,
    ewa,
    fixed_share,
    fixed_share_bound,
    fixed_share_lr,
    regret_bound,
    run_stream,
    simulate_pool,
)
from regretlab.moderation.synthetic import REGIME_NAMES

SWITCHES = 2  # 3 regimes: the best expert sequence switches twice


def _every(t: int, points: int = 200) -> int:
    return max(1, t // points)


def _rows(name: str, out: dict[str, np.ndarray], every: int, regime: np.ndarray, **final: Any) -> dict[str, np.ndarray]:
    """Tidy rows: per run and recorded round, the regret so far vs the best fixed expert and the weights."""
    ens = np.nan_to_num(out["ensemble_loss"]).cumsum(1)  # [B, T]
    exp = np.nan_to_num(out["expert_loss"]).cumsum(1)  # [B, T, N]
    b, t = ens.shape
    idx = np.arange(0, t, every)
    w = out["weights"]  # [B, len(idx), N]
    reg = ens[:, idx] - exp[:, idx].min(2)
    cols: dict[str, Any] = {
        "algorithm": np.repeat(np.array([name]), b * idx.size),
        "run": np.repeat(np.arange(b), idx.size),
        "round": np.tile(idx + 1, b),
        "regime": np.tile(regime[idx], b),
        "regret": reg.ravel(),
    }
    for i in range(w.shape[2]):
        cols[f"weight_{i}"] = w[:, :, i].ravel()
    for key, value in final.items():  # per-run final figures, repeated on that run's rows
        cols[key] = np.repeat(np.broadcast_to(np.asarray(value, dtype=np.float64), (b,)), idx.size)
    return cols


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    keys = sorted(set().union(*parts))
    out = {}
    for k in keys:
        vals = [p[k] if k in p else np.full(len(p["run"]), np.nan) for p in parts]
        out[k] = np.concatenate(vals)
    return out


def _final(cols: dict[str, np.ndarray], name: str, key: str) -> np.ndarray:
    sel = cols["algorithm"] == name
    last = cols["round"][sel].max()
    return cols[key][sel & (cols["round"] == last)]


def _runs(cols: dict[str, np.ndarray]) -> int:
    from regretlab.plot import run_count

    return run_count(cols)


def _plot_weights(rows: Any, outdir: Path, stem: str, title: str) -> list[Path]:
    """A panel per aggregator: the mean weight of each expert over rounds (regime changes dotted
    grey); the last panel: regret vs the best fixed expert so far (mean, 95% band over runs; linear,
    it goes negative), with each aggregator's bound at T dashed grey where the rows carry one."""
    from regretlab import plot_style as style
    from regretlab.plot import columns, curve_stats

    cols = columns(rows)
    names = sorted(set(cols["algorithm"].tolist()))
    weights = sorted(k for k in cols if k.startswith("weight_"))
    fig, axes = style.figure(1, len(names) + 1, width=7.0, height=2.3)
    axes = np.atleast_1d(axes)
    from regretlab.plot import stored_config

    T = int(stored_config(cols).get("T", cols["round"].max()))
    for ax, name in zip(axes, names):
        sel = cols["algorithm"] == name
        rounds = np.unique(cols["round"][sel]).astype(float)
        for k in weights:
            _, m, h = curve_stats(cols["round"][sel], cols[k][sel].astype(float))
            style.line(ax, rounds, m, band=h, name=f"expert {k.split('_')[1]}", color=style.PALETTE[int(k.split("_")[1]) % 7])
        regime = np.array([cols["regime"][sel & (cols["round"] == v)][0] for v in rounds])
        for n, r in enumerate(rounds[1:][np.diff(regime) != 0]):
            ax.axvline(r, color=style.REFERENCE_COLOR, ls=":", lw=1, label="regime change" if n == 0 else None)
        ax.set_ylabel("weight")
        ax.set_ylim(-0.02, 1.02)
        style.title(ax, f"{name}: weight of each expert (mean over runs)")
        style.legend(ax)
    ax = axes[-1]
    values = []
    bounds: dict[float, list[str]] = {}
    for name in names:
        sel = cols["algorithm"] == name
        rounds, m, h = curve_stats(cols["round"][sel], cols["regret"][sel].astype(float))
        style.line(ax, rounds.astype(float), m, band=h, name=name)
        values += [m - h, m + h]
        if "bound" in cols:
            b = cols["bound"][sel].astype(float)
            if b.size and np.isfinite(b).all() and np.ptp(b) == 0:
                bounds.setdefault(float(b[0]), []).append(name)
    for b, who in bounds.items():
        style.hreference(ax, b, f"bound at T ({', '.join(who)})")
        values.append(np.array([b]))
    style.hreference(ax, 0.0, "best fixed expert")
    style.set_scale(ax, "y", np.concatenate(values), prefer="linear")
    ax.set_xlabel("round $t$")
    ax.set_ylabel("regret vs best fixed")
    style.title(ax, "Regret vs the best fixed expert so far (mean, 95% band)")
    style.legend(ax)
    style.title(fig, title, setting="N = 4 experts, 3 regimes", T=T, runs=_runs(cols))
    return style.save(fig, Path(outdir) / f"{stem}.png")


# ------------------------------------------------------------------------------ target 1
@dataclass(frozen=True)
class RegimesConfig:
    """Spec §5.5 target 1: EWA and Fixed-Share on the regime-switching pool.

    Attributes:
        T: rounds (3 equal regimes).
        runs: independent runs (one batch).
        noise: σ of the Gaussian noise on the expert scores.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")

    T: int = 30_000
    runs: int = 10
    noise: float = 0.1


def run_regimes(config: RegimesConfig, seed: int) -> dict[str, Any]:
    s = simulate_pool(rounds=config.T, noise=config.noise, batch=config.runs, seed=seed)
    n, every = s.scores.shape[2], _every(config.T)
    bound = regret_bound("absolute", n, config.T)
    lr, alpha = fixed_share_lr(n, config.T, SWITCHES)
    parts = []
    for name, agg, tbound in (
        ("ewa", ewa("absolute", horizon=config.T, num_experts=n), float("nan")),
        ("fixed_share", fixed_share(lr, alpha), fixed_share_bound(n, config.T, SWITCHES, lr, alpha)),
    ):
        out = run_stream(agg, s.scores, s.labels, record_every=every)
        total = np.nansum(out["ensemble_loss"], 1)
        best = np.nansum(out["expert_loss"], 1).min(1)
        tracking = total - best_switching_loss(out["expert_loss"], SWITCHES)
        parts.append(_rows(name, out, every, s.regime, final_regret=total - best, bound=bound,
                           tracking_regret=tracking, tracking_bound=tbound))
    return _concat(parts)


def summarize_regimes(rows: Any) -> list[Any]:
    """Spec §5.5 target 1: EWA's regret vs the best fixed expert under sqrt(T ln N/2) on every run,
    Fixed-Share below the best fixed expert (mean final regret <= 0) and its tracking regret vs
    the best 2-switch sequence under its bound; mean final regrets ± standard error over runs."""
    from regretlab.plot import columns
    from regretlab.summary import Estimate, Verdict

    c = columns(rows)
    ewa_reg, bound = _final(c, "ewa", "final_regret"), _final(c, "ewa", "bound")[0]
    fs_reg = _final(c, "fixed_share", "final_regret")
    fs_track, fs_bound = _final(c, "fixed_share", "tracking_regret"), _final(c, "fixed_share", "tracking_bound")[0]
    n = ewa_reg.size
    return [
        (f"EWA: final regret vs best fixed ({n} runs)", Estimate.of(ewa_reg)),
        (f"Fixed-Share: final regret vs best fixed ({n} runs)", Estimate.of(fs_reg)),
        Verdict(f"EWA: largest regret over {n} runs stays under sqrt(T ln N/2) = {bound:.4g}", float(ewa_reg.max()),
                (None, float(bound)), quantity="max"),
        Verdict("Fixed-Share: below the best fixed expert (mean final regret <= 0)", Estimate.of(fs_reg), (None, 0.0),
                quantity="mean"),
        Verdict(f"Fixed-Share: largest tracking regret vs the best 2-switch sequence under its bound {fs_bound:.4g}",
                float(fs_track.max()), (None, float(fs_bound)), quantity="max"),
    ]


def plot_regimes(rows: Any, outdir: Path) -> list[Path]:
    return _plot_weights(rows, outdir, "moderation_regimes_weights", "Regime-switching expert pool (spec §5.5 t1)")


register_experiment(Experiment(
    "moderation_regimes", RegimesConfig, run_regimes, plot_regimes,
    demo={"T": 3000, "runs": 3}, summarize=summarize_regimes,
    description="AEGIS pool: EWA regret <= 144.2 at T=30k, N=4; Fixed-Share below the best fixed expert.",
    reference="spec §5.5 target 1; Cesa-Bianchi & Lugosi 2006 Thm 2.2; Herbster & Warmuth 1998",
))


# ------------------------------------------------------------------------------ target 2
@dataclass(frozen=True)
class ScarcityConfig:
    """Spec §5.5 target 2: only a fraction of rounds labelled (uniformly at random).

    Attributes:
        T: rounds.
        runs: independent runs.
        label_rate: fraction of rounds whose label is revealed.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")

    T: int = 30_000
    runs: int = 10
    label_rate: float = 0.1


def run_scarcity(config: ScarcityConfig, seed: int) -> dict[str, Any]:
    s = simulate_pool(rounds=config.T, label_rate=config.label_rate, batch=config.runs, seed=seed)
    n, every = s.scores.shape[2], _every(config.T)
    labels = np.where(s.labelled, s.labels, np.nan)
    t_lab = int(s.labelled[0].sum())
    parts = []
    for name, agg, bound in (
        ("ewa_tuned", ewa("absolute", horizon=max(t_lab, 1), num_experts=n), regret_bound("absolute", n, t_lab)),
        ("ewa_anytime", ewa("absolute"), regret_bound("absolute", n, t_lab, "anytime")),
    ):
        out = run_stream(agg, s.scores, labels, record_every=every)
        reg = np.nansum(out["ensemble_loss"], 1) - np.nansum(out["expert_loss"], 1).min(1)
        parts.append(_rows(name, out, every, s.regime, final_regret=reg, bound=bound, labelled_rounds=t_lab))
    return _concat(parts)


def summarize_scarcity(rows: Any) -> list[Any]:
    """Spec §5.5 target 2: on the labelled rounds, each EWA's regret under its bound on every run."""
    from regretlab.plot import columns
    from regretlab.summary import Estimate, Verdict

    c = columns(rows)
    out: list[Any] = [("labelled rounds", int(_final(c, "ewa_tuned", "labelled_rounds")[0]))]
    for name in ("ewa_tuned", "ewa_anytime"):
        reg, bound = _final(c, name, "final_regret"), _final(c, name, "bound")[0]
        out.append((f"{name}: regret on labelled rounds ({reg.size} runs)", Estimate.of(reg)))
        out.append(Verdict(f"{name}: largest regret on labelled rounds over {reg.size} runs under its bound "
                           f"{bound:.4g}", float(reg.max()), (None, float(bound)), quantity="max"))
    return out


def plot_scarcity(rows: Any, outdir: Path) -> list[Path]:
    return _plot_weights(rows, outdir, "moderation_scarcity_weights", "10 % of rounds labelled (spec §5.5 t2)")


register_experiment(Experiment(
    "moderation_scarcity", ScarcityConfig, run_scarcity, plot_scarcity,
    demo={"T": 3000, "runs": 3}, summarize=summarize_scarcity,
    description="AEGIS pool with 10% of labels: regret on labelled rounds <= sqrt(T_lab ln N / 2).",
    reference="spec §5.5 target 2",
))


# ------------------------------------------------------------------------------ target 3
@dataclass(frozen=True)
class CategoriesConfig:
    """Spec §5.5 target 3: the category-aware (sleeping) ensemble with category = regime.

    Attributes:
        T: rounds.
        runs: independent runs.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")

    T: int = 30_000
    runs: int = 10


def run_categories(config: CategoriesConfig, seed: int) -> dict[str, Any]:
    s = simulate_pool(rounds=config.T, batch=config.runs, seed=seed)
    n, every = s.scores.shape[2], _every(config.T)
    t_c = np.bincount(s.regime)
    cats = np.broadcast_to(s.regime, s.labels.shape)
    parts = []
    for name, ens in (
        ("category_aware", CategoryAware(tuple(ewa("absolute", horizon=int(k), num_experts=n) for k in t_c))),
        ("ewa", ewa("absolute", horizon=config.T, num_experts=n)),
    ):
        out = run_stream(ens, s.scores, s.labels, cats, record_every=every)
        final: dict[str, Any] = {}
        for c, tc in enumerate(t_c):
            rows = s.regime == c
            final[f"regret_{REGIME_NAMES[c] if c < len(REGIME_NAMES) else c}"] = (
                out["ensemble_loss"][:, rows].sum(1) - out["expert_loss"][:, rows].sum(1).min(1))
            final[f"bound_{REGIME_NAMES[c] if c < len(REGIME_NAMES) else c}"] = math.sqrt(tc * math.log(n) / 2)
        final["total_loss"] = out["ensemble_loss"].sum(1)
        parts.append(_rows(name, out, every, s.regime, **final))
    return _concat(parts)


def summarize_categories(rows: Any) -> list[Any]:
    """Spec §5.5 target 3: the category-aware ensemble's regret on each category under
    sqrt(T_c ln N/2) on every run; total losses (mean ± standard error over runs) beside EWA's."""
    from regretlab.plot import columns
    from regretlab.summary import Estimate, Verdict

    c = columns(rows)
    out: list[Any] = []
    for key in sorted(k for k in c if k.startswith("regret_")):
        cat = key[len("regret_"):]
        reg, bound = _final(c, "category_aware", key), _final(c, "category_aware", f"bound_{cat}")[0]
        out.append(Verdict(f"category_aware: largest regret on {cat} over {reg.size} runs under sqrt(T_c ln N/2) "
                           f"= {bound:.4g}", float(reg.max()), (None, float(bound)), quantity="max"))
    out.append(("category_aware: total loss", Estimate.of(_final(c, "category_aware", "total_loss"))))
    out.append(("ewa: total loss", Estimate.of(_final(c, "ewa", "total_loss"))))
    return out


def plot_categories(rows: Any, outdir: Path) -> list[Path]:
    return _plot_weights(rows, outdir, "moderation_categories_weights", "Category-aware (sleeping) ensemble (spec §5.5 t3)")


register_experiment(Experiment(
    "moderation_categories", CategoriesConfig, run_categories, plot_categories,
    demo={"T": 3000, "runs": 3}, summarize=summarize_categories,
    description="AEGIS pool, category known: per-category regret <= sqrt(T_c ln N / 2).",
    reference="spec §5.5 target 3; Blum & Mansour 2007 (sleeping experts)",
))
