"""Compiled range-vector sweeps of a public tree (:mod:`regretlab.games.subgame.tree`).

Every node holds vectors over the ``H`` hands: the opponent's reach (the opponent's range times
its strategy along the path, times the probability of each dealt card), the traverser's own
reach, and the traverser's counterfactual values. Terminal values take O(H) per node:

* fold: ``v(h) = payoff x sum_{h' disjoint from h} r(h')`` with the sum by inclusion-exclusion
  over the 52 cards, ``R - R_{c1} - R_{c2} + r(h)`` (``R_c`` = reach of the hands holding ``c``;
  ``h'`` = h itself was subtracted twice);
* showdown: hands sorted by strength once per board; one ascending pass accumulates the reach
  of strictly weaker hands (total and per card) and gives ``win(h) = W - W_{c1} - W_{c2}``, one
  descending pass ``lose(h)`` the same way; ``v(h) = C (win(h) - lose(h))`` (ties pay 0).

The values carry the traverser's range weight over the normaliser ``Z`` = the total weight of
disjoint hand pairs, so they are exactly the counterfactual values of the history-by-history
game whose chance node deals ``(h0, h1)`` with probability ``w0(h0) w1(h1) / Z``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from regretlab.games import kernels as base

CHANCE, FOLD, SHOWDOWN = -1, -2, -3


@njit(cache=True)
def fold_sums(reach, hands, out):
    """``out[h] = sum of reach over the hands that share no card with h``."""
    cs = np.zeros(52)
    total = 0.0
    for h in range(reach.shape[0]):
        r = reach[h]
        total += r
        cs[hands[h, 0]] += r
        cs[hands[h, 1]] += r
    for h in range(reach.shape[0]):
        out[h] = total - cs[hands[h, 0]] - cs[hands[h, 1]] + reach[h]


@njit(cache=True)
def showdown_sums(reach, order, strength, count, hands, out):
    """``out[h] = (reach of disjoint hands h beats) - (reach of disjoint hands that beat h)`` for
    the ``count`` hands of ``order`` (sorted by increasing strength); other entries set to 0."""
    out[:] = 0.0
    cs = np.zeros(52)
    total = 0.0
    k = 0
    while k < count:  # ascending: reach of strictly weaker hands
        j = k
        while j < count and strength[j] == strength[k]:
            j += 1
        for m in range(k, j):
            h = order[m]
            out[h] = total - cs[hands[h, 0]] - cs[hands[h, 1]]
        for m in range(k, j):
            h = order[m]
            r = reach[h]
            total += r
            cs[hands[h, 0]] += r
            cs[hands[h, 1]] += r
        k = j
    cs[:] = 0.0
    total = 0.0
    k = count - 1
    while k >= 0:  # descending: reach of strictly stronger hands
        j = k
        while j >= 0 and strength[j] == strength[k]:
            j -= 1
        for m in range(k, j, -1):
            h = order[m]
            out[h] -= total - cs[hands[h, 0]] - cs[hands[h, 1]]
        for m in range(k, j, -1):
            h = order[m]
            r = reach[h]
            total += r
            cs[hands[h, 0]] += r
            cs[hands[h, 1]] += r
        k = j


@njit(cache=True)
def showdown_sorted(reach, order, cards, gstart, ngroups, out, win, rs):
    """:func:`showdown_sums` in the sorted domain: ``cards [H, 2]`` the cards of ``order[m]``,
    groups of equal strength ``gstart[g] .. gstart[g + 1] - 1``; ``win``, ``rs`` scratch ``[H]``.

    Two passes (weaker hands ascending, stronger hands descending), not the one pass that takes
    the stronger hands as ``total - weaker - equal``: that difference of large sums leaves
    rounding noise where a hand meets only ties, and regret matching turns the sign of such
    noise into a different strategy; here a chop pays exactly 0."""
    out[:] = 0.0
    cs = np.zeros(52)
    total = 0.0
    for g in range(ngroups):
        a, b = gstart[g], gstart[g + 1]
        for m in range(a, b):
            win[m] = total - cs[cards[m, 0]] - cs[cards[m, 1]]
        for m in range(a, b):
            r = reach[order[m]]
            rs[m] = r
            total += r
            cs[cards[m, 0]] += r
            cs[cards[m, 1]] += r
    cs[:] = 0.0
    total = 0.0
    for g in range(ngroups - 1, -1, -1):
        a, b = gstart[g], gstart[g + 1]
        for m in range(a, b):
            out[order[m]] = win[m] - (total - cs[cards[m, 0]] - cs[cards[m, 1]])
        for m in range(a, b):
            r = rs[m]
            total += r
            cs[cards[m, 0]] += r
            cs[cards[m, 1]] += r


@njit(cache=True)
def _update_node(s0, H, regret, inst, cumulative, strategy, last, reach, row_actions, pos, neg, floor,
                 predictive, weight):
    """:func:`update_rows` on the ``H`` rows of one decision node (first row ``s0``)."""
    for s in range(s0, s0 + H):
        na = row_actions[s]
        w = weight * reach[s]
        v = 0.0
        for a in range(na):
            v += strategy[s, a] * inst[s, a]
        for a in range(na):
            cumulative[s, a] += w * strategy[s, a]
            r = inst[s, a] - v
            last[s, a] = r
            R = regret[s, a] + r
            if R > 0.0:
                R *= pos
            else:
                R *= neg
            if floor and R < 0.0:
                R = 0.0
            regret[s, a] = R
        total = 0.0
        for a in range(na):
            q = regret[s, a]
            if predictive:
                q += last[s, a]
            if q > 0.0:
                total += q
        if total > 0.0:
            for a in range(na):
                q = regret[s, a]
                if predictive:
                    q += last[s, a]
                strategy[s, a] = q / total if q > 0.0 else 0.0
        else:
            u = 1.0 / na
            for a in range(na):
                strategy[s, a] = u


@njit(cache=True)
def update_rows(i, starts, H, regret, inst, cumulative, strategy, last, reach, row_actions, pos, neg, floor,
                predictive, weight):
    """The fused local rule on player ``i``'s rows (``starts``: first row of each of its decision
    nodes): average += w pi_i sigma; r = cfv - <sigma, cfv>; R <- scale(R + r), floored for
    RM+; sigma <- [R (+ r if predictive)]^+ normalised. The same operations in the same order as
    :func:`regretlab.games.kernels.local_update` then ``regret_matching_into``, in one pass."""
    for d in range(starts.shape[0]):
        _update_node(starts[d], H, regret, inst, cumulative, strategy, last, reach, row_actions, pos, neg,
                     floor, predictive, weight)


@njit(cache=True, parallel=True)
def update_rows_parallel(i, starts, H, regret, inst, cumulative, strategy, last, reach, row_actions, pos, neg,
                         floor, predictive, weight):
    """:func:`update_rows` with the decision nodes split over the threads (rows are independent:
    the same numbers at any thread count)."""
    for d in prange(starts.shape[0]):
        _update_node(starts[d], H, regret, inst, cumulative, strategy, last, reach, row_actions, pos, neg,
                     floor, predictive, weight)


@njit(cache=True)
def _forward(i, strategy, kind, first_child, num_children, board, decision, chance_factor, valid, opp_root,
             opp, own, reach_rows, h0, h1):
    """The forward pass of :func:`sweep` on hands ``h0 .. h1 - 1`` (each hand's reaches depend on
    that hand only)."""
    N = opp.shape[0]
    for h in range(h0, h1):
        opp[0, h] = opp_root[h]
        own[0, h] = 1.0
    for n in range(N):
        nc = num_children[n]
        if nc == 0:
            continue
        f = first_child[n]
        k = kind[n]
        if k == CHANCE:
            for j in range(nc):
                ch = f + j
                b = board[ch]
                p = chance_factor[ch]
                for h in range(h0, h1):
                    if valid[b, h]:
                        opp[ch, h] = opp[n, h] * p
                        own[ch, h] = own[n, h]
                    else:
                        opp[ch, h] = 0.0
                        own[ch, h] = 0.0
        else:
            row = decision[n] * (opp.shape[1])
            if k == i:
                for h in range(h0, h1):
                    reach_rows[row + h] = own[n, h]
                for j in range(nc):  # own reach only where it is read again (not at terminals)
                    ch = f + j
                    if kind[ch] >= CHANCE:
                        for h in range(h0, h1):
                            opp[ch, h] = opp[n, h]
                            own[ch, h] = own[n, h] * strategy[row + h, j]
                    else:
                        for h in range(h0, h1):
                            opp[ch, h] = opp[n, h]
            else:
                for j in range(nc):
                    ch = f + j
                    if kind[ch] >= CHANCE:
                        for h in range(h0, h1):
                            opp[ch, h] = opp[n, h] * strategy[row + h, j]
                            own[ch, h] = own[n, h]
                    else:
                        for h in range(h0, h1):
                            opp[ch, h] = opp[n, h] * strategy[row + h, j]


@njit(cache=True)
def _terminal(i, n, kind, contrib, folder, board, valid, sd_order, sd_cards, sd_groups, sd_ngroups, hands,
              scale, opp, value, win, rs):
    """The traverser's values at terminal node ``n`` (fold or showdown: O(H), all hands at once;
    ``win``, ``rs`` scratch ``[H]``)."""
    H = opp.shape[1]
    b = board[n]
    if kind[n] == FOLD:
        fold_sums(opp[n], hands, value[n])
        pay = -contrib[n, i] if folder[n] == i else contrib[n, 1 - i]
        for h in range(H):
            value[n, h] = value[n, h] * pay * scale[h] if valid[b, h] else 0.0
    else:
        showdown_sorted(opp[n], sd_order[b], sd_cards[b], sd_groups[b], sd_ngroups[b], value[n], win, rs)
        c = contrib[n, 0]
        for h in range(H):
            value[n, h] *= c * scale[h]


@njit(cache=True)
def _backward(i, br, strategy, kind, first_child, num_children, decision, iso_start, iso_ids, iso_perms,
              value, cfv, h0, h1):
    """The backward pass of :func:`sweep` over the non-terminal nodes, on hands ``h0 .. h1 - 1``
    (terminal values already in ``value``). With suit-isomorphic chance children a hand reads
    other hands' child values, so that case must run on all hands at once."""
    N, H = value.shape
    for n in range(N - 1, -1, -1):
        k = kind[n]
        if k == FOLD or k == SHOWDOWN:
            continue
        nc = num_children[n]
        f = first_child[n]
        if k == i:
            row = decision[n] * H
            for h in range(h0, h1):
                if br:
                    best = -np.inf
                    for j in range(nc):
                        v = value[f + j, h]
                        cfv[row + h, j] = v
                        if v > best:
                            best = v
                    value[n, h] = best
                else:
                    s = 0.0
                    for j in range(nc):
                        v = value[f + j, h]
                        cfv[row + h, j] = v
                        s += strategy[row + h, j] * v
                    value[n, h] = s
        else:  # chance or the opponent: sum over children
            for h in range(h0, h1):
                value[n, h] = 0.0
            for j in range(nc):
                ch = f + j
                m0, m1 = iso_start[ch], iso_start[ch + 1]
                if m0 == m1:
                    for h in range(h0, h1):
                        value[n, h] += value[ch, h]
                else:
                    for m in range(m0, m1):
                        pm = iso_perms[iso_ids[m]]
                        for h in range(h0, h1):
                            value[n, h] += value[ch, pm[h]]


