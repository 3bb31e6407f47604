"""Gambit .nfg / .efg files: hand-written files of the documented format, round trips, errors."""

import numpy as np
import pytest
from typer.testing import CliRunner

from regretlab.games import io
from regretlab.games.gambit import (
    efg_text,
    parse_efg,
    parse_nfg,
    read_efg,
    read_nfg,
    write_efg,
    write_nfg,
)
from regretlab.games.normal_form import random_game

# Prisoner's dilemma written by hand in the payoff format of the Gambit manual ("Game
# representation formats": profiles listed with player 1's strategy changing fastest).
PD_PAYOFF = '''NFG 1 R "Prisoner's dilemma" { "Row" "Col" }
{ { "Cooperate" "Defect" } { "Cooperate" "Defect" } }
"a comment"

3 3 5 0 0 5 1 1
'''
PD_OUTCOME = '''NFG 1 R "Prisoner's dilemma" { "Row" "Col" } { 2 2 }

{
{ "CC" 3, 3 }
{ "DC" 5, 0 }
{ "CD" 0, 5 }
{ "DD" 1, 1 }
}
1 2 3 4
'''

# One-card poker written by hand in the .efg format of the Gambit manual.
POKER = '''EFG 2 R "A simple poker game" { "Fred" "Alice" }
"one-card poker"

c "" 1 "(0,1)" { "Red" 1/2 "Black" 1/2 } 0
p "" 1 1 "(1,1)" { "Raise" "Fold" } 0
p "" 2 1 "(2,1)" { "Meet" "Pass" } 0
t "" 1 "Win Big" { 2, -2 }
t "" 2 "Win" { 1, -1 }
t "" 4 "Lose" { -1, 1 }
p "" 1 2 "(1,2)" { "Raise" "Fold" } 0
p "" 2 1 "(2,1)" { "Meet" "Pass" } 0
t "" 3 "Lose Big" { -2, 2 }
t "" 2
t "" 4
'''


def test_hand_written_nfg_payoff_and_outcome_versions():
    for text in (PD_PAYOFF, PD_OUTCOME):
        f = parse_nfg(text)
        assert f.game.payoffs[0].tolist() == [[3, 0], [5, 1]]
        assert f.game.payoffs[1].tolist() == [[3, 5], [0, 1]]
        assert f.players == ["Row", "Col"] and f.game.name == "Prisoner's dilemma"
    assert parse_nfg(PD_PAYOFF).strategies[1] == ["Cooperate", "Defect"]
    assert parse_nfg(PD_PAYOFF).comment == "a comment"


@pytest.mark.parametrize("outcomes", [False, True])
def test_nfg_round_trip_three_players(tmp_path, outcomes):
    g = random_game([2, 3, 4], seed=7)
    path = write_nfg(g, tmp_path / "g.nfg", outcomes=outcomes,
                     strategies=[["a", "b"], ["c", "d", "e"], list("fghi")])
    back = read_nfg(path)
    assert np.array_equal(back.payoffs, g.payoffs) and back.name == g.name


def test_hand_written_efg_and_round_trip(tmp_path):
    tp = parse_efg(POKER).treeplex()
    assert tp.num_players == 2 and sorted(tp.infoset_keys) == ["(1,1)", "(1,2)", "(2,1)"]
    # leaves in the file's order: Red-Raise-Meet 2, Red-Raise-Pass 1, Red-Fold -1, Black-Raise-Meet -2,
    # Black-Raise-Pass 1, Black-Fold -1 (Fred's payoffs)
    assert sorted(tp.utilities[:, 0].tolist()) == sorted([2, 1, -1, -2, 1, -1])
    assert np.allclose(tp.utilities.sum(1), 0)
    (tmp_path / "poker.efg").write_text(POKER)
    a = read_efg(tmp_path / "poker.efg")
    b = read_efg(write_efg(a, tmp_path / "again.efg"))
    assert io.game_to_dict(a) == io.game_to_dict(b)
    # the value of the game for Fred is 1/3 (Myerson, Game Theory, 1991, one-card poker); check
    # that Fred raising with Red, raising Black w.p. 1/3 and Alice meeting w.p. 2/3 is an equilibrium
    from regretlab.games.evaluation import expected_value, nash_conv

    pol = np.zeros((tp.num_infosets, tp.max_actions))
    for s, key in enumerate(tp.infoset_keys):
        names = [tp.action_names[x] for x in tp.infoset_actions[s, :2]]
        want = {"(1,1)": {"Raise": 1.0, "Fold": 0.0}, "(1,2)": {"Raise": 1 / 3, "Fold": 2 / 3},
                "(2,1)": {"Meet": 2 / 3, "Pass": 1 / 3}}[key]
        pol[s, :2] = [want[n] for n in names]
    assert abs(expected_value(tp, pol)[0] - 1 / 3) < 1e-12
    assert nash_conv(tp, pol) < 1e-12


