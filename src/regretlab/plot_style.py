"""One figure style for every regretlab figure: what a paper would print.

* **Colours per name.** :func:`color` maps an algorithm name to one colour of a colour-blind-safe
  palette (Okabe & Ito 2008, then Paul Tol's "muted" set), the same in every figure: Hedge is
  always blue, AdaHedge vermillion, FTL orange. Unknown names get a stable colour from their name.
* **Data as lines with 95% bands** (:func:`line`); **references** (bounds, theory slopes, optima)
  as thin dashed grey lines labelled in the legend (:func:`reference`, :func:`hreference`,
  :func:`slope_guide`).
* **Log axes only on positive data** (:func:`set_scale` picks log, linear or a symlog that has no
  empty half); regret curves on log-log with the fitted slope in the legend (``line(..., slope=True)``).
* **Formulas in mathtext** (``r"$\\sqrt{T \\ln K / 2}$"``, never raw TeX), **no overlapping ticks**
  (:func:`tidy_ticks`, checked by :func:`overlapping_ticks`), titles that name the setting, T and
  the number of runs (:func:`title`).
* **Vector output**: :func:`save` writes PNG, SVG and PDF side by side, and a small JSON of the
  drawn series that ``regretlab report`` turns into an interactive figure.

Example:
    >>> import numpy as np, tempfile
    >>> fig, ax = figure()
    >>> t = np.arange(1, 101.0)
    >>> _ = line(ax, t, np.sqrt(t), band=0.1 * np.sqrt(t), name="hedge", slope=True)
    >>> _ = reference(ax, t, np.sqrt(t * np.log(2) / 2), r"$\\sqrt{T \\ln 2 / 2}$")
    >>> set_scale(ax, "x", t), set_scale(ax, "y", np.sqrt(t))
    ('log', 'log')
    >>> paths = save(fig, tempfile.mkdtemp() + "/hedge.png")
    >>> [p.suffix for p in paths]
    ['.png', '.svg', '.pdf']
"""

from __future__ import annotations

import json
import math
import os
import re
import weakref
import zlib
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

# Okabe & Ito (2008), "Color universal design", without yellow (too light on white) ...
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#000000"]
# ... then Paul Tol's muted scheme (colour-blind safe), for figures with more series.
TOL_MUTED = ["#332288", "#117733", "#882255", "#999933", "#44AA99", "#AA4499", "#DDCC77", "#88CCEE", "#CC6677"]
PALETTE = OKABE_ITO + TOL_MUTED
REFERENCE_COLOR = "#6b6b6b"
REFERENCE_DASH = (0, (4, 3))
# further references on one panel: still grey and thin, told apart by their dashes
REFERENCE_DASHES = [(0, (4, 3)), (0, (1.2, 1.8)), (0, (7, 2, 1.5, 2)), (0, (2, 4))]

# Names seen together in one figure get distinct colours; the same name always gets the same one.
KNOWN_COLORS: dict[str, str] = {
    # experts
    "hedge": "#0072B2", "adahedge": "#D55E00", "regret_matching": "#009E73", "ftl": "#E69F00",
    "regret_matching_plus": "#56B4E9", "ftrl": "#CC79A7", "uniform": "#000000",
    "optimistic_hedge": "#332288", "ftpl": "#117733", "ogd": "#882255", "fixed_share": "#999933",
    "ada_normal_hedge": "#44AA99", "swap_hedge": "#AA4499", "swap_regret_matching": "#DDCC77",
    "discounted_regret_matching": "#88CCEE", "predictive_rm_plus": "#CC6677",
    # bandits
    "ucb1": "#0072B2", "kl_ucb": "#D55E00", "thompson": "#009E73", "exp3": "#E69F00",
    "tsallis_inf": "#56B4E9", "exp3_ix": "#CC79A7", "moss": "#332288", "epsilon_greedy": "#117733",
    "exp3p": "#882255", "bandit_ftpl": "#999933",
    # adaptive regret (experts), non-stationary and contextual bandits
    "flh": "#D55E00", "cbce": "#009E73",
    "sw_ucb": "#D55E00", "d_ucb": "#009E73", "exp3_s": "#E69F00", "m_ucb": "#CC79A7",
    "glr_kl_ucb": "#332288", "exp3_restart": "#117733", "rexp3": "#882255",
    "linucb": "#0072B2", "linucb_hybrid": "#56B4E9", "lin_ts": "#D55E00", "square_cb": "#009E73",
    "epsilon_greedy_oracle": "#E69F00", "explore_first": "#CC79A7", "policy_exp4": "#332288",
    # preference learning
    "inpo": "#0072B2", "dpo": "#D55E00", "ipo": "#009E73",
    # games
    "cfr": "#0072B2", "cfr_plus": "#D55E00", "linear_cfr": "#009E73", "dcfr": "#E69F00",
    "pcfr_plus": "#56B4E9", "cfr_hedge": "#CC79A7", "mccfr": "#332288", "fictitious_play": "#117733",
}
_ALIASES = {"cfr+": "cfr_plus", "pcfr+": "pcfr_plus", "rm": "regret_matching", "rm+": "regret_matching_plus",
            "ts": "thompson"}


