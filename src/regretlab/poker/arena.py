"""Evaluation by play: seat any mix of agents, rotate seats over duplicate deals, and report win
rates in mbb/hand and bb/100 with 95% confidence intervals, the illegal-answer rate and the
response time per decision.

Duplicate dealing with seat rotation (as in the Annual Computer Poker Competition): deal ``d`` is
played ``n`` times with the same deck, the agents rotated one position each time, so every agent
holds every position's cards once; an agent's win rate on deal ``d`` is the mean of its results
over the rotations, and the 95% interval is ``mean ± 1.96 sd / sqrt(deals)`` over deals (the
deals are independent; the rotations of one deal are not).

Answers: an agent returns an :class:`~regretlab.poker.env.Action` or text. Text that does not
parse as a legal action is asked again once (``agent.reask(observation, error)`` if the agent has
it, else ``act`` again); if that fails too (or the agent raises), the decision is a recorded
fallback (check if legal, else fold) and the hand goes on. No hand is ever lost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from regretlab.poker.env import (
    Action,
    IllegalAction,
    Observation,
    TableConfig,
    parse_action,
    play_hands,
)
from regretlab.poker.prompts import render

__all__ = ["ArenaResult", "TextAgent", "arena", "win_rates"]


@dataclass
class ArenaResult:
    """One agent's results (see the module docstring for the statistics).

    Attributes:
        name: agent name.  hands: hands it played (seat-hands).  deals: independent deals.
        mbb_per_hand: mean milli-big-blinds won per hand; ci_low, ci_high: its 95% interval.
        bb_per_100: big blinds per 100 hands (= mbb/hand / 10).
        decisions: decisions it made.  illegal: first answers that were illegal or unreadable.
        fallbacks: decisions that fell back after the re-ask.  illegal_rate: illegal / decisions.
        seconds_per_decision: mean response time.
    """

    name: str
    hands: int
    deals: int
    mbb_per_hand: float
    ci_low: float
    ci_high: float
    bb_per_100: float
    decisions: int
    illegal: int
    fallbacks: int
    illegal_rate: float
    seconds_per_decision: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fallback(o: Observation) -> Action:
    return next((a for a in o.legal if a.kind == "check"), None) or next(a for a in o.legal if a.kind == "fold")


class _Decider:
    """Applies an agent's answers with the re-ask / fallback policy and counts what happened."""

    def __init__(self) -> None:
        self.stats: dict[str, dict[str, float]] = {}

    def _s(self, name: str) -> dict[str, float]:
        return self.stats.setdefault(name, {"decisions": 0, "illegal": 0, "fallbacks": 0, "seconds": 0.0})

    def __call__(self, agent: Any, obs: list[Observation], tables: list[Any]) -> None:
        name = str(getattr(agent, "name", type(agent).__name__))
        st = self._s(name)
        t0 = time.perf_counter()
        try:
            answers = list(agent.act(obs))
            if len(answers) != len(obs):
                raise ValueError(f"agent {name!r} answered {len(answers)} times for {len(obs)} decisions")
        except Exception as e:  # noqa: BLE001 - a crashing agent is a fallback on every decision, never a crashed arena
            answers = [e] * len(obs)
        per = (time.perf_counter() - t0) / max(len(obs), 1)
        for t, o, ans in zip(tables, obs, answers):
            st["decisions"] += 1
            text = ans if isinstance(ans, str) else None
            try:
                if isinstance(ans, Exception):
                    raise IllegalAction(str(ans))
                act, fb = parse_action(ans, o), False
            except IllegalAction as err:
                st["illegal"] += 1
                t1 = time.perf_counter()
                try:
                    again = agent.reask(o, str(err)) if hasattr(agent, "reask") else next(iter(agent.act([o])))
                    text = again if isinstance(again, str) else text
                    act, fb = parse_action(again, o), False
                except Exception:  # noqa: BLE001 - an illegal answer or a crash: the recorded fallback
                    act, fb = _fallback(o), True
                    st["fallbacks"] += 1
                per_o = per + time.perf_counter() - t1
            else:
                per_o = per
            st["seconds"] += per_o
            t.apply(act, fallback=fb, answer=text, seconds=per_o)


