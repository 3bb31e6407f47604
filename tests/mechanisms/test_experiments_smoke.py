"""Smoke test: the mechanisms and fairness experiments run at their demo configs and plot."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.experiments import load_all

NAMES = ["mechanisms_lp", "mechanisms_etc", "fairness_lending", "fairness_adult"]


@pytest.mark.parametrize("name", NAMES)
def test_demo_runs_summarizes_and_plots(name, tmp_path):
    exp = load_all()[name]
    cfg = exp.make_config(**exp.demo)
    rows = exp.run(cfg, 0)
    lengths = {len(v) for v in rows.values()}
    assert len(lengths) == 1 and lengths.pop() >= 1
    summary = exp.summarize(rows)
    assert summary and all(len(item) == 2 for item in summary)
    paths = exp.plot(rows, tmp_path)
    for p in paths:
        assert p.exists() and p.stat().st_size > 0
    if name == "mechanisms_lp":
        assert all(rows["ic_ok"])
        assert max(rows["gap"][: len(rows["gap"]) // 2]) < 1e-7  # state observed: no gap
    if name == "mechanisms_etc":
        assert np.isfinite(rows["regret"]).all()


def test_cli_style_overrides_parse():
    exp = load_all()["mechanisms_etc"]
    cfg = exp.make_config(horizons="1000|2000", runs="3")
    assert cfg.horizons == (1000, 2000) and cfg.runs == 3