@njit(cache=True)
def sweep(i, br, strategy, kind, first_child, num_children, contrib, folder, board, decision,
          chance_factor, valid, sd_order, sd_cards, sd_groups, sd_ngroups, hands, iso_start, iso_ids,
          iso_perms, opp_root, scale, opp, own, value, cfv, reach_rows):
    """One pass for traverser ``i``: forward reaches, terminal values, backward values.

    ``br``: best response (max over actions per hand) instead of following ``strategy``.
    Fills ``value [N, H]`` (root row: the traverser's expected value per hand), ``cfv [R, A]``
    at the traverser's rows and ``reach_rows [R]`` (own reach) there. A chance child ``c`` with
    suit-isomorphic siblings merged into it (``iso_start[c] < iso_start[c + 1]``) adds
    ``value[c, iso_perms[p, h]]`` for each of its permutations ``p`` instead of ``value[c, h]``.
    """
    N, H = opp.shape
    win = np.empty(H)
    rs = np.empty(H)
    _forward(i, strategy, kind, first_child, num_children, board, decision, chance_factor, valid, opp_root,
             opp, own, reach_rows, 0, H)
    for n in range(N):
        if kind[n] == FOLD or kind[n] == SHOWDOWN:
            _terminal(i, n, kind, contrib, folder, board, valid, sd_order, sd_cards, sd_groups, sd_ngroups,
                      hands, scale, opp, value, win, rs)
    _backward(i, br, strategy, kind, first_child, num_children, decision, iso_start, iso_ids, iso_perms,
              value, cfv, 0, H)


