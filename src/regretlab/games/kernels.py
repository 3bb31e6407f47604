"""Compiled (Numba) sweeps over a :class:`~regretlab.games.treeplex.Treeplex`.

Every kernel walks the breadth-first node arrays: forward in index order (parents first) for
reach probabilities, backward (children first) for values. ``reference.py`` holds the plain
NumPy version the tests compare against.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

CHANCE = -1
TERMINAL = -2


@njit(cache=True)
def regret_matching_into(regret, pred, use_pred, infoset_player, num_actions, player, out):
    """sigma(I,a) = [R(I,a) + m(I,a)]^+ / sum_b [R(I,b) + m(I,b)]^+ (uniform if 0) for ``player``'s I."""
    I = regret.shape[0]
    for s in range(I):
        if player >= 0 and infoset_player[s] != player:
            continue
        na = num_actions[s]
        total = 0.0
        for a in range(na):
            q = regret[s, a]
            if use_pred:
                q += pred[s, a]
            if q > 0.0:
                total += q
        if total > 0.0:
            for a in range(na):
                q = regret[s, a]
                if use_pred:
                    q += pred[s, a]
                out[s, a] = q / total if q > 0.0 else 0.0
        else:
            u = 1.0 / na
            for a in range(na):
                out[s, a] = u


@njit(cache=True)
def forward_opponent_reach(i, strategy, player, first_child, num_children, infoset, chance_prob, opp):
    """opp[n] = product over the path to n of every probability except player ``i``'s own."""
    N = player.shape[0]
    opp[0] = 1.0
    for n in range(N):
        pl = player[n]
        if pl == TERMINAL:
            continue
        r = opp[n]
        fc = first_child[n]
        nc = num_children[n]
        if pl == CHANCE:
            for k in range(nc):
                opp[fc + k] = r * chance_prob[fc + k]
        elif pl == i or r == 0.0:
            for k in range(nc):
                opp[fc + k] = r
        else:
            s = infoset[n]
            for k in range(nc):
                opp[fc + k] = r * strategy[s, k]


@njit(cache=True)
def backward_values(i, strategy, player, first_child, num_children, infoset, chance_prob,
                    terminal, utilities, opp, value, cfv):
    """value[n] = v_i(sigma, n); cfv(I,a) += opp(h) v_i(ha) over h in I of player i.

    Subtrees the opponents and chance never reach (opp = 0) are skipped (their values do
    not enter any counterfactual value or any reachable parent value).
    """
    N = player.shape[0]
    for n in range(N - 1, -1, -1):
        pl = player[n]
        if pl == TERMINAL:
            value[n] = utilities[terminal[n], i]
            continue
        r = opp[n]
        if r == 0.0:
            value[n] = 0.0
            continue
        fc = first_child[n]
        nc = num_children[n]
        v = 0.0
        if pl == CHANCE:
            for k in range(nc):
                v += chance_prob[fc + k] * value[fc + k]
            value[n] = v
        else:
            s = infoset[n]
            for k in range(nc):
                v += strategy[s, k] * value[fc + k]
            value[n] = v
            if pl == i:
                for k in range(nc):
                    cfv[s, k] += r * value[fc + k]
    return value[0]


@njit(cache=True)
def counterfactual_values(i, strategy, player, first_child, num_children, infoset, chance_prob,
                          terminal, utilities, opp, value, cfv):
    """cfv(I,a) = sum_{h in I} pi_-i(h) v_i(sigma, ha) for player ``i``'s I (added to ``cfv``)."""
    forward_opponent_reach(i, strategy, player, first_child, num_children, infoset, chance_prob, opp)
    return backward_values(i, strategy, player, first_child, num_children, infoset, chance_prob,
                           terminal, utilities, opp, value, cfv)


@njit(cache=True)
def own_reach(strategy, infoset_parent, infoset_parent_action, out):
    """out[I] = pi_owner(I): product of the owner's own probabilities on the way to I."""
    I = strategy.shape[0]
    for s in range(I):
        p = infoset_parent[s]
        if p < 0:
            out[s] = 1.0
        else:
            out[s] = out[p] * strategy[p, infoset_parent_action[s]]


