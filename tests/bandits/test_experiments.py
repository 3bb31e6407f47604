"""Smoke test: the bandit experiments run at their demo size, draw their plots, and summarise."""

from __future__ import annotations

import numpy as np
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
        slopes = {label.split(":")[0]: value.value for label, value in summary if "slope of switches" in label}
        assert float(slopes["plain Exp3"]) > 0.9
        assert float(slopes["batched Exp3"]) < 0.8


# Sums over the demo rows recorded before the switching policies moved onto run() (git 04cf63c):
# (rows, sum of regret, sum of switches, sum of charged observations). Switches and observations are
# exact; regret sums agree to 1e-12 relative (the ledger sums losses round by round).
DEMO_SUMS = {
    "switching_budget_curve": (16, 1186.3500000000015, 233.0, 87040.0),
    "switching_phase_transition": (16, 4620.7251760798235, 2167.0, 57348.0),
    "switching_batched_exp3": (24, 13376.747274930429, 12654.0, 0.0),
    "bandits_stochastic": (5000, 152516.73100469177, 1286544.0, None),
}


# the configs the sums were recorded at (the phase-transition demo has since grown to T = 2^14, 16 runs)
PINNED_CONFIG = {"switching_phase_transition": {"T": 2**12, "runs": 4, "exponents": (0.0, 0.5, 0.8, 1.0)}}


@pytest.mark.parametrize("name", sorted(DEMO_SUMS))
def test_demo_rows_unchanged(name):
    exp = get_experiment(name)
    rows = exp.run(exp.make_config(**PINNED_CONFIG.get(name, exp.demo)), 0)
    n, regret, switches, observations = DEMO_SUMS[name]
    assert len(rows["regret"]) == n
    assert abs(float(np.sum(rows["regret"])) - regret) <= 1e-12 * abs(regret)
    assert float(np.sum(rows["switches"])) == switches
    if observations is not None:
        assert float(np.sum(rows["observations"])) == observations
