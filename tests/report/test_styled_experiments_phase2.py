"""Phase 2 of the figure style (issue 16): the games, moderation, nfg and regression experiments at
their demo sizes. Each figure uses log axes only on positive data, never overlaps its ticks, names
the runs in a title and comes as PNG + SVG + PDF; each summary rounds every estimate to its standard
error and states its claims as verdicts that hold or are marked demo size (with the size at which
the claim holds)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from regretlab import plot_style as style
from regretlab.experiments import get_experiment
from regretlab.store import Store
from regretlab.summary import Estimate, Verdict, entries, format_estimate
from regretlab.testing import assert_rounded_to_se

# experiment -> does its summary test a claim (at least one verdict)?
STYLED = {
    "games_cfr_convergence": True,
    "games_pokergpt_standin": True,
    "games_solve": True,
    "moderation_regimes": True,
    "moderation_scarcity": True,
    "moderation_categories": True,
    "nfg_cce_gap": True,
    "nfg_markov_gaps": True,
    "nfg_markov_separation": True,
    "regression_groupwise_synthetic_mean": True,
    "regression_groupwise_synthetic_dperm": True,
    "regression_groupwise_adult": True,
    "regression_hlgauss_vs_vaw": True,
    "regression_lsa_one_step_gd": True,
    "regression_icl_regret": True,
    "bandits_contextual": True,
    "bandits_nonstationary": True,
    "oco_portfolio": True,
    "experts_adaptive": True,
}

def _demo_rows(name, tmp_path):
    exp = get_experiment(name)
    if exp.requires is not None and exp.requires():
        pytest.skip(f"{name}: {exp.requires()}")
    config = exp.make_config(**exp.demo)
    with Store(tmp_path / "s.duckdb") as db:
        db.put(name, config, 0, exp.run(config, 0))
        return exp, db.rows(name)


@pytest.mark.parametrize("name", list(STYLED))
def test_styled_experiment_figure_and_summary(name, tmp_path, saved_figure_problems):
    exp, rows = _demo_rows(name, tmp_path)
    problems = saved_figure_problems()
    paths = exp.plot(rows, tmp_path / "fig")
    assert problems == []
    suffixes = sorted(p.suffix for p in paths)
    assert suffixes.count(".png") >= 1 and suffixes.count(".png") == suffixes.count(".svg") == suffixes.count(".pdf")
    for png in (p for p in paths if p.suffix == ".png"):
        spec = style.sidecar(png)
        assert spec and spec["panels"], png.name
        for panel in spec["panels"]:
            for axis in ("x", "y"):
                if panel[f"{axis}scale"] == "log":
                    vals = [v for t in panel["traces"] for key in (axis, "lo" if axis == "y" else axis)
                            for v in (t.get(key) or []) if v is not None]
                    assert vals and min(vals) > 0, (png.name, axis)
    summary = exp.summarize(rows)
    assert summary
    verdicts = []
    for label, text, verdict in entries(summary):
        assert_rounded_to_se(text)
        if verdict is not None:
            verdicts.append(verdict)
            assert verdict.status in ("holds", "demo size"), verdict.text()
            assert_rounded_to_se(verdict.text())
            assert verdict.claim and verdict.relation()
            if verdict.status == "demo size":
                assert verdict.demo_size and verdict.full_size, verdict.text()
    assert bool(verdicts) == STYLED[name], name
    for item in summary:
        value = item.value if isinstance(item, Verdict) else item[1]
        if isinstance(value, Estimate):
            assert str(value) == format_estimate(float(value), value.se)


def _verdicts(name, tmp_path):
    exp, rows = _demo_rows(name, tmp_path)
    return [v for v in exp.summarize(rows) if isinstance(v, Verdict)]


def test_groupwise_adult_demo_is_marked_demo_size_with_the_size_that_shows_the_claim(tmp_path):
    """At 2,000 rows the groupwise learner is worse than the baseline on every Adult group (issue
    16); the verdict says demo size and names 20,000 rows, where it is no worse on all 13."""
    (v,) = _verdicts("regression_groupwise_adult", tmp_path)
    assert v.status == "demo size" and v.value == "0 of 13 groups"
    assert "20,000 rows" in v.demo_size and "13 of 13" in v.full_size


def test_groupwise_synthetic_claim_holds_at_demo_size(tmp_path):
    (v,) = _verdicts("regression_groupwise_synthetic_mean", tmp_path)
    assert v.status == "holds" and v.value == "6 of 6 groups"


def test_lsa_and_kuhn_cfr_targets_are_demo_size_with_measured_full_size(tmp_path):
    lsa = _verdicts("regression_lsa_one_step_gd", tmp_path / "lsa")
    assert len(lsa) == 3 and all(v.status == "demo size" and "20,000" in v.demo_size for v in lsa)
    cfr = {v.claim.split(":")[0]: v for v in _verdicts("games_cfr_convergence", tmp_path / "cfr")}
    assert cfr["leduc_poker cfr+"].status == "holds"
    assert cfr["kuhn_poker cfr"].status == "demo size" and "0.000227" in cfr["kuhn_poker cfr"].full_size


def test_icl_regret_is_log_log_without_symlog(tmp_path):
    exp, rows = _demo_rows("regression_icl_regret", tmp_path)
    (png, *_) = exp.plot(rows, tmp_path / "fig")
    panel = style.sidecar(png)["panels"][0]
    assert (panel["xscale"], panel["yscale"]) == ("log", "log")
    labels = [t["label"] for t in panel["traces"]]
    assert any(re.fullmatch(r"VAW \(slope -?\d\.\d\d\)", lab) for lab in labels), labels
    assert sum(t["kind"] == "reference" for t in panel["traces"]) == 2


def test_exploitability_curves_log_log_with_references_and_a_note_for_zeros(tmp_path):
    from regretlab.plot import exploitability_curves

    t = np.array([1, 10, 100, 1000])
    png = exploitability_curves({"cfr": {"iteration": t, "exploitability": 1 / np.sqrt(t)},
                                 "cfr+": {"iteration": t, "exploitability": np.array([1, 0.1, 0.01, 0.0])}},
                                tmp_path / "x.png", "kuhn")
    assert png.suffix == ".png" and png.with_suffix(".svg").exists() and png.with_suffix(".pdf").exists()
    (panel,) = style.sidecar(png)["panels"]
    assert (panel["xscale"], panel["yscale"]) == ("log", "log")
    lines = {t["label"]: t for t in panel["traces"] if t["kind"] == "line"}
    assert set(lines) == {"cfr (slope -0.50)", "cfr+ (slope -1.00)"}
    assert lines["cfr (slope -0.50)"]["color"] == style.color("cfr")
    assert lines["cfr+ (slope -1.00)"]["color"] == style.color("cfr+")
    assert sum(t["kind"] == "reference" and t["color"] == style.REFERENCE_COLOR for t in panel["traces"]) == 2
    assert panel["notes"] and "left out" in panel["notes"][0]
    assert "kuhn" in panel["title"] and "run" in panel["title"]
    # with solver seconds: a second panel against time
    png = exploitability_curves({"cfr": {"iteration": t, "exploitability": 1 / t, "seconds": t * 1e-3}},
                                tmp_path / "y.png")
    panels = style.sidecar(png)["panels"]
    assert len(panels) == 2 and panels[1]["xlabel"] == "solver time (s)" and panels[1]["xscale"] == "log"