@njit(cache=True)
def local_update(i, regret, inst, cumulative, strategy, reach, infoset_player, num_actions,
                 pos_scale, neg_scale, floor, avg_weight):
    """Per information set of player ``i`` (every player if -1), with ``inst`` holding the
    counterfactual values on entry: average += w pi_i(I) sigma; r = cfv - <sigma, cfv> (left
    in ``inst``); R <- scale(R + r); floor.

    ``<sigma, cfv>`` is summed in action order from 0, as NumPy sums a row, so the general
    local-rule path (``regret_matching()`` fed ``FullInfo(cfv)``) gives the same numbers.
    """
    I = regret.shape[0]
    for s in range(I):
        if i >= 0 and infoset_player[s] != i:
            continue
        na = num_actions[s]
        w = avg_weight * reach[s]
        v = 0.0
        for a in range(na):
            v += strategy[s, a] * inst[s, a]
        for a in range(na):
            cumulative[s, a] += w * strategy[s, a]
            r = inst[s, a] - v
            inst[s, a] = r
            R = regret[s, a] + r
            if R > 0.0:
                R *= pos_scale
            else:
                R *= neg_scale
            if floor and R < 0.0:
                R = 0.0
            regret[s, a] = R


@njit(cache=True)
def run_iterations(t0, iterations, alternating, num_players, regret, cumulative, strategy, last_inst,
                   pos_scale, neg_scale, avg_weight, floor, predictive,
                   player, first_child, num_children, infoset, chance_prob, terminal, utilities,
                   infoset_player, num_actions, infoset_parent, infoset_parent_action):
    """Run ``iterations`` CFR iterations in place (t = t0+1 .. t0+iterations).

    ``strategy`` holds sigma^t on entry and sigma^{t+1} on exit; ``last_inst`` the last
    instantaneous regrets (the prediction of predictive rules). Scales and weights are per
    iteration arrays indexed from 0.
    """
    N = player.shape[0]
    opp = np.empty(N)
    value = np.empty(N)
    reach = np.empty(regret.shape[0])
    inst = np.zeros_like(regret)
    for it in range(iterations):
        if alternating:
            for i in range(num_players):
                for s in range(inst.shape[0]):
                    if infoset_player[s] == i:
                        for a in range(inst.shape[1]):
                            inst[s, a] = 0.0
                forward_opponent_reach(i, strategy, player, first_child, num_children, infoset,
                                       chance_prob, opp)
                backward_values(i, strategy, player, first_child, num_children, infoset,
                                chance_prob, terminal, utilities, opp, value, inst)
                own_reach(strategy, infoset_parent, infoset_parent_action, reach)
                local_update(i, regret, inst, cumulative, strategy, reach, infoset_player,
                             num_actions, pos_scale[it], neg_scale[it], floor, avg_weight[it])
                for s in range(inst.shape[0]):
                    if infoset_player[s] == i:
                        for a in range(inst.shape[1]):
                            last_inst[s, a] = inst[s, a]
                regret_matching_into(regret, last_inst, predictive, infoset_player, num_actions,
                                     i, strategy)
        else:
            inst[:, :] = 0.0
            for i in range(num_players):
                forward_opponent_reach(i, strategy, player, first_child, num_children, infoset,
                                       chance_prob, opp)
                backward_values(i, strategy, player, first_child, num_children, infoset,
                                chance_prob, terminal, utilities, opp, value, inst)
            own_reach(strategy, infoset_parent, infoset_parent_action, reach)
            local_update(-1, regret, inst, cumulative, strategy, reach, infoset_player,
                         num_actions, pos_scale[it], neg_scale[it], floor, avg_weight[it])
            last_inst[:, :] = inst
            regret_matching_into(regret, last_inst, predictive, infoset_player, num_actions, -1,
                                 strategy)


@njit(cache=True)
def forward_reach(strategy, player, first_child, num_children, infoset, chance_prob, reach):
    """reach[n] = pi^sigma(n), the probability that play reaches node n."""
    N = player.shape[0]
    reach[0] = 1.0
    for n in range(N):
        pl = player[n]
        if pl == TERMINAL:
            continue
        r = reach[n]
        fc = first_child[n]
        nc = num_children[n]
        if pl == CHANCE:
            for k in range(nc):
                reach[fc + k] = r * chance_prob[fc + k]
        else:
            s = infoset[n]
            for k in range(nc):
                reach[fc + k] = r * strategy[s, k]


@njit(cache=True)
def expected_values(strategy, player, first_child, num_children, infoset, chance_prob, terminal,
                    utilities):
    """u(sigma) = sum_z pi^sigma(z) u(z), one entry per player."""
    N = player.shape[0]
    reach = np.empty(N)
    forward_reach(strategy, player, first_child, num_children, infoset, chance_prob, reach)
    out = np.zeros(utilities.shape[1])
    for n in range(N):
        if player[n] == TERMINAL:
            r = reach[n]
            if r != 0.0:
                z = terminal[n]
                for p in range(utilities.shape[1]):
                    out[p] += r * utilities[z, p]
    return out


