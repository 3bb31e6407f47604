"""The hold'em environment against pokerkit driven directly: chip conservation, pots, winners and
payouts on a seeded sample (2..9 seats, no-limit and fixed-limit, antes, unequal stacks so that
side pots occur), determinism, PHH round trips and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pokerkit import Automation, FixedLimitTexasHoldem, NoLimitTexasHoldem

from regretlab.poker.bots import CallingStation, RandomBot, lag, tag
from regretlab.poker.env import (
    IllegalAction,
    TableConfig,
    phh_to_records,
    play_hands,
    record_to_phh,
    showdown_payouts,
    side_pots,
)


def _configs():
    rng = np.random.default_rng(21)
    out = []
    for k in range(16):
        n = 2 + k % 8
        limit = "no" if k % 3 else "fixed"
        stacks = tuple(int(s) for s in rng.integers(20, 300, size=n)) if k % 2 else ()
        out.append(TableConfig(players=n, limit=limit, small_blind=1, big_blind=2, ante=int(k % 4 == 1),
                               stack=100, stacks=stacks))
    return out


@pytest.fixture(scope="module")
def sample():
    """25 hands on each of 16 games (400 hands) played by random bots (many all-ins, side pots)."""
    recs = []
    for k, cfg in enumerate(_configs()):
        recs += play_hands(cfg, [RandomBot()] * cfg.players, 25, seed=k, tables=8)
    return recs


def _pokerkit_direct(rec):
    """Replay a record on a pokerkit state built here from pokerkit's own API (not the env's)."""
    c = rec["config"]
    auto = (Automation.ANTE_POSTING, Automation.BET_COLLECTION, Automation.BLIND_OR_STRADDLE_POSTING,
            Automation.CARD_BURNING, Automation.HOLE_CARDS_SHOWING_OR_MUCKING, Automation.HAND_KILLING,
            Automation.CHIPS_PUSHING, Automation.CHIPS_PULLING, Automation.RUNOUT_COUNT_SELECTION)
    n = c["players"]
    stacks = tuple(rec["stacks"])
    if c["limit"] == "no":
        st = NoLimitTexasHoldem.create_state(auto, True, c["ante"], (c["small_blind"], c["big_blind"]),
                                             c["big_blind"], stacks, n)
    else:
        st = FixedLimitTexasHoldem.create_state(auto, True, c["ante"], (c["small_blind"], c["big_blind"]),
                                                c["big_blind"], 2 * c["big_blind"], stacks, n)
    for h in rec["hole"]:
        st.deal_hole("".join(h))
    board = list(rec["board"])
    actions = list(rec["actions"])
    pot_seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while st.status:
            if st.can_deal_board():
                k = 3 if not list(st.get_board_cards(0)) else 1
                st.deal_board("".join(board[:k]))
                board = board[k:]
            elif st.actor_index is not None:
                a = actions.pop(0)
                assert a["seat"] == st.actor_index
                if a["action"] == "fold":
                    st.fold()
                elif a["action"] in ("check", "call"):
                    st.check_or_call()
                else:
                    st.complete_bet_or_raise_to(a["amount"])
                pots = list(st.pots)
                if pots:
                    pot_seen = [(p.amount, sorted(p.player_indices)) for p in pots]
            else:  # pragma: no cover
                raise AssertionError("pokerkit waits for an unexpected operation")
    assert not actions and not board
    return list(st.payoffs), pot_seen


def test_chip_conservation_every_hand(sample):
    for r in sample:
        assert sum(r["winnings"]) == 0, r["hand"]
        assert sum(r["final_stacks"]) == sum(r["stacks"])
        assert all(s >= 0 for s in r["final_stacks"])


def test_payouts_equal_pokerkit_driven_directly(sample):
    side = 0
    for r in sample:
        payoffs, _ = _pokerkit_direct(r)
        assert payoffs == r["winnings"], r
        # the env's independent pot and showdown computation (pokerkit's evaluator only)
        assert showdown_payouts(r) == r["winnings"], r
        mine = side_pots(r)
        if len(mine) > 1:
            side += 1

    assert side >= 10, "the sample should hold hands with side pots"


def test_pots_sum_to_contributions(sample):
    from regretlab.poker.env import contributions

    for r in sample:
        assert sum(a for a, _ in side_pots(r)) == sum(contributions(r))


def test_same_seed_same_hands_any_table_count():
    cfg = TableConfig(players=6)
    seats = [RandomBot(), CallingStation(), tag(samples=8), lag(samples=8), RandomBot(), CallingStation()]
    a = play_hands(cfg, seats, 12, seed=5, tables=1)
    b = play_hands(cfg, seats, 12, seed=5, tables=7)
    c = play_hands(cfg, seats, 12, seed=6, tables=7)
    assert a == b
    assert [r["hole"] for r in a] != [r["hole"] for r in c]


def test_phh_round_trip(sample):
    for r in sample[::7]:
        text = record_to_phh(r)
        back = phh_to_records(text, seed=r["seed"])
        assert back == r, (r, back)
        assert record_to_phh(back) == text


def test_bad_seat_count():
    with pytest.raises(ValueError, match=r"players must be an integer in 2\.\.9"):
        TableConfig(players=1)
    with pytest.raises(ValueError, match=r"players must be an integer in 2\.\.9"):
        TableConfig(players=10)


def test_illegal_bet_size_is_one_line_error():
    cfg = TableConfig(players=3)

    class Bad:
        name = "bad"

        def act(self, obs):
            return ["raise 1"] * len(obs)

    with pytest.raises(IllegalAction, match=r"illegal bet size 1: raise must be to an amount in \[4, 200\]"):
        play_hands(cfg, [Bad()] * 3, 1)
    with pytest.raises(IllegalAction, match="unreadable action"):
        play_hands(cfg, [type("X", (), {"name": "x", "act": lambda self, o: ["dance"] * len(o)})()] * 3, 1)


@pytest.mark.parametrize("text, message", [
    ("this is = = not toml", "malformed PHH"),
    ("variant = 'NT'\n", "malformed PHH"),
    ("variant = 'PO'\nantes=[0,0]\nblinds_or_straddles=[1,2]\nmin_bet=2\nstarting_stacks=[10,10]\nactions=[]\n",
     "malformed PHH|not Texas hold'em"),
    (("variant = 'NT'\nantes=[0,0]\nblinds_or_straddles=[1,2]\nmin_bet=2\nstarting_stacks=[100,100]\n"
      "actions=['d dh p1 AsAh', 'd dh p2 KsKh', 'p3 f']\n"), "PHH hand"),
])
def test_malformed_phh(text, message):
    with pytest.raises(ValueError, match=message) as e:
        phh_to_records(text)
    assert "\n" not in str(e.value)