def test_efg_round_trip_of_a_builtin_game():
    from regretlab.games import kuhn_poker

    k = kuhn_poker() if callable(kuhn_poker) else kuhn_poker
    back = parse_efg(efg_text(k)).treeplex()
    assert np.array_equal(back.utilities, k.utilities) and back.num_infosets == k.num_infosets


def test_efg_chance_probabilities_are_exact_rationals_summing_to_one():
    # Gambit refuses a chance node whose probabilities do not sum to exactly 1 (it reads decimals
    # as exact rationals), so 1/6, 1/5, ... must not be written as rounded decimals
    import re
    from fractions import Fraction

    from regretlab.games import leduc_poker

    g = leduc_poker()
    text = efg_text(g)
    rows = [ln for ln in text.splitlines() if ln.startswith('c "')]
    assert rows
    for ln in rows:
        body = ln.split("{", 1)[1].rsplit("}", 1)[0]
        probs = [Fraction(t) for t in re.findall(r'"[^"]*"\s+(\S+)', body)]
        assert sum(probs) == 1 and all(p.denominator <= 6 for p in probs), ln
    back = parse_efg(text).treeplex()
    assert np.allclose(back.utilities, g.utilities) and back.num_infosets == g.num_infosets


@pytest.mark.parametrize("ps", [[1e-20, 1 - 1e-20], [0.5, 0.5 + 5e-10], [0.3, 0.7 - 5e-10], [3e-300, 1.0],
                                [1 / 7] * 7, [0.123456789, 1 - 0.123456789]])
def test_efg_writer_keeps_tiny_and_drifting_chance_probabilities_exact(ps):
    # tiny probabilities must not round to 0 (our reader refuses a zero-probability action) and a
    # sum off by up to the loader's 1e-9 must still be written as rationals summing to exactly 1
    import re
    from fractions import Fraction

    from regretlab.games.io import game_from_dict

    def leaf(u):
        return {"type": "terminal", "utilities": [u, -u]}

    game = game_from_dict({"format": "regretlab.efg/1", "name": "c", "num_players": 2, "root": {
        "type": "chance", "outcomes": [
            {"prob": p, "action": i, "child": {"type": "decision", "player": 0, "infoset": f"I{i}",
                                               "actions": [0, 1], "children": [leaf(i), leaf(0.5 * i)]}}
            for i, p in enumerate(ps)]}})
    text = efg_text(game)
    row = next(ln for ln in text.splitlines() if ln.startswith('c "'))
    probs = [Fraction(t) for t in re.findall(r'"[^"]*"\s+(\S+)', row.split("{", 1)[1])]
    assert sum(probs) == 1 and all(p > 0 for p in probs)
    assert np.allclose([float(p) for p in probs], np.asarray(ps) / sum(ps), rtol=1e-12, atol=0)
    parse_efg(text).treeplex()