@njit(cache=True, parallel=True)
def sweep_parallel(i, br, strategy, kind, first_child, num_children, contrib, folder, board, decision,
                   chance_factor, valid, sd_order, sd_cards, sd_groups, sd_ngroups, hands, iso_start, iso_ids,
                   iso_perms, opp_root, scale, opp, own, value, cfv, reach_rows, terminals, chunks):
    """:func:`sweep` on the threads: the forward and backward passes over blocks of hands
    (``chunks``: block boundaries), the terminal nodes (``terminals``, in an order that balances
    folds and showdowns) one per task. Every number is computed by the same operations as in
    :func:`sweep`, so the result is the same bit for bit at any thread count."""
    H = opp.shape[1]
    nb = chunks.shape[0] - 1
    for c in prange(nb):
        _forward(i, strategy, kind, first_child, num_children, board, decision, chance_factor, valid, opp_root,
                 opp, own, reach_rows, chunks[c], chunks[c + 1])
    for t in prange(terminals.shape[0]):
        win = np.empty(H)
        rs = np.empty(H)
        _terminal(i, terminals[t], kind, contrib, folder, board, valid, sd_order, sd_cards, sd_groups,
                  sd_ngroups, hands, scale, opp, value, win, rs)
    if iso_ids.shape[0] == 0:
        for c in prange(nb):
            _backward(i, br, strategy, kind, first_child, num_children, decision, iso_start, iso_ids, iso_perms,
                      value, cfv, chunks[c], chunks[c + 1])
    else:
        _backward(i, br, strategy, kind, first_child, num_children, decision, iso_start, iso_ids, iso_perms,
                  value, cfv, 0, H)


