"""`regretlab lcp`, `regretlab qre --efg` and `regretlab psro --meta-solver ce|cce` (issue 18)."""

from __future__ import annotations

import pytest

from regretlab.cli import main
from regretlab.games.evaluation import nash_conv
from regretlab.games.io import load_policy
from regretlab.games.poker import kuhn_poker


def test_lcp_exact_on_kuhn(capsys, tmp_path):
    main(["lcp", "kuhn", "--exact", "--out", str(tmp_path / "p.json")])
    out = capsys.readouterr().out
    assert "exact values: -1/18, 1/18" in out and "method=lemke" in out
    assert nash_conv(kuhn_poker(), load_policy(kuhn_poker(), tmp_path / "p.json")) < 1e-9


def test_qre_efg_and_correlated_psro(capsys, tmp_path):
    main(["qre", "kuhn", "--efg", "--lambda-max", "20", "--out", str(tmp_path / "q.npz")])
    out = capsys.readouterr().out
    assert "agent QRE principal branch" in out and "lambda=        20" in out
    assert nash_conv(kuhn_poker(), load_policy(kuhn_poker(), tmp_path / "q.npz")) < 0.05
    main(["psro", "kuhn", "--meta-solver", "cce"])
    out = capsys.readouterr().out
    assert "stopped=converged" in out and "cce_gap=" in out


def test_bad_input_is_one_line_exit_2(capsys):
    cases = [(["lcp", "kuhn", "--players", "3"], "needs a 2-player game"),
             (["lcp", "kuhn", "--time-limit", "0"], "--time-limit must be > 0"),
             (["lcp", "kuhn", "--out", "p.txt"], "--out must be a .json or .npz"),
             (["qre", "kuhn", "--efg", "--lambda-max", "-1"], "--lambda-max must be > 0"),
             (["qre", "kuhn", "--efg", "--counts", "1,2"], "--counts (QRE estimation) applies"),
             (["qre", "chicken", "--out", "p.json"], "--out applies with --efg only"),
             (["qre", "leduc", "--efg"], "is too large"),
             (["psro", "kuhn", "--players", "3", "--meta-solver", "ce"], "needs 2 players")]
    for argv, expect in cases:
        with pytest.raises(SystemExit) as info:
            main(argv)
        err = capsys.readouterr().err
        assert info.value.code == 2 and expect in err and "Traceback" not in err, (argv, err)
