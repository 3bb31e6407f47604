"""Figures from tidy rows: regret curves with confidence bands on log-log axes, plain line plots.

Every figure here is drawn in the project's style (:mod:`regretlab.plot_style`: one colour per
algorithm name, 95% bands, dashed grey references, log axes only on positive data, PNG with SVG
and PDF beside it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from regretlab import plot_style as style


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, out: str | Path) -> Path:
    """Lay out, write (creating folders) and close a figure: the PNG at ``out`` with SVG and PDF
    beside it (:func:`regretlab.plot_style.save`); returns the PNG's path."""
    return style.save(fig, Path(out).with_suffix(".png"))[0]


def companions(png: str | Path) -> list[Path]:
    """The PNG and the vector files written beside it by :func:`save` (PNG first)."""
    p = Path(png)
    return [p] + [p.with_suffix(s) for s in (".svg", ".pdf") if p.with_suffix(s).exists()]


def columns(rows: Any) -> dict[str, np.ndarray]:
    """Tidy rows (Arrow table or mapping of columns) as a dict of NumPy arrays."""
    if hasattr(rows, "to_pydict"):
        return {k: np.asarray(v) for k, v in rows.to_pydict().items()}
    return {k: np.asarray(v) for k, v in rows.items()}


def stored_config(cols: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """The config of stored rows (their ``cell_config`` column), the fields that all cells share;
    ``{}`` for rows that did not come from the store."""
    if "cell_config" not in cols or not len(cols["cell_config"]):
        return {}
    configs = [json.loads(c) for c in dict.fromkeys(cols["cell_config"].tolist()) if c]
    if not configs:
        return {}
    first = configs[0]
    return {k: v for k, v in first.items() if all(c.get(k) == v for c in configs[1:])}


def run_count(cols: Mapping[str, np.ndarray], run: str = "run") -> int:
    """Independent runs in rows: distinct ``(cell, run)`` pairs (seeds of one config pool)."""
    cell = cols.get("cell_key")
    if run not in cols:
        return len(set(cell.tolist())) if cell is not None else 1
    ids = list(zip(cell.tolist(), cols[run].tolist())) if cell is not None else cols[run].tolist()
    return len(set(ids))


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
    loglog: bool | None = None,
    title: str | None = None,
    reference: Mapping[str, np.ndarray] | None = None,
    setting: str | None = None,
    guides: bool = True,
) -> Path:
    """Mean curve per ``group`` with a 95% confidence band across runs; writes PNG, SVG and PDF.

    Axes: ``loglog=None`` or ``True`` draws log-log axes when every plotted value (band included)
    is positive, with each curve's fitted slope in the legend and dashed guides ``∝ t^{1/2}`` and
    ``∝ t``; otherwise ``x`` stays logarithmic and ``y`` is linear (or a symlog without an empty
    half). ``loglog=False`` draws linear axes. ``reference`` maps a label (mathtext welcome) to
    ``[len(unique x)]`` values drawn as a dashed grey reference (a theoretical bound). The title
    names the metric, the setting (``setting``, else the rows' ``env``), T and the number of runs.
    """
    cols = columns(rows)
    for need in (metric, group, x):
        if need not in cols:
            raise ValueError(f"rows have no column {need!r} (columns: {', '.join(cols)})")
    curves = []
    for name in sorted(set(cols[group].tolist())):
        sel = cols[group] == name
        xs, mean, half = curve_stats(cols[x][sel], cols[metric][sel].astype(float))
        curves.append((str(name), xs.astype(float), mean, half))
    values = np.concatenate([np.concatenate([m - h, m + h]) for _, _, m, h in curves]) if curves else np.zeros(0)
    xs_all = np.unique(cols[x]).astype(float)
    ref_values = [np.asarray(v, float) for v in (reference or {}).values()]
    fig, ax = style.figure()
    want_log = loglog is not False
    xlog = want_log and style.scale_for(xs_all)[0] == "log"
    ylog = xlog and style.scale_for(np.concatenate([values, *ref_values]) if ref_values else values)[0] == "log"
    for name, xs, mean, half in curves:
        style.line(ax, xs, mean, band=half, name=name, slope=ylog)
    for label, vals in (reference or {}).items():
        style.reference(ax, xs_all, vals, label)
    if ylog and guides and curves and metric in ("regret", "pseudo_regret", "realized_regret"):
        end = float(np.median([m[-1] for _, _, m, _ in curves]))
        x_end = xs_all[-1]
        for slope, label in ((0.5, r"$\propto t^{1/2}$"), (1.0, r"$\propto t$")):
            style.reference(ax, xs_all, end * (xs_all / x_end) ** slope, label)
    if want_log:
        style.set_scale(ax, "x", xs_all)
        style.set_scale(ax, "y", np.concatenate([values, *ref_values]) if ref_values else values)
    nice = metric.replace("_", " ")
    ax.set_xlabel(x.replace("_", " ") + (" $t$" if x == "round" else ""))
    ax.set_ylabel(f"{nice} (mean, 95% band)")
    env = setting
    if env is None and "env" in cols:
        env = ", ".join(sorted(set(cols["env"].tolist())))
    T = int(xs_all.max()) if xs_all.size else None
    style.title(ax, title or f"{nice[:1].upper()}{nice[1:]}", setting=env, T=T, runs=run_count(cols))
    style.legend(ax)
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
    references: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    slope: bool = False,
) -> Path:
    """Lines ``label -> (x, y)`` in each label's colour, ``references`` dashed grey; writes PNG,
    SVG and PDF. ``logx``/``logy`` ask for log axes, used only where every value is positive (else
    linear or a symlog without an empty half); ``slope`` prints log-log slopes in the legend."""
    fig, ax = style.figure()
    xs_all = np.concatenate([np.asarray(v[0], float) for v in [*series.values(), *(references or {}).values()]]
                            or [np.zeros(0)])
    ys_all = np.concatenate([np.asarray(v[1], float) for v in [*series.values(), *(references or {}).values()]]
                            or [np.zeros(0)])
    xlog = logx and style.scale_for(xs_all)[0] == "log"
    ylog = logy and style.scale_for(ys_all)[0] == "log"
    for label, (xs, ys) in series.items():
        style.line(ax, xs, ys, name=label, slope=slope and xlog and ylog)
    for label, (xs, ys) in (references or {}).items():
        style.reference(ax, xs, ys, label)
    if logx:
        style.set_scale(ax, "x", xs_all)
    if logy:
        style.set_scale(ax, "y", ys_all)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    style.legend(ax)
    return save(fig, out)


