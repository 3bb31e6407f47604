"""O(H) fold and showdown values with card removal against the O(H^2) definition."""

import numpy as np
import pytest

from regretlab.games.holdem import hand_rank
from regretlab.games.subgame import kernels as K
from regretlab.games.subgame.cards import card_id, parse_cards
from regretlab.games.subgame.tree import Bets, build_tree


def _river(board="Ks7h2d3c8s"):
    return build_tree(parse_cards(board), 10.0, 10.0, Bets((1.0,), raise_cap=1))


def _brute(tree, reach, rank, keep):
    """sum over disjoint h' of reach(h') * sign(rank(h) - rank(h')) and the disjoint reach."""
    hands = tree.hands
    H = hands.shape[0]
    sd = np.zeros(H)
    fold = np.zeros(H)
    for h in keep:
        for g in keep:
            if set(hands[h]) & set(hands[g]):
                continue
            fold[h] += reach[g]
            sd[h] += reach[g] * np.sign(rank[h] - rank[g])
    return sd, fold


@pytest.mark.parametrize("board", ["Ks7h2d3c8s", "AsKsQsJs2h", "7h7d7c2s2c"])
def test_showdown_and_fold_equal_the_quadratic_reference(board):
    tree = _river(board)
    rng = np.random.default_rng(1)
    H = tree.num_hands
    keep = rng.choice(H, 150, replace=False)  # a random sub-range keeps the O(H^2) loop short
    reach = np.zeros(H)
    reach[keep] = rng.uniform(0.0, 1.0, keep.size)
    # strength from an independent evaluator (best five of seven, as a comparable tuple)
    b = tree.board_cards[0]
    ranks = {}
    for h in keep:
        ranks[h] = hand_rank(tuple((int(c) // 4, int(c) % 4) for c in (*tree.hands[h], *b)))
    order = sorted(ranks.values())
    rank = np.zeros(H)
    for h, r in ranks.items():
        rank[h] = order.index(r)
    sub = np.zeros(H)
    sub[keep] = reach[keep]
    ref_sd, ref_fold = _brute(tree, sub, rank, keep)
    sd = np.zeros(H)
    K.showdown_sums(sub, tree.showdown_order[0], tree.showdown_strength[0], tree.showdown_count[0], tree.hands, sd)
    fold = np.zeros(H)
    K.fold_sums(sub, tree.hands, fold)
    assert np.allclose(sd[keep], ref_sd[keep], atol=1e-12)
    fast = np.zeros(H)  # the sweep's kernel: the same sums in the sorted domain
    K.showdown_sorted(sub, tree.showdown_order[0], tree.showdown_cards[0], tree.showdown_groups[0],
                      tree.showdown_ngroups[0], fast, np.empty(H), np.empty(H))
    assert np.allclose(fast, sd, atol=1e-12)
    assert np.allclose(fold[keep], ref_fold[keep], atol=1e-12)


def test_card_removal_on_hands_that_block_each_other():
    tree = _river("Ks7h2d3c8s")
    idx = {tuple(sorted(map(int, h))): k for k, h in enumerate(tree.hands)}

    def hand(text):
        a, b = parse_cards(text)
        return idx[tuple(sorted((a, b)))]

    reach = np.zeros(tree.num_hands)
    aa, ak, kk, q9 = hand("AsAh"), hand("AsKh"), hand("KdKc"), hand("QdQc")
    reach[[aa, ak, kk, q9]] = [1.0, 2.0, 4.0, 8.0]
    fold = np.zeros(tree.num_hands)
    K.fold_sums(reach, tree.hands, fold)
    # AsAh shares As with AsKh: it meets only KdKc and QdQc
    assert fold[aa] == 4.0 + 8.0
    assert fold[kk] == 1.0 + 2.0 + 8.0  # KdKc shares no card with the others
    kdqc = hand("KdQc")
    assert fold[kdqc] == 1.0 + 2.0  # blocked by KdKc (Kd) and QdQc (Qc)
    sd = np.zeros(tree.num_hands)
    K.showdown_sums(reach, tree.showdown_order[0], tree.showdown_strength[0], tree.showdown_count[0],
                    tree.hands, sd)
    # on Ks7h2d3c8s KdKc (a set) beats the three others; AsAh and AsKh share As, so never meet
    assert sd[kk] == 1.0 + 2.0 + 8.0
    assert sd[aa] == -4.0 + 8.0
    assert sd[ak] == -4.0 + 8.0  # AsKh (pair of kings) loses to KdKc, beats QdQc, blocks AsAh
    assert card_id("As") in tree.hands[aa]


def test_a_hand_that_meets_only_chops_gets_exactly_zero():
    # board 2s2h2d7c7d: 3c4c plays the board; its disjoint opponents below play the board too
    # (chops); the only stronger hand, 2c3c (quads), shares the 3c. The value must be exactly 0,
    # not rounding noise: regret matching would turn the sign of noise into a strategy.
    tree = _river("2s2h2d7c7d")
    idx = {tuple(sorted(map(int, h))): k for k, h in enumerate(tree.hands)}

    def hand(text):
        return idx[tuple(sorted(parse_cards(text)))]

    reach = np.zeros(tree.num_hands)
    for text, r in (("2c3c", 0.37), ("5h6h", 0.1), ("9s8d", 0.7), ("JdTc", 0.2), ("Kh3s", 0.1 + 0.2)):
        reach[hand(text)] = r
    out = np.zeros(tree.num_hands)
    H = tree.num_hands
    K.showdown_sorted(reach, tree.showdown_order[0], tree.showdown_cards[0], tree.showdown_groups[0],
                      tree.showdown_ngroups[0], out, np.empty(H), np.empty(H))
    assert out[hand("3c4c")] == 0.0
    # (a one-pass "stronger = total - weaker - equal" gives (x + 0.37) - 0.37 - x = -2.2e-16 here)
    assert np.isclose(out[hand("2c4d")], 1.3)  # quads: beats the four disjoint hands, 2c3c shares 2c
