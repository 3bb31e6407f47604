"""The experts_adaptive experiment at demo size: styled figure (PNG + SVG + PDF, log axes only on
positive data, no overlapping ticks, runs in the title), a summary rounded to its standard errors
whose verdicts hold, and the same numbers from the same seed."""

from __future__ import annotations

import numpy as np

from regretlab import plot_style as style
from regretlab.experiments import get_experiment
from regretlab.store import Store
from regretlab.summary import Verdict, entries
from regretlab.testing import assert_rounded_to_se, figure_problems


def test_experts_adaptive_demo_figure_summary_and_verdicts(tmp_path, monkeypatch):
    exp = get_experiment("experts_adaptive")
    config = exp.make_config(**exp.demo)
    rows = exp.run(config, 0)
    np.testing.assert_array_equal(exp.run(exp.make_config(**{**exp.demo, "algo": "cbce"}), 0)["regret"],
                                  rows["regret"][rows["learner"] == "cbce"])
    with Store(tmp_path / "s.duckdb") as db:
        db.put("experts_adaptive", config, 0, rows)
        stored = db.rows("experts_adaptive")
    problems: list[str] = []
    real = style.save
    monkeypatch.setattr(style, "save", lambda fig, path, formats_=None: (
        problems.extend(figure_problems(fig, path, symlog=False)), real(fig, path, formats_))[1])
    paths = exp.plot(stored, tmp_path / "fig")
    assert problems == []
    assert sorted(p.suffix for p in paths) == [".pdf", ".png", ".svg"]
    spec = style.sidecar(next(p for p in paths if p.suffix == ".png"))
    assert spec["panels"][0]["xscale"] == spec["panels"][0]["yscale"] == "log"
    summary = exp.summarize(stored)
    verdicts = [v for _, _, v in entries(summary) if v is not None]
    for _, text, _ in entries(summary):
        assert_rounded_to_se(text)
    assert {v.claim.split(":")[0] for v in verdicts} == {"flh", "cbce"}
    assert all(isinstance(v, Verdict) and v.status == "holds" for v in verdicts), [v.text() for v in verdicts]
