"""The PokerGPT data pipeline: hand records -> decisions -> prompts, filtered to the players with
the best win rates, -> SFT pairs (prompt -> action text) and preference pairs.

Following Huang et al. 2024 (PokerGPT, arXiv 2401.06781, §3): records come from play (here bot
tournaments, or any PHH/JSONL records a user has), each decision becomes a prompt, and only the
decisions of players whose win rate is at or above a chosen percentile of all players' win rates
are kept for fine-tuning. Preference pairs for the RLHF stage contrast, on a kept player's
decision, the action it took in a hand it won with another legal action, and, in a hand it lost
after putting chips in voluntarily, folding (chosen) with the action it took (rejected).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from regretlab.poker.arena import arena
from regretlab.poker.bots import make_bot
from regretlab.poker.env import Observation, TableConfig, replay
from regretlab.poker.prompts import render

__all__ = ["bot_tournament", "decisions", "keep_players", "player_win_rates", "preference_pairs", "sft_pairs"]


def bot_tournament(config: TableConfig, bots: Sequence[str], deals: int, seed: int = 0,
                   tables: int = 16) -> list[dict[str, Any]]:
    """Records of ``deals`` duplicate deals among the named bots (one per seat, seats rotated).

    Example:
        >>> recs = bot_tournament(TableConfig(players=3), ["random", "tag", "calling_station"], 2)
        >>> len(recs), recs[0]["seats"]
        (6, ['random', 'tag', 'calling_station'])
    """
    if len(bots) != config.players:
        raise ValueError(f"bots must name one bot per seat ({config.players}), got {len(bots)}")
    pool: dict[str, Any] = {}
    agents = [pool.setdefault(b, make_bot(b)) for b in bots]
    return arena(config, agents, deals, seed=seed, tables=tables)[0]


def player_win_rates(records: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Mean big blinds won per hand of every player name."""
    tot: dict[str, list[float]] = {}
    for r in records:
        bb = float(r["config"]["big_blind"])
        for name, w in zip(r["seats"], r["winnings"]):
            tot.setdefault(name, []).append(w / bb)
    return {k: float(np.mean(v)) for k, v in sorted(tot.items())}


def keep_players(records: Sequence[dict[str, Any]], percentile: float) -> set[str]:
    """Players whose win rate is at or above the ``percentile`` (0..100) of all players' win rates."""
    if not 0 <= percentile <= 100:
        raise ValueError(f"percentile must lie in [0, 100], got {percentile!r}")
    rates = player_win_rates(records)
    cut = float(np.percentile(list(rates.values()), percentile))
    return {k for k, v in rates.items() if v >= cut}


def decisions(records: Iterable[dict[str, Any]], players: set[str] | None = None) -> list[dict[str, Any]]:
    """One row per decision (of ``players`` only, if given): prompt, action text, legal action
    texts, the player, the hand and the player's net result in it (chips)."""
    rows: list[dict[str, Any]] = []
    for r in records:
        def take(o: Observation, a: dict[str, Any], r: dict[str, Any] = r) -> None:
            name = r["seats"][a["seat"]]
            if players is not None and name not in players:
                return
            text = a["action"] if a["action"] in ("fold", "check") else f"{a['action']} {a['amount']}"
            rows.append({"prompt": render(o), "action": text, "legal": [x.text() for x in o.legal],
                         "player": name, "hand": r["hand"], "net": r["winnings"][a["seat"]],
                         "kind": a["action"]})
        replay(r, take)
    return rows


def sft_pairs(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(prompt, action text)`` of every row."""
    return [(x["prompt"], x["action"]) for x in rows]


def preference_pairs(rows: Sequence[dict[str, Any]], seed: int = 0) -> list[dict[str, str]]:
    """Preference examples ``{"prompt", "chosen", "rejected"}`` (rules in the module docstring).

    Example:
        >>> rows = [{"prompt": "p", "action": "call 2", "legal": ["fold", "call 2", "raise 4"], "net": 5,
        ...          "kind": "call"},
        ...         {"prompt": "q", "action": "raise 4", "legal": ["fold", "call 2", "raise 4"], "net": -4,
        ...          "kind": "raise"}]
        >>> [(e["chosen"], e["rejected"]) for e in preference_pairs(rows)][1]
        ('fold', 'raise 4')
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 2024]))
    out = []
    for x in rows:
        others = [a for a in x["legal"] if a != x["action"]]
        if not others:
            continue
        if x["net"] > 0:
            out.append({"prompt": x["prompt"], "chosen": x["action"], "rejected": others[int(rng.integers(len(others)))]})
        elif x["net"] < 0 and x["kind"] in ("call", "bet", "raise") and "fold" in x["legal"]:
            out.append({"prompt": x["prompt"], "chosen": "fold", "rejected": x["action"]})
    return out
