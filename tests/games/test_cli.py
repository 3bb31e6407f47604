"""`regretlab solve` / `regretlab play`: checkpoints, resume, store, plot, terminal play."""

import io

import numpy as np
import pytest

from regretlab.cli import main
from regretlab.games.io import load_policy
from regretlab.games.poker import kuhn_poker, leduc_poker
from regretlab.games.registry import load
from regretlab.games.solve import SolveConfig, solve


def test_resume_is_bit_identical(tmp_path):
    g = leduc_poker()
    cfg = SolveConfig("leduc", 2, "cfr+", 60, 20)
    _, full, curve_full = solve(cfg, g)
    ck = tmp_path / "ck.npz"
    # interrupted after 40 iterations, then resumed to 60 under the same checkpoint
    solve(SolveConfig("leduc", 2, "cfr+", 40, 20), g, checkpoint=ck)
    solver, resumed, curve = solve(cfg, g, checkpoint=ck)
    a, b = solver.to_arrays(full, g), solver.to_arrays(resumed, g)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert curve["iteration"] == [20, 40, 60]
    assert curve["exploitability"] == curve_full["exploitability"]
    with pytest.raises(ValueError, match="algo"):
        solve(SolveConfig("leduc", 2, "cfr", 60, 20), g, checkpoint=ck)


def test_mccfr_resume_is_bit_identical(tmp_path):
    g = kuhn_poker()
    cfg = SolveConfig("kuhn", 2, "mccfr-outcome", 300, 100, seed=4)
    _, full, _ = solve(cfg, g)
    ck = tmp_path / "ck.npz"
    solve(SolveConfig("kuhn", 2, "mccfr-outcome", 200, 100, seed=4), g, checkpoint=ck)
    _, resumed, _ = solve(cfg, g, checkpoint=ck)
    np.testing.assert_array_equal(full.cumulative, resumed.cumulative)


def test_solve_command_writes_policy_store_plot(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # --checkpoint-every writes a default checkpoint under results/
    pol, db, png = tmp_path / "p.npz", tmp_path / "r.duckdb", tmp_path / "c.png"
    main(["solve", "kuhn", "--algo", "cfr", "--iterations", "300", "--checkpoint-every", "100",
          "--out", str(pol), "--store", str(db), "--plot", str(png), "--no-progress"])
    out = capsys.readouterr().out
    assert "exploitability=" in out and png.stat().st_size > 0
    policy = load_policy(kuhn_poker(), pol)
    from regretlab.games.evaluation import expected_value
    # OpenSpiel cfr_test.py: 300 CFR iterations reach the Kuhn value -1/18 within 1e-3
    assert abs(expected_value(kuhn_poker(), policy)[0] + 1 / 18) < 1e-3
    from regretlab.store import Store

    with Store(db) as st:
        rows = st.rows("games_solve")
    cols = rows.to_pydict() if hasattr(rows, "to_pydict") else rows
    assert list(cols["iteration"]) == [100, 200, 300]
    assert np.all(np.diff(cols["exploitability"]) < 0)


def test_solve_command_bad_input_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["solve", "poker9", "--no-progress"])
    assert exc.value.code == 2
    assert "unknown game" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["solve", "kuhn", "--algo", "cfr++", "--no-progress"])
    assert "--algo must be one of" in capsys.readouterr().err


def test_play_command(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("call\n" * 8))
    main(["play", "leduc", "--iterations", "50", "--seed", "1", "--hands", "2"])
    out = capsys.readouterr().out
    assert out.count("Hand over.") == 2 and "Legal actions:" in out
    assert "total" in out


def test_registry_specs():
    assert load("kuhn").num_infosets == 12
    assert load("leduc", players=2) is leduc_poker()
    with pytest.raises(ValueError, match="unknown game"):
        load("chess")


def test_solve_command_with_game_parameters(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    main(["solve", "holdem", "--param", "ranks=3", "--param", "board=1", "--param", "bets=2-4",
          "--algo", "cfr+", "--iterations", "50", "--checkpoint-every", "50", "--no-progress"])
    out = capsys.readouterr().out
    # with these parameters the hold'em variant is Leduc poker (see test_holdem.py)
    assert "limit_holdem(players=2,ranks=3,suits=2,hole=1,board=1)" in out
    from regretlab.games.solve import parse_params

    assert parse_params("ranks=4, board=1-1,flag=true,x=0.5,name=abc") == {
        "ranks": 4, "board": (1, 1), "flag": True, "x": 0.5, "name": "abc"}
    with pytest.raises(ValueError, match="key=value"):
        parse_params("ranks")
