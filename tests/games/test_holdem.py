"""Small limit hold'em: hand evaluation against pokerkit, reduction to Leduc, solving."""

import random

import numpy as np
import pytest

from regretlab.games.cfr import cfr_plus
from regretlab.games.evaluation import nash_conv
from regretlab.games.holdem import LimitHoldem, hand_rank, limit_holdem
from regretlab.games.poker import leduc_poker
from regretlab.games.render import render

RANKS = "23456789TJQKA"
SUITS = "shdc"


def test_hand_rank_matches_pokerkit():
    pokerkit = pytest.importorskip("pokerkit", reason="pokerkit is the hand-evaluation oracle")
    rng = random.Random(0)
    deck = [(r, s) for r in range(13) for s in range(4)]
    name = lambda cards: "".join(RANKS[r] + SUITS[s] for r, s in cards)  # noqa: E731
    for _ in range(300):
        a, b = rng.sample(deck, 5), rng.sample(deck, 5)
        ours = (hand_rank(tuple(a)) > hand_rank(tuple(b))) - (hand_rank(tuple(a)) < hand_rank(tuple(b)))
        ha, hb = pokerkit.StandardHighHand(name(a)), pokerkit.StandardHighHand(name(b))
        theirs = (ha > hb) - (ha < hb)
        assert ours == theirs, (name(a), name(b))
    # a wheel is the lowest straight; a flush beats a straight
    wheel = ((12, 0), (0, 1), (1, 2), (2, 3), (3, 0))
    six_high = ((4, 0), (0, 1), (1, 2), (2, 3), (3, 0))
    assert hand_rank(six_high) > hand_rank(wheel) > hand_rank(((12, 0), (12, 1), (11, 0), (10, 0), (9, 0)))


def test_one_board_card_is_exactly_leduc():
    # With 3 ranks x 2 suits, one hole card, one board card, bets 2/4 and 2 raises, the game is
    # Leduc poker (same card ids, dealing order and betting): identical trees and payoffs.
    h = limit_holdem(ranks=3, suits=2, hole_cards=1, board=(1,), bets=(2, 4))
    g = leduc_poker()
    assert h.num_nodes == g.num_nodes and h.num_infosets == g.num_infosets
    np.testing.assert_array_equal(h.utilities, g.utilities)
    np.testing.assert_array_equal(h.node_player, g.node_player)
    assert nash_conv(h, h.uniform_policy()) == pytest.approx(4.747222222, abs=1e-8)


def test_small_two_hole_card_variant_solves():
    g = limit_holdem(ranks=3, suits=2, hole_cards=2, board=(1,), max_raises=1)
    s = cfr_plus()
    st = s.solve(g, 200)
    start = nash_conv(g, g.uniform_policy())
    assert nash_conv(g, s.average_policy(st, g)) < start / 20


def test_render_and_bad_parameters():
    game = LimitHoldem(ranks=4, suits=2, hole_cards=2, board=(2, 1))
    s = game.initial_state()
    for c in [7, 6, 0, 2]:  # P0 gets As Ah, P1 gets Js Qs
        s = game.apply(s, c)
    text = render(game, s, 0)
    assert "Your hole cards: Ah As" in text or "Your hole cards: As Ah" in text
    assert "Board: ** ** **" in text and "Your hand rank: pair" in text and "offsuit" in text
    with pytest.raises(ValueError, match="deck"):
        LimitHoldem(ranks=2, suits=2, hole_cards=2, board=(1,))
    with pytest.raises(ValueError, match="bets"):
        LimitHoldem(bets=(2,))
