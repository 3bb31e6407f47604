"""The bandits_nonstationary experiment at its demo size: styled figure (log-log on positive data,
PNG + SVG + PDF, a title naming setting, T and runs), a summary of estimates rounded to their
standard errors and verdicts that hold (SW-UCB's slope <= 0.75, UCB1's >= 0.9)."""

from __future__ import annotations

from regretlab import plot_style as style
from regretlab.experiments import get_experiment
from regretlab.store import Store
from regretlab.summary import Verdict, entries
from regretlab.testing import assert_rounded_to_se, figure_problems


def test_demo_figure_and_summary(tmp_path, monkeypatch):
    exp = get_experiment("bandits_nonstationary")
    config = exp.make_config(**exp.demo)
    with Store(tmp_path / "s.duckdb") as db:
        db.put(exp.name, config, 0, exp.run(config, 0))
        rows = db.rows(exp.name)
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
    summary = exp.summarize(rows)
    verdicts = [v for v in summary if isinstance(v, Verdict)]
    assert {v.claim.split(":")[0] for v in verdicts} == {"sw_ucb", "ucb1"}
    assert all(v.status == "holds" for v in verdicts), [v.text() for v in verdicts]
    for _, text, _ in entries(summary):
        assert_rounded_to_se(text)


def test_bad_config_is_one_line():
    import pytest

    exp = get_experiment("bandits_nonstationary")
    with pytest.raises(ValueError, match=r"^means must satisfy"):
        exp.run(exp.make_config(mid=0.95), 0)
