"""`regretlab psro`, `regretlab alpharank`, `regretlab qre` and `regretlab solve --algo
sequence-form-lp` (issue 18): what they print."""

from __future__ import annotations

import numpy as np

from regretlab.cli import main
from regretlab.games.io import load_policy
from regretlab.games.poker import kuhn_poker
from regretlab.games.evaluation import nash_conv


def test_solve_sequence_form_lp(capsys, tmp_path):
    main(["solve", "kuhn", "--algo", "sequence-form-lp", "--no-progress", "--out", str(tmp_path / "p.json")])
    out = capsys.readouterr().out
    assert "game value for player 0: -0.0555555555556" in out and "nash_conv=0" in out
    assert nash_conv(kuhn_poker(), load_policy(kuhn_poker(), tmp_path / "p.json")) < 1e-9


def test_psro_on_kuhn_and_a_matrix_game(capsys, tmp_path):
    main(["psro", "kuhn", "--out", str(tmp_path / "p.npz")])
    out = capsys.readouterr().out
    assert "stopped=tol" in out and "nash_conv=0" in out
    assert nash_conv(kuhn_poker(), load_policy(kuhn_poker(), tmp_path / "p.npz")) < 1e-9
    main(["psro", "rock_paper_scissors"])
    assert "player 0: [0.3333, 0.3333, 0.3333]" in capsys.readouterr().out


def test_alpharank_and_qre(capsys, tmp_path):
    main(["alpharank", "prisoners_dilemma", "--alpha", "inf"])
    out = capsys.readouterr().out
    assert "1. profile [1]  mass 0.99" in out
    path = tmp_path / "g.npz"
    np.savez(path, payoffs=np.random.default_rng(0).uniform(size=(3, 2, 2, 2)))
    main(["alpharank", str(path), "--alpha", "5"])
    assert "3 populations" in capsys.readouterr().out
    main(["qre", "prisoners_dilemma", "--lambda-max", "20", "--counts", "10,90;12,88"])
    out = capsys.readouterr().out
    assert "max fixed-point residual" in out and "maximum-likelihood lambda = 1.88" in out


def test_bad_input_is_one_line_exit_2(capsys):
    import pytest

    cases = [(["solve", "kuhn", "--players", "3", "--algo", "sequence-form-lp", "--no-progress"], "needs a 2-player game"),
             (["solve", "kuhn", "--algo", "sequence-form-lp", "--local", "hedge"], "--local does not apply"),
             (["psro", "kuhn", "--time-limit", "0"], "--time-limit must be > 0"),
             (["psro", "kuhn", "--meta-solver", "prd"], "--meta-solver must be one of"),
             (["alpharank", "chicken", "--alpha", "-1"], "--alpha must be > 0"),
             (["alpharank", "chicken", "--alpha", "abc"], "--alpha must be a number"),
             (["qre", "chicken", "--counts", "1,x;2,3"], "--counts must be numbers"),
             (["qre", "chicken", "--time-limit", "-1"], "--time-limit must be > 0")]
    for argv, expect in cases:
        with pytest.raises(SystemExit) as info:
            main(argv)
        err = capsys.readouterr().err
        assert info.value.code == 2 and expect in err and "Traceback" not in err, (argv, err)
