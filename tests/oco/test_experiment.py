"""The oco_portfolio experiment at its demo size: tidy rows through the store, a styled log-log
figure (PNG + SVG + PDF, no overlapping ticks, log axes on positive data only, a title naming the
setting, T and the runs) and a summary whose estimates are rounded to their standard errors and
whose verdicts hold."""

from __future__ import annotations

from regretlab import plot_style as style
from regretlab.experiments import get_experiment
from regretlab.store import Store
from regretlab.summary import Verdict, entries
from regretlab.testing import assert_rounded_to_se, figure_problems


def test_oco_portfolio_demo(tmp_path, monkeypatch):
    exp = get_experiment("oco_portfolio")
    config = exp.make_config(**exp.demo)
    with Store(tmp_path / "s.duckdb") as db:
        db.put("oco_portfolio", config, 0, exp.run(config, 0))
        rows = db.rows("oco_portfolio")
    assert set(rows.column("learner").to_pylist()) == {"ons", "oco_ogd", "oco_adagrad", "universal_portfolio"}
    problems: list[str] = []
    real = style.save

    def save(fig, path, formats_=None):
        problems.extend(figure_problems(fig, path, symlog=False))
        return real(fig, path, formats_)

    monkeypatch.setattr(style, "save", save)
    paths = exp.plot(rows, tmp_path / "fig")
    assert problems == []
    assert sorted(p.suffix for p in paths) == [".pdf", ".png", ".svg"]
    (panel,) = style.sidecar(next(p for p in paths if p.suffix == ".png"))["panels"]
    assert (panel["xscale"], panel["yscale"]) == ("log", "log")
    assert "T = 2,048" in panel["title"] and "6 runs" in panel["title"]
    summary = exp.summarize(rows)
    verdicts = [v for v in summary if isinstance(v, Verdict)]
    assert len(verdicts) == 3
    for label, text, verdict in entries(summary):
        assert_rounded_to_se(text)
        if verdict is not None:
            assert verdict.status == "holds", verdict.text()
