"""The range-vector subgames of an OpenSpiel ``universal_poker`` river game.

``universal_poker`` cannot start from given ranges or a fixed board: it deals the hole cards
and the board by chance. A one-round no-limit game with two hole cards, five board cards, equal
blinds ``b`` (the pot ``2 b``), stacks ``s`` and the ``fcpa`` betting abstraction (fold,
check/call, pot-size bet or raise, all-in) is, board by board, the river subgame with full
(uniform) ranges, pot ``2 b``, ``s - b`` behind and bets ``"1,allin"``: nothing happens before
the board is dealt and every information set holds it, so the game's value and exploitability
are the means over the boards of the subgames'. :func:`board_subgame` builds that subgame;
:func:`openspiel_values` evaluates a subgame policy in OpenSpiel's own tree (its deals, betting
rules, hand evaluator and returns): expected value and each player's best-response value.

OpenSpiel's tiny decks hold the lowest ranks (``numRanks = 3``: deuces to fours) in the suits
``c d h s`` (first ``numSuits``); card ``k`` is rank ``k // numSuits``, suit ``k % numSuits``.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from regretlab.games.subgame.cards import RANKS, card_id, combo_index  # noqa: F401 (combo_index re-exported)

SUITS = "cdhs"  # OpenSpiel's suit order


def params(num_ranks: int = 3, num_suits: int = 3, stack: int = 5, blind: int = 1) -> dict:
    """``universal_poker`` parameters of the one-round river game (module docstring)."""
    return {"betting": "nolimit", "numPlayers": 2, "numRounds": 1, "blind": f"{blind} {blind}", "firstPlayer": "1",
            "numSuits": num_suits, "numRanks": num_ranks, "numHoleCards": 2, "numBoardCards": "5",
            "stack": f"{stack} {stack}", "bettingAbstraction": "fcpa"}


def deck(p: dict) -> list[int]:
    """regretlab card ids of OpenSpiel's cards ``0 .. numRanks x numSuits - 1``, in its order."""
    ns = int(p["numSuits"])
    return [card_id(RANKS[k // ns] + SUITS[k % ns]) for k in range(int(p["numRanks"]) * ns)]


def boards(p: dict) -> list[tuple[int, ...]]:
    """Every board (five of OpenSpiel's card indices, ascending)."""
    return list(combinations(range(len(deck(p))), 5))


def board_subgame(p: dict, board: tuple[int, ...]) -> Any:
    """The range-vector subgame of ``board`` (OpenSpiel card indices)."""
    from regretlab.games.subgame import subgame

    cards = deck(p)
    blind = float(p["blind"].split()[0])
    stack = float(p["stack"].split()[0])
    return subgame([cards[k] for k in board], 2 * blind, stack - blind, "full", "full", bets="1,allin", raise_cap=8,
                   deck=cards)


def openspiel_values(game: Any, p: dict, board: tuple[int, ...], sub: Any, policy: np.ndarray) -> dict[str, float]:
    """In OpenSpiel's tree (``game`` = ``pyspiel.load_game("universal_poker", p)``) with the
    board fixed: player 0's expected value and each player's best-response value when both
    follow the subgame ``policy [R, A]`` (rows of ``sub``), averaged over the deals of two
    disjoint hands; the ``j``-th legal OpenSpiel action is the ``j``-th child of the node."""
    cards = deck(p)
    rest = [k for k in range(len(cards)) if k not in board]
    t = sub.tree
    where = {int(c): i for i, c in enumerate(t.hand_combo)}

    def hand_row(hand: tuple[int, int]) -> int:
        return where[combo_index(cards[hand[0]], cards[hand[1]])]

    def deal(h0: tuple, h1: tuple) -> Any:
        s = game.new_initial_state()
        for k in (*h0, *h1, *board):
            s.apply_action(int(k))
        return s

    def child(s: Any, j: int) -> Any:
        c = s.clone()
        c.apply_action(s.legal_actions()[j])
        return c

    def follow(s: Any, node: int, hands: tuple) -> float:
        if s.is_terminal():
            return s.returns()[0]
        i = s.current_player()
        kids = list(t.children(node))
        if len(kids) != len(s.legal_actions()):
            raise ValueError(f"OpenSpiel has actions {s.legal_actions()} where the subgame has "
                             f"{[t.labels[c] for c in kids]} (after {t.path(node)})")
        row = sub.row(node, hand_row(hands[i]))
        return sum(policy[row, j] * follow(child(s, j), kids[j], hands) for j in range(len(kids)) if policy[row, j] > 0)

    def best(states: list, reach: np.ndarray, node: int, me: int, mine: tuple, others: list) -> float:
        s = states[0]
        if s.is_terminal():
            return float(sum(r * x.returns()[me] for r, x in zip(reach, states)))
        kids = list(t.children(node))
        if s.current_player() == me:
            return max(best([child(x, j) for x in states], reach, kids[j], me, mine, others) for j in range(len(kids)))
        rows = [sub.row(node, hand_row(o)) for o in others]
        return sum(best([child(x, j) for x in states], reach * policy[rows, j], kids[j], me, mine, others)
                   for j in range(len(kids)))

    pairs = [(h0, h1) for h0 in combinations(rest, 2) for h1 in combinations(rest, 2) if not set(h0) & set(h1)]
    ev = sum(follow(deal(h0, h1), 0, (h0, h1)) for h0, h1 in pairs) / len(pairs)
    br = []
    for me in range(2):
        total = 0.0
        for mine in combinations(rest, 2):
            others = [o for o in combinations(rest, 2) if not set(o) & set(mine)]
            states = [deal(mine, o) if me == 0 else deal(o, mine) for o in others]
            total += best(states, np.ones(len(others)), 0, me, mine, others)
        br.append(total / len(pairs))
    return {"value_oop": ev, "br_oop": br[0], "br_ip": br[1], "chips": (br[0] + br[1]) / 2}


__all__ = ["params", "deck", "boards", "board_subgame", "openspiel_values"]