@njit(cache=True)
def best_response(i, strategy, player, first_child, num_children, infoset, chance_prob, terminal,
                  utilities, order, group_start, best):
    """Exact best response of player ``i`` to ``strategy``; returns its value, fills ``best[I]``.

    ``order`` lists the nodes grouped by player ``i``'s own depth (deepest group first) and by
    decreasing index inside a group, so every information set's counterfactual action values
    Q(I,a) = sum_{h in I} pi_{-i}(h) v(ha) are complete before any of its nodes needs its value.
    """
    N = player.shape[0]
    opp = np.empty(N)
    value = np.zeros(N)
    forward_opponent_reach(i, strategy, player, first_child, num_children, infoset, chance_prob, opp)
    q = np.zeros(strategy.shape)
    G = group_start.shape[0] - 1
    for g in range(G):
        lo = group_start[g]
        hi = group_start[g + 1]
        # Q(I, a) for player i's infosets in this group (their children are in deeper groups)
        for k in range(lo, hi):
            n = order[k]
            if player[n] == i and opp[n] != 0.0:
                s = infoset[n]
                fc = first_child[n]
                for a in range(num_children[n]):
                    q[s, a] += opp[n] * value[fc + a]
        for k in range(lo, hi):
            n = order[k]
            if player[n] == i:
                s = infoset[n]
                if best[s] < 0:
                    b = 0
                    for a in range(1, num_children[n]):
                        if q[s, a] > q[s, b]:
                            b = a
                    best[s] = b
        for k in range(lo, hi):
            n = order[k]
            pl = player[n]
            if pl == TERMINAL:
                value[n] = utilities[terminal[n], i]
                continue
            if opp[n] == 0.0:
                value[n] = 0.0
                continue
            fc = first_child[n]
            nc = num_children[n]
            if pl == CHANCE:
                v = 0.0
                for a in range(nc):
                    v += chance_prob[fc + a] * value[fc + a]
                value[n] = v
            elif pl == i:
                value[n] = value[fc + best[infoset[n]]]
            else:
                s = infoset[n]
                v = 0.0
                for a in range(nc):
                    v += strategy[s, a] * value[fc + a]
                value[n] = v
    return value[0]


@njit(cache=True)
def own_depth(i, player, first_child, num_children, out):
    """out[n] = number of player ``i``'s decisions on the path from the root to n."""
    N = player.shape[0]
    out[0] = 0
    for n in range(N):
        pl = player[n]
        if pl == TERMINAL:
            continue
        d = out[n] + (1 if pl == i else 0)
        fc = first_child[n]
        for k in range(num_children[n]):
            out[fc + k] = d


# -- every core: the per-history sweeps level by level (Numba prange) -----------------------------
#
# In breadth-first order a node's children all lie in the next depth level, so the nodes of one
# level are independent in both sweeps: the forward sweep writes only their children's reach,
# the backward sweep reads only their children's values. The parallel sweeps run each level's
# nodes in parallel (levels below ``GRAIN`` nodes serially: the same arithmetic); the
# counterfactual values, where the nodes of an information set are summed, are then added in a
# separate pass parallel over information sets, each one's nodes in decreasing index order (the
# serial backward sweep's order). The numbers are the serial kernels' for any number of threads.

GRAIN = 2048  # levels with fewer nodes run serially (a parallel region costs microseconds)


def infoset_nodes(game) -> tuple[np.ndarray, np.ndarray]:
    """Each information set's nodes in decreasing index order, CSR: ``nodes [K]``, ``start [I + 1]``
    (int64; memoised on ``game.meta``)."""
    cached = game.meta.get("_infoset_nodes")
    if cached is None:
        n = np.flatnonzero(game.node_infoset >= 0)
        iset = game.node_infoset[n]
        order = np.lexsort((-n, iset))
        nodes = n[order].astype(np.int64)
        counts = np.bincount(iset, minlength=game.num_infosets)
        start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        nodes.flags.writeable = start.flags.writeable = False
        cached = (nodes, start)
        game.meta["_infoset_nodes"] = cached
    return cached


@njit(cache=True, inline="always")
def _forward_node(n, i, strategy, player, first_child, num_children, infoset, chance_prob, opp):
    pl = player[n]
    if pl == TERMINAL:
        return
    r = opp[n]
    fc = first_child[n]
    nc = num_children[n]
    if pl == CHANCE:
        for k in range(nc):
            opp[fc + k] = r * chance_prob[fc + k]
    elif pl == i or r == 0.0:
        for k in range(nc):
            opp[fc + k] = r
    else:
        s = infoset[n]
        for k in range(nc):
            opp[fc + k] = r * strategy[s, k]


