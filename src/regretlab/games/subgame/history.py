"""A subgame built history by history as a :class:`~regretlab.games.treeplex.GameDefinition`:
the independent check of the range-vector solver.

The root is a chance node dealing both hands at once, ``(h0, h1)`` disjoint, with probability
``w0(h0) w1(h1) / Z``; then the betting and card nodes of the public tree, with the remaining
cards dealt uniformly among those in neither hand; returns are computed per history, the
showdown by :func:`regretlab.games.holdem.hand_rank` (the treeplex games' own evaluator, best
five of seven cards; no range vector, no sorting, no inclusion-exclusion). Information set
keys are ``(player, hand, public node)``. Only tiny decks make a tree of reasonable size.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from regretlab.games.holdem import hand_rank
from regretlab.games.subgame.solver import SubgameGame
from regretlab.games.subgame.tree import CHANCE, FOLD, SHOWDOWN
from regretlab.games.treeplex import CHANCE as T_CHANCE
from regretlab.games.treeplex import TERMINAL, GameDefinition, Treeplex, build_treeplex


class HistoryState(NamedTuple):
    hands: tuple  # (h0, h1) hand indices, () before the deal
    node: int  # public tree node (-1 before the deal)


class HistoryGame(GameDefinition):
    """The subgame ``game`` history by history (module docstring)."""

    def __init__(self, game: SubgameGame) -> None:
        self.game = game
        self.tree = game.tree
        self.num_players = 2
        self.name = "subgame_history"
        w0, w1 = game.weights
        t = self.tree
        hands = t.hands
        deals = []
        for a in np.flatnonzero(w0 > 0):
            for b in np.flatnonzero(w1 > 0):
                if len({*hands[a], *hands[b]}) == 4:
                    deals.append((int(a), int(b), float(w0[a] * w1[b] / game.norm)))
        self.deals = deals

    @property
    def num_actions(self) -> int:
        return self.game.max_actions

    def initial_state(self) -> HistoryState:
        return HistoryState((), -1)

    def current_player(self, s: HistoryState) -> int:
        if s.node < 0:
            return T_CHANCE
        k = int(self.tree.kind[s.node])
        if k == CHANCE:
            return T_CHANCE
        if k in (FOLD, SHOWDOWN):
            return TERMINAL
        return k

    def _cards(self, s: HistoryState) -> set:
        return {int(c) for h in s.hands for c in self.tree.hands[h]}

    def chance_outcomes(self, s: HistoryState) -> list[tuple[int, float]]:
        if s.node < 0:
            n = self.tree.num_hands
            return [(a * n + b, p) for a, b, p in self.deals]
        used = self._cards(s)
        t = self.tree
        here = set(t.board_cards[t.board[s.node]])
        kids = [k for k, c in enumerate(t.children(s.node))
                if not (set(t.board_cards[t.board[c]]) - here) & used]
        return [(k, 1.0 / len(kids)) for k in kids]

    def legal_actions(self, s: HistoryState) -> list[int]:
        return list(range(int(self.tree.num_children[s.node])))

    def apply(self, s: HistoryState, action: int) -> HistoryState:
        if s.node < 0:
            n = self.tree.num_hands
            return HistoryState((action // n, action % n), 0)
        return HistoryState(s.hands, int(self.tree.first_child[s.node]) + int(action))

    def returns(self, s: HistoryState) -> list[float]:
        t = self.tree
        c = t.contrib[s.node]
        if t.kind[s.node] == FOLD:
            f = int(t.folder[s.node])
            out = [0.0, 0.0]
            out[f] = -float(c[f])
            out[1 - f] = float(c[f])
            return out
        board = t.board_cards[t.board[s.node]]

        def rank(h: int) -> tuple:
            return hand_rank(tuple((int(x) // 4, int(x) % 4) for x in (*t.hands[h], *board)))

        r0, r1 = rank(s.hands[0]), rank(s.hands[1])
        win = float(c[0])
        return [win, -win] if r0 > r1 else [-win, win] if r1 > r0 else [0.0, 0.0]

    def infoset_key(self, s: HistoryState) -> Any:
        p = int(self.tree.kind[s.node])
        return (p, int(s.hands[p]), int(s.node))


def history_treeplex(game: SubgameGame) -> Treeplex:
    """The treeplex of :class:`HistoryGame` (tiny decks only: it enumerates every history)."""
    if game.tree.iso_ids is not None and game.tree.iso_ids.size:
        raise ValueError("history_treeplex needs the tree with every card (a subgame built with isomorphism=False)")
    return build_treeplex(HistoryGame(game))


def rows_of(game: SubgameGame, tp: Treeplex) -> np.ndarray:
    """``[I]`` the range-vector row of each information set of ``tp``."""
    return np.array([game.row(node, hand) for _, hand, node in tp.infoset_keys], dtype=np.int64)


def to_treeplex_policy(game: SubgameGame, tp: Treeplex, policy: np.ndarray) -> np.ndarray:
    """A range-vector policy ``[R, A]`` as the treeplex's ``[I, A]``."""
    rows = rows_of(game, tp)
    return np.ascontiguousarray(policy[rows][:, :tp.max_actions])