def canonical_name(name: str) -> str:
    """``"CFR+"`` -> ``"cfr_plus"``, ``"Regret matching"`` -> ``"regret_matching"``: the key of
    :data:`KNOWN_COLORS`."""
    key = re.sub(r"\s*\(.*\)$", "", str(name)).strip().lower()
    key = _ALIASES.get(key, key)
    key = re.sub(r"[\s\-]+", "_", key)
    return _ALIASES.get(key, key.replace("+", "_plus"))


def color(name: str) -> str:
    """The colour of ``name`` in every figure: a fixed one for the library's algorithms, else a
    stable pick from :data:`PALETTE` by a hash of the name (the same on every machine and run).

    Example:
        >>> color("hedge"), color("Hedge"), color("CFR+") == color("cfr_plus")
        ('#0072B2', '#0072B2', True)
    """
    key = canonical_name(name)
    if key in KNOWN_COLORS:
        return KNOWN_COLORS[key]
    return PALETTE[zlib.crc32(key.encode()) % len(PALETTE)]


_color_of = color


def colors(names: Iterable[str]) -> dict[str, str]:
    """Colours for names drawn in one figure: :func:`color` each, then any repeated colour moved to
    the next unused palette entry (so one figure never shows two series in one colour)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        c = color(name)
        if c in used:
            free = [p for p in PALETTE if p not in used]
            c = free[0] if free else c
        out[name] = c
        used.add(c)
    return out


RC: dict[str, Any] = {
    "font.size": 9, "axes.titlesize": 9.5, "axes.labelsize": 9, "legend.fontsize": 8,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.25, "grid.linewidth": 0.5, "axes.axisbelow": True,
    "lines.linewidth": 1.6, "lines.markersize": 4, "legend.frameon": False, "legend.handlelength": 2.2,
    "mathtext.fontset": "dejavusans", "svg.fonttype": "path", "pdf.fonttype": 42,
    "figure.dpi": 110, "savefig.dpi": 150, "figure.constrained_layout.use": False,
}


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _rc() -> Any:
    from cycler import cycler

    plt = _mpl()
    return plt.rc_context({**RC, "axes.prop_cycle": cycler(color=PALETTE)})


def figure(ncols: int = 1, nrows: int = 1, *, width: float | None = None, height: float = 3.6) -> tuple[Any, Any]:
    """A new figure in the style: ``(fig, ax)``, or ``(fig, axes)`` for several panels.

    The width is 6 in for one panel and 4.6 in each for more (a paper's column / page)."""
    plt = _mpl()
    w = width if width is not None else (6.0 if ncols == 1 else 4.6 * ncols)
    with _rc():
        fig, axes = plt.subplots(nrows, ncols, figsize=(w, height * nrows), squeeze=True)
    return fig, axes


# ---------------------------------------------------------------------------------------------
# Series (each one drawn is also recorded, for the interactive figure of the report)
_TRACES: "weakref.WeakKeyDictionary[Any, list[dict[str, Any]]]" = weakref.WeakKeyDictionary()
_NOTES: "weakref.WeakKeyDictionary[Any, list[str]]" = weakref.WeakKeyDictionary()


def _num(values: Any) -> list[float | None]:
    arr = np.asarray(values, dtype=float).ravel()
    return [None if not math.isfinite(v) else float(f"{v:.6g}") for v in arr.tolist()]


def _record(ax: Any, **trace: Any) -> None:
    _TRACES.setdefault(ax, []).append(trace)


def _axes_colors(ax: Any) -> dict[str, str]:
    return {t["name"]: t["color"] for t in _TRACES.get(ax, []) if t.get("kind") in ("line", "scatter", "box")
            and t.get("name")}


def _pick_color(ax: Any, name: str, given: str | None) -> str:
    if given:
        return given
    have = _axes_colors(ax)
    if name in have:
        return have[name]
    c = color(name)
    if c in have.values():
        free = [p for p in PALETTE if p not in have.values()]
        c = free[0] if free else c
    return c


def fitted_slope(x: Any, y: Any, tail: float = 1.0) -> float | None:
    """Least-squares slope of ``log y`` on ``log x`` over the points where both are positive
    (the last ``tail`` fraction of them); ``None`` with fewer than 3 such points.

    Example:
        >>> t = np.arange(1, 1001.0); round(fitted_slope(t, 3 * t ** 0.5), 3)
        0.5
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    x, y = x[keep], y[keep]
    if tail < 1.0 and x.size:
        x, y = x[-max(3, int(round(tail * x.size))):], y[-max(3, int(round(tail * y.size))):]
    if x.size < 3 or np.ptp(np.log(x)) == 0:
        return None
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def slope_label(label: str, slope: float | None) -> str:
    """``"hedge (slope 0.49)"``: the label of a curve on log-log axes."""
    return label if slope is None else f"{label} (slope {slope:.2f})"


def line(ax: Any, x: Any, y: Any, band: Any = None, name: str = "", *, label: str | None = None,
         marker: str | None = None, color: str | None = None, slope: bool = False, tail: float = 1.0,
         linestyle: str = "-", alpha: float = 1.0) -> Any:
    """One data series: a line in ``name``'s colour, with its 95% band shaded.

    Args:
        ax: the axes.
        x: ``[n]`` positions.
        y: ``[n]`` values (a mean over runs).
        band: ``[n]`` half-widths (``y ± band``) or a pair ``(low [n], high [n])``; ``None`` for no band.
        name: the algorithm (or series) name; sets the colour (:func:`color`).
        label: legend text (default ``name``).
        marker: a marker for short series (default: ``"o"`` under 30 points).
        slope: print the fitted log-log slope in the legend (:func:`fitted_slope` over the last
            ``tail`` fraction of the points).
    Returns:
        The matplotlib line.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    c = _pick_color(ax, name or (label or ""), color)
    text = label if label is not None else name
    s = fitted_slope(x, y, tail) if slope else None
    text = slope_label(text, s)
    if marker is None:
        marker = "o" if x.size < 30 else ""
    lo = hi = None
    if band is not None:
        if isinstance(band, tuple) and len(band) == 2:
            lo, hi = np.asarray(band[0], float), np.asarray(band[1], float)
        else:
            half = np.asarray(band, dtype=float)
            lo, hi = y - half, y + half
        if np.any(np.isfinite(hi - lo) & (hi - lo > 0)):
            ax.fill_between(x, lo, hi, color=c, alpha=0.18, linewidth=0, zorder=2)
    with _rc():
        (ln,) = ax.plot(x, y, color=c, marker=marker or None, linestyle=linestyle, label=text, zorder=3,
                        alpha=alpha, markersize=3.5 if marker else None)
    _record(ax, kind="line", name=name or text, label=text, color=c, x=_num(x), y=_num(y),
            lo=None if lo is None else _num(lo), hi=None if hi is None else _num(hi), marker=bool(marker),
            dash=linestyle != "-")
    return ln


def scatter(ax: Any, x: Any, y: Any, label: str, *, color: str | None = None, alpha: float = 0.35,
            size: float = 6) -> Any:
    """Individual runs as small dots (``color`` default: the name's colour, light)."""
    c = _pick_color(ax, label, color)
    pts = ax.scatter(np.asarray(x, float), np.asarray(y, float), s=size, color=c, alpha=alpha, linewidths=0,
                     label=label, zorder=2)
    _record(ax, kind="scatter", name=label, label=label, color=c, x=_num(x), y=_num(y))
    return pts


def _next_dash(ax: Any) -> tuple[Any, int]:
    n = sum(t.get("kind") in ("reference", "hreference") for t in _TRACES.get(ax, []))
    return REFERENCE_DASHES[n % len(REFERENCE_DASHES)], n % len(REFERENCE_DASHES)


def reference(ax: Any, x: Any, y: Any, label: str) -> Any:
    """A reference curve (a bound, a theory rate, an optimum): thin dashed grey, in the legend
    (several on one panel are told apart by their dash patterns)."""
    dash, i = _next_dash(ax)
    with _rc():
        (ln,) = ax.plot(np.asarray(x, float), np.asarray(y, float), color=REFERENCE_COLOR, linewidth=1.0,
                        linestyle=dash, label=label, zorder=1)
    _record(ax, kind="reference", name=label, label=label, color=REFERENCE_COLOR, x=_num(x), y=_num(y), dash=i)
    return ln


def hreference(ax: Any, y: float, label: str) -> Any:
    """A horizontal reference line (a threshold, an optimum): thin dashed grey, in the legend."""
    dash, i = _next_dash(ax)
    ln = ax.axhline(float(y), color=REFERENCE_COLOR, linewidth=1.0, linestyle=dash, label=label, zorder=1)
    _record(ax, kind="hreference", name=label, label=label, color=REFERENCE_COLOR, y=_num([y]), dash=i)
    return ln


def slope_guide(ax: Any, x: Any, anchor: float, slope: float, label: str) -> Any:
    """A reference line ``∝ x^slope`` through ``(x[0], anchor)``: a theory rate to compare a
    log-log curve's slope with (e.g. ``label=r"$\\propto T^{1/2}$"``)."""
    x = np.asarray(x, dtype=float)
    return reference(ax, x, anchor * (x / x[0]) ** slope, label)


def box(ax: Any, groups: Mapping[str, Any], *, color: str | None = None, name: str = "") -> Any:
    """Box plots of values per group (with every value as a dot), in ``name``'s colour."""
    labels = list(groups)
    c = color or (_color_of(name) if name else PALETTE[0])
    data = [np.asarray(groups[k], float) for k in labels]
    with _rc():
        bp = ax.boxplot(data, patch_artist=True, widths=0.55, medianprops={"color": "black", "linewidth": 1.2},
                        boxprops={"facecolor": _lighten(c), "edgecolor": c}, whiskerprops={"color": c},
                        capprops={"color": c}, flierprops={"markersize": 0})
    rng = np.random.default_rng(0)
    for i, v in enumerate(data, start=1):
        ax.scatter(i + rng.uniform(-0.12, 0.12, v.size), v, s=7, color=c, alpha=0.6, linewidths=0, zorder=3)
    ax.set_xticks(range(1, len(labels) + 1), labels)
    longest = max((len(k) for k in labels), default=0)
    if longest * len(labels) > 48:
        ax.tick_params(axis="x", labelrotation=20)
        for t in ax.get_xticklabels():
            t.set_horizontalalignment("right")
    for k, v in zip(labels, data):
        _record(ax, kind="box", name=k, label=k, color=c, y=_num(v))
    return bp


def _lighten(hex_color: str, amount: float = 0.75) -> tuple[float, float, float]:
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def note(ax: Any, text: str) -> None:
    """A short note under the panel (what was left out, e.g. values below float precision)."""
    ax.annotate(text, xy=(0, 0), xycoords="axes fraction", xytext=(0, -30), textcoords="offset points",
                fontsize=7, color=REFERENCE_COLOR, va="top")
    _NOTES.setdefault(ax, []).append(text)


# ---------------------------------------------------------------------------------------------
# Scales and ticks
def scale_for(values: Any) -> tuple[str, dict[str, float]]:
    """The y (or x) scale for ``values``: ``log`` when every finite value is positive; otherwise
    ``linear``, or ``symlog`` when the magnitudes span more than two decades (with the linear range
    at the smallest non-zero magnitude). :func:`set_scale` also clips a symlog axis at 0 on the side
    where there is no data, so no half of it is empty.

    Example:
        >>> scale_for([1, 10, 100]), scale_for([0, 1, 2]), scale_for([-1, 0, 1000])[0]
        (('log', {}), ('linear', {}), 'symlog')
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "linear", {}
    if np.all(v > 0):
        return "log", {}
    mag = np.abs(v[v != 0])
    if mag.size == 0 or mag.max() / mag.min() <= 100:
        return "linear", {}
    return "symlog", {"linthresh": float(np.quantile(mag, 0.05))}


def set_scale(ax: Any, axis: str, values: Any, *, prefer: str = "log") -> str:
    """Set ``axis`` (``"x"`` or ``"y"``) of ``ax`` from the values drawn on it: ``log`` only when
    every value is positive (and ``prefer="log"``), else :func:`scale_for`'s choice; returns it."""
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    kind, kw = scale_for(values) if prefer == "log" else ("linear", {})
    setter = ax.set_xscale if axis == "x" else ax.set_yscale
    setter(kind, **kw)
    if kind == "symlog":
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        lim = ax.set_ylim if axis == "y" else ax.set_xlim
        if v.min() >= 0:
            lim(bottom=0) if axis == "y" else lim(left=0)
        elif v.max() <= 0:
            lim(top=0) if axis == "y" else lim(right=0)
    return kind


def _plain(x: float, _pos: Any = None) -> str:
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:g}"
    exp = int(math.floor(math.log10(abs(x))))
    mant = x / 10 ** exp
    return rf"${mant:g}\times10^{{{exp}}}$" if abs(mant - 1) > 1e-9 else rf"$10^{{{exp}}}$"


