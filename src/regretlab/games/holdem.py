"""A small limit hold'em, parameterised by deck size and betting rounds.

Rules: every player antes 1 and gets ``hole_cards`` private cards from a deck of the top
``ranks`` ranks in ``suits`` suits; a betting round follows, then for each entry of ``board``
that many public cards are dealt and another betting round follows. Limit betting as in Leduc
(OpenSpiel's leduc_poker): check/call, bet/raise by the round's size, at most ``max_raises``
raises per round, fold only when facing a bet. At showdown the best poker hand made of at most
five of the player's hole and board cards wins (standard categories: straight flush, four of a
kind, full house, flush, straight, three of a kind, two pair, pair, high card; flushes and
straights need five cards); ties split. ``LimitHoldem()`` with its defaults (3 ranks x 2 suits,
one hole card, boards (1, 1): 144,457 nodes) is a three-round Leduc; with ``board=(1,)`` it is
exactly Leduc poker.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

from regretlab.core.errors import check_int
from regretlab.games.poker import next_active
from regretlab.games.treeplex import CHANCE, TERMINAL, GameDefinition, Treeplex

RANKS = "23456789TJQKA"
SUITS = "shdc"
FOLD, CALL, RAISE = 0, 1, 2


def hand_rank(cards: tuple[tuple[int, int], ...]) -> tuple:
    """Strength of a hand of ``(rank, suit)`` cards (rank 0 = deuce .. 12 = ace); higher wins.

    Uses the best subset of at most five cards.
    """
    return _hand_rank_sorted(tuple(sorted(cards)))


@lru_cache(maxsize=1 << 18)
def _hand_rank_sorted(cards: tuple) -> tuple:
    # the same hands recur at many terminals of a game tree: evaluate each once
    k = min(5, len(cards))
    return max(_rank5(c) for c in combinations(cards, k))


def _rank5(cards: tuple) -> tuple:
    ranks = sorted((r for r, _ in cards), reverse=True)
    counts: dict[int, int] = {}
    for r in ranks:
        counts[r] = counts.get(r, 0) + 1
    groups = sorted(counts.items(), key=lambda x: (x[1], x[0]), reverse=True)
    shape = [c for _, c in groups]
    order = tuple(r for r, _ in groups)
    n = len(cards)
    flush = n == 5 and len({s for _, s in cards}) == 1
    straight_high = -1
    if n == 5 and len(counts) == 5:
        if ranks[0] - ranks[4] == 4:
            straight_high = ranks[0]
        elif ranks == [12, 3, 2, 1, 0]:  # the wheel A-2-3-4-5
            straight_high = 3
    if straight_high >= 0 and flush:
        return (8, straight_high)
    if shape[0] == 4:
        return (7,) + order
    if shape[:2] == [3, 2]:
        return (6,) + order
    if flush:
        return (5,) + tuple(ranks)
    if straight_high >= 0:
        return (4, straight_high)
    if shape[0] == 3:
        return (3,) + order
    if shape[:2] == [2, 2]:
        return (2,) + order
    if shape[0] == 2:
        return (1,) + order
    return (0,) + order


class HoldemState(NamedTuple):
    hole: tuple  # dealt hole cards in dealing order (player p gets hole[p*h:(p+1)*h])
    board: tuple  # public cards dealt so far
    round: int  # 0-based betting round
    stakes: int
    contrib: tuple
    folded: tuple
    num_raises: int
    num_calls: int
    player: int
    history: tuple  # actions per round, a tuple of tuples


class LimitHoldem(GameDefinition):
    """Small limit hold'em (module docstring)."""

    def __init__(self, players: int = 2, ranks: int = 3, suits: int = 2, hole_cards: int = 1,
                 board: tuple = (1, 1), bets: tuple | None = None, max_raises: int = 2) -> None:
        self.num_players = check_int("players", players, minimum=2)
        self.ranks = check_int("ranks", ranks, minimum=2)
        self.suits = check_int("suits", suits, minimum=1)
        if self.ranks > 13 or self.suits > 4:
            raise ValueError(f"ranks must be <= 13 and suits <= 4, got {ranks} and {suits}")
        self.hole_cards = check_int("hole_cards", hole_cards, minimum=1)
        board = (board,) if isinstance(board, int) else board
        bets = (bets,) if isinstance(bets, int) else bets
        if not isinstance(board, (tuple, list)):
            raise ValueError(f"board must be a tuple of card counts per round, got {board!r}")
        self.board_sizes = tuple(check_int("board entries", b, minimum=1) for b in board)
        self.num_rounds = 1 + len(self.board_sizes)
        if bets is None:
            bets = tuple(2 if r < (self.num_rounds + 1) // 2 else 4 for r in range(self.num_rounds))
        if len(bets) != self.num_rounds:
            raise ValueError(f"bets must have one size per round ({self.num_rounds}), got {bets}")
        self.bets = tuple(check_int("bets entries", b) for b in bets)
        self.max_raises = check_int("max_raises", max_raises, minimum=0)
        self.num_cards = self.ranks * self.suits
        need = self.num_players * self.hole_cards + sum(self.board_sizes)
        if need > self.num_cards:
            raise ValueError(f"the deck has {self.num_cards} cards but the game deals {need}")
        self.name = (f"limit_holdem(players={players},ranks={ranks},suits={suits},"
                     f"hole={hole_cards},board={'-'.join(map(str, self.board_sizes))})")

    @property
    def num_actions(self) -> int:
        return 3

    def action_name(self, action: int) -> str:
        return ("Fold", "Call", "Raise")[action]

    def card(self, c: int) -> tuple[int, int]:
        """(rank 0..12 with the deck's top ranks, suit) of card id ``c`` (id = rank_index*suits + suit)."""
        return (13 - self.ranks + c // self.suits, c % self.suits)

    def card_name(self, c: int) -> str:
        r, s = self.card(c)
        return RANKS[r] + SUITS[s]

    def initial_state(self) -> HoldemState:
        P = self.num_players
        return HoldemState((), (), 0, 1, (1,) * P, (False,) * P, 0, 0, CHANCE, ((),))

    def current_player(self, s: HoldemState) -> int:
        return s.player

    def _dealt_board(self, r: int) -> int:
        return sum(self.board_sizes[:r])

    def chance_outcomes(self, s: HoldemState) -> list[tuple[int, float]]:
        used = set(s.hole) | set(s.board)
        left = [c for c in range(self.num_cards) if c not in used]
        return [(c, 1.0 / len(left)) for c in left]

    def legal_actions(self, s: HoldemState) -> list[int]:
        acts = [FOLD] if s.stakes > s.contrib[s.player] else []
        acts.append(CALL)
        if s.num_raises < self.max_raises:
            acts.append(RAISE)
        return acts

    def apply(self, s: HoldemState, a: int) -> HoldemState:
        P = self.num_players
        if s.player == CHANCE:
            if len(s.hole) < P * self.hole_cards:
                hole = s.hole + (a,)
                return s._replace(hole=hole, player=CHANCE if len(hole) < P * self.hole_cards else 0)
            board = s.board + (a,)
            done = len(board) == self._dealt_board(s.round)
            return s._replace(board=board, player=next_active(P - 1, s.folded) if done else CHANCE)
        p = s.player
        contrib = list(s.contrib)
        folded, stakes, raises, calls = s.folded, s.stakes, s.num_raises, s.num_calls
        if a == FOLD:
            folded = tuple(f or q == p for q, f in enumerate(folded))
        elif a == CALL:
            contrib[p] = stakes
            calls += 1
        elif a == RAISE:
            stakes += self.bets[s.round]
            contrib[p] = stakes
            raises += 1
            calls = 0
        else:
            raise ValueError(f"action must be 0 (fold), 1 (call) or 2 (raise), got {a}")
        history = s.history[:-1] + (s.history[-1] + (a,),)
        remaining = P - sum(folded)
        ready = (raises == 0 and calls == remaining) or (raises > 0 and calls == remaining - 1)
        new = s._replace(stakes=stakes, contrib=tuple(contrib), folded=folded, num_raises=raises,
                         num_calls=calls, history=history)
        if remaining == 1 or (ready and s.round == self.num_rounds - 1):
            return new._replace(player=TERMINAL)
        if ready:
            return new._replace(round=s.round + 1, num_raises=0, num_calls=0, player=CHANCE,
                                history=history + ((),))
        return new._replace(player=next_active(p, folded))

    def _hand(self, s: HoldemState, p: int) -> tuple:
        h = self.hole_cards
        return tuple(self.card(c) for c in s.hole[p * h:(p + 1) * h] + s.board)

    def returns(self, s: HoldemState) -> list[float]:
        P = self.num_players
        pot = float(sum(s.contrib))
        active = [p for p in range(P) if not s.folded[p]]
        if len(active) == 1:
            winners = active
        else:
            ranks = {p: hand_rank(self._hand(s, p)) for p in active}
            best = max(ranks.values())
            winners = [p for p in active if ranks[p] == best]
        share = pot / len(winners)
        return [(share if p in winners else 0.0) - s.contrib[p] for p in range(P)]

    def infoset_key(self, s: HoldemState) -> str:
        p = s.player
        h = self.hole_cards
        mine = " ".join(self.card_name(c) for c in s.hole[p * h:(p + 1) * h])
        board = " ".join(self.card_name(c) for c in s.board)
        hist = "/".join("".join("fcr"[a] for a in r) for r in s.history)
        return f"P{p}|{mine}|{board}|{hist}"

    def tree_size(self, limit: int | None = None):
        """Exact (nodes, terminals), counted on the betting tree (see :mod:`regretlab.games.sizes`)."""
        from regretlab.games.sizes import count_symmetric

        return count_symmetric(self, lambda s: (len(s.hole), len(s.board), s.round, s.stakes, s.contrib,
                                                s.folded, s.num_raises, s.num_calls, s.player), limit)

    def describe_action(self, s: HoldemState, a: int) -> str:
        owed = s.stakes - s.contrib[s.player]
        if a == FOLD:
            return "fold"
        if a == CALL:
            return f"call {owed}" if owed else "check"
        return f"{'raise' if owed else 'bet'} {self.bets[s.round]}"

    def render(self, s: HoldemState, player: int) -> str:
        """PokerGPT-style prompt (spec §9.1) of the state from ``player``'s seat."""
        P, h = self.num_players, self.hole_cards
        lines = [f"Game: limit hold'em, {P} players, currency: chips, ante 1, "
                 f"bets {'/'.join(map(str, self.bets))}, {self.ranks}x{self.suits} deck",
                 "Seat order: " + ", ".join(f"P{q}" + (" (you)" if q == player else "") for q in range(P))]
        mine = s.hole[player * h:(player + 1) * h]
        if len(mine) == h:
            names = [self.card_name(c) for c in mine]
            ranks = [self.card(c)[0] for c in mine]
            traits = []
            if h > 1:
                traits.append("suited" if len({self.card(c)[1] for c in mine}) == 1 else "offsuit")
                traits.append("close" if max(ranks) - min(ranks) < 5 else "far")
            traits.append("high" if max(ranks) + 2 >= 9 else "low")
            lines.append(f"Your seat: P{player}. Your hole cards: {' '.join(names)} ({', '.join(traits)})")
        stage = ["preflop", "flop", "turn", "river"][min(s.round, 3)] if s.round < 4 else f"round {s.round + 1}"
        lines.append(f"Stage: {stage}")
        total_board = sum(self.board_sizes)
        shown = [self.card_name(c) for c in s.board] + ["**"] * (total_board - len(s.board))
        lines.append("Board: " + (" ".join(shown) if shown else "-"))
        if len(mine) == h:
            cat = ["high card", "pair", "two pair", "three of a kind", "straight", "flush",
                   "full house", "four of a kind", "straight flush"][hand_rank(self._hand(s, player))[0]]
            lines.append(f"Your hand rank: {cat}")
        lines.append("Stacks: " + ", ".join(f"P{q} {100 - c}" for q, c in enumerate(s.contrib)))
        lines.append(f"Pot: {sum(s.contrib)}")
        hist = []
        for r, acts in enumerate(s.history):
            hist.append(f"round {r + 1}: " + (" ".join("fcr"[a] for a in acts) or "-"))
        lines.append("Action history (f fold, c check/call, r bet/raise): " + "; ".join(hist))
        folded = [f"P{q}" for q in range(P) if s.folded[q]]
        lines.append("Folded: " + (", ".join(folded) if folded else "none"))
        if s.player == TERMINAL:
            lines.append("Hand over. Results: " + ", ".join(
                f"P{q} {r:+g}" for q, r in enumerate(self.returns(s))))
        elif s.player >= 0:
            lines.append(f"To act: P{s.player}" + (" (you)" if s.player == player else ""))
            if s.player == player:
                lines.append("Legal actions: " + ", ".join(self.describe_action(s, a)
                                                           for a in self.legal_actions(s)))
        return "\n".join(lines)


_CACHE: dict[tuple, Treeplex] = {}


def limit_holdem(**params) -> Treeplex:
    """The treeplex of :class:`LimitHoldem` with ``params`` (built once per process and shared;
    its arrays are read-only)."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    if key not in _CACHE:
        from regretlab.games.poker import cached_build

        _CACHE[key] = cached_build(LimitHoldem(**params))
    return _CACHE[key]
