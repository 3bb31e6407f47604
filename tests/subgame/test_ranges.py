"""Range text, the 13x13 grid, card removal and the errors of bad ranges."""

import numpy as np
import pytest

from regretlab.games.subgame.cards import COMBOS, card_id, combo_index, parse_cards
from regretlab.games.subgame.ranges import (
    check_range,
    from_grid,
    grid_cell,
    grid_label,
    parse_range,
    remove_cards,
    to_grid,
)


@pytest.mark.parametrize("text,count", [
    ("AA", 6), ("AKs", 4), ("AKo", 12), ("AK", 16), ("QQ+", 18), ("22-55", 24), ("A5s-A2s", 16),
    ("A9s+", 20), ("K9o+", 48), ("T9s+", 4), ("AsKh", 1), ("full", 1326),
    ("AA,KK,AKs,QJo:0.5,T9s+,22-55,A5s-A2s", 6 + 6 + 4 + 12 + 4 + 24 + 16),
])
def test_range_text_counts(text, count):
    w = parse_range(text)
    assert int((w > 0).sum()) == count


def test_weights_and_overrides():
    w = parse_range("AA,QJo:0.5,AsAh:0.25")
    assert w[combo_index(card_id("As"), card_id("Ah"))] == 0.25
    assert w[combo_index(card_id("Qs"), card_id("Jh"))] == 0.5
    assert w[combo_index(card_id("Qs"), card_id("Js"))] == 0.0


def test_grid_round_trip():
    rng = np.random.default_rng(3)
    g = rng.uniform(size=(13, 13))
    w = from_grid(g)
    assert np.allclose(to_grid(w), g)
    assert grid_label(0, 1) == "AKs" and grid_label(1, 0) == "AKo" and grid_label(12, 12) == "22"
    assert grid_cell(combo_index(card_id("As"), card_id("Ks"))) == (0, 1)
    assert grid_cell(combo_index(card_id("As"), card_id("Kh"))) == (1, 0)


def test_card_removal_against_the_board():
    board = parse_cards("AsKd2c")
    w = remove_cards(parse_range("AA,AK"), board)
    assert int((w > 0).sum()) == 3 + 9  # AA: 3 combinations left; AK: 3 x 3
    assert not np.isin(COMBOS[w > 0], board).any()


@pytest.mark.parametrize("text,match", [
    ("AAs", "no suited/offsuit mark"), ("XY", "not a hand class"), ("AK:2", r"must be in \[0, 1\]"),
    ("AK:x", "must be a number"), ("A5s-K2s", "not a span"), ("", "empty item"), ("AA,,KK", "empty item"),
    ("AsAs", "twice"), ("A5s-A2o", "mixes suited"),
])
def test_invalid_strings_are_one_clear_error(text, match):
    with pytest.raises(ValueError, match=match):
        parse_range(text)


def test_conflicts_with_the_board():
    board = parse_cards("AsAhAd7c2d")
    with pytest.raises(ValueError, match="conflicts with the board"):
        parse_range("KK,AsKh", board=board, what="the OOP range")
    with pytest.raises(ValueError, match="the OOP range"):
        parse_range("AA", board=parse_cards("AsAhAdAc2d"), what="the OOP range")
    with pytest.raises(ValueError, match="no combination left"):
        check_range(parse_range("AsKh"), parse_cards("AsKh2d"), "the IP range")