def tidy_ticks(ax: Any) -> None:
    """Ticks that never overlap: on a log axis spanning under two decades, labelled ticks at 1, 2, 5
    times powers of ten (plain numbers) and unlabelled minor ticks; on wider log axes, labels at
    powers of ten only (at most 8). Linear axes keep matplotlib's choice (at most 7 ticks)."""
    from matplotlib import ticker

    for axis, get_lim in ((ax.xaxis, ax.get_xlim), (ax.yaxis, ax.get_ylim)):
        scale = axis.get_scale()
        if scale == "log":
            lo, hi = sorted(get_lim())
            decades = math.log10(hi / lo) if lo > 0 and hi > 0 else 0.0
            if decades < 2:
                axis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0) if decades >= 0.7
                                                         else (1.0, 1.5, 2.0, 3.0, 5.0, 7.0), numticks=12))
                axis.set_major_formatter(ticker.FuncFormatter(_plain))
            else:
                step = max(1, math.ceil(decades / 7))
                axis.set_major_locator(ticker.LogLocator(base=10 ** step, numticks=9))
                axis.set_major_formatter(ticker.LogFormatterSciNotation(base=10))
            axis.set_minor_locator(ticker.LogLocator(base=10, subs=np.arange(2, 10) * 1.0, numticks=12))
            axis.set_minor_formatter(ticker.NullFormatter())
        elif scale == "linear":
            if type(axis.get_major_locator()) is ticker.AutoLocator:  # keep a locator set on purpose
                axis.set_major_locator(ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))


