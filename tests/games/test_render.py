"""PokerGPT-style text rendering (spec §9.1 prompt fields)."""

import pytest

from regretlab.games.poker import KuhnPoker, LeducPoker
from regretlab.games.render import describe_action, render


def _play(game, actions):
    s = game.initial_state()
    for a in actions:
        s = game.apply(s, a)
    return s


def test_leduc_render_has_prompt_fields():
    g = LeducPoker()
    # deal Q of spades (2) to P0 and K of hearts (5) to P1; P0 checks, P1 bets, P0 calls; flop Q
    s = _play(g, [2, 5, 1, 2, 1, 3])
    text = render(g, s, 0)
    for field in ("2 players", "currency: chips", "ante 1", "Seat order", "Your hole card: Qs",
                  "Stage: flop", "Board: Qh", "Your hand rank: pair of Q", "Stacks: P0 97, P1 97",
                  "Pot: 6", "preflop: P0 check, P1 bet 2, P0 call 2; flop: -", "Folded: none",
                  "Legal actions: check, bet 4"):
        assert field in text, field
    assert "Ks" not in text and "Kh" not in text  # the opponent's card stays hidden
    s2 = _play(g, [2, 5, 1, 2, 0])
    end = render(g, s2, 1)
    assert "Folded: P0" in end and "P1 +1" in end
    assert describe_action(g, _play(g, [2, 5, 1]), 2) == "bet 2"


def test_kuhn_render_and_bad_player():
    g = KuhnPoker()
    s = _play(g, [0, 2, 0])
    text = render(g, s, 1)
    assert "Your card: K" in text and "P0 pass" in text and "Legal actions: pass, bet" in text
    with pytest.raises(ValueError, match="player"):
        render(LeducPoker(), LeducPoker().initial_state(), 5)