@njit(cache=True, inline="always")
def _value_node(n, i, strategy, player, first_child, num_children, infoset, chance_prob, terminal,
                utilities, opp, value):
    pl = player[n]
    if pl == TERMINAL:
        value[n] = utilities[terminal[n], i]
        return
    if opp[n] == 0.0:
        value[n] = 0.0
        return
    fc = first_child[n]
    nc = num_children[n]
    v = 0.0
    if pl == CHANCE:
        for k in range(nc):
            v += chance_prob[fc + k] * value[fc + k]
    else:
        s = infoset[n]
        for k in range(nc):
            v += strategy[s, k] * value[fc + k]
    value[n] = v


@njit(cache=True, parallel=True)
def counterfactual_values_parallel(i, strategy, player, first_child, num_children, infoset,
                                   chance_prob, terminal, utilities, opp, value, cfv, levels,
                                   members, iset_nodes, iset_start):
    """:func:`counterfactual_values` level-parallel (section comment above); ``levels`` are the
    depth level starts, ``members`` player i's information sets, ``iset_nodes``/``iset_start``
    :func:`infoset_nodes`. Returns the root value."""
    opp[0] = 1.0
    L = levels.shape[0] - 1
    for lev in range(L):
        lo = levels[lev]
        hi = levels[lev + 1]
        if hi - lo < GRAIN:
            for n in range(lo, hi):
                _forward_node(n, i, strategy, player, first_child, num_children, infoset,
                              chance_prob, opp)
        else:
            for n in prange(lo, hi):
                _forward_node(n, i, strategy, player, first_child, num_children, infoset,
                              chance_prob, opp)
    for lev in range(L - 1, -1, -1):
        lo = levels[lev]
        hi = levels[lev + 1]
        if hi - lo < GRAIN:
            for n in range(lo, hi):
                _value_node(n, i, strategy, player, first_child, num_children, infoset,
                            chance_prob, terminal, utilities, opp, value)
        else:
            for n in prange(lo, hi):
                _value_node(n, i, strategy, player, first_child, num_children, infoset,
                            chance_prob, terminal, utilities, opp, value)
    for j in prange(members.shape[0]):
        s = members[j]
        for q in range(iset_start[s], iset_start[s + 1]):
            n = iset_nodes[q]
            r = opp[n]
            if r != 0.0:
                fc = first_child[n]
                for k in range(num_children[n]):
                    cfv[s, k] += r * value[fc + k]
    return value[0]


@njit(cache=True)
def run_iterations_parallel(t0, iterations, alternating, num_players, regret, cumulative, strategy,
                            last_inst, pos_scale, neg_scale, avg_weight, floor, predictive,
                            player, first_child, num_children, infoset, chance_prob, terminal,
                            utilities, infoset_player, num_actions, infoset_parent,
                            infoset_parent_action, levels, members, member_start, iset_nodes,
                            iset_start):
    """:func:`run_iterations` with the level-parallel sweep (:func:`counterfactual_values_parallel`):
    the same numbers, bit for bit."""
    N = player.shape[0]
    opp = np.empty(N)
    value = np.empty(N)
    reach = np.empty(regret.shape[0])
    inst = np.zeros_like(regret)
    for it in range(iterations):
        if alternating:
            for i in range(num_players):
                for s in range(inst.shape[0]):
                    if infoset_player[s] == i:
                        for a in range(inst.shape[1]):
                            inst[s, a] = 0.0
                counterfactual_values_parallel(
                    i, strategy, player, first_child, num_children, infoset, chance_prob, terminal,
                    utilities, opp, value, inst, levels, members[member_start[i]:member_start[i + 1]],
                    iset_nodes, iset_start)
                own_reach(strategy, infoset_parent, infoset_parent_action, reach)
                local_update(i, regret, inst, cumulative, strategy, reach, infoset_player,
                             num_actions, pos_scale[it], neg_scale[it], floor, avg_weight[it])
                for s in range(inst.shape[0]):
                    if infoset_player[s] == i:
                        for a in range(inst.shape[1]):
                            last_inst[s, a] = inst[s, a]
                regret_matching_into(regret, last_inst, predictive, infoset_player, num_actions,
                                     i, strategy)
        else:
            inst[:, :] = 0.0
            for i in range(num_players):
                counterfactual_values_parallel(
                    i, strategy, player, first_child, num_children, infoset, chance_prob, terminal,
                    utilities, opp, value, inst, levels, members[member_start[i]:member_start[i + 1]],
                    iset_nodes, iset_start)
            own_reach(strategy, infoset_parent, infoset_parent_action, reach)
            local_update(-1, regret, inst, cumulative, strategy, reach, infoset_player,
                         num_actions, pos_scale[it], neg_scale[it], floor, avg_weight[it])
            last_inst[:, :] = inst
            regret_matching_into(regret, last_inst, predictive, infoset_player, num_actions, -1,
                                 strategy)