def overlapping_ticks(fig: Any) -> list[tuple[str, str]]:
    """Pairs of tick labels that overlap on the drawn figure (empty when none do): the check that
    tests run on every styled figure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bad: list[tuple[str, str]] = []
    for ax in fig.axes:
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            boxes = []
            for t in labels:
                if not t.get_visible() or not t.get_text():
                    continue
                bb = t.get_window_extent(renderer)
                if ax.bbox.x0 - 40 <= bb.x0 and bb.x1 <= ax.bbox.x1 + 40 and ax.bbox.y0 - 40 <= bb.y0 <= ax.bbox.y1 + 40:
                    boxes.append((t.get_text(), bb))
            for i in range(len(boxes)):
                for j in range(i + 1, len(boxes)):
                    if boxes[i][1].overlaps(boxes[j][1]):
                        bad.append((boxes[i][0], boxes[j][0]))
    return bad


def log_axes_on_positive_data(fig: Any) -> list[str]:
    """Problems with the figure's log axes (empty when none): a log axis whose recorded series has a
    value <= 0, or a symlog axis with an empty half. The check tests run on every styled figure."""
    bad = []
    for i, ax in enumerate(fig.axes):
        for axis in ("x", "y"):
            scale = ax.get_xscale() if axis == "x" else ax.get_yscale()
            values = [v for t in _TRACES.get(ax, []) for v in (t.get(axis) or []) if v is not None]
            if axis == "x" and any(t.get("kind") == "box" for t in _TRACES.get(ax, [])):
                continue
            if scale == "log" and values and min(values) <= 0:
                bad.append(f"panel {i}: log {axis} axis with value {min(values)} <= 0")
            if scale == "symlog" and values:
                lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
                if (min(values) >= 0 and lo < 0) or (max(values) <= 0 and hi > 0):
                    bad.append(f"panel {i}: symlog {axis} axis with an empty half")
    return bad


# ---------------------------------------------------------------------------------------------
# Titles, legends, saving
def title(ax: Any, what: str, *, setting: str | None = None, T: Any = None, runs: Any = None,
          extra: str | None = None) -> str:
    """``"Regret vs round\\nalternating · T = 2000 · 20 runs"``: what the panel shows, then the
    setting, the horizon and the number of runs (set on ``ax``, or as the figure's title when
    ``ax`` is a figure); returns the text."""
    parts = []
    if setting:
        parts.append(str(setting))
    if T is not None:
        parts.append(f"T = {T:,}" if isinstance(T, (int, np.integer)) else f"T = {T}")
    if runs is not None:
        if isinstance(runs, (int, np.integer)):
            parts.append(f"{int(runs)} run" + ("" if int(runs) == 1 else "s"))
        else:
            parts.append(str(runs))
    if extra:
        parts.append(extra)
    text = what + ("\n" + " · ".join(parts) if parts else "")
    if hasattr(ax, "suptitle") and not hasattr(ax, "set_title"):
        ax.suptitle(text, fontsize=10)
    else:
        ax.set_title(text)
    return text


def legend(ax: Any, **kw: Any) -> Any:
    """The legend, data first and references after: beside the panel (right) when it has four
    entries or more, so it never hides a curve; inside (``loc="best"``, on a light box) otherwise."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    ref = [i for i, h in enumerate(handles) if getattr(h, "get_color", lambda: None)() == REFERENCE_COLOR]
    order = [i for i in range(len(handles)) if i not in ref] + ref
    if len(handles) >= 4 and "loc" not in kw:
        place = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0, "frameon": False}
    else:
        place = {"loc": "best", "frameon": True, "framealpha": 0.85, "edgecolor": "none"}
    with _rc():
        return ax.legend([handles[i] for i in order], [labels[i] for i in order], **{**place, **kw})