BAD_EFG = {
    "sum to 1": POKER.replace('"Black" 1/2', '"Black" 1/3'),
    "negative probability": POKER.replace('"Red" 1/2 "Black" 1/2', '"Red" 3/2 "Black" -1/2'),
    "before it is defined": POKER.replace('t "" 2 "Win" { 1, -1 }', 't "" 2'),
    "ends inside the tree": POKER.rsplit("t ", 1)[0],
    "unexpected data after the tree": POKER + 't "" 4\n',
    "differ from that set's first node": POKER[::-1].replace('"ssaP" "teeM" {', '"tiaW" "ssaP" "teeM" {', 1)[::-1],
    "players 1..2": POKER.replace('p "" 2 1 "(2,1)"', 'p "" 3 1 "(2,1)"'),
    "'EFG'": POKER.replace("EFG 2", "NFG 2"),
    "cannot read": POKER.replace('"Lose Big"', '"Lose Big'),
    "lists no actions": POKER.replace('p "" 1 1 "(1,1)" { "Raise" "Fold" } 0', 'p "" 1 1 "(1,1)" 0'),
}


@pytest.mark.parametrize("needle", sorted(BAD_EFG))
def test_malformed_efg_errors(needle):
    with pytest.raises(ValueError, match=needle.replace("(", r"\(").replace(".", r"\.")):
        parse_efg(BAD_EFG[needle])


BAD_NFG = {
    "payoff 8 of 8": PD_PAYOFF.replace("1 1\n", "1\n"),
    "unexpected data": PD_PAYOFF.replace("1 1\n", "1 1 1\n"),
    "names outcome 5": PD_OUTCOME.replace("1 2 3 4", "1 2 3 5"),
    "'NFG'": "EFG 1 R \"x\" { \"a\" } { 2 }\n1 2\n",
    "payoff 2 of 8": PD_PAYOFF.replace("3 3 5", "3 x 5"),
}


@pytest.mark.parametrize("needle", sorted(BAD_NFG))
def test_malformed_nfg_errors(needle):
    with pytest.raises(ValueError, match=needle):
        parse_nfg(BAD_NFG[needle])


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.nfg"):
        read_nfg(tmp_path / "missing.nfg")
    (tmp_path / "bad.efg").write_text(BAD_EFG["sum to 1"])
    with pytest.raises(ValueError, match="bad.efg.*sum to 1"):
        read_efg(tmp_path / "bad.efg")
    (tmp_path / "bin.nfg").write_bytes(b"\0\1\2")
    with pytest.raises(ValueError, match="binary"):
        read_nfg(tmp_path / "bin.nfg")


def test_cli_solves_an_nfg_file_with_every_method(tmp_path):
    import typer

    from regretlab.cli import nfg as nfg_cli

    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """root"""

    nfg_cli.register(app)
    runner = CliRunner()
    g3 = write_nfg(random_game(2, num_players=3, seed=1), tmp_path / "g3.nfg")
    for method in ("enumerate", "gnm", "logit-path", "simpdiv", "ipa"):
        res = runner.invoke(app, ["nfg", "solve", str(g3), "--method", method, "--time-limit", "20"])
        assert res.exit_code == 0, res.output
        assert "Nash equilibria" in res.output and "x3=" in res.output
    pd = tmp_path / "pd.nfg"
    pd.write_text(PD_PAYOFF)
    res = runner.invoke(app, ["nfg", "solve", str(pd), "--method", "vertex", "--exact"])
    assert res.exit_code == 0 and "1 extreme Nash equilibria (exact, certified)" in res.output
    assert "x=[0, 1] y=[0, 1]" in res.output
    res = runner.invoke(app, ["nfg", "solve", str(g3), "--method", "vertex"])
    assert res.exit_code != 0 and "2-player" in str(res.exception)
    res = runner.invoke(app, ["nfg", "solve", str(g3), "--method", "lemke-howson"])
    assert res.exit_code != 0 and "2-player" in str(res.exception)
    res = runner.invoke(app, ["nfg", "solve", str(g3), "--method", "gnm", "--time-limit", "0"])
    assert res.exit_code != 0 and "time_limit" in str(res.exception)