def exploitability_panel(ax: Any, curves: Mapping[str, Mapping[str, Any]], *, x: str = "iteration",
                         setting: str | None = None, runs: str | None = None) -> None:
    """Draw exploitability against ``x`` (``iteration`` or ``seconds``) on ``ax``, log-log: a line
    per label in its algorithm's colour (fitted slope in the legend against iterations), the rates
    ``∝ 1/√T`` (CFR's guarantee) and ``∝ 1/T`` as dashed grey references, and a note for points
    with exploitability ``<= 0`` (which a log axis cannot show; they are left out)."""
    xs_all, ys_all, dropped = [], [], 0
    for label, c in curves.items():
        xv = np.asarray(c[x], dtype=float)
        yv = np.asarray(c["exploitability"], dtype=float)
        keep = np.isfinite(xv) & np.isfinite(yv) & (xv > 0) & (yv > 0)
        dropped += int((~keep).sum())
        if not keep.any():
            continue
        order = np.argsort(xv[keep], kind="stable")
        style.line(ax, xv[keep][order], yv[keep][order], name=str(label), slope=x == "iteration")
        xs_all.append(xv[keep][order])
        ys_all.append(yv[keep][order])
    xall = np.concatenate(xs_all) if xs_all else np.zeros(0)
    yall = np.concatenate(ys_all) if ys_all else np.zeros(0)
    if x == "iteration" and xall.size and np.ptp(xall) > 0:
        grid = np.geomspace(xall.min(), xall.max(), 50)
        start = float(np.median([y[0] for y in ys_all]))
        for slope, text in ((-0.5, r"$\propto 1/\sqrt{T}$"), (-1.0, r"$\propto 1/T$")):
            ref = start * (grid / grid[0]) ** slope
            style.reference(ax, grid, ref, text)
            yall = np.concatenate([yall, ref])
    style.set_scale(ax, "x", xall)
    style.set_scale(ax, "y", yall)
    ax.set_xlabel("iteration $T$" if x == "iteration" else "solver time (s)")
    ax.set_ylabel("exploitability (NashConv / P)")
    if dropped:
        style.note(ax, f"{dropped} point(s) with exploitability <= 0 left out (log axis)")
    T = int(xall.max()) if x == "iteration" and xall.size else None
    n = len(curves)
    style.title(ax, "Exploitability of the average strategy" + (" vs time" if x == "seconds" else ""),
                setting=setting or None, T=T, runs=runs or (f"{n} run" + ("" if n == 1 else "s") + " (one per curve)"))
    style.legend(ax)


def exploitability_curves(curves: Mapping[str, Mapping[str, Any]], out: str | Path, title: str = "") -> Path:
    """Exploitability against iterations on log-log axes, one line per label (a solve's curve),
    drawn by :func:`exploitability_panel`; when every curve has ``seconds``, a second panel
    against solver time. Writes PNG, SVG and PDF (:func:`save`); returns the PNG's path.

    ``curves`` maps a label to columns ``iteration`` and ``exploitability`` (as returned by
    :func:`regretlab.games.solve.solve`); ``title`` names the game.
    """
    timed = bool(curves) and all("seconds" in c and len(c["seconds"]) for c in curves.values())
    fig, axes = style.figure(2 if timed else 1)
    exploitability_panel(axes[0] if timed else axes, curves, x="iteration", setting=title)
    if timed:
        exploitability_panel(axes[1], curves, x="seconds", setting=title)
    return save(fig, out)