def formats() -> tuple[str, ...]:
    """The file formats :func:`save` writes: ``REGRETLAB_FIGURE_FORMATS`` (comma-separated) or
    PNG, SVG and PDF; PNG always comes first."""
    env = os.environ.get("REGRETLAB_FIGURE_FORMATS", "")
    chosen = [f.strip().lower() for f in env.split(",") if f.strip()] or ["png", "svg", "pdf"]
    bad = sorted(set(chosen) - {"png", "svg", "pdf"})
    if bad:
        raise ValueError(f"REGRETLAB_FIGURE_FORMATS takes png, svg and pdf, got {', '.join(bad)}")
    return ("png", *[f for f in dict.fromkeys(chosen) if f != "png"])


def spec(fig: Any) -> dict[str, Any]:
    """The drawn series of ``fig`` (recorded by the helpers of this module) with each panel's axes:
    what ``regretlab report`` draws as an interactive figure."""
    panels = []
    for ax in fig.axes:
        traces = _TRACES.get(ax)
        if not traces:
            continue
        panels.append({
            "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "xscale": ax.get_xscale(), "yscale": ax.get_yscale(), "traces": traces,
            "xlim": [float(v) for v in ax.get_xlim()], "ylim": [float(v) for v in ax.get_ylim()],
            "xticks": [t.get_text() for t in ax.get_xticklabels()] if any(
                t.get("kind") == "box" for t in traces) else None,
            "notes": _NOTES.get(ax, []),
        })
    sup = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    return {"title": sup, "panels": panels}