@njit(cache=True)
def _sweep_any(parallel, i, br, strategy, kind, first_child, num_children, contrib, folder, board, decision,
               chance_factor, valid, sd_order, sd_cards, sd_groups, sd_ngroups, hands, iso_start, iso_ids,
               iso_perms, opp_root, scale, opp, own, value, cfv, reach_rows, terminals, chunks):
    if parallel:
        sweep_parallel(i, br, strategy, kind, first_child, num_children, contrib, folder, board, decision,
                       chance_factor, valid, sd_order, sd_cards, sd_groups, sd_ngroups, hands, iso_start, iso_ids,
                       iso_perms, opp_root, scale, opp, own, value, cfv, reach_rows, terminals, chunks)
    else:
        sweep(i, br, strategy, kind, first_child, num_children, contrib, folder, board, decision,
              chance_factor, valid, sd_order, sd_cards, sd_groups, sd_ngroups, hands, iso_start, iso_ids,
              iso_perms, opp_root, scale, opp, own, value, cfv, reach_rows)


@njit(cache=True)
def run_iterations(iterations, alternating, regret, cumulative, strategy, last, inst, pos, neg, weight,
                   floor, predictive, row_player, row_actions, starts0, starts1, kind, first_child, num_children,
                   contrib, folder, board, decision, chance_factor, valid, sd_order, sd_cards, sd_groups,
                   sd_ngroups, hands, iso_start, iso_ids, iso_perms, ranges, scales, opp, own, value, reach_rows,
                   parallel, terminals, chunks):
    """``iterations`` CFR iterations with a fused regret-matching rule (the same per-row update
    as the treeplex kernels: :func:`regretlab.games.kernels.local_update`); ``parallel``: the
    sweeps and the alternating update on the threads (:func:`sweep_parallel`, same numbers)."""
    H = opp.shape[1]
    for it in range(iterations):
        for i in range(2):
            _sweep_any(parallel, i, False, strategy, kind, first_child, num_children, contrib, folder, board,
                       decision, chance_factor, valid, sd_order, sd_cards, sd_groups, sd_ngroups, hands, iso_start,
                       iso_ids, iso_perms, ranges[1 - i], scales[i], opp, own, value, inst, reach_rows,
                       terminals, chunks)
            if alternating:
                st = starts0 if i == 0 else starts1
                if parallel:
                    update_rows_parallel(i, st, H, regret, inst, cumulative, strategy, last, reach_rows,
                                         row_actions, pos[it], neg[it], floor, predictive, weight[it])
                else:
                    update_rows(i, st, H, regret, inst, cumulative, strategy, last, reach_rows, row_actions,
                                pos[it], neg[it], floor, predictive, weight[it])
        if not alternating:
            own_reach_rows(strategy, kind, first_child, num_children, board, decision, valid, own, reach_rows)
            base.local_update(-1, regret, inst, cumulative, strategy, reach_rows, row_player, row_actions,
                              pos[it], neg[it], floor, weight[it])
            if predictive:
                last[:, :] = inst
            base.regret_matching_into(regret, last, predictive, row_player, row_actions, -1, strategy)


@njit(cache=True)
def own_reach_rows(strategy, kind, first_child, num_children, board, decision, valid, own, reach_rows):
    """``reach_rows [R]``: each row's own reach (its player's strategy along the path)."""
    N, H = own.shape
    for i in range(2):  # one forward pass per player (``own`` holds that player's reach)
        for h in range(H):
            own[0, h] = 1.0
        for n in range(N):
            nc = num_children[n]
            if nc == 0:
                continue
            f = first_child[n]
            k = kind[n]
            if k == CHANCE:
                for j in range(nc):
                    ch = f + j
                    for h in range(H):
                        own[ch, h] = own[n, h] if valid[board[ch], h] else 0.0
            else:
                row = decision[n] * H
                if k == i:
                    for h in range(H):
                        reach_rows[row + h] = own[n, h]
                for j in range(nc):
                    ch = f + j
                    for h in range(H):
                        own[ch, h] = own[n, h] * strategy[row + h, j] if k == i else own[n, h]
