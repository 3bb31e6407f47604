"""`regretlab solve` is the registered experiment games_solve: its curve reaches the store through
the one write path (sweep.store_cell) as a cell that show, report, export and sweeps know."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from regretlab.cli import main
from regretlab.experiments import get_experiment
from regretlab.experiments.games_solve import Config
from regretlab.store import Store
from regretlab.sweep import Cell, run_cells, validate_config

EXP = get_experiment("games_solve")

# Computed with the solve loop before it became an experiment (commit 604bcf1):
# solve(SolveConfig(...), load(game)) -> curve; the experiment must give the same numbers.
PINNED = {
    ("kuhn", "cfr+", 300, 0): ([100, 200, 300],
                               [0.0011944041011115736, 0.0002949604835148223, 0.0004334009028058583],
                               [0.002388808202223147, 0.0005899209670296446, 0.0008668018056117166]),
    ("kuhn", "mccfr-external", 300, 3): ([100, 200, 300],
                                         [0.12108484756588969, 0.08476012200246905, 0.06878739564230041],
                                         [0.24216969513177938, 0.1695202440049381, 0.13757479128460082]),
}


def _cells_stored(db: Path) -> dict:
    with Store(db) as st:
        return st.cells("games_solve").to_pydict()


@pytest.mark.parametrize("game,algo,iterations,seed", list(PINNED))
def test_experiment_reproduces_the_solve_loop(game, algo, iterations, seed):
    its, expl, nc = PINNED[(game, algo, iterations, seed)]
    rows = EXP.run(EXP.make_config(game=game, algo=algo, iterations=iterations), seed)
    assert rows["iteration"].tolist() == its
    np.testing.assert_allclose(rows["exploitability"], expl, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rows["nash_conv"], nc, rtol=0, atol=1e-12)
    assert set(rows) == {"iteration", "exploitability", "nash_conv", "seconds"}
    assert np.all(np.diff(rows["seconds"]) >= 0)


def test_demo_is_kuhn_cfr_plus():
    config = EXP.make_config(**EXP.demo)
    assert (config.game, config.algo, config.iterations) == ("kuhn", "cfr+", 300)


def test_solve_store_show_report_export(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.duckdb"
    main(["solve", "kuhn", "--iterations", "200", "--store", str(db), "--no-progress"])
    out = capsys.readouterr().out
    assert "experiment games_solve" in out and "regretlab show games_solve" in out
    cells = _cells_stored(db)
    # the cell of the config the options make, with its seed, stored through store_cell
    config = Config(game="kuhn", iterations=200)
    key = Cell("games_solve", tuple(sorted(asdict(config).items())), 0).key
    assert cells["key"] == [key] and cells["status"] == ["ok"] and cells["seed"] == [0]
    assert key in out
    with Store(db) as st:
        rows = st.rows("games_solve").to_pydict()
    assert rows["iteration"] == [100, 200]
    np.testing.assert_allclose(rows["exploitability"], PINNED[("kuhn", "cfr+", 300, 0)][1][:2], atol=1e-12)

    main(["show", "games_solve", "--store", str(db)])
    shown = capsys.readouterr().out
    assert "games_solve" in shown and "exploitability at iteration 200" in shown

    html = tmp_path / "r.html"
    main(["report", "games_solve", "--store", str(db), "--out", str(html)])
    capsys.readouterr()
    pages = "".join(p.read_text() for p in tmp_path.rglob("*.html"))
    assert "games_solve_exploitability" in pages  # the figure, embedded or beside the page
    assert "unknown experiment" not in pages

    main(["export", "--store", str(db), "--out", str(tmp_path / "pq")])
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "pq" / "games_solve.parquet").num_rows == 2


def test_stored_solve_is_the_sweeps_cell(tmp_path, monkeypatch):
    """A sweep over algo runs only the cell the command did not store, then nothing."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.duckdb"
    main(["solve", "kuhn", "--iterations", "200", "--store", str(db), "--no-progress"])
    cells = [Cell("games_solve", (("algo", a), ("game", "kuhn"), ("iterations", 200)), 0) for a in ("cfr", "cfr+")]
    with Store(db) as st:
        first = run_cells(cells, st, backend="serial", progress=False)
        again = run_cells(cells, st, backend="serial", progress=False)
        rows = st.rows("games_solve").to_pydict()
    assert (first.done, first.skipped, first.failed) == (1, 1, 0)
    assert (again.done, again.skipped) == (0, 2)
    assert len(rows["iteration"]) == 4


def _sweep_checks_solver_names() -> bool:
    """Whether sweep.validate_config lets a config say which fields name learners (the
    games_solve config's ``algo`` names a solver, not a learner)."""
    try:
        validate_config(Config(game="kuhn", algo="cfr"))
    except ValueError as exc:
        if "unknown learner" in str(exc):
            return False
        raise
    return True


@pytest.mark.skipif(not _sweep_checks_solver_names(),
                    reason="sweep.validate_config checks `algo` against the learner registry; it needs "
                           "the config's learner_fields / validate() hooks")
def test_sweep_command_over_algo_and_iterations(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    argv = ["sweep", "games_solve", "--grid", "game=kuhn algo=cfr,cfr+ iterations=100,200",
            "--store", str(db), "--backend", "serial", "--no-progress"]
    main(argv)
    assert "4 done, 0 failed, 0 already stored" in capsys.readouterr().out
    main(argv)
    assert "0 done, 0 failed, 4 already stored" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "games_solve", "--grid", "algo=cfr,cfr++", "--store", str(db)])
    assert exc.value.code == 2
    assert "algo must be one of" in capsys.readouterr().err