def save(fig: Any, path: str | Path, formats_: Sequence[str] | None = None) -> list[Path]:
    """Lay out ``fig`` (ticks tidied, legends kept inside), write it as PNG plus SVG and PDF (see
    :func:`formats`) and its series as ``<stem>.plotly.json``, close it; returns the figure files,
    PNG first."""
    plt = _mpl()
    out = Path(path)
    if out.suffix.lower() not in ("", ".png", ".svg", ".pdf"):
        raise ValueError(f"figure path must end in .png (or .svg/.pdf), got {str(out)!r}")
    stem = out.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with _rc():
        for ax in fig.axes:
            tidy_ticks(ax)
        fig.tight_layout()
        for fmt in formats_ or formats():
            p = stem.with_suffix(f".{fmt}")
            fig.savefig(p, dpi=150 if fmt == "png" else None, bbox_inches="tight", pad_inches=0.05,
                        metadata={"Software": "regretlab"} if fmt == "png" else {"Creator": "regretlab"})
            written.append(p)
    data = spec(fig)
    if data["panels"]:
        stem.with_name(stem.name + ".plotly.json").write_text(json.dumps(data, separators=(",", ":")))
    plt.close(fig)
    return written


def sidecar(png: str | Path) -> dict[str, Any] | None:
    """The interactive-figure spec written beside ``png`` by :func:`save`, or ``None``."""
    p = Path(png)
    j = p.with_name(p.stem + ".plotly.json")
    return json.loads(j.read_text()) if j.exists() else None


