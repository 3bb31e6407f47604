"""Where a trained player departs from its teacher: action agreement by street and by hand-strength
bucket on the decisions of real play.

The player (e.g. the SFT model as an :class:`~regretlab.poker.model.LMAgent`) plays an arena
match; at each of its decisions the teacher bot is asked what it would do on the same
observation (its own seeded stream, so the answer is the one it would give in that seat). The
tallies say which kinds of decision the imitation gets wrong: in docs/poker.md, strong hands
checked where the TAG teacher bets, the value bets that beat a calling station.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from regretlab.poker.arena import arena
from regretlab.poker.env import Observation, TableConfig, parse_action
from regretlab.poker.prompts import features

__all__ = ["BUCKETS", "teacher_agreement"]

BUCKETS = ((0, 40), (40, 55), (55, 70), (70, 85), (85, 101))


class _Spy:
    """Plays as ``agent``, logs ``(street, strength, teacher's action, agent's action)`` per decision."""

    def __init__(self, agent: Any, teacher: Any) -> None:
        self.agent, self.teacher, self.name = agent, teacher, str(getattr(agent, "name", "player"))
        self.log: list[tuple[str, int, str, str]] = []

    def act(self, observations: Sequence[Observation]) -> list[Any]:
        answers = list(self.agent.act(observations))
        for o, a, t in zip(observations, answers, self.teacher.act(observations)):
            try:
                mine = parse_action(a, o).text()
            except Exception:  # noqa: BLE001 - an unreadable answer disagrees with any action
                mine = "illegal"
            self.log.append((o.street, features(o)[0], t.text() if hasattr(t, "text") else str(t), mine))
        return answers

    def reask(self, o: Observation, error: str) -> Any:
        return self.agent.reask(o, error) if hasattr(self.agent, "reask") else self.agent.act([o])[0]


def teacher_agreement(config: TableConfig, agent: Any, teacher: Any, opponent: Any, deals: int,
                      seed: int = 0) -> dict[str, Any]:
    """Agreement of ``agent`` with ``teacher`` at the agent's decisions against ``players - 1``
    copies of ``opponent`` (duplicate deals, :func:`~regretlab.poker.arena.arena`).

    Returns:
        ``{"all", "street", "strength"}``: each group (``street``: preflop..river; ``strength``:
        the :data:`BUCKETS` of the prompt's hand strength in percent, ``"lo-hi"``) maps to
        ``{"decisions", "kind", "exact", "pairs"}`` -- the share of decisions with the same action
        kind (fold / check / call / bet / raise), with the same action and size, and the counts of
        ``(teacher's kind, agent's kind)``; plus ``"mbb_per_hand"`` of the agent in the match.

    Example:
        >>> from regretlab.poker.bots import CallingStation, tag
        >>> a = teacher_agreement(TableConfig(players=3), tag(), tag(), CallingStation(), 2)
        >>> a["all"]["exact"]
        1.0
    """
    spy = _Spy(agent, teacher)
    _, res = arena(config, [spy] + [opponent] * (config.players - 1), deals, seed=seed, tables=64)
    me = next(r for r in res if r.name == spy.name)

    def tally(rows: list[tuple[str, int, str, str]]) -> dict[str, Any]:
        n = len(rows)
        kinds = Counter((t.split()[0], a.split()[0]) for _, _, t, a in rows)
        return {"decisions": n,
                "kind": sum(t.split()[0] == a.split()[0] for _, _, t, a in rows) / n if n else float("nan"),
                "exact": sum(t == a for _, _, t, a in rows) / n if n else float("nan"),
                "pairs": dict(kinds.most_common())}

    L = spy.log
    return {"all": tally(L),
            "street": {s: tally([x for x in L if x[0] == s]) for s in ("preflop", "flop", "turn", "river")},
            "strength": {f"{lo}-{hi - 1}": tally([x for x in L if lo <= x[1] < hi]) for lo, hi in BUCKETS},
            "mbb_per_hand": me.mbb_per_hand}