def test_a_cell_that_cannot_be_stored_waits_beside_the_store(tmp_path, capsys, monkeypatch):
    """As with `regretlab run`: the computed cell goes to <store>.pending/ and into the store the
    next time it is opened."""
    import regretlab.sweep

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.duckdb"
    Store(db).close()

    def busy(*args, **kwargs):
        raise ValueError("store is being written by another process; try again")

    monkeypatch.setattr(regretlab.sweep, "store_cell", busy)
    main(["solve", "kuhn", "--iterations", "100", "--store", str(db), "--no-progress"])
    captured = capsys.readouterr()
    assert "could not store the curve: store is being written by another process" in captured.err
    assert "s.duckdb.pending" in captured.out
    assert len(list((tmp_path / "s.duckdb.pending").glob("*.parquet"))) == 1
    monkeypatch.undo()
    cells = _cells_stored(db)
    assert cells["status"] == ["ok"] and cells["seed"] == [0]


def test_bad_algo_names_the_option(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["solve", "kuhn", "--algo", "cfr++", "--no-progress"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--algo must be one of cfr, cfr+," in err and "got 'cfr++'" in err
    with pytest.raises(ValueError, match="^algo must be one of"):
        Config(algo="cfr++").validate()


@pytest.mark.parametrize("local,expect", [
    ("nosuch", "--local must name a registered experts learner, got 'nosuch'"),
    ("exp3", "of family 'bandits'"),
    ("hedge(lr=0.5,foo=1)", "unexpected keyword argument 'foo'"),
    ("hedge(lr)", "key=value"),
    ("1hedge", "--local must be an experts learner name"),
])
def test_bad_local_is_one_line(local, expect, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["solve", "kuhn", "--local", local, "--no-progress"])
    assert exc.value.code == 2
    assert expect in capsys.readouterr().err


def test_local_rule_replaces_the_algorithms_rule(tmp_path, capsys, monkeypatch):
    """local=regret_matching_plus under cfr+ is cfr+ (fused, bit for bit); local=hedge runs the
    general path (Hedge tuned to the solve's iterations); neither checkpoint nor their seed differ."""
    plain = EXP.run(EXP.make_config(game="kuhn", algo="cfr+", iterations=200), 0)
    same = EXP.run(EXP.make_config(game="kuhn", algo="cfr+", iterations=200, local="regret_matching_plus"), 0)
    np.testing.assert_array_equal(plain["exploitability"], same["exploitability"])
    hedge = EXP.run(EXP.make_config(game="kuhn", algo="cfr", iterations=200, local="hedge"), 0)
    tuned = EXP.run(EXP.make_config(game="kuhn", algo="cfr", iterations=200, local="hedge(horizon=200)"), 0)
    np.testing.assert_array_equal(hedge["exploitability"], tuned["exploitability"])
    assert 0 < hedge["exploitability"][-1] < 0.5 and hedge["exploitability"][-1] > plain["exploitability"][-1]

    monkeypatch.chdir(tmp_path)
    main(["solve", "kuhn", "--algo", "cfr", "--local", "hedge", "--iterations", "200", "--checkpoint-every", "100",
          "--no-progress", "--store", "s.duckdb"])
    captured = capsys.readouterr()
    assert "algo=cfr[hedge]" in captured.out
    assert "no checkpoint" in captured.err and not (tmp_path / "results").exists()
    with Store(tmp_path / "s.duckdb") as st:
        rows = st.rows("games_solve").to_pydict()
    np.testing.assert_array_equal(rows["exploitability"], hedge["exploitability"])
    with pytest.raises(SystemExit):
        main(["solve", "kuhn", "--local", "hedge", "--checkpoint", "ck.npz", "--no-progress"])
    assert "--checkpoint: only regret-matching local rules" in capsys.readouterr().err


def test_checkpoint_records_the_local_rule(tmp_path):
    from regretlab.games.poker import kuhn_poker
    from regretlab.games.solve import SolveConfig, default_checkpoint, solve

    cfg = SolveConfig("kuhn", 2, "cfr", 100, 50, local="regret_matching_plus")
    assert default_checkpoint(cfg).name == "kuhn-p2-cfr-regret_matching_plus-seed0-every50.npz"
    ck = tmp_path / "ck.npz"
    solve(cfg, kuhn_poker(), checkpoint=ck)
    with pytest.raises(ValueError, match="local="):
        solve(SolveConfig("kuhn", 2, "cfr", 100, 50), kuhn_poker(), checkpoint=ck)


def test_plot_and_summary_label_each_cell(tmp_path):
    with Store(tmp_path / "s.duckdb") as st:
        for algo in ("cfr", "pcfr+"):
            config = EXP.make_config(game="kuhn", algo=algo, iterations=100, checkpoint_every=25)
            st.put("games_solve", config, 0, EXP.run(config, 0))
        rows = st.rows("games_solve")
    summary = dict(EXP.summarize(rows))
    assert {"cfr: exploitability at iteration 100", "pcfr+: exploitability at iteration 100"} <= set(summary)
    assert summary["pcfr+: exploitability at iteration 100"] < summary["cfr: exploitability at iteration 100"]
    path, *vector = EXP.plot(rows, tmp_path / "fig")
    assert path.name == "games_solve_exploitability.png" and path.stat().st_size > 1000
    assert sorted(p.suffix for p in vector) == [".pdf", ".svg"]


def test_store_writes_only_through_the_sweep():
    """`.put(` on a store appears in sweep.store_cell and in the store itself, nowhere else."""
    import regretlab

    root = Path(regretlab.__file__).parent
    hits = [f"{p.relative_to(root)}:{i}" for p in sorted(root.rglob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if ".put(" in line and p.relative_to(root).as_posix() not in ("sweep.py", "store.py")]
    assert not hits, f"store writes outside sweep.store_cell: {hits}"
