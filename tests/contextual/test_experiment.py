"""The bandits_contextual experiment at a small size: tidy rows, a styled figure (log axes only on
positive data, no overlapping ticks, PNG + SVG + PDF) and a summary whose verdicts hold."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab import plot_style as style
from regretlab.experiments import get_experiment
from regretlab.store import Store
from regretlab.summary import Verdict, entries
from regretlab.testing import assert_rounded_to_se, figure_problems


def test_bandits_contextual_runs_plots_and_summarises(tmp_path, monkeypatch):
    exp = get_experiment("bandits_contextual")
    if exp.requires is not None and exp.requires():
        pytest.skip(exp.requires())
    config = exp.make_config(dataset="wine", runs=2, algo="linucb,square_cb")  # one pass: 178 rounds
    with Store(tmp_path / "s.duckdb") as db:
        db.put("bandits_contextual", config, 0, exp.run(config, 0))
        rows = db.rows("bandits_contextual")
    cols = {k: np.asarray(v) for k, v in rows.to_pydict().items()}
    assert set(cols["learner"].tolist()) == {"linucb", "square_cb"} and cols["round"].max() == 178
    # regret is the hindsight policy's reward minus the learner's, row by row
    np.testing.assert_allclose(cols["regret"], cols["comparator_reward"] - cols["reward"], atol=1e-9)
    problems: list[str] = []
    real = style.save
    monkeypatch.setattr(style, "save", lambda fig, path, f=None: problems.extend(figure_problems(fig, path, symlog=False))
                        or real(fig, path, f))
    paths = exp.plot(rows, tmp_path / "fig")
    assert problems == [] and sorted(p.suffix for p in paths) == [".pdf", ".png", ".svg"]
    summary = exp.summarize(rows)
    verdicts = [v for _, _, v in entries(summary) if v is not None]
    for _, text, _ in entries(summary):
        assert_rounded_to_se(text)
    assert verdicts and all(isinstance(v, Verdict) and v.status in ("holds", "demo size") for v in verdicts)
