"""The figure style: colours per name, scales only where the data allow, no overlapping ticks,
references dashed grey, vector files beside every PNG."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from regretlab import plot_style as style


def test_colour_map_is_stable_and_colour_blind_safe():
    assert style.color("hedge") == style.color("Hedge") == "#0072B2"  # Okabe-Ito blue
    assert style.color("adahedge") == "#D55E00" and style.color("ftl") == "#E69F00"
    assert style.color("CFR+") == style.color("cfr_plus")
    assert style.color("regret matching") == style.color("regret_matching")
    assert style.color("hedge (slope 0.49)") == style.color("hedge")
    # unknown names: a palette colour chosen from the name alone (the same in every process)
    c = style.color("my_new_learner")
    assert c in style.PALETTE and style.color("my_new_learner") == c
    import subprocess
    import sys

    other = subprocess.run([sys.executable, "-c", "from regretlab.plot_style import color; "
                            "print(color('my_new_learner'))"], capture_output=True, text=True, env={
                               "PYTHONHASHSEED": "123", "PATH": ""}, check=True).stdout.strip()
    assert other == c
    assert all(v in style.PALETTE for v in style.KNOWN_COLORS.values())
    assert style.REFERENCE_COLOR not in style.PALETTE  # references never look like data
    # no yellow (unreadable on white); every colour distinct
    assert "#F0E442" not in style.PALETTE and len(set(style.PALETTE)) == len(style.PALETTE)


def test_colours_in_one_figure_never_repeat():
    names = ["hedge", "ucb1", "inpo", "cfr"]  # all blue in their own families
    got = style.colors(names)
    assert got["hedge"] == "#0072B2" and len(set(got.values())) == 4
    fig, ax = style.figure()
    for n in names:
        style.line(ax, [1, 2, 3], [1, 2, 3], name=n)
    assert len({ln.get_color() for ln in ax.get_lines()}) == 4
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.parametrize("values, kind", [
    ([1, 10, 100], "log"),
    ([0, 1, 2], "linear"),
    ([0, 1e-3, 1, 100], "symlog"),
    ([-5, -1, 3], "linear"),
    ([-1000, 0, 1], "symlog"),
    ([np.nan, 2.0, 3.0], "log"),
    ([], "linear"),
])
def test_scale_for(values, kind):
    assert style.scale_for(values)[0] == kind


def test_symlog_never_has_an_empty_half():
    fig, axes = style.figure(2)
    y = np.array([0.0, 1e-3, 0.1, 10.0, 1000.0])
    style.line(axes[0], np.arange(5) + 1, y, name="hedge")
    assert style.set_scale(axes[0], "y", y) == "symlog"
    assert axes[0].get_ylim()[0] == 0
    style.line(axes[1], np.arange(5) + 1, -y, name="hedge")
    style.set_scale(axes[1], "y", -y)
    assert axes[1].get_ylim()[1] == 0
    assert style.log_axes_on_positive_data(fig) == []
    axes[0].set_ylim(-5, 1000)  # what an empty negative half looks like
    assert style.log_axes_on_positive_data(fig)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_log_axis_on_non_positive_data_is_reported():
    fig, ax = style.figure()
    style.line(ax, [1, 2, 3], [0.0, 1.0, 2.0], name="x")
    ax.set_yscale("log")
    assert "log y axis" in style.log_axes_on_positive_data(fig)[0]
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.parametrize("lo, hi", [(30, 45), (20, 200), (1, 1e6), (1e-15, 1.0), (0.02, 0.12), (64, 2048)])
def test_log_ticks_never_overlap(lo, hi):
    fig, ax = style.figure(width=3.0)
    x = np.geomspace(lo, hi, 50)
    style.line(ax, x, x, name="hedge")
    style.set_scale(ax, "x", x)
    style.set_scale(ax, "y", x)
    style.tidy_ticks(ax)
    assert style.overlapping_ticks(fig) == []
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and not any("\\times10^{1}" in t and "\\times10^{1}" in u for t, u in zip(labels, labels[1:]))
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_reference_lines_are_thin_dashed_grey_and_labelled():
    fig, ax = style.figure()
    t = np.arange(1, 11.0)
    style.line(ax, t, np.sqrt(t), band=0.1 * t, name="hedge", slope=True)
    ref = style.reference(ax, t, 2 * np.sqrt(t), r"bound $\sqrt{T}$")
    h = style.hreference(ax, 1.0, "optimum")
    for ln in (ref, h):
        assert ln.get_color() == style.REFERENCE_COLOR and ln.get_linewidth() <= 1.0
    assert ref.get_linestyle() != "-" and h.get_linestyle() != "-"
    leg = style.legend(ax)
    texts = [t.get_text() for t in leg.get_texts()]
    assert texts[0].startswith("hedge (slope 0.50") and texts[1:] == [r"bound $\sqrt{T}$", "optimum"]
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_save_writes_png_svg_pdf_and_the_interactive_spec(tmp_path, monkeypatch):
    fig, ax = style.figure()
    t = np.arange(1, 51.0)
    style.line(ax, t, t ** 0.5, band=0.1 * np.ones(50), name="hedge", slope=True)
    style.reference(ax, t, t ** 0.5 * 2, r"$2\sqrt{t}$")
    style.set_scale(ax, "x", t)
    style.set_scale(ax, "y", t ** 0.5)
    style.title(ax, "Regret", setting="alternating", T=50, runs=3)
    paths = style.save(fig, tmp_path / "f.png")
    assert [p.suffix for p in paths] == [".png", ".svg", ".pdf"]
    assert paths[0].read_bytes()[:4] == b"\x89PNG" and b"<svg" in paths[1].read_bytes()[:400]
    assert paths[2].read_bytes()[:4] == b"%PDF"
    spec = json.loads((tmp_path / "f.plotly.json").read_text())
    (panel,) = spec["panels"]
    assert panel["xscale"] == "log" and panel["yscale"] == "log"
    assert panel["title"] == "Regret\nalternating · T = 50 · 3 runs"
    kinds = [t["kind"] for t in panel["traces"]]
    assert kinds == ["line", "reference"] and len(panel["traces"][0]["lo"]) == 50
    assert style.sidecar(paths[0]) == spec
    monkeypatch.setenv("REGRETLAB_FIGURE_FORMATS", "png")
    fig, ax = style.figure()
    style.line(ax, [1, 2], [1, 2], name="x")
    assert [p.suffix for p in style.save(fig, tmp_path / "g.png")] == [".png"]
    monkeypatch.setenv("REGRETLAB_FIGURE_FORMATS", "png,jpeg")
    with pytest.raises(ValueError, match="jpeg"):
        style.formats()


def test_mathtext_becomes_chart_html():
    m = style.mathtext_to_html
    assert m(r"$T^{2/3}$") == "T<sup>2/3</sup>"
    assert m(r"bound $\sqrt{T \ln K / 2}$") == "bound √(T ln K / 2)"
    assert m(r"KL$(\pi^*_\tau \,\|\, \pi_t)$") == "KL(π<sup>*</sup><sub>τ</sub> ‖ π<sub>t</sub>)"
    assert m("a < b & c") == "a &lt; b &amp; c"
    assert m(r"$\propto 1/\sqrt{N}$") == "∝ 1/√N"
    assert not re.search(r"[\\{}$]", m(r"$\eta = 1/\sqrt{T}$, $K^{1/3}T^{2/3}$"))


def test_title_names_setting_T_and_runs():
    fig, ax = style.figure()
    assert style.title(ax, "Regret", setting="gaussian losses", T=10_000, runs=1) == \
        "Regret\ngaussian losses · T = 10,000 · 1 run"
    assert style.title(fig, "Three panels", runs="exact") == "Three panels\nexact"
    assert fig._suptitle.get_text() == "Three panels\nexact"
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_fitted_slope():
    t = np.arange(1, 100.0)
    assert style.fitted_slope(t, t ** 0.7) == pytest.approx(0.7)
    assert style.fitted_slope([1, 2], [1, 2]) is None
    assert style.fitted_slope(t, -t) is None  # no positive values
    assert style.slope_label("hedge", 0.4912) == "hedge (slope 0.49)"
