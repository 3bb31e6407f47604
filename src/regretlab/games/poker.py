"""Built-in poker games: Kuhn poker and Leduc poker for 2..N players.

The rules follow OpenSpiel's ``kuhn_poker`` and ``leduc_poker`` exactly (same chance order,
same action ids, same returns), and the information-set keys are OpenSpiel's information-state
strings, so policies transfer between the two by key.

References: H. W. Kuhn, "A simplified two-person poker" (1950); F. Southey et al., "Bayes'
bluff: opponent modelling in poker" (UAI 2005) for Leduc; OpenSpiel (Lanctot et al. 2019).
"""

from __future__ import annotations

from typing import NamedTuple

from regretlab.core.errors import check_int
from regretlab.games.treeplex import CHANCE, TERMINAL, GameDefinition, Treeplex, build_treeplex

FOLD, CALL, RAISE = 0, 1, 2
PASS, BET = 0, 1



def next_active(start: int, folded: tuple) -> int:
    """The first player after seat ``start`` (cyclically) who has not folded."""
    n = len(folded)
    for k in range(1, n + 1):
        p = (start + k) % n
        if not folded[p]:
            return p
    raise AssertionError("no active player")

class KuhnState(NamedTuple):
    cards: tuple  # dealt private cards, player order
    actions: tuple  # betting actions (0 pass, 1 bet)


