"""The compiled hold'em engine against pokerkit, decision by decision.

A seeded sample of 320 hands (2, 3, 6 and 9 seats, no-limit and fixed-limit, antes, unequal stacks
so that all-ins and side pots occur) is played through the engine with random legal actions (folds,
calls, min-raises, all-ins and sizes in between) while a pokerkit ``State`` built here from
pokerkit's own API is driven with the same cards and the same actions. At every decision the
actor, the legal actions and the bet bounds, the stacks, bets and pot must agree; at the end the
pots and side pots (amounts and contenders), the chips pushed from each pot (winners, split pots,
odd chips), the shown hands and the final stacks; chips are conserved on every hand.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pokerkit import (
    Automation,
    ChipsPushing,
    FixedLimitTexasHoldem,
    HoleCardsShowingOrMucking,
    NoLimitTexasHoldem,
)

from regretlab.poker import engine as E
from regretlab.poker.env import TableConfig, phh_to_records, record_to_phh

_AUTO = (Automation.ANTE_POSTING, Automation.BET_COLLECTION, Automation.BLIND_OR_STRADDLE_POSTING,
         Automation.HOLE_CARDS_SHOWING_OR_MUCKING, Automation.HAND_KILLING, Automation.RUNOUT_COUNT_SELECTION)


def _configs():
    rng = np.random.default_rng(2121)
    out = []
    for k, (n, limit) in enumerate([(2, "no"), (2, "fixed"), (3, "no"), (3, "fixed"),
                                    (6, "no"), (6, "fixed"), (9, "no"), (9, "fixed")]):
        stacks = tuple(int(s) for s in rng.integers(8, 120, size=n))
        out.append(TableConfig(players=n, limit=limit, small_blind=1, big_blind=2, ante=int(k % 3 == 1),
                               stacks=stacks))
    return out


def _pokerkit(cfg):
    st = tuple(cfg.seat_stacks())
    blinds = (cfg.small_blind, cfg.big_blind)
    if cfg.limit == "no":
        return NoLimitTexasHoldem.create_state(_AUTO, True, cfg.ante, blinds, cfg.big_blind, st, cfg.players)
    return FixedLimitTexasHoldem.create_state(_AUTO, True, cfg.ante, blinds, cfg.big_blind, 2 * cfg.big_blind,
                                              st, cfg.players)


def _deal(s, cards, pos):
    """Perform pokerkit's pending dealing from the engine's deck; returns the new deck position."""
    while True:
        if s.can_burn_card():
            s.burn_card(cards[pos])
            pos += 1
        elif s.can_deal_hole():
            i = s.hole_dealee_index
            s.deal_hole(cards[pos] + cards[pos + 1])
            assert [repr(c) for c in s.hole_cards[i]] == cards[pos:pos + 2]
            pos += 2
        elif s.can_deal_board():
            m = 3 if not list(s.get_board_cards(0)) else 1
            s.deal_board("".join(cards[pos:pos + m]))
            pos += m
        else:
            return pos


def _choose(rng, lg, t):
    u = rng.random()
    if lg.can_fold[t] and u < 0.15:
        return E.FOLD, 0
    if lg.can_raise[t] and u > 0.55:
        lo, hi = int(lg.min_to[t]), int(lg.max_to[t])
        v = rng.random()
        return E.RAISE, lo if v < 0.4 else hi if v < 0.65 else int(rng.integers(lo, hi + 1))
    return E.CALL, 0


def _check_table(eng, t, s, pos, cards, rng, stats):
    """Drive pokerkit state ``s`` along table ``t`` of the engine to the end of the hand."""
    n = eng.config.players
    while True:
        pos = _deal(s, cards, pos)
        if eng.done[t]:
            break
        lg = eng.legal()
        i = int(lg.actor[t])
        assert s.actor_index == i
        assert s.can_fold() == bool(lg.can_fold[t])
        assert s.can_check_or_call() and s.checking_or_calling_amount == lg.call[t]
        assert s.can_complete_bet_or_raise_to() == bool(lg.can_raise[t])
        if lg.can_raise[t]:
            assert s.min_completion_betting_or_raising_to_amount == lg.min_to[t]
            assert s.max_completion_betting_or_raising_to_amount == lg.max_to[t]
        assert list(s.stacks) == eng.sx[t, :, E.STACK].tolist()
        assert list(s.bets) == eng.sx[t, :, E.BET].tolist()
        assert s.total_pot_amount == eng.sx[t, :, E.PUT].sum()
        kind, amount = _choose(rng, lg, t)
        if kind == E.RAISE:
            stats["all-in" if amount == s.stacks[i] + s.bets[i] else "raise"] += 1
            s.complete_bet_or_raise_to(amount)
        elif kind == E.CALL:
            s.check_or_call()
        else:
            s.fold()
        kinds = np.full(eng.tables, -1)
        kinds[t] = kind
        amounts = np.zeros(eng.tables, dtype=np.int64)
        amounts[t] = amount
        eng.step(kinds, amounts)
    # the pots before pokerkit pushes them, then what each push pays
    pots = [(p.amount, list(p.player_indices)) for p in s.pots]
    mine = eng.pot_list(t)
    assert pots == [(a, c) for a, c, _ in mine]
    pushed = []
    while s.status:
        if s.can_push_chips():
            op = s.push_chips()
            assert isinstance(op, ChipsPushing)
            pushed.append(list(op.amounts))
        elif s.can_pull_chips():
            s.pull_chips()
        else:  # pragma: no cover
            raise AssertionError("pokerkit waits for an unexpected operation")
    expect = []
    for amount, _, win in mine:
        q, r = divmod(amount, len(win))
        got = [0] * n
        for k, i in enumerate(win):
            got[i] = q + (r if k == 0 else 0)
        expect.append(got)
    assert pushed == expect
    assert list(s.stacks) == eng.sx[t, :, E.STACK].tolist()
    shown = sorted({op.player_index for op in s.operations if isinstance(op, HoleCardsShowingOrMucking) and op.hole_cards})
    rec = eng.record(t)
    assert rec["showdown"] == shown
    assert rec["board"] == [repr(c) for c in s.get_board_cards(0)]
    assert sum(rec["winnings"]) == 0 and min(rec["final_stacks"]) >= 0
    stats["side pots"] += len(mine) > 1
    stats["split"] += any(len(w) > 1 for _, _, w in mine)
    stats["showdown"] += len(shown) > 1
    return rec


@pytest.fixture(scope="module")
def differential():
    stats = dict.fromkeys(("hands", "raise", "all-in", "side pots", "split", "showdown"), 0)
    records = []
    rng = np.random.default_rng(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, cfg in enumerate(_configs()):
            T = 40
            eng = E.HoldemEngine(cfg, T, seed=k)
            eng.reset(np.arange(T) + 100 * k)
            for t in range(T):
                cards = E.deck(k, 100 * k + t)
                s = _pokerkit(cfg)
                records.append(_check_table(eng, t, s, 0, cards, rng, stats))
                stats["hands"] += 1
    return stats, records


def test_engine_equals_pokerkit_on_every_decision(differential):
    stats, _ = differential
    assert stats["hands"] == 320
    # the sample must exercise the rules it claims to check
    assert stats["all-in"] >= 50 and stats["raise"] >= 200
    assert stats["side pots"] >= 20 and stats["split"] >= 3 and stats["showdown"] >= 50, stats


def test_engine_records_round_trip_through_phh(differential):
    _, records = differential
    for r in records[::16]:
        back = phh_to_records(record_to_phh(r), seed=r["seed"])
        assert back == r


def test_deck_is_the_counter_based_stream_and_independent_of_tables():
    cfg = TableConfig(players=9)
    a = E.HoldemEngine(cfg, 5, seed=4)
    a.reset([10, 11, 12, 13, 14])
    b = E.HoldemEngine(cfg, 1, seed=4)
    b.reset([12])
    assert (a.deck[2] == b.deck[0]).all()
    from regretlab.games.subgame.cards import card_name

    assert [card_name(c) for c in a.deck[3]] == E.deck(4, 13)
    assert E.deck(4, 13) != E.deck(5, 13)
    bots = ["random", "tag", "lag", "calling_station", "random", "tag", "lag", "random", "calling_station"]
    w1 = E.play_hands(cfg, bots, 60, seed=2, tables=1)
    w7 = E.play_hands(cfg, bots, 60, seed=2, tables=7)
    assert (w1 == w7).all() and (w1.sum(axis=1) == 0).all()


def test_compiled_bots_equal_the_step_api_with_python_agents():
    from regretlab.poker.bots import CallingStation

    cfg = TableConfig(players=4, stacks=(30, 60, 90, 120), ante=1)
    won = E.play_hands(cfg, ["calling_station"] * 4, 40, seed=9)
    recs = E.play_agents(cfg, [CallingStation()] * 4, 40, seed=9, tables=8)
    assert [r["winnings"] for r in recs] == won.tolist()
    assert [r["hand"] for r in recs] == list(range(40))
    # the compiled loop's records are the step API's, action for action
    assert E.play_records(cfg, ["calling_station"] * 4, 40, seed=9, tables=16) == recs
    for r in E.play_records(cfg, ["random", "tag", "lag", "random"], 24, seed=3)[::6]:
        assert sum(r["winnings"]) == 0
        assert phh_to_records(record_to_phh(r), seed=r["seed"]) == r


def test_compiled_tag_decides_preflop_as_the_python_bot():
    """Pre-flop a threshold bot without bluffs is deterministic (stored strength table), so the
    compiled bots and :class:`regretlab.poker.bots.ThresholdBot` on the same cards take the same
    pre-flop actions."""
    from regretlab.poker.bots import ThresholdBot, tag

    loose = ThresholdBot(raise_at=1.0, call_at=0.75, raise_pot=0.5, bluff=0.0, samples=8, name="loose")
    seats = [tag(samples=8), loose, tag(samples=8), loose, loose]
    cfg = TableConfig(players=5, stacks=(40, 90, 60, 120, 25))
    mine = E.play_records(cfg, seats, 30, seed=4)
    python = E.play_agents(cfg, seats, 30, seed=4, tables=10)
    pre = [[a for a in r["actions"] if a["street"] == "preflop"] for r in mine]
    assert pre == [[a for a in r["actions"] if a["street"] == "preflop"] for r in python]
    assert sum(a["action"] == "raise" for p in pre for a in p) >= 50 and sum(map(len, pre)) >= 200


def test_threshold_bots_play_and_conserve_chips():
    cfg = TableConfig(players=6, stack=100)
    won = E.play_hands(cfg, ["tag", "lag", "random", "calling_station", "tag", "lag"], 400, seed=1)
    assert (won.sum(axis=1) == 0).all()
    assert (won.min(axis=0) >= -100).all()
    # the loose bots put more chips at risk than the tight ones
    assert np.abs(won[:, [1, 5]]).mean() > np.abs(won[:, [0, 4]]).mean()


def test_compiled_hand_strength_matches_pokerkit_monte_carlo():
    from regretlab.poker.equity import hand_strength

    for hole, board in ((["Ah", "Kh"], ["Qh", "7h", "2c"]), (["7c", "2d"], ["Ks", "Qs", "9h", "3c"])):
        ours = E.hand_strength(hole, board, 600, seed=3)
        theirs = hand_strength(hole, board, 600, np.random.default_rng(0))
        assert abs(ours - theirs) < 0.07, (ours, theirs)  # two MC estimates, 600 draws each (sd <= 0.02 each)


def test_bad_input():
    cfg = TableConfig(players=3)
    eng = E.HoldemEngine(cfg, 2)
    with pytest.raises(ValueError, match=r"hands must hold one hand id per table \(2\)"):
        eng.reset([1])
    with pytest.raises(ValueError, match="non-negative hand ids"):
        eng.reset([0, -1])
    eng.reset([0, 1])
    with pytest.raises(ValueError, match="the hand is not over"):
        eng.record(0)
    with pytest.raises(ValueError, match="illegal action at table 0 .*out of range"):
        eng.step(np.array([E.RAISE, E.CALL]), np.array([3, 0]))
    with pytest.raises(ValueError, match="tables must be a positive integer"):
        E.HoldemEngine(cfg, 0)
    with pytest.raises(TypeError, match="built-in bot"):
        E.play_hands(cfg, [object()] * 3, 1)
    with pytest.raises(ValueError, match=r"one bot per seat \(3\)"):
        E.play_hands(cfg, ["random"] * 2, 1)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 9), limit=st.sampled_from(["no", "fixed"]), bb=st.integers(1, 6), ante=st.integers(0, 3),
       data=st.data(), seed=st.integers(0, 2**31))
def test_chips_conserved_for_any_game(n, limit, bb, ante, data, seed):
    """Property: in any game the hands between any built-in bots conserve chips, nobody loses more
    than their stack or wins more than the others' stacks, and the same seed gives the same hands."""
    sb = data.draw(st.integers(1, bb))
    stacks = tuple(data.draw(st.lists(st.integers(bb + ante + 1, 400), min_size=n, max_size=n)))
    bots = data.draw(st.lists(st.sampled_from(["random", "calling_station", "tag", "lag"]), min_size=n, max_size=n))
    cfg = TableConfig(players=n, limit=limit, small_blind=sb, big_blind=bb, ante=ante, stacks=stacks)
    won = E.play_hands(cfg, bots, 50, seed=seed, tables=16)
    start = np.array(stacks)
    assert (won.sum(axis=1) == 0).all()
    assert (won >= -start).all()
    assert (won <= start.sum() - start).all()
    assert (E.play_hands(cfg, bots, 50, seed=seed, tables=5) == won).all()
