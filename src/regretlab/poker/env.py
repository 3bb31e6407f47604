"""Multi-player Texas hold'em (2 to 9 seats, no-limit or fixed-limit) on pokerkit's state machine.

A :class:`TableConfig` fixes the game (seats, blinds, ante, starting stacks, betting structure);
:func:`play_hands` deals ``hands`` independent hands on ``tables`` tables at once (each table a
pokerkit :class:`~pokerkit.state.State`), asks the seated agents for decisions in batches (one
call per agent per round of pending decisions) and returns one JSON-ready record per hand.

Seeding: the deck of hand ``h`` is a permutation drawn from ``SeedSequence([seed, h])``, and a
bot's random choices come from ``(seed, h, decision index)``; so the same seed deals the same
hands and yields the same records whatever the number of tables.

Positions follow pokerkit: player index 0 posts the small blind, 1 the big blind (heads-up: the
button posts the small blind, pokerkit's rule), the last index is the button. Every hand starts
from the configured stacks (a cash game with stacks reset), so a hand's net result is a sample of
the win rate. Rules (blinds, antes, side pots, all-ins, showdown, odd chips) are pokerkit's;
:func:`side_pots` and :func:`showdown_payouts` recompute the pots and the payouts from a record
with pokerkit's hand evaluator only, as an independent check.

Reference: J. Kim, "PokerKit: A Comprehensive Python Library for Fine-Grained Multi-Variant Poker
Game Simulations", IEEE Transactions on Games 2024; the PHH format: J. Kim, "Poker Hand
History File Format Specification", 2024.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "RANKS",
    "STREETS",
    "SUITS",
    "Action",
    "IllegalAction",
    "Observation",
    "TableConfig",
    "action_text",
    "deck_for",
    "new_state",
    "parse_action",
    "phh_to_records",
    "play_hands",
    "record_to_phh",
    "replay",
    "showdown_payouts",
    "side_pots",
]

STREETS = ("preflop", "flop", "turn", "river")
RANKS = "23456789TJQKA"
SUITS = "cdhs"
CARDS = tuple(r + s for r in RANKS for s in SUITS)


class IllegalAction(ValueError):
    """An action that the rules do not allow here (a bet size out of range, a fold without a bet)."""


@dataclass(frozen=True)
class TableConfig:
    """One hold'em game.

    Attributes:
        players: seats, 2..9.
        limit: ``"no"`` (no-limit) or ``"fixed"`` (fixed-limit: bets of one big blind on the
            pre-flop and flop, two on the turn and river).
        small_blind, big_blind: blinds in chips (``0 < small_blind <= big_blind``).
        ante: ante per player (0: none).
        stack: starting stack of every seat in chips (every hand starts from it).
        stacks: optional per-position starting stacks (overrides ``stack``; unequal stacks make
            side pots).

    Example:
        >>> TableConfig(players=6).variant
        'NT'
        >>> TableConfig(players=10)
        Traceback (most recent call last):
        ...
        ValueError: players must be an integer in 2..9 (seats at one table), got 10
    """

    players: int = 6
    limit: str = "no"
    small_blind: int = 1
    big_blind: int = 2
    ante: int = 0
    stack: int = 200
    stacks: tuple = ()

    def __post_init__(self) -> None:
        p = self.players
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or not 2 <= int(p) <= 9:
            raise ValueError(f"players must be an integer in 2..9 (seats at one table), got {p!r}")
        if self.limit not in ("no", "fixed"):
            raise ValueError(f"limit must be 'no' or 'fixed', got {self.limit!r}")
        for name in ("small_blind", "big_blind", "ante", "stack"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (0 if name == "ante" else 1):
                raise ValueError(f"{name} must be an integer >= {0 if name == 'ante' else 1}, got {v!r}")
        if self.stacks:
            st = tuple(self.stacks)
            if len(st) != int(p) or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in st):
                raise ValueError(f"stacks must hold {int(p)} integers (one per seat), got {self.stacks!r}")
            object.__setattr__(self, "stacks", tuple(int(v) for v in st))
            object.__setattr__(self, "stack", max(self.stacks))  # the deepest stack, for reference
            if min(st) <= self.big_blind + self.ante:
                raise ValueError(f"stacks must each exceed big_blind + ante ({self.big_blind + self.ante}), got {st!r}")
        if self.small_blind > self.big_blind:
            raise ValueError(f"small_blind ({self.small_blind}) must not exceed big_blind ({self.big_blind})")
        if self.stack <= self.big_blind + self.ante:
            raise ValueError(f"stack ({self.stack}) must exceed big_blind + ante ({self.big_blind + self.ante})")

    @property
    def variant(self) -> str:
        """PHH variant code: ``NT`` (no-limit Texas hold'em) or ``FT`` (fixed-limit)."""
        return "NT" if self.limit == "no" else "FT"

    def seat_stacks(self) -> list[int]:
        """Starting stack per position."""
        return list(self.stacks) if self.stacks else [int(self.stack)] * int(self.players)

    def to_dict(self) -> dict[str, Any]:
        d = {k: int(v) if isinstance(v, (int, np.integer)) else v for k, v in asdict(self).items()}
        d["stacks"] = list(self.stacks)
        if not self.stacks:
            del d["stacks"]
        return d


_AUTOMATIONS: tuple = ()


def _automations() -> tuple:
    global _AUTOMATIONS
    if not _AUTOMATIONS:
        from pokerkit import Automation as A

        _AUTOMATIONS = (A.ANTE_POSTING, A.BET_COLLECTION, A.BLIND_OR_STRADDLE_POSTING,
                        A.HOLE_CARDS_SHOWING_OR_MUCKING, A.HAND_KILLING, A.CHIPS_PUSHING, A.CHIPS_PULLING,
                        A.RUNOUT_COUNT_SELECTION)
    return _AUTOMATIONS


def new_state(config: TableConfig, stacks: Sequence[int] | None = None) -> Any:
    """A fresh pokerkit state of ``config`` (dealing, burning and decisions left to the caller)."""
    from pokerkit import FixedLimitTexasHoldem, NoLimitTexasHoldem

    n = int(config.players)
    st = tuple(int(s) for s in (stacks if stacks is not None else config.seat_stacks()))
    blinds = (int(config.small_blind), int(config.big_blind))
    if config.limit == "no":
        return NoLimitTexasHoldem.create_state(_automations(), True, int(config.ante), blinds,
                                               int(config.big_blind), st, n)
    return FixedLimitTexasHoldem.create_state(_automations(), True, int(config.ante), blinds,
                                              int(config.big_blind), 2 * int(config.big_blind), st, n)


def game_of(config: TableConfig) -> Any:
    """The pokerkit game object of ``config`` (for PHH export)."""
    from pokerkit import FixedLimitTexasHoldem, NoLimitTexasHoldem

    blinds = (int(config.small_blind), int(config.big_blind))
    if config.limit == "no":
        return NoLimitTexasHoldem(_automations(), True, int(config.ante), blinds, int(config.big_blind))
    return FixedLimitTexasHoldem(_automations(), True, int(config.ante), blinds, int(config.big_blind),
                                 2 * int(config.big_blind))


def deck_for(seed: int, hand: int) -> list[str]:
    """The shuffled 52-card deck of hand ``hand`` under ``seed`` (``SeedSequence([seed, hand])``).

    Example:
        >>> deck_for(0, 3) == deck_for(0, 3), len(set(deck_for(0, 3)))
        (True, 52)
    """
    perm = np.random.default_rng(np.random.SeedSequence([int(seed), int(hand)])).permutation(52)
    return [CARDS[i] for i in perm]


@dataclass(frozen=True)
class Action:
    """A decision: ``kind`` in ``fold, check, call, bet, raise`` and, for call/bet/raise, the
    amount (call: chips added; bet/raise: the street total bet *to*)."""

    kind: str
    amount: int = 0

    def text(self) -> str:
        return action_text(self)


def action_text(a: Action) -> str:
    """``fold``, ``check``, ``call 4``, ``bet 6``, ``raise 12`` (raise *to* 12)."""
    return a.kind if a.kind in ("fold", "check") else f"{a.kind} {int(a.amount)}"


@dataclass
class Observation:
    """What the player to act sees (and what a prompt renders).

    Attributes:
        table, hand, seat: table slot, hand id, player index of the actor.
        decision: index of this decision within the hand (seeds bots' random choices).
        config: the game.  names: agent name per seat.
        stacks: chips behind per seat now.  bets: chips in front per seat on this street.
        starting_stacks: stacks when the hand began.  pot: chips in the middle, bets included.
        hole: the actor's cards.  board: board cards.  street: ``preflop`` ... ``river``.
        history: ``(seat, street, action text)`` of every decision so far.
        legal: the menu of legal actions (no-limit: min raise, half pot, pot, all-in).
        to_call: chips to call.  min_raise_to, max_raise_to: the raise range (0 if none).
        folded: per seat, whether the player is out of the hand.
        seed: the run seed.
    """

    table: int
    hand: int
    seat: int
    decision: int
    config: TableConfig
    names: list[str]
    stacks: list[int]
    bets: list[int]
    starting_stacks: list[int]
    pot: int
    hole: list[str]
    board: list[str]
    street: str
    history: list[tuple[int, str, str]]
    legal: list[Action]
    to_call: int
    min_raise_to: int
    max_raise_to: int
    folded: list[bool]
    seed: int = 0

    def rng(self) -> np.random.Generator:
        """This decision's own random stream: ``(seed, hand, decision)``."""
        return np.random.default_rng(np.random.SeedSequence([int(self.seed), int(self.hand), 7919, int(self.decision)]))


def _cards(cs: Iterable[Any]) -> list[str]:
    return [repr(c) for c in cs]


def _street(state: Any) -> str:
    i = state.street_index
    return STREETS[i] if i is not None and i < 4 else "river"


def legal_actions(state: Any) -> tuple[list[Action], int, int]:
    """The menu of legal actions of the actor of ``state`` and the raise range."""
    out: list[Action] = []
    if state.can_fold():
        out.append(Action("fold"))
    if state.can_check_or_call():
        amt = int(state.checking_or_calling_amount)
        out.append(Action("call", amt) if amt > 0 else Action("check"))
    lo = hi = 0
    if state.can_complete_bet_or_raise_to():
        lo = int(state.min_completion_betting_or_raising_to_amount)
        hi = int(state.max_completion_betting_or_raising_to_amount)
        kind = "raise" if max(state.bets) > 0 else "bet"
        sizes = {lo, hi}
        if hi > lo:  # no-limit: half pot and pot (pot-size raise: call, then raise the pot)
            pot = int(state.total_pot_amount)
            call = int(state.checking_or_calling_amount or 0)
            me = int(state.bets[state.actor_index])
            for frac in (0.5, 1.0):
                to = me + call + round(frac * (pot + call))
                if lo < to < hi:
                    sizes.add(to)
        out.extend(Action(kind, s) for s in sorted(sizes))
    return out, lo, hi


def parse_action(text: str | Action, obs: Observation) -> Action:
    """Read an answer (``fold``, ``check``, ``call``, ``bet 6``, ``raise 12``, ``allin``) as a legal
    :class:`Action` of ``obs``; raises :class:`IllegalAction` (one line) if it is not one.

    No-limit bets may take any size in ``[min_raise_to, max_raise_to]``; ``call`` means the legal
    call whatever amount follows it (the amount to call is not the player's to choose).
    """
    if isinstance(text, Action):
        words = [text.kind] + ([str(text.amount)] if text.kind in ("bet", "raise", "call") else [])
    else:
        words = str(text).lower().replace(",", " ").split()
    if not words:
        raise IllegalAction("empty answer: expected one of " + ", ".join(a.text() for a in obs.legal))
    kinds = {a.kind: a for a in obs.legal}
    head = words[0].strip(".:;!")
    if head in ("all-in", "allin", "shove"):
        if obs.max_raise_to:
            return Action(next(a.kind for a in obs.legal if a.kind in ("bet", "raise")), obs.max_raise_to)
        if "call" in kinds:
            return kinds["call"]
        raise IllegalAction("all-in is not possible here")
    if head in ("fold", "check", "call"):
        if head in kinds:
            return kinds[head]
        raise IllegalAction(f"{head} is not legal here: legal are " + ", ".join(a.text() for a in obs.legal))
    if head in ("bet", "raise"):
        kind = next((a.kind for a in obs.legal if a.kind in ("bet", "raise")), None)
        if kind is None:
            raise IllegalAction(f"{head} is not legal here: legal are " + ", ".join(a.text() for a in obs.legal))
        if len(words) < 2:
            raise IllegalAction(f"{head} needs a size in [{obs.min_raise_to}, {obs.max_raise_to}]")
        try:
            amount = int(float(words[1].lstrip("to").strip() or words[2]) if words[1] != "to" else float(words[2]))
        except (ValueError, IndexError):
            raise IllegalAction(f"{head} size {words[1]!r} is not a number") from None
        if not obs.min_raise_to <= amount <= obs.max_raise_to:
            raise IllegalAction(f"illegal bet size {amount}: {kind} must be to an amount in "
                                f"[{obs.min_raise_to}, {obs.max_raise_to}]")
        return Action(kind, amount)
    raise IllegalAction(f"unreadable action {str(text)[:40]!r}: expected one of "
                        + ", ".join(a.text() for a in obs.legal))


class _Table:
    """One hand in flight on one table."""

    def __init__(self, config: TableConfig, hand: int, seed: int, names: list[str], slot: int,
                 deal: int | None = None) -> None:
        self.config, self.hand, self.seed, self.names, self.slot = config, hand, seed, names, slot
        self.state = new_state(config)
        self.deal = hand if deal is None else int(deal)
        self.deck = deck_for(seed, self.deal)
        self.pos = 0
        self.start = [int(s) for s in self.state.starting_stacks]
        self.history: list[tuple[int, str, str]] = []
        self.actions: list[dict[str, Any]] = []
        self.decisions = 0
        self.advance()

    def _take(self, k: int) -> str:
        cs = "".join(self.deck[self.pos:self.pos + k])
        self.pos += k
        return cs

    def advance(self) -> None:
        """Deal and burn (from this hand's deck) until a decision is needed or the hand is over."""
        s = self.state
        while s.status and s.actor_index is None:
            if s.can_burn_card():
                s.burn_card(self._take(1))
            elif s.can_deal_hole():
                s.deal_hole(self._take(2))
            elif s.can_deal_board():
                s.deal_board(self._take(3 if len(s.board_cards) == 0 else 1))
            else:  # pragma: no cover - every other step is automated
                raise RuntimeError("pokerkit state waits for an operation this environment does not perform")

    @property
    def done(self) -> bool:
        return not self.state.status

    def observation(self) -> Observation:
        s = self.state
        i = int(s.actor_index)
        legal, lo, hi = legal_actions(s)
        return Observation(
            table=self.slot, hand=self.hand, seat=i, decision=self.decisions, config=self.config, names=self.names,
            stacks=[int(x) for x in s.stacks], bets=[int(x) for x in s.bets], starting_stacks=self.start,
            pot=int(s.total_pot_amount), hole=_cards(s.hole_cards[i]), board=_cards(s.get_board_cards(0)),
            street=_street(s), history=list(self.history), legal=legal,
            to_call=int(s.checking_or_calling_amount or 0) if s.can_check_or_call() else 0,
            min_raise_to=lo, max_raise_to=hi, folded=[not st for st in s.statuses], seed=self.seed)

    def apply(self, a: Action, *, fallback: bool = False, answer: str | None = None, seconds: float = 0.0) -> None:
        s = self.state
        i = int(s.actor_index)
        street = _street(s)
        if a.kind == "fold":
            s.fold()
            amount = 0
        elif a.kind in ("check", "call"):
            amount = int(s.check_or_call().amount)
        else:
            s.complete_bet_or_raise_to(int(a.amount))
            amount = int(a.amount)
        act = Action(a.kind, amount)
        self.history.append((i, street, act.text()))
        entry: dict[str, Any] = {"seat": i, "street": street, "action": a.kind, "amount": amount}
        if fallback:
            entry["fallback"] = True
        if answer is not None:
            entry["answer"] = answer
        if seconds:
            entry["seconds"] = round(float(seconds), 6)
        self.actions.append(entry)
        self.decisions += 1
        self.advance()

    def record(self) -> dict[str, Any]:
        s = self.state
        from pokerkit import HoleCardsShowingOrMucking

        n = self.config.players
        shown = sorted({op.player_index for op in s.operations
                        if isinstance(op, HoleCardsShowingOrMucking) and op.hole_cards})
        hole = [self.deck[2 * k:2 * k + 2] for k in range(n)]  # pokerkit deals one player at a time
        board = _cards(s.get_board_cards(0))
        final = [int(x) for x in s.stacks]
        extra = {} if self.deal == self.hand else {"deal": self.deal}
        return {"hand": self.hand, **extra, "seed": self.seed, "config": self.config.to_dict(), "seats": list(self.names),
                "stacks": list(self.start), "hole": hole, "board": board, "actions": self.actions,
                "showdown": shown, "winnings": [f - b for f, b in zip(final, self.start)], "final_stacks": final}


def _hole_order(config: TableConfig) -> list[int]:
    return list(range(config.players))


Agent = Any  # an object with act(observations) -> list[Action | str]


def play_hands(config: TableConfig, agents: Sequence[Agent] | Callable[[int], Sequence[Agent]], hands: int | Sequence[int],
               seed: int = 0, tables: int = 16, decide: Callable[..., Any] | None = None,
               deal: Callable[[int], int] | None = None) -> list[dict[str, Any]]:
    """Play ``hands`` hands on ``tables`` tables at once; one record per hand, in hand order.

    Args:
        config: the game.
        agents: one agent per seat (``agents[i]`` plays position ``i``), or ``agents(hand) ->`` such a
            list (seat rotation). An agent has ``name`` and ``act(observations) -> actions``
            (an :class:`Action` or answer text per observation).
        hands: number of hands (ids ``0..hands-1``) or the hand ids to deal.
        seed: deck and bot seed.  tables: hands in flight at once (does not change the records).
        decide: optional ``decide(agent, observations, tables) -> None`` that applies the decisions
            itself (the arena's re-ask/fallback policy); default: apply the answers, an illegal one raises.
    Returns:
        The hand records (JSON-ready dicts, see :func:`record_to_phh`).

    Example:
        >>> from regretlab.poker.bots import CallingStation
        >>> recs = play_hands(TableConfig(players=3), [CallingStation()] * 3, 4, seed=1, tables=2)
        >>> [sum(r["winnings"]) for r in recs]
        [0, 0, 0, 0]
    """
    ids = list(range(int(hands))) if isinstance(hands, (int, np.integer)) else [int(h) for h in hands]
    if not isinstance(tables, (int, np.integer)) or tables < 1:
        raise ValueError(f"tables must be a positive integer, got {tables!r}")
    seat_agents = agents if callable(agents) else (lambda h, a=list(agents): a)
    for h in ids[:1]:
        if len(seat_agents(h)) != config.players:
            raise ValueError(f"agents must hold one agent per seat ({config.players}), got {len(seat_agents(h))}")
    queue = list(ids)
    live: list[tuple[_Table, list[Any]]] = []
    records: dict[int, dict[str, Any]] = {}

    def refill() -> None:
        while queue and len(live) < tables:
            h = queue.pop(0)
            ags = list(seat_agents(h))
            t = _Table(config, h, seed, [str(getattr(a, "name", type(a).__name__)) for a in ags], len(live),
                       None if deal is None else deal(h))
            if t.done:
                records[h] = t.record()
            else:
                live.append((t, ags))

    refill()
    while live:
        groups: dict[int, tuple[Any, list[_Table]]] = {}
        for t, ags in live:
            a = ags[int(t.state.actor_index)]
            groups.setdefault(id(a), (a, []))[1].append(t)
        for a, ts in groups.values():
            obs = [t.observation() for t in ts]
            if decide is not None:
                decide(a, obs, ts)
            else:
                for t, o, ans in zip(ts, obs, a.act(obs)):
                    t.apply(parse_action(ans, o))
        still = []
        for t, ags in live:
            if t.done:
                records[t.hand] = t.record()
            else:
                still.append((t, ags))
        live = still
        refill()
    return [records[h] for h in ids]


# -- independent pot and payout computation (pokerkit's evaluator only) ---------------------------

def _config(record: Mapping[str, Any]) -> TableConfig:
    c = dict(record["config"])
    c["stacks"] = tuple(c.get("stacks", ()))
    return TableConfig(**c)


def contributions(record: Mapping[str, Any]) -> list[int]:
    """Chips each seat put in the pot: starting stack minus what it had before the pot was pushed."""
    cfg = _config(record)
    n = cfg.players
    start = list(record["stacks"])
    # blinds and antes (pokerkit: heads-up reverses the blinds: the button, index 1, posts the small)
    blinds = [0] * n
    if n == 2:
        blinds[1], blinds[0] = cfg.small_blind, cfg.big_blind
    else:
        blinds[0], blinds[1] = cfg.small_blind, cfg.big_blind
    street_bet = [0] * n
    street = "preflop"
    committed = [0] * n  # committed before this street
    for i in range(n):
        committed[i] = min(cfg.ante, start[i])
        street_bet[i] = min(blinds[i], start[i] - committed[i])
    for a in record["actions"]:
        if a["street"] != street:
            committed = [c + b for c, b in zip(committed, street_bet)]
            street_bet = [0] * n
            street = a["street"]
        i = a["seat"]
        if a["action"] == "call":
            street_bet[i] += a["amount"]
        elif a["action"] in ("bet", "raise"):
            street_bet[i] = a["amount"]
    total = [c + b for c, b in zip(committed, street_bet)]
    return [min(t, s) for t, s in zip(total, start)]


def side_pots(record: Mapping[str, Any]) -> list[tuple[int, list[int]]]:
    """The main pot and side pots of a finished hand: ``[(amount, eligible seats), ...]``.

    Each level of contribution forms a pot that every seat who put in at least that much and did
    not fold can win (folded chips stay in the pots they reached).
    """
    put = contributions(record)
    folded = {a["seat"] for a in record["actions"] if a["action"] == "fold"}
    levels = sorted({p for p in put if p > 0})
    pots: list[tuple[int, list[int]]] = []
    prev = 0
    for lv in levels:
        amount = sum(min(p, lv) - min(p, prev) for p in put)
        elig = [i for i, p in enumerate(put) if p >= lv and i not in folded]
        if pots and sorted(pots[-1][1]) == sorted(elig):
            pots[-1] = (pots[-1][0] + amount, elig)
        elif elig:
            pots.append((amount, elig))
        else:  # nobody left at this level: the chips return to the last eligible pot's players
            pots[-1] = (pots[-1][0] + amount, pots[-1][1])
        prev = lv
    return pots


def showdown_payouts(record: Mapping[str, Any]) -> list[int]:
    """Net winnings per seat recomputed from the record: side pots split among the best hands
    (pokerkit's ``StandardHighHand``), odd chips to the earliest winning position after the button.
    """
    from pokerkit import StandardHighHand

    n = len(record["stacks"])
    put = contributions(record)
    got = [0] * n
    board = "".join(record["board"])
    strength: dict[int, Any] = {}
    for amount, elig in side_pots(record):
        if len(elig) == 1:
            got[elig[0]] += amount
            continue
        for i in elig:
            if i not in strength:
                strength[i] = StandardHighHand.from_game("".join(record["hole"][i]), board)
        best = max(strength[i] for i in elig)
        win = sorted(i for i in elig if strength[i] == best)
        q, r = divmod(amount, len(win))
        for k, i in enumerate(win):
            got[i] += q + (1 if k < r else 0)
    return [g - p for g, p in zip(got, put)]


# -- PHH ---------------------------------------------------------------------------------------

def replay(record: Mapping[str, Any], on_decision: Callable[[Observation, dict[str, Any]], None] | None = None) -> Any:
    """Drive a fresh pokerkit state through ``record`` (its cards and actions) and return the table;
    ``on_decision(observation, action entry)`` is called before each recorded decision."""
    cfg = _config(record)
    t = _Table.__new__(_Table)
    t.config, t.hand, t.seed, t.names, t.slot = cfg, record["hand"], record.get("seed", 0), record["seats"], 0
    t.deal = record.get("deal", record["hand"])
    t.state = new_state(cfg, record["stacks"])
    t.start = list(record["stacks"])
    t.history, t.actions, t.decisions = [], [], 0
    t.deck = _record_deck(record)
    t.pos = 0
    t.advance()
    for k, a in enumerate(record["actions"]):
        if t.done:
            raise ValueError(f"record of hand {record['hand']}: action {k} comes after the hand ended")
        if int(t.state.actor_index) != a["seat"]:
            raise ValueError(f"record of hand {record['hand']}: action {k} by seat {a['seat']}, "
                             f"but seat {t.state.actor_index} is to act")
        if on_decision is not None:
            on_decision(t.observation(), a)
        t.apply(Action(a["action"], a["amount"]))
    return t


def _record_deck(record: Mapping[str, Any]) -> list[str]:
    """A deck that deals the record's hole cards, then burn/board cards in dealing order."""
    used = {c for h in record["hole"] for c in h} | set(record["board"])
    spare = [c for c in CARDS if c not in used]
    b = list(record["board"])
    deck = [c for h in record["hole"] for c in h]
    deck += [spare[0]] + b[:3] + [spare[1]] + b[3:4] + [spare[2]] + b[4:5]
    return deck


def record_to_phh(record: Mapping[str, Any]) -> str:
    """The record as PHH text (pokerkit's ``HandHistory.dumps``), seat names as ``players``."""
    from pokerkit import HandHistory

    cfg = _config(record)
    t = replay(record)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hh = HandHistory.from_game_state(game_of(cfg), t.state, players=list(record["seats"]),
                                         hand=int(record["hand"]))
    return hh.dumps()


def phh_to_records(text: str, seed: int = 0) -> dict[str, Any]:
    """Read one PHH hand (hold'em, ``NT`` or ``FT``) as a record; raises a one-line ``ValueError``
    for malformed text, another variant, or a hand that does not follow the rules."""
    from pokerkit import CheckingOrCalling, HandHistory, HoleCardsShowingOrMucking

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hh = HandHistory.loads(text)
    except Exception as e:  # noqa: BLE001 - tomllib, KeyError, TypeError: all mean the text is not PHH
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ValueError(f"malformed PHH: {msg}") from None
    if hh.variant not in ("NT", "FT"):
        raise ValueError(f"PHH variant {hh.variant!r} is not Texas hold'em (expected 'NT' or 'FT')")
    blinds = list(hh.blinds_or_straddles or [])
    raw_antes: Any = hh.antes
    antes = [raw_antes] if isinstance(raw_antes, int) else list(raw_antes or [])
    n = len(hh.starting_stacks)
    sb, bb = (blinds + [0, 0])[:2]  # as given (pokerkit swaps them itself when heads-up)
    stacks = [int(s) for s in hh.starting_stacks]
    try:
        cfg = TableConfig(players=n, limit="no" if hh.variant == "NT" else "fixed", small_blind=int(sb),
                          big_blind=int(bb), ante=int(max(antes) if antes else 0), stack=max(stacks),
                          stacks=tuple(stacks) if len(set(stacks)) > 1 else ())
    except ValueError as e:
        raise ValueError(f"PHH hand outside this environment: {e}") from None
    hole: list[list[str]] = [[] for _ in range(n)]
    board: list[str] = []
    actions: list[dict[str, Any]] = []
    try:
        for state, act in hh.state_actions:
            if act is None:
                continue
            w = act.split()
            if w[0] == "d" and w[1] == "dh":
                p = int(w[2][1:]) - 1
                hole[p] = [w[3][k:k + 2] for k in range(0, len(w[3]), 2)]
            elif w[0] == "d" and w[1] == "db":
                board += [w[2][k:k + 2] for k in range(0, len(w[2]), 2)]
            elif w[0].startswith("p") and w[1] in ("f", "cc", "cbr"):
                p = int(w[0][1:]) - 1
                last: Any = next((op for op in reversed(state.operations) if isinstance(op, CheckingOrCalling)),
                                 None) if w[1] == "cc" else None
                street = STREETS[{0: 0, 3: 1, 4: 2}.get(len(board), 3)]
                if w[1] == "f":
                    actions.append({"seat": p, "street": street, "action": "fold", "amount": 0})
                elif w[1] == "cc":
                    amt = int(last.amount)
                    actions.append({"seat": p, "street": street, "action": "call" if amt else "check", "amount": amt})
                else:
                    kind = "raise" if any(a["street"] == street and a["action"] in ("bet", "raise") for a in actions) \
                        or street == "preflop" else "bet"
                    actions.append({"seat": p, "street": street, "action": kind, "amount": int(w[2])})
        final = state
    except ValueError as e:
        raise ValueError(f"PHH hand does not follow the rules: {str(e).splitlines()[0]}") from None
    if final.status:
        raise ValueError("PHH hand is incomplete: the state still waits for an action")
    if any(len(h) != 2 or "?" in "".join(h) for h in hole):
        raise ValueError("PHH hand lacks some hole cards (each player needs two known cards)")
    names = [str(x) for x in (hh.players or [f"p{i + 1}" for i in range(n)])]
    fs = [int(x) for x in final.stacks]
    return {"hand": int(hh.hand) if hh.hand is not None else 0, "seed": seed, "config": cfg.to_dict(),
            "seats": names, "stacks": stacks, "hole": hole, "board": board, "actions": actions,
            "showdown": sorted({op.player_index for op in final.operations
                                if isinstance(op, HoleCardsShowingOrMucking) and op.hole_cards}),
            "winnings": [f - s for f, s in zip(fs, stacks)], "final_stacks": fs}


def write_jsonl(records: Iterable[Mapping[str, Any]], path: Any) -> None:
    """One JSON line per hand."""
    from pathlib import Path

    with Path(path).open("w") as f:
        f.writelines(json.dumps(r, separators=(",", ":")) + "\n" for r in records)


def read_jsonl(path: Any) -> list[dict[str, Any]]:
    """Records written by :func:`write_jsonl`; a malformed line raises a one-line ``ValueError``."""
    from pathlib import Path

    out = []
    for k, line in enumerate(Path(path).read_text().splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: line {k} is not JSON ({e.msg})") from None
    return out