_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "eta": "η",
          "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "phi": "φ", "Delta": "Δ", "Pi": "Π",
          "ln": "ln", "log": "log", "exp": "exp", "max": "max", "min": "min", "star": "★", "leq": "≤", "le": "≤",
          "geq": "≥", "ge": "≥", "in": "∈", "cdot": "·", "times": "×", "propto": "∝", "approx": "≈", "infty": "∞",
          "sum": "Σ", "|": "‖", "langle": "⟨", "rangle": "⟩", "ell": "ℓ", "to": "→", "pm": "±", ",": " ",
          ";": " ", "quad": " ", "mathrm": "", "mathbf": "", "rm": ""}


def mathtext_to_html(text: str) -> str:
    """Mathtext in a label as the HTML subset charts understand (``$T^{2/3}$`` ->
    ``T<sup>2/3</sup>``, ``$\\sqrt{T}$`` -> ``√(T)``); text outside ``$...$`` is escaped.

    Example:
        >>> mathtext_to_html(r"bound $\\sqrt{T \\ln 2 / 2}$, rate $T^{2/3}$")
        'bound √(T ln 2 / 2), rate T<sup>2/3</sup>'
    """
    import html as _html

    out = []
    for i, part in enumerate(re.split(r"(?<!\\)\$", text)):
        if i % 2 == 0:
            out.append(_html.escape(part, quote=False))
            continue
        s = part
        s = re.sub(r"\\(?:bar|overline)\{?\\?([A-Za-z]+)\}?", lambda m: _GREEK.get(m.group(1), m.group(1)) + "\u0304", s)
        for _ in range(4):  # nested groups, innermost first
            s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", s)
            s = re.sub(r"\\sqrt\{([^{}]*)\}", lambda m: "√" + (m.group(1) if len(m.group(1)) == 1 else f"({m.group(1)})"), s)
            s = re.sub(r"\^\{([^{}]*)\}", r"<sup>\1</sup>", s)
            s = re.sub(r"_\{([^{}]*)\}", r"<sub>\1</sub>", s)
        s = re.sub(r"\^(\\[A-Za-z]+|[A-Za-z0-9+\-*])", r"<sup>\1</sup>", s)
        s = re.sub(r"_(\\[A-Za-z]+|[A-Za-z0-9*])", r"<sub>\1</sub>", s)
        s = re.sub(r"\\([A-Za-z]+|[|,;])", lambda m: _GREEK.get(m.group(1), m.group(1)), s)
        s = s.replace("{", "").replace("}", "").replace("\\", "")
        out.append(re.sub(r"\s+", " ", s))
    return "".join(out).strip()