class KuhnPoker(GameDefinition):
    """N-player Kuhn poker: N+1 cards, ante 1, one betting round of pass/bet (Kuhn 1950)."""

    def __init__(self, players: int = 2) -> None:
        self.num_players = check_int("players", players, minimum=2)
        self.name = "kuhn_poker" if players == 2 else f"kuhn_poker(players={players})"

    @property
    def num_actions(self) -> int:
        return 2

    def action_name(self, action: int) -> str:
        return "Pass" if action == PASS else "Bet"

    def initial_state(self) -> KuhnState:
        return KuhnState((), ())

    def _first_bet(self, s: KuhnState) -> int:
        for k, a in enumerate(s.actions):
            if a == BET:
                return k
        return -1

    def current_player(self, s: KuhnState) -> int:
        P = self.num_players
        if len(s.cards) < P:
            return CHANCE
        b = self._first_bet(s)
        if (b < 0 and len(s.actions) == P) or (b >= 0 and len(s.actions) == b + P):
            return TERMINAL
        return len(s.actions) % P

    def chance_outcomes(self, s: KuhnState) -> list[tuple[int, float]]:
        left = [c for c in range(self.num_players + 1) if c not in s.cards]
        return [(c, 1.0 / len(left)) for c in left]

    def legal_actions(self, s: KuhnState) -> list[int]:
        return [PASS, BET]

    def apply(self, s: KuhnState, action: int) -> KuhnState:
        if len(s.cards) < self.num_players:
            return KuhnState(s.cards + (action,), s.actions)
        return KuhnState(s.cards, s.actions + (action,))

    def returns(self, s: KuhnState) -> list[float]:
        P = self.num_players
        b = self._first_bet(s)
        contrib = [1.0] * P
        if b >= 0:
            for k in range(b, len(s.actions)):
                if s.actions[k] == BET:
                    contrib[k % P] += 1.0
            contenders = [p for p in range(P) if contrib[p] > 1.0]
        else:
            contenders = list(range(P))
        winner = max(contenders, key=lambda p: s.cards[p])
        pot = sum(contrib)
        return [(pot if p == winner else 0.0) - contrib[p] for p in range(P)]

    def infoset_key(self, s: KuhnState) -> str:
        p = len(s.actions) % self.num_players
        return str(s.cards[p]) + "".join("pb"[a] for a in s.actions)

    def tree_size(self, limit: int | None = None):
        """Exact (nodes, terminals) in closed form: (P+1)!/1 deals, each with P passes in a row
        or a first bet at seat b followed by a full pass/bet tree over the other P-1 seats."""
        from math import factorial

        from regretlab.games.sizes import TreeSize

        P = self.num_players
        deals = factorial(P + 1)
        chance = sum(factorial(P + 1) // factorial(P + 1 - k) for k in range(P))
        return TreeSize(chance + deals * (P + 1 + P * (2**P - 1)), deals * (1 + P * 2 ** (P - 1)))


class LeducState(NamedTuple):
    private: tuple  # dealt private cards
    public: int  # public card (-1 before it is dealt)
    round: int  # 1 or 2
    stakes: int  # current bet level every active player must match
    contrib: tuple  # chips put in the pot by each player (ante included)
    folded: tuple  # bool per player
    num_raises: int
    num_calls: int
    player: int  # player to act, CHANCE or TERMINAL
    round1: tuple  # actions of round 1
    round2: tuple  # actions of round 2


class LeducPoker(GameDefinition):
    """N-player Leduc poker: 2(N+1) cards in two suits, ante 1, bets 2/4, at most 2 raises a round.

    Rules as OpenSpiel's ``leduc_poker`` (Southey et al. 2005): one private card each, a betting
    round, one public card, a second betting round; a pair with the public card wins, otherwise
    the higher private rank; ties split the pot.
    """

    STARTING_MONEY = 100

    def __init__(self, players: int = 2) -> None:
        self.num_players = check_int("players", players, minimum=2)
        self.name = "leduc_poker" if players == 2 else f"leduc_poker(players={players})"
        self.num_cards = 2 * (self.num_players + 1)

    @property
    def num_actions(self) -> int:
        return 3

    def action_name(self, action: int) -> str:
        return ("Fold", "Call", "Raise")[action]

    def initial_state(self) -> LeducState:
        P = self.num_players
        return LeducState((), -1, 1, 1, (1,) * P, (False,) * P, 0, 0, CHANCE, (), ())

    def current_player(self, s: LeducState) -> int:
        return s.player

    def chance_outcomes(self, s: LeducState) -> list[tuple[int, float]]:
        used = set(s.private)
        left = [c for c in range(self.num_cards) if c not in used and c != s.public]
        return [(c, 1.0 / len(left)) for c in left]

    def legal_actions(self, s: LeducState) -> list[int]:
        acts = []
        if s.stakes > s.contrib[s.player]:
            acts.append(FOLD)
        acts.append(CALL)
        if s.num_raises < 2:
            acts.append(RAISE)
        return acts

    def apply(self, s: LeducState, a: int) -> LeducState:
        P = self.num_players
        if s.player == CHANCE:
            if len(s.private) < P:
                private = s.private + (a,)
                player = CHANCE if len(private) < P else 0
                return s._replace(private=private, player=player)
            # public card: the second round starts with the first active player from 0
            return s._replace(public=a, player=next_active(P - 1, s.folded))
        p = s.player
        contrib = list(s.contrib)
        folded = s.folded
        stakes, raises, calls = s.stakes, s.num_raises, s.num_calls
        if a == FOLD:
            folded = tuple(f or q == p for q, f in enumerate(folded))
        elif a == CALL:
            contrib[p] = stakes
            calls += 1
        elif a == RAISE:
            stakes += 2 if s.round == 1 else 4
            contrib[p] = stakes
            raises += 1
            calls = 0
        else:
            raise ValueError(f"action must be 0 (fold), 1 (call) or 2 (raise), got {a}")
        r1, r2 = (s.round1 + (a,), s.round2) if s.round == 1 else (s.round1, s.round2 + (a,))
        remaining = P - sum(folded)
        ready = (raises == 0 and calls == remaining) or (raises > 0 and calls == remaining - 1)
        new = s._replace(
            stakes=stakes, contrib=tuple(contrib), folded=folded, num_raises=raises,
            num_calls=calls, round1=r1, round2=r2,
        )
        if remaining == 1 or (s.round == 2 and ready):
            return new._replace(player=TERMINAL)
        if ready:
            return new._replace(round=2, num_raises=0, num_calls=0, player=CHANCE)
        return new._replace(player=next_active(p, folded))

    def _rank(self, s: LeducState, p: int) -> int:
        lo, hi = sorted((s.public, s.private[p]))
        n = self.num_cards
        if lo % 2 == 0 and hi == lo + 1:
            return n * n + lo
        return (hi // 2) * n + lo // 2

    def returns(self, s: LeducState) -> list[float]:
        P = self.num_players
        pot = float(sum(s.contrib))
        active = [p for p in range(P) if not s.folded[p]]
        if len(active) == 1:
            winners = active
        else:
            ranks = {p: self._rank(s, p) for p in active}
            best = max(ranks.values())
            winners = [p for p in active if ranks[p] == best]
        share = pot / len(winners)
        return [(share if p in winners else 0.0) - s.contrib[p] for p in range(P)]

    def infoset_key(self, s: LeducState) -> str:
        p = s.player
        money = " ".join(str(self.STARTING_MONEY - c) for c in s.contrib)
        public = f"[Public: {s.public}]" if s.public >= 0 else ""
        r1 = " ".join(str(a) for a in s.round1)
        r2 = " ".join(str(a) for a in s.round2)
        return (
            f"[Observer: {p}][Private: {s.private[p]}][Round {s.round}][Player: {p}]"
            f"[Pot: {sum(s.contrib)}][Money: {money}]{public}[Round1: {r1}][Round2: {r2}]"
        )

    def tree_size(self, limit: int | None = None):
        """Exact (nodes, terminals), counted on the betting tree (see :mod:`regretlab.games.sizes`)."""
        from regretlab.games.sizes import count_symmetric

        return count_symmetric(self, lambda s: (len(s.private), s.public >= 0, s.round, s.stakes, s.contrib,
                                                s.folded, s.num_raises, s.num_calls, s.player), limit)


_CACHE: dict[tuple, Treeplex] = {}
CACHE_ENV = "REGRETLAB_GAME_CACHE"  # folder for built treeplexes (opt-in disk cache)
_CACHE_VERSION = 1


def cached_build(game: GameDefinition) -> Treeplex:
    """``build_treeplex(game)``, read from / written to ``$REGRETLAB_GAME_CACHE`` when set.

    Big trees (3-player Leduc: 1.8 M nodes, ~20 s in the Python builder) then load in well
    under a second after the first build.
    """
    import os
    import re
    from pathlib import Path

    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return build_treeplex(game)
    from regretlab.games.io import load_treeplex, save_treeplex

    stem = re.sub(r"[^A-Za-z0-9_.=-]+", "_", game.name)
    path = Path(folder) / f"{stem}.v{_CACHE_VERSION}.npz"
    if path.exists():
        return load_treeplex(path)
    tp = build_treeplex(game)
    save_treeplex(tp, path)
    return tp


def kuhn_poker(players: int = 2) -> Treeplex:
    """Kuhn poker for ``players`` players as a :class:`Treeplex` (built once per process and
    shared by every solver; its arrays are read-only)."""
    key = ("kuhn", check_int("players", players, minimum=2))
    if key not in _CACHE:
        _CACHE[key] = cached_build(KuhnPoker(players))
    return _CACHE[key]


def leduc_poker(players: int = 2) -> Treeplex:
    """Leduc poker for ``players`` players as a :class:`Treeplex` (built once per process and
    shared by every solver; its arrays are read-only)."""
    key = ("leduc", check_int("players", players, minimum=2))
    if key not in _CACHE:
        _CACHE[key] = cached_build(LeducPoker(players))
    return _CACHE[key]
