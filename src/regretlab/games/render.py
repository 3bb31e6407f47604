"""Text rendering of a poker state from one player's seat, in the prompt style of PokerGPT
(spec §9.1: player count, currency, blinds/ante, seats, own cards with their characteristics,
stage, board with ``**`` for unseen cards, own hand rank, stacks, every seat's actions, folds,
pot, legal actions with bet sizes)."""

from __future__ import annotations

from typing import Any

from regretlab.games.poker import CALL, FOLD, KuhnPoker, LeducPoker
from regretlab.games.treeplex import CHANCE, TERMINAL

RANKS = "23456789TJQKA"
SUITS = "shdc"
SUIT_NAMES = {"s": "spades", "h": "hearts", "d": "diamonds", "c": "clubs"}


def leduc_card(game: LeducPoker, card: int) -> str:
    """Name of Leduc card id ``card`` (rank = id // 2 among the top P+1 ranks, suit = id % 2)."""
    ranks = RANKS[-(game.num_players + 2):-1]  # J Q K for two players (no ace)
    return ranks[card // 2] + SUITS[card % 2]


def kuhn_card(game: KuhnPoker, card: int) -> str:
    ranks = RANKS[-(game.num_players + 2):-1]  # J Q K for two players
    return ranks[card]


def _rank_value(card_name: str) -> int:
    return RANKS.index(card_name[0]) + 2


def render(game: Any, state: Any, player: int) -> str:
    """The state of ``game`` (a Kuhn or Leduc definition) as seen by ``player``."""
    if isinstance(game, LeducPoker):
        return _render_leduc(game, state, player)
    if isinstance(game, KuhnPoker):
        return _render_kuhn(game, state, player)
    render_fn = getattr(game, "render", None)
    if render_fn is not None:
        return render_fn(state, player)
    raise TypeError(f"game must be a Kuhn, Leduc or hold'em definition, got {type(game).__name__}")


def _render_leduc(game: LeducPoker, s: Any, player: int) -> str:
    P = game.num_players
    if not 0 <= player < P:
        raise ValueError(f"player must be in [0, {P}), got {player}")
    lines = [
        f"Game: Leduc hold'em, fixed limit, {P} players, currency: chips, ante 1, "
        f"bets 2 (preflop) / 4 (flop), at most 2 raises per round",
        "Seat order: " + ", ".join(f"P{p}" + (" (you)" if p == player else "") for p in range(P))
        + "; P0 acts first in every round",
    ]
    if len(s.private) > player:
        mine = leduc_card(game, s.private[player])
        high = "high" if _rank_value(mine) >= 9 else "low"
        lines.append(f"Your seat: P{player}. Your hole card: {mine} ({high}, "
                     f"{SUIT_NAMES[mine[1]]})")
    else:
        lines.append(f"Your seat: P{player}. Your hole card: ** (not dealt yet)")
    stage = "preflop" if s.round == 1 and s.public < 0 else "flop"
    lines.append(f"Stage: {stage}")
    board = leduc_card(game, s.public) if s.public >= 0 else "**"
    lines.append(f"Board: {board}")
    if len(s.private) > player:
        if s.public >= 0:
            pair = s.private[player] // 2 == s.public // 2
            rank = f"pair of {mine[0]}" if pair else f"{mine[0]} high"
        else:
            rank = f"{mine[0]} high"
        lines.append(f"Your hand rank: {rank}")
    stacks = ", ".join(f"P{p} {game.STARTING_MONEY - c}" for p, c in enumerate(s.contrib))
    lines.append(f"Stacks: {stacks}")
    lines.append(f"Pot: {sum(s.contrib)}")
    lines.append("Action history: " + _leduc_history(game, s))
    folded = [f"P{p}" for p in range(P) if s.folded[p]]
    lines.append("Folded: " + (", ".join(folded) if folded else "none"))
    if s.player == TERMINAL:
        ret = game.returns(s)
        lines.append("Hand over. Results: " + ", ".join(f"P{p} {r:+g}" for p, r in enumerate(ret)))
        if s.public >= 0 and sum(not f for f in s.folded) > 1:
            lines.append("Showdown: " + ", ".join(
                f"P{p} {leduc_card(game, c)}" for p, c in enumerate(s.private) if not s.folded[p]))
    elif s.player == CHANCE:
        lines.append("Waiting for the dealer.")
    else:
        lines.append(f"To act: P{s.player}" + (" (you)" if s.player == player else ""))
        if s.player == player:
            lines.append("Legal actions: " + ", ".join(_leduc_action_text(game, s, a)
                                                       for a in game.legal_actions(s)))
    return "\n".join(lines)


def describe_action(game: Any, state: Any, action: int) -> str:
    """Words for ``action`` in ``state`` (``check``, ``call 2``, ``bet 4``, ``fold``...)."""
    if isinstance(game, LeducPoker):
        return _leduc_action_text(game, state, action)
    if isinstance(game, KuhnPoker):
        return "bet" if action else "pass"
    fn = getattr(game, "describe_action", None)
    return fn(state, action) if fn is not None else game.action_name(action).lower()


def _leduc_action_text(game: LeducPoker, s: Any, a: int) -> str:
    owed = s.stakes - s.contrib[s.player]
    if a == FOLD:
        return "fold"
    if a == CALL:
        return f"call {owed}" if owed else "check"
    size = 2 if s.round == 1 else 4
    return f"raise {size}" if owed else f"bet {size}"


def _leduc_history(game: LeducPoker, s: Any) -> str:
    """Every seat's actions by round, replayed from the start so bet sizes are exact."""
    P = game.num_players
    parts = []
    state = game.initial_state()
    while len(state.private) < P:
        state = game.apply(state, [c for c in range(game.num_cards) if c not in state.private][0])
    for rnd, actions in ((1, s.round1), (2, s.round2)):
        if rnd == 2:
            if s.public < 0:
                break
            state = game.apply(state, s.public)
        words = []
        for a in actions:
            words.append(f"P{state.player} {_leduc_action_text(game, state, a)}")
            state = game.apply(state, a)
        parts.append(("preflop" if rnd == 1 else "flop") + ": " + (", ".join(words) or "-"))
    return "; ".join(parts)


def _render_kuhn(game: KuhnPoker, s: Any, player: int) -> str:
    P = game.num_players
    lines = [f"Game: Kuhn poker, {P} players, currency: chips, ante 1, bet 1",
             f"Your seat: P{player}"]
    if len(s.cards) > player:
        lines.append(f"Your card: {kuhn_card(game, s.cards[player])}")
    hist = ", ".join(f"P{k % P} {'bet' if a else 'pass'}" for k, a in enumerate(s.actions))
    lines.append("Action history: " + (hist or "-"))
    cur = game.current_player(s)
    if cur == TERMINAL:
        lines.append("Hand over. Results: " + ", ".join(
            f"P{p} {r:+g}" for p, r in enumerate(game.returns(s))))
    elif cur >= 0:
        lines.append(f"To act: P{cur}" + (" (you)" if cur == player else ""))
        if cur == player:
            lines.append("Legal actions: pass, bet")
    return "\n".join(lines)
