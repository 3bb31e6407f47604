"""Figures from tidy rows: regret curves with confidence bands, log-log option."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, out: str | Path) -> Path:
    """Lay out, write (creating folders) and close a figure; returns the path."""
    plt = _mpl()
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def columns(rows: Any) -> dict[str, np.ndarray]:
    """Tidy rows (Arrow table or mapping of columns) as a dict of NumPy arrays."""
    if hasattr(rows, "to_pydict"):
        return {k: np.asarray(v) for k, v in rows.to_pydict().items()}
    return {k: np.asarray(v) for k, v in rows.items()}


def curve_stats(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct ``x``: mean of ``y`` and the half-width of a 95% normal CI over runs."""
    xs = np.unique(x)
    mean = np.array([y[x == v].mean() for v in xs])
    half = np.array([1.96 * y[x == v].std(ddof=1) / np.sqrt(max((x == v).sum(), 1)) if (x == v).sum() > 1 else 0.0
                     for v in xs])
    return xs, mean, half


def regret_curves(
    rows: Any,
    out: str | Path,
    *,
    metric: str = "regret",
    group: str = "learner",
    x: str = "round",
    loglog: bool = False,
    title: str | None = None,
    reference: Mapping[str, np.ndarray] | None = None,
) -> Path:
    """Mean regret curve per ``group`` with a 95% confidence band across runs; writes a PNG.

    ``reference`` maps a label to ``[len(x)]`` values drawn dashed (a theoretical bound).
    """
    plt = _mpl()
    cols = columns(rows)
    for need in (metric, group, x):
        if need not in cols:
            raise ValueError(f"rows have no column {need!r} (columns: {', '.join(cols)})")
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for name in sorted(set(cols[group].tolist())):
        sel = cols[group] == name
        xs, mean, half = curve_stats(cols[x][sel], cols[metric][sel].astype(float))
        line, = ax.plot(xs, mean, label=str(name))
        ax.fill_between(xs, mean - half, mean + half, color=line.get_color(), alpha=0.2, linewidth=0)
    for label, values in (reference or {}).items():
        xs = np.unique(cols[x])
        ax.plot(xs, values, "k--", linewidth=1, label=label)
    if loglog:
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel(x)
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(title or f"{metric.replace('_', ' ')} (mean, 95% band)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save(fig, out)


def line_plot(
    series: Mapping[str, tuple[np.ndarray, np.ndarray]],
    out: str | Path,
    *,
    xlabel: str,
    ylabel: str,
    title: str = "",
    logx: bool = False,
    logy: bool = False,
) -> Path:
    """Plain lines ``label -> (x, y)``; writes a PNG."""
    plt = _mpl()
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for label, (xs, ys) in series.items():
        ax.plot(xs, ys, marker="o" if len(xs) < 30 else None, label=label)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save(fig, out)


def exploitability_curves(curves: Mapping[str, Mapping[str, Any]], out: str | Path, title: str = "") -> Path:
    """Log-log exploitability against iterations, one line per label (a solve's curve); writes a PNG.

    ``curves`` maps a label to columns ``iteration`` and ``exploitability`` (as returned by
    :func:`regretlab.games.solve.solve`).
    """
    plt = _mpl()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for label, c in curves.items():
        ax.loglog(c["iteration"], np.maximum(c["exploitability"], 1e-16), label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("exploitability (NashConv / P)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
