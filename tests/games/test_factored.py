"""Public-tree layout: detection and agreement with the per-history treeplex."""

import numpy as np

from regretlab.games.factored import public_layout
from regretlab.games.poker import kuhn_poker, leduc_poker
from regretlab.games.treeplex import TERMINAL


def test_layout_shapes_and_mapping():
    g = leduc_poker()
    lay = public_layout(g)
    # Leduc deals 6*5 = 30 ordered private-card pairs, then plays one betting tree per deal
    assert lay.num_deals == 30
    assert lay.num_positions * lay.num_deals == g.num_nodes - 1 - 6
    np.testing.assert_allclose(lay.deal_prob, 1 / 30)
    # every (position, deal) cell maps to a node with the same player, infoset and payoff
    assert (g.node_player[lay.node] == lay.player[:, None]).all()
    assert (g.node_infoset[lay.node] == lay.infoset).all()
    term = lay.player == TERMINAL
    for p in range(g.num_players):
        np.testing.assert_array_equal(
            lay.utilities[p][term], g.utilities[g.node_terminal[lay.node[term]], p])


def test_kuhn_three_players_layout():
    g = kuhn_poker(3)
    lay = public_layout(g)
    assert lay.num_deals == 24  # 4*3*2 ordered deals
    assert public_layout(g) is lay  # cached


def test_games_without_a_deal_prefix_use_the_per_history_sweep():
    # A decision before any chance node: no public layout; the numba backend falls back to the
    # per-history kernel, which must still equal the NumPy reference.
    from regretlab.games.cfr import cfr_plus
    from regretlab.games.io import game_from_dict

    leaf = lambda u: {"type": "terminal", "utilities": [u, -u]}  # noqa: E731
    coin = lambda a, b: {"type": "chance", "outcomes": [  # noqa: E731
        {"prob": 0.25, "child": leaf(a)}, {"prob": 0.75, "child": leaf(b)}]}
    p1 = {"type": "decision", "player": 1, "infoset": "P1", "actions": [0, 1],
          "children": [coin(2, -1), coin(-1, 1)]}
    p1b = {"type": "decision", "player": 1, "infoset": "P1", "actions": [0, 1],
           "children": [coin(-1, 1), coin(1, -2)]}
    g = game_from_dict({"format": "regretlab.efg/1", "name": "t", "num_players": 2,
                        "root": {"type": "decision", "player": 0, "infoset": "P0",
                                 "actions": [0, 1], "children": [p1, p1b]}})
    assert public_layout(g) is None
    a = cfr_plus().solve(g, 50)
    b = cfr_plus(backend="numpy").solve(g, 50)
    np.testing.assert_allclose(a.cumulative, b.cumulative, rtol=1e-12)
