"""Baseline hold'em players: random, calling station, and rule-based tight-aggressive (TAG) and
loose-aggressive (LAG) bots parameterised by hand-strength thresholds.

Every bot has ``name`` and ``act(observations) -> [Action]`` (a batch of decisions, one per table)
and draws its random choices from the observation's own stream (seed, hand, decision), so its play
does not depend on how many tables run at once.

The threshold bot (:class:`ThresholdBot`): with ``e = HS^k`` (the approximate equity against
``k`` active opponents from the hand strength HS, :mod:`regretlab.poker.equity`) and its ratio to
the fair share, ``r = (k + 1) e``, it raises (to the largest menu size not above ``raise_pot``
times the pot) when ``r >= raise_at``, calls when ``r >= call_at`` or when the price is small and
covered (pot odds ``to_call / (pot + to_call) < 0.25`` and ``e >=`` the pot odds), checks when it
may, and folds otherwise; with probability ``bluff`` it raises whatever it holds. TAG: high thresholds, no
bluffs; LAG: low thresholds, bluffs (the styles of Billings et al. 2002, "The challenge of poker").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from regretlab.poker.env import Action, Observation
from regretlab.poker.equity import hand_strength, preflop_strength

__all__ = ["BOTS", "CallingStation", "RandomBot", "ThresholdBot", "lag", "make_bot", "tag"]


class RandomBot:
    """Uniform over the legal menu (fold only when facing a bet, as the rules allow).

    Example:
        >>> from regretlab.poker.env import TableConfig, play_hands
        >>> recs = play_hands(TableConfig(players=2), [RandomBot(), RandomBot()], 3, seed=0)
        >>> len(recs), all(sum(r["winnings"]) == 0 for r in recs)
        (3, True)
    """

    name = "random"

    def act(self, observations: Sequence[Observation]) -> list[Action]:
        return [o.legal[int(o.rng().integers(len(o.legal)))] for o in observations]


class CallingStation:
    """Always checks or calls (never folds, never raises)."""

    name = "calling_station"

    def act(self, observations: Sequence[Observation]) -> list[Action]:
        return [next(a for a in o.legal if a.kind in ("check", "call")) for o in observations]


@dataclass
class ThresholdBot:
    """Raise / call / fold by hand-strength thresholds (see the module docstring).

    Args:
        raise_at: equity / fair share ``r`` at or above which it raises.
        call_at: ``r`` at or above which it calls any bet.
        raise_pot: raise size as a fraction of the pot (the menu size closest below).
        bluff: probability of raising regardless of strength.
        samples: Monte-Carlo draws for post-flop strength (pre-flop: the cached table).
        name: label in records and reports.
    """

    raise_at: float = 1.5
    call_at: float = 1.1
    raise_pot: float = 1.0
    bluff: float = 0.0
    samples: int = 24
    name: str = "threshold"

    def strength(self, o: Observation) -> tuple[float, float]:
        """``(e, r)``: approximate equity ``HS^k`` and its ratio to the fair share ``1/(k+1)``."""
        opponents = max(1, sum(1 for i, f in enumerate(o.folded) if not f and i != o.seat))
        if not o.board:
            hs = preflop_strength(o.hole)
        else:
            hs = hand_strength(o.hole, o.board, self.samples, o.rng())
        e = float(hs) ** opponents
        return e, e * (opponents + 1)

    def decide(self, o: Observation) -> Action:
        rng = o.rng()
        e, s = self.strength(o)
        raises = [a for a in o.legal if a.kind in ("bet", "raise")]
        passive = next(a for a in o.legal if a.kind in ("check", "call"))
        if raises and (s >= self.raise_at or rng.random() < self.bluff):
            target = max(self.raise_pot * o.pot, raises[0].amount)
            fit = [a for a in raises if a.amount <= target]
            return fit[-1] if fit else raises[0]
        if passive.kind == "check":
            return passive
        price = o.to_call / (o.pot + o.to_call)
        if s >= self.call_at or (price < 0.25 and e >= price):
            return passive
        return next((a for a in o.legal if a.kind == "fold"), passive)

    def act(self, observations: Sequence[Observation]) -> list[Action]:
        return [self.decide(o) for o in observations]


def tag(samples: int = 24) -> ThresholdBot:
    """Tight-aggressive: raises strong hands only, calls rarely, never bluffs."""
    return ThresholdBot(raise_at=1.5, call_at=1.1, raise_pot=1.0, bluff=0.0, samples=samples, name="tag")


def lag(samples: int = 24) -> ThresholdBot:
    """Loose-aggressive: raises and calls with weaker hands and bluffs one time in ten."""
    return ThresholdBot(raise_at=1.0, call_at=0.75, raise_pot=0.5, bluff=0.1, samples=samples, name="lag")


BOTS: dict[str, Any] = {"random": RandomBot, "calling_station": CallingStation, "tag": tag, "lag": lag}


def make_bot(name: str) -> Any:
    """A baseline bot by name (``random``, ``calling_station``, ``tag``, ``lag``)."""
    if name not in BOTS:
        raise ValueError(f"unknown bot {name!r} (known: {', '.join(BOTS)})")
    return BOTS[name]()
