"""Plain NumPy reference of the CFR sweep, vectorised level by level (checks the Numba kernels).

The local rule is not here: ``backend="numpy"`` runs the general local-rule path of
:mod:`regretlab.games.cfr` on :func:`counterfactual_values`, and the fused kernels are tested
equal to it.

Nodes of one depth are contiguous in the breadth-first treeplex, so each level is one
vectorised gather (forward) or scatter-add (backward).
"""

from __future__ import annotations

import numpy as np

from regretlab.games.treeplex import CHANCE, TERMINAL, Treeplex


def _edge_prob(game: Treeplex, strategy: np.ndarray, nodes: np.ndarray, skip_player: int) -> np.ndarray:
    """Probability of the edge parent->n for ``nodes`` (1 for ``skip_player``'s own actions)."""
    parent = game.node_parent[nodes]
    pl = game.node_player[parent]
    prob = np.ones(nodes.shape[0])
    ch = pl == CHANCE
    prob[ch] = game.node_chance_prob[nodes[ch]]
    dec = (pl >= 0) & (pl != skip_player)
    prob[dec] = strategy[game.node_infoset[parent[dec]], game.node_action[nodes[dec]]]
    return prob


def opponent_reach(game: Treeplex, strategy: np.ndarray, player: int) -> np.ndarray:
    """``[N]`` product of all probabilities except ``player``'s own on the path to each node."""
    lv = game.level_offsets()
    opp = np.ones(game.num_nodes)
    for d in range(1, lv.shape[0] - 1):
        nodes = np.arange(lv[d], lv[d + 1])
        opp[nodes] = opp[game.node_parent[nodes]] * _edge_prob(game, strategy, nodes, player)
    return opp


def values_and_regrets(game: Treeplex, strategy: np.ndarray, player: int) -> tuple[np.ndarray, np.ndarray]:
    """``v_i`` at every node and the instantaneous regrets ``r(I,a)`` of ``player``'s infosets."""
    lv = game.level_offsets()
    opp = opponent_reach(game, strategy, player)
    value = np.zeros(game.num_nodes)
    term = game.node_player == TERMINAL
    value[term] = game.utilities[game.node_terminal[term], player]
    for d in range(lv.shape[0] - 2, 0, -1):
        nodes = np.arange(lv[d], lv[d + 1])
        parent = game.node_parent[nodes]
        w = _edge_prob(game, strategy, nodes, -99)  # every edge's probability
        np.add.at(value, parent, w * value[nodes])
    inst = np.zeros(game.legal_mask.shape)
    own = np.flatnonzero(game.node_player == player)
    for k in range(game.max_actions):
        has = own[game.node_num_children[own] > k]
        child = game.node_first_child[has] + k
        np.add.at(inst, (game.node_infoset[has], k), opp[has] * (value[child] - value[has]))
    return value, inst


def counterfactual_values(game: Treeplex, strategy: np.ndarray, player: int) -> np.ndarray:
    """``[I, A]`` counterfactual values ``cfv(I,a) = sum_{h in I} pi_-i(h) v_i(ha)`` of
    ``player``'s information sets (zero on the other rows and on illegal actions)."""
    lv = game.level_offsets()
    opp = opponent_reach(game, strategy, player)
    value = np.zeros(game.num_nodes)
    term = game.node_player == TERMINAL
    value[term] = game.utilities[game.node_terminal[term], player]
    for d in range(lv.shape[0] - 2, 0, -1):
        nodes = np.arange(lv[d], lv[d + 1])
        np.add.at(value, game.node_parent[nodes], _edge_prob(game, strategy, nodes, -99) * value[nodes])
    cfv = np.zeros(game.legal_mask.shape)
    own = np.flatnonzero(game.node_player == player)
    for k in range(game.max_actions):
        has = own[game.node_num_children[own] > k]
        np.add.at(cfv, (game.node_infoset[has], k), opp[has] * value[game.node_first_child[has] + k])
    return cfv


def own_reach(game: Treeplex, strategy: np.ndarray) -> np.ndarray:
    """``[I]`` owner's reach probability of each information set."""
    reach = np.ones(game.num_infosets)
    for s in range(game.num_infosets):  # parents have smaller ids
        p = game.infoset_parent[s]
        if p >= 0:
            reach[s] = reach[p] * strategy[p, game.infoset_parent_action[s]]
    return reach
