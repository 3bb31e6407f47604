"""The compiled 7-card evaluator against pokerkit's (an independent implementation), and cards."""

from itertools import combinations

import numpy as np
import pytest

from regretlab.games.subgame.cards import (
    CATEGORIES,
    COMBOS,
    card_id,
    card_name,
    category,
    combo_index,
    evaluate,
    evaluate_many,
    parse_cards,
    strengths,
)

pokerkit = pytest.importorskip("pokerkit")
_LOOKUP = pokerkit.lookups.StandardLookup()
_PK_LABELS = {  # pokerkit's label -> our category
    "High card": "high card", "One pair": "pair", "Two pair": "two pair", "Three of a kind": "three of a kind",
    "Straight": "straight", "Flush": "flush", "Full house": "full house", "Four of a kind": "four of a kind",
    "Straight flush": "straight flush"}


def _pokerkit(cards):
    """pokerkit's best five-card entry of up to seven cards (its lookup over all 5-subsets;
    larger index = stronger hand)."""
    pk = list(pokerkit.Card.parse("".join(card_name(c) for c in cards)))
    return max((_LOOKUP.get_entry(sub) for sub in combinations(pk, 5)), key=lambda e: e.index)


def _check_same_order(hands):
    ours = evaluate_many(np.array(hands, dtype=np.int64))
    entries = [_pokerkit(h) for h in hands]
    theirs = np.array([e.index for e in entries])
    for h, v, e in zip(hands, ours, entries):
        assert category(int(v)) == _PK_LABELS[e.label.value], [card_name(c) for c in h]
    # same order and same ties on every pair: compare sorted ranks
    o = np.argsort(ours, kind="stable")
    a, b = ours[o], theirs[o]
    assert (np.diff(b) >= 0).all()
    assert ((np.diff(a) == 0) == (np.diff(b) == 0)).all()


def test_random_seven_card_hands_order_as_pokerkit():
    rng = np.random.default_rng(0)
    hands = [rng.choice(52, 7, replace=False).tolist() for _ in range(15000)]
    _check_same_order(hands)


EXAMPLES = {
    "straight flush": ["AsKsQsJsTs2c3d", "5s4s3s2sAs9h9d", "9h8h7h6h5hKhQh"],
    "four of a kind": ["AhAdAcAs2c3d4h", "2h2d2c2sKcKdKh", "7h7d7c7sAcKdQh"],
    "full house": ["KhKdKc2s2c3d4h", "KhKdKc2s2c2d4h", "3h3d3c4s4cAdAh", "3h3d3c4s4c4dAh"],
    "flush": ["9s2s5s7sJs3hQh", "As2s5s7sJs3sQs", "Ah2h5h7hJh3hQh"],
    "straight": ["5h4d3c2sAs9h9d", "AhKdQcJsTs9h9d", "6h5d4c3s2s9h9d", "Th9d8c7s6s5s4c"],
    "three of a kind": ["9h9d9c2s3c7d4h", "AhAdAc2s3c7dKh"],
    "two pair": ["9h9d2c2s3c3d4h", "AhAdKcKsQcQdJh", "9h9dTs2s2c7d4h"],
    "pair": ["9h9dTs2s3c7d4h", "2h2dAsKsQc7d4h"],
    "high card": ["AhKd9s7s5c3d2h", "7h5d4s3s2cTdQh"],
}


@pytest.mark.parametrize("name", CATEGORIES)
def test_every_category_matches_pokerkit(name):
    hands = [parse_cards(t) for t in EXAMPLES[name]]
    for h in hands:
        assert category(int(evaluate(np.array(h)))) == name
    # all hands of all categories together keep pokerkit's order
    _check_same_order([parse_cards(t) for texts in EXAMPLES.values() for t in texts])


def test_cards_and_combos():
    assert COMBOS.shape == (1326, 2) and (COMBOS[:, 0] < COMBOS[:, 1]).all()
    assert card_id("Ks") == 44 and card_name(card_id("2c")) == "2c"
    assert combo_index(5, 3) == combo_index(3, 5)
    with pytest.raises(ValueError, match="twice"):
        parse_cards("KsKs")
    with pytest.raises(ValueError, match="not a card"):
        parse_cards("Kx7h")
    s = strengths(parse_cards("Ks7h2d3c8s"))
    assert (s[np.isin(COMBOS, parse_cards("Ks7h2d3c8s")).any(axis=1)] == -1).all()
    assert (s >= 0).sum() == 1081
