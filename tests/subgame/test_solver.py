"""Range-vector CFR on 52-card subgames: convergence, zero sum, the general local-rule path,
exports, grids, the experiment and the command line."""

import json

import numpy as np
import pytest

from regretlab.games.cfr import cfr_plus
from regretlab.games.subgame import (
    SubgameCFR,
    export_strategy,
    exploitability,
    find_node,
    make_solver,
    node_grid,
    strategy_rows,
    subgame,
    values,
)

OOP = "AA,KK,77,22,AK,KQ,QJs,T9s,65s,A5s"
IP = "QQ+,88,AK,KQ,KJs,JTs,98s,K7s"


@pytest.fixture(scope="module")
def river():
    return subgame("Ks7h2d3c8s", 10, 30, OOP, IP, bets="0.5,1,allin", raise_cap=2)


@pytest.mark.parametrize("algo", ["cfr+", "dcfr", "pcfr+"])
def test_converges_below_half_a_percent_of_the_pot(river, algo):
    s = make_solver(algo)
    state, curve = s.solve(river, 1000, every=10, target=0.5)
    e = curve["exploitability_pct"]
    assert e[-1] <= 0.5 and e[-1] < e[0] and len(e) > 1
    assert np.isclose(curve["mbb"][-1], 100 * e[-1])  # pot 10 big blinds: 1% of the pot = 0.1 bb = 100 mbb


def test_zero_sum_and_best_response_bounds(river):
    s = make_solver("dcfr")
    st = s.update(s.init(river), river, 50)
    pol = s.average_policy(st, river)
    v0, v1 = values(river, pol, 0).sum(), values(river, pol, 1).sum()
    assert abs(v0 + v1) < 1e-12
    e = exploitability(river, pol)
    assert e["br_oop"] >= v0 - 1e-12 and e["br_ip"] >= v1 - 1e-12
    assert np.isclose(e["chips"], (e["br_oop"] + e["br_ip"]) / 2)


def test_fused_kernel_equals_the_general_local_rule_path(river):
    fused = SubgameCFR(cfr_plus())
    general = SubgameCFR(cfr_plus(fused=False))
    a = fused.update(fused.init(river), river, 30)
    b = general.update(general.init(river), river, 30)
    assert np.abs(a.cumulative - b.cumulative).max() < 1e-9
    assert np.abs(a.strategy - b.strategy).max() < 1e-9


def test_any_experts_learner_as_the_local_rule(river):
    s = make_solver("cfr+", local="hedge(lr=0.5)")
    state, curve = s.solve(river, 100, every=50)
    assert curve["exploitability_pct"][-1] < curve["exploitability_pct"][0]
    assert s.fused is None


def test_exports_and_grid(river, tmp_path):
    s = make_solver("dcfr")
    pol = s.average_policy(s.update(s.init(river), river, 40), river)
    rows = strategy_rows(river, pol, [0])
    per_hand = {}
    for h, p in zip(rows["hand"], rows["probability"]):
        per_hand[h] = per_hand.get(h, 0.0) + p
    assert np.allclose(list(per_hand.values()), 1.0)
    assert len(per_hand) == int((river.weights[0] > 0).sum())
    pq = export_strategy(river, pol, str(tmp_path / "s.parquet"))
    js = json.loads(open(export_strategy(river, pol, str(tmp_path / "s.json"))).read())
    import pyarrow.parquet as papq

    assert papq.read_table(pq).num_rows == len(strategy_rows(river, pol)["node"])
    assert js["nodes"][0]["actions"] == ["check", "bet 5", "bet 10", "allin 30"]
    actions, grids, weight = node_grid(river, pol, 0)
    assert grids.shape == (4, 13, 13)
    filled = weight > 0
    assert np.allclose(np.nansum(grids, axis=0)[filled], 1.0)
    assert weight[0, 0] == 6  # AA: six combinations at weight 1 on a board without an ace
    n = find_node(river, "check/bet 5")
    assert river.tree.path(n) == ["check", "bet 5"] and river.tree.kind[n] == 0
    with pytest.raises(ValueError, match="the actions there are"):
        find_node(river, "raise")


def test_turn_spot_with_chance_nodes_converges():
    g = subgame("Ks7h2d3c", 10, 20, "AA,KK,77,AK,KQs,65s", "QQ+,AK,KQ,JTs", bets="1,allin", raise_cap=1)
    assert (g.tree.kind == -1).any()
    s = make_solver("dcfr")
    state, curve = s.solve(g, 200, every=100)
    assert curve["exploitability_pct"][-1] < 1.0


@pytest.mark.parametrize("kwargs,match", [
    (dict(bets="0,1"), "> 0"), (dict(stacks=-1), "stacks must be >= 0"), (dict(pot=0), "pot must be > 0"),
    (dict(board="Ks7h"), "3 .flop., 4 .turn. or 5"), (dict(oop_range="KsKh"), "conflicts with the board"),
    (dict(raise_cap=0), "raise_cap"),
])
def test_bad_subgames_are_one_clear_error(kwargs, match):
    args = dict(board="Ks7h2d3c8s", pot=10, stacks=20, oop_range="AA", ip_range="KK")
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        subgame(**args)


def test_cli_solve_store_and_show(tmp_path, capsys):
    from regretlab.cli import main

    store, out = tmp_path / "st.duckdb", tmp_path / "s.parquet"
    main(["subgame", "solve", "--board", "Ks7h2d3c8s", "--pot", "10", "--stacks", "20", "--oop-range", OOP,
          "--ip-range", IP, "--bets", "0.5,allin", "--raise-cap", "2", "--iterations", "200", "--every", "20",
          "--target-exploitability", "0.5%", "--out", str(out), "--store", str(store), "--no-progress"])
    text = capsys.readouterr().out
    assert "of the pot" in text and "stored" in text and out.exists()
    main(["subgame", "show", str(out), "--node", "check"])
    grid = capsys.readouterr().out
    assert "IP at check" in grid and "allin 20:" in grid
    from regretlab.experiments import games_subgame as exp

    g = exp.build(exp.Config(board="Ks7h2d3c8s", pot=10, stacks=20, oop_range=OOP, ip_range=IP, bets="0.5,allin",
                             raise_cap=2))
    js = export_strategy(g, g.legal / g.row_actions[:, None], str(tmp_path / "u.json"))
    main(["subgame", "show", js, "--node", "bet/allin"])
    assert "OOP at bet 5 allin 20" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["subgame", "show", js, "--node", "raise"])
    assert "no decision node 'raise'" in capsys.readouterr().err
    from regretlab.store import Store

    with Store(store) as st:
        rows = st.rows("games_subgame").to_pydict()
    assert "curve" in rows["part"] and "root" in rows["part"]
