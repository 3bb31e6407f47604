"""Game JSON format and policy files."""

import json

import numpy as np
import pytest

from regretlab.games.evaluation import nash_conv, random_policy
from regretlab.games.io import (
    game_from_dict, load_game, load_policy, save_game, save_policy,
)
from regretlab.games.poker import kuhn_poker, leduc_poker


def test_round_trip_preserves_the_game(tmp_path):
    for g in (kuhn_poker(), leduc_poker()):
        path = save_game(g, tmp_path / f"{g.name}.json")
        h = load_game(path)
        assert (h.num_nodes, h.num_infosets, h.num_terminals) == (g.num_nodes, g.num_infosets, g.num_terminals)
        np.testing.assert_array_equal(h.utilities, g.utilities)
        assert h.infoset_keys == [str(k) for k in g.infoset_keys]
        # Reference value survives the round trip (uniform NashConv of Leduc, spec §9.3)
        pol = random_policy(g, 4)
        assert nash_conv(h, pol) == pytest.approx(nash_conv(g, pol), abs=1e-12)


def _pennies():
    leaf = lambda u: {"type": "terminal", "utilities": [u, -u]}  # noqa: E731
    p1 = lambda k: {"type": "decision", "player": 1, "infoset": "P1", "actions": [0, 1],  # noqa: E731
                    "children": [leaf(1 if k == 0 else -1), leaf(-1 if k == 0 else 1)]}
    return {"format": "regretlab.efg/1", "name": "pennies", "num_players": 2,
            "action_names": ["H", "T"],
            "root": {"type": "decision", "player": 0, "infoset": "P0", "actions": [0, 1],
                     "children": [p1(0), p1(1)]}}


def test_hand_written_game_value():
    # Matching pennies with hidden moves: the uniform profile is the unique equilibrium
    # (NashConv 0), a pure profile has NashConv 2 (each player gains 1 by deviating... the
    # player who loses gains 2, the winner 0).
    g = game_from_dict(_pennies())
    assert nash_conv(g, g.uniform_policy()) == pytest.approx(0.0)
    pure = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert nash_conv(g, pure) == pytest.approx(2.0)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.pop("root"), "missing field 'root'"),
    (lambda d: d.update(format="other"), "format"),
    (lambda d: d["root"].pop("player"), "root: missing field 'player'"),
    (lambda d: d["root"]["children"][1].update(player=0), "mixes players"),
    (lambda d: d["root"]["children"][1].update(actions=[0, 1, 2]), "action_names|equal length"),
    (lambda d: d["root"]["children"][0]["children"][0].update(utilities=[1]), "utilities must be 2"),
    (lambda d: d.update(root={"type": "chance", "outcomes": [
        {"prob": 0.5, "child": {"type": "terminal", "utilities": [0, 0]}},
        {"prob": 0.4, "child": {"type": "terminal", "utilities": [0, 0]}}]}), "sum to 1"),
    (lambda d: d["root"].update(type="python"), "type must be"),
    (lambda d: d.update(num_players="2"), "num_players"),
])
def test_malformed_games_raise_clear_errors(edit, message):
    doc = _pennies()
    edit(doc)
    with pytest.raises(ValueError, match=message):
        game_from_dict(doc)


def test_loading_never_executes_code(tmp_path):
    doc = _pennies()
    doc["root"]["infoset"] = "__import__('os').system('touch pwned')"
    path = tmp_path / "g.json"
    path.write_text(json.dumps(doc))
    g = load_game(path)  # the string is only a key
    assert g.infoset_keys[0].startswith("__import__") and not (tmp_path / "pwned").exists()
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_game(tmp_path / "bad.json")
    with pytest.raises(FileNotFoundError):
        load_game(tmp_path / "missing.json")


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_policy_round_trip(tmp_path, suffix):
    g = leduc_poker()
    pol = random_policy(g, 9)
    back = load_policy(g, save_policy(g, pol, tmp_path / f"p{suffix}"))
    np.testing.assert_allclose(back, pol, rtol=0, atol=1e-15)


def test_policy_file_errors(tmp_path):
    g = kuhn_poker()
    path = save_policy(g, g.uniform_policy(), tmp_path / "p.json")
    doc = json.loads(path.read_text())
    doc["policy"].pop("0")
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="lacks information set"):
        load_policy(g, path)
    doc["policy"]["0"] = {"0": 0.5, "7": 0.5}
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="not legal"):
        load_policy(g, path)
    with pytest.raises(ValueError, match=".json or .npz"):
        save_policy(g, g.uniform_policy(), tmp_path / "p.pkl")


def test_treeplex_npz_round_trip(tmp_path):
    from regretlab.games.io import load_treeplex, save_treeplex

    g = leduc_poker()
    h = load_treeplex(save_treeplex(g, tmp_path / "leduc.npz"))
    assert h.num_nodes == g.num_nodes and h.infoset_keys == g.infoset_keys
    assert h.action_names == g.action_names
    pol = random_policy(g, 2)
    assert nash_conv(h, pol) == nash_conv(g, pol)
    with pytest.raises(ValueError, match=".npz"):
        save_treeplex(g, tmp_path / "x.json")
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="not a regretlab treeplex"):
        load_treeplex(tmp_path / "other.npz")