def arena(config: TableConfig, agents: Sequence[Any], deals: int, seed: int = 0, tables: int = 16,
          rotate: bool = True) -> tuple[list[dict[str, Any]], list[ArenaResult]]:
    """Play ``deals`` duplicate deals (each ``players`` times, seats rotated) and score every agent.

    Args:
        config: the game.  agents: one per seat (the same object in several seats plays them all).
        deals: independent decks.  seed: seed of decks and bots.  tables: hands in flight at once.
        rotate: rotate seats over duplicate deals (``False``: each deal once, seats fixed).
    Returns:
        ``(records, results)``: every hand's record (rotation ``r`` of deal ``d`` is hand
        ``d * players + r``) and one :class:`ArenaResult` per distinct agent name.

    Example:
        >>> from regretlab.poker.bots import CallingStation, RandomBot
        >>> recs, res = arena(TableConfig(players=2), [RandomBot(), CallingStation()], deals=4, seed=0)
        >>> len(recs), sorted(r.name for r in res), sum(r.mbb_per_hand for r in res) == 0
        (8, ['calling_station', 'random'], True)
    """
    n = config.players
    if len(agents) != n:
        raise ValueError(f"agents must hold one agent per seat ({n}), got {len(agents)}")
    reps = n if rotate else 1
    ags = list(agents)

    def seats(h: int) -> list[Any]:
        r = h % reps
        return [ags[(i - r) % n] for i in range(n)]  # agent j sits at position (j + r) % n

    decider = _Decider()
    recs = play_hands(config, seats, deals * reps, seed=seed, tables=tables, decide=decider,
                      deal=lambda h: h // reps)
    return recs, win_rates(recs, config, reps, decider.stats)


def win_rates(records: Sequence[dict[str, Any]], config: TableConfig, reps: int = 1,
              stats: dict[str, dict[str, float]] | None = None) -> list[ArenaResult]:
    """Per agent name: mbb/hand with its 95% interval over deals (hand ``h`` is deal ``h // reps``)."""
    bb = float(config.big_blind)
    per: dict[str, dict[int, list[float]]] = {}
    for r in records:
        d = int(r.get("deal", r["hand"] // reps))
        for name, w in zip(r["seats"], r["winnings"]):
            per.setdefault(name, {}).setdefault(d, []).append(1000.0 * w / bb)
    out = []
    stats = stats or {}
    for name in sorted(per):
        by_deal = np.array([np.mean(v) for _, v in sorted(per[name].items())])
        hands = sum(len(v) for v in per[name].values())
        m = float(by_deal.mean())
        half = 1.96 * float(by_deal.std(ddof=1)) / math.sqrt(len(by_deal)) if len(by_deal) > 1 else float("inf")
        s = stats.get(name, {})
        dec = int(s.get("decisions", 0))
        out.append(ArenaResult(name, hands, len(by_deal), m, m - half, m + half, m / 10.0, dec,
                               int(s.get("illegal", 0)), int(s.get("fallbacks", 0)),
                               (s.get("illegal", 0) / dec) if dec else 0.0,
                               (s.get("seconds", 0.0) / dec) if dec else 0.0))
    return out


class TextAgent:
    """Any text model as a player: the prompt (:func:`~regretlab.poker.prompts.render`) goes to
    ``backend.complete(messages) -> str`` (the agent harness's chat models:
    :class:`regretlab.agents.text.ChatAgent` behind an OpenAI-compatible endpoint, or a local
    Hugging Face model), and the reply is read as the action.

    Args:
        backend: an object with ``complete(messages) -> str``, or a callable ``prompt -> str``.
        name: label in records.
    """

    SYSTEM = ("You play no-limit or fixed-limit Texas hold'em. Answer with exactly one legal action from the "
              "'legal' list, e.g. 'fold', 'check', 'call 4', 'bet 6' or 'raise 12' (raise to 12).")

    def __init__(self, backend: Any, name: str = "text") -> None:
        self.backend, self.name = backend, name

    def _ask(self, prompt: str) -> str:
        if hasattr(self.backend, "complete"):
            return str(self.backend.complete([{"role": "system", "content": self.SYSTEM},
                                              {"role": "user", "content": prompt}]))
        return str(self.backend(prompt))

    def act(self, observations: Sequence[Observation]) -> list[str]:
        return [self._ask(render(o)) for o in observations]

    def reask(self, o: Observation, error: str) -> str:
        return self._ask(render(o) + f" | previous answer was not legal: {error}")
