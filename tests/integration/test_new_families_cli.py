"""`regretlab run` for the families of the "beyond experts" issue, in process (typer's CliRunner).

One cell per family, each choosing with ``--algo`` a learner of that family that is not among the
experiment's defaults (so the choice really reaches the experiment), at a size of a few seconds;
then ``regretlab report`` on the store must show every experiment's figures, and ``regretlab list
learners`` must list the families.
"""

from __future__ import annotations

import pytest

from regretlab.cli import _load_plugins, app

_load_plugins()

# experiment -> (learners chosen with --algo, their family, other options at a tiny size)
CELLS = {
    "bandits_contextual": ("policy_exp4", "contextual", ["--set", "dataset=wine", "--runs", "2"]),
    "bandits_nonstationary": ("exp3_restart,glr_kl_ucb", "bandits",
                              ["--runs", "2", "--set", "min_T=100", "--set", "max_T=200"]),
    "oco_portfolio": ("metagrad,kt_vector", "oco", ["--T", "64", "--runs", "2", "--set", "points=3"]),
    "experts_adaptive": ("ada_normal_hedge,flh", "experts", ["--T", "200", "--runs", "2", "--set", "period=50"]),
}


def _invoke(args):
    from typer.testing import CliRunner

    return CliRunner(env={"COLUMNS": "200"}).invoke(app, args, catch_exceptions=True)


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    """Every family's cell, run once into one store: ``(store, out, {experiment: result})``."""
    pytest.importorskip("sklearn", reason="bandits_contextual needs scikit-learn's datasets")
    root = tmp_path_factory.mktemp("families")
    store, out = root / "r.duckdb", root / "figs"
    results = {name: _invoke(["run", name, "--algo", algo, *extra, "--store", str(store), "--out", str(out),
                              "--no-progress"])
               for name, (algo, _, extra) in CELLS.items()}
    return store, out, results


def _stored_learners(store, name):
    from regretlab.store import Store

    with Store(store) as db:
        return set(db.rows(name).to_pydict()["learner"])


@pytest.mark.parametrize("name", list(CELLS))
def test_run_with_algo_stores_the_chosen_learners_and_draws_figures(cells, name):
    from regretlab.core import learners

    store, out, results = cells
    res = results[name]
    assert res.exit_code == 0, res.output
    algo, family, _ = CELLS[name]
    chosen = set(algo.split(","))
    assert all(learners.get(n).family == family for n in chosen)
    assert chosen <= _stored_learners(store, name)  # the --algo choice reached the experiment
    assert "stored cell" in res.output and "figures:" in res.output
    pngs = sorted(out.glob(f"{name}*.png"))
    assert pngs and all(p.stat().st_size > 1000 for p in pngs)


def test_report_shows_every_new_familys_figures(cells, tmp_path):
    store, _, results = cells
    assert all(r.exit_code == 0 for r in results.values())
    page = tmp_path / "report.html"
    res = _invoke(["report", *CELLS, "--store", str(store), "--out", str(page)])
    assert res.exit_code == 0, res.output
    html = page.read_text()
    figures = tmp_path / "report_files" / "figures"
    for name in CELLS:
        assert (tmp_path / "report_files" / f"{name}.html").exists()
        pngs = list(figures.rglob(f"*{name}*.png"))
        assert pngs, f"no figure of {name} in the report"
        assert name in html


def test_list_learners_shows_the_new_families():
    res = _invoke(["list", "learners"])
    assert res.exit_code == 0, res.output
    for family, learner in (("contextual", "linucb"), ("oco", "metagrad"), ("portfolio", "universal_portfol"),
                            ("bandits", "sw_ucb"), ("experts", "flh")):
        assert family in res.output and learner in res.output


def test_a_learner_of_another_family_is_a_one_line_error(tmp_path):
    res = _invoke(["run", "bandits_contextual", "--algo", "sw_ucb", "--set", "dataset=wine", "--runs", "1",
                   "--store", str(tmp_path / "r.duckdb"), "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code != 0  # in process the error is the exception; `main` prints it as one line
    message = f"{res.output}{res.exception}"
    assert "--algo must name contextual learners" in message and "'sw_ucb' of family 'bandits'" in message
    assert "\n" not in str(res.exception)


def test_a_learner_that_needs_parameters_the_experiment_cannot_give_names_them(tmp_path):
    """``moderation_fixed_share`` (family ``experts``) needs ``lr`` and ``alpha``: the error says so
    (it used to read "has no parameter(s) (bad call)")."""
    res = _invoke(["run", "experts_adaptive", "--algo", "moderation_fixed_share", "--T", "50", "--runs", "1",
                   "--store", str(tmp_path / "r.duckdb"), "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code != 0
    message = f"{res.output}{res.exception}"
    assert "learner 'moderation_fixed_share' needs the parameter(s) lr, alpha" in message
    assert "\n" not in str(res.exception)
