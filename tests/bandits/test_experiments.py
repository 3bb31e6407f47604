"""Smoke test: the bandit experiments run at their demo size, draw their plots, and summarise."""

from __future__ import annotations

import pytest

from regretlab.experiments import get_experiment

NAMES = ["switching_budget_curve", "switching_phase_transition", "switching_batched_exp3", "bandits_stochastic"]


@pytest.mark.parametrize("name", NAMES)
def test_demo_runs_and_plots(name, tmp_path):
    exp = get_experiment(name)
    rows = exp.run(exp.make_config(**exp.demo), 0)
    lengths = {len(v) for v in rows.values()}
    assert len(lengths) == 1 and lengths.pop() > 0
    paths = exp.plot(rows, tmp_path)
    assert paths and all(p.exists() and p.stat().st_size > 1000 for p in paths)
    summary = exp.summarize(rows)
    assert summary and all(isinstance(label, str) for label, _ in summary)
    if name == "switching_batched_exp3":
        # even at demo size, plain Exp3 switches ~linearly while batched Exp3 stays sublinear
        values = dict(summary)
        assert float(values["exp3: slope of switches vs T"]) > 0.9
        assert float(values["batched_exp3: slope of switches vs T"]) < 0.8
