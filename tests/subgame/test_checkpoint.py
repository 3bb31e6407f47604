"""Subgame checkpoints resume bit-identically (regrets, averages, strategy, iteration)."""

import numpy as np
import pytest

from regretlab.games.subgame import make_solver, subgame
from regretlab.games.subgame.checkpoint import ARRAYS, load_checkpoint, save_checkpoint

OOP, IP = "AA,KK,77,AK,KQs,65s", "QQ+,AK,KQ,JTs"


@pytest.mark.parametrize("board,algo", [("Ks7h2d3c8s", "pcfr+"), ("Ks9s5s2s", "dcfr")])
def test_resume_equals_uninterrupted_to_the_bit(tmp_path, board, algo):
    g = subgame(board, 10, 20, OOP, IP, bets="1,allin", raise_cap=1, isomorphism=True)
    s = make_solver(algo)
    straight = s.update(s.init(g), g, 30)
    path = tmp_path / "ck.npz"
    save_checkpoint(path, s.update(s.init(g), g, 12), {"board": board, "algo": algo}, {"iteration": [12]})
    state, curve = load_checkpoint(path, g, {"board": board, "algo": algo})
    assert state.t == 12 and curve == {"iteration": [12]}
    resumed = s.update(state, g, 18)
    assert resumed.t == straight.t == 30
    for k in ARRAYS:
        assert np.array_equal(getattr(resumed, k), getattr(straight, k)), k


def test_checkpoint_refuses_other_settings_shapes_and_local_rules(tmp_path):
    g = subgame("Ks7h2d3c8s", 10, 20, OOP, IP, bets="1,allin", raise_cap=1)
    s = make_solver("cfr+")
    path = tmp_path / "ck.npz"
    save_checkpoint(path, s.update(s.init(g), g, 3), {"algo": "cfr+"})
    with pytest.raises(ValueError, match="was written with algo='cfr\\+', not 'dcfr'"):
        load_checkpoint(path, g, {"algo": "dcfr"})
    other = subgame("Ks7h2d3c8s", 10, 20, OOP, "QQ+", bets="1,allin", raise_cap=1)
    with pytest.raises(ValueError, match="needs"):
        load_checkpoint(path, other, {"algo": "cfr+"})
    h = make_solver("cfr+", local="hedge(lr=0.5)")
    with pytest.raises(ValueError, match="regret-matching rules"):
        save_checkpoint(path, h.init(g), {})


def test_cli_checkpoint_resume_is_bit_identical(tmp_path, capsys):
    import pyarrow.parquet as pq

    from regretlab.cli import main

    base = ["subgame", "solve", "--board", "Ks9s5s2s", "--pot", "10", "--stacks", "20", "--oop-range", OOP,
            "--ip-range", IP, "--bets", "1,allin", "--raise-cap", "1", "--every", "10", "--target-exploitability",
            "0", "--no-progress", "--algo", "dcfr"]
    one, two = tmp_path / "one.npz", tmp_path / "two.npz"
    main(base + ["--iterations", "40", "--checkpoint", str(one), "--out", str(tmp_path / "a.parquet")])
    main(base + ["--iterations", "20", "--checkpoint", str(two)])
    main(base + ["--iterations", "40", "--checkpoint", str(two), "--out", str(tmp_path / "b.parquet")])
    text = capsys.readouterr().out
    assert "resuming from" in text and "at iteration 20" in text
    a, b = np.load(one), np.load(two)
    assert int(a["state_t"]) == int(b["state_t"]) == 40
    for k in ARRAYS:
        assert np.array_equal(a[f"state_{k}"], b[f"state_{k}"]), k
    assert list(b["curve_iteration"]) == [10, 20, 30, 40]
    assert np.array_equal(a["curve_exploitability_pct"], b["curve_exploitability_pct"])
    pa, pb = pq.read_table(tmp_path / "a.parquet").to_pydict(), pq.read_table(tmp_path / "b.parquet").to_pydict()
    assert pa["probability"] == pb["probability"]
    with pytest.raises(SystemExit):
        main([x if x != "1" else "2" for x in base] + ["--iterations", "50", "--checkpoint", str(two)])
    assert "was written with raise_cap=1, not 2" in capsys.readouterr().err
