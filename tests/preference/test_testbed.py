"""The preference_testbed experiment: demo run through the store, styled figure, summary rounded to SE."""

import numpy as np
import pytest

from regretlab import plot_style as style
from regretlab.experiments import get_experiment
from regretlab.experiments.preference_testbed import GAMES, make_game
from regretlab.preference import duality_gap, regularized_nash
from regretlab.store import Store
from regretlab.summary import Verdict, entries
from regretlab.testing import assert_rounded_to_se, figure_problems


def test_demo_store_plot_and_summary(tmp_path, monkeypatch):
    exp = get_experiment("preference_testbed")
    config = exp.make_config(**exp.demo)
    rows = exp.run(config, 0)
    assert len({len(v) for v in rows.values()}) == 1
    assert set(rows["method"]) == set(config.methods.split(","))
    with Store(tmp_path / "s.duckdb") as db:
        db.put("preference_testbed", config, 0, rows)
        stored = db.rows("preference_testbed")
    problems: list[str] = []
    real = style.save

    def save(fig, path, formats_=None):
        problems.extend(figure_problems(fig, path))
        return real(fig, path, formats_)

    monkeypatch.setattr(style, "save", save)
    paths = exp.plot(stored, tmp_path / "fig")
    assert problems == []
    assert sorted(p.suffix for p in paths) == [".pdf", ".png", ".svg"]
    spec = style.sidecar(next(p for p in paths if p.suffix == ".png"))
    assert len(spec["panels"]) == 2 * len(GAMES)  # gap vs iterations (top row) and vs preference queries
    for panel in spec["panels"]:
        assert (panel["xscale"], panel["yscale"]) == ("log", "log")
        assert len([t for t in panel["traces"] if t["kind"] == "line"]) >= 6
    summary = exp.summarize(stored)
    verdicts = [v for v in summary if isinstance(v, Verdict)]
    assert len(verdicts) == 3 * len(GAMES)
    for _, text, verdict in entries(summary):
        assert_rounded_to_se(text)
        if verdict is not None:
            assert verdict.status == "holds", verdict.text()
    # queries per context: (t - 1) updates of K/2 (pairwise methods) or K(K-1)/2 (SPPO, DNO) oracle calls
    K = config.samples
    for m, per in (("inpo", K // 2), ("xpo", K // 2), ("sppo", K * (K - 1) // 2), ("dno", K * (K - 1) // 2),
                   ("spin", 0)):
        sel = rows["method"] == m
        np.testing.assert_array_equal(rows["queries"][sel], (rows["round"][sel] - 1) * per)
    lines = [t for t in entries(summary) if "preference queries per context" in t[0]]
    assert len(lines) == len(GAMES) and all("spin none (no oracle)" in t[1] for t in lines)
    # same seed, same numbers
    again = exp.run(config, 0)
    np.testing.assert_array_equal(again["last_gap"], rows["last_gap"])


@pytest.mark.parametrize("kind", GAMES)
def test_games_are_valid_and_the_gap_is_zero_at_their_nash_policy(kind):
    game = make_game(kind, 2, 4, 0.2, seed=3)
    assert game.P.shape == (2, 4, 4) and game.P.min() > 0 and game.P.max() < 1
    assert duality_gap(game, regularized_nash(game)) < 1e-10
    if kind == "bradley_terry":  # transitive: P[a, b] > 1/2 and P[b, c] > 1/2 imply P[a, c] > 1/2
        for P in game.P:
            w = P > 0.5
            assert np.all(~(w[:, :, None] & w[None, :, :]) | w[:, None, :])


def test_bad_config():
    exp = get_experiment("preference_testbed")
    with pytest.raises(ValueError, match="samples must be an integer >= 2"):
        exp.run(exp.make_config(samples=1, T=3, instances=1), 0)
    with pytest.raises(ValueError, match="games must name families"):
        exp.run(exp.make_config(games="chess", T=3, instances=1), 0)
    with pytest.raises(ValueError, match="method must be one of"):
        exp.run(exp.make_config(methods="ppo", T=3, instances=1), 0)
