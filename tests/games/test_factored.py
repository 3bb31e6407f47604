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
