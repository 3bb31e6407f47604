"""The PokerGPT data pipeline: hand records -> decisions -> prompts, filtered to the players with
the best win rates, -> SFT pairs (prompt -> action text) and preference pairs.

Following Huang et al. 2024 (PokerGPT, arXiv 2401.06781, §3): records come from play (here bot
tournaments, or any PHH/JSONL records a user has), each decision becomes a prompt, and only the
decisions of players whose win rate is at or above a chosen percentile of all players' win rates
are kept for fine-tuning. Preference pairs for the RLHF stage contrast, on a kept player's
decision, the action it took in a hand it won with another legal action, and, in a hand it lost
after putting chips in voluntarily, folding (chosen) with the action it took (rejected); or
(:func:`simulated_pairs`) the action taken and another legal action ranked by their values
simulated by rollouts (:func:`simulated_value`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from regretlab.poker.arena import arena
from regretlab.poker.bots import make_bot
from regretlab.poker.env import Observation, TableConfig, replay
from regretlab.poker.prompts import render

__all__ = ["bot_tournament", "decisions", "engine_tournament", "keep_players", "player_win_rates", "preference_pairs", "sft_pairs", "simulated_pairs", "simulated_value"]


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


def engine_tournament(config: TableConfig, bots: Sequence[str], deals: int, seed: int = 0,
                      first_hand: int = 0) -> list[dict[str, Any]]:
    """Records of ``deals`` duplicate deals among the named built-in bots on the compiled engine
    (:func:`regretlab.poker.engine.play_records`), each deal played once per rotation of the seats.

    The same records as :func:`bot_tournament` would write (the environment's format; the
    pipeline reads them alike), but thousands of times faster and from the engine's own decks and
    bot draws. Record ``hand`` ids are ``first_hand + rotation * deals + deal`` (unique, so that
    rollouts seeded by the hand id differ), ``deal`` the deck id.

    Example:
        >>> recs = engine_tournament(TableConfig(players=3), ["tag", "random", "calling_station"], 2)
        >>> len(recs), recs[0]["seats"], recs[2]["seats"], [r["hand"] for r in recs]
        (6, ['tag', 'random', 'calling_station'], ['random', 'calling_station', 'tag'], [0, 1, 2, 3, 4, 5])
    """
    from regretlab.poker.engine import play_records

    n = int(config.players)
    if len(bots) != n:
        raise ValueError(f"bots must name one bot per seat ({n}), got {len(bots)}")
    out: list[dict[str, Any]] = []
    for rot in range(n):
        names = list(bots[rot:]) + list(bots[:rot])
        for d, r in enumerate(play_records(config, names, int(deals), seed=seed)):
            out.append({**r, "hand": int(first_hand) + rot * int(deals) + d, "deal": d})
    return out


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


def decisions(records: Iterable[dict[str, Any]], players: set[str] | None = None,
              features: bool = True) -> list[dict[str, Any]]:
    """One row per decision (of ``players`` only, if given): prompt (``features``: see
    :func:`~regretlab.poker.prompts.render`), action text, legal action texts, the player, the
    hand and the player's net result in it (chips)."""
    rows: list[dict[str, Any]] = []
    for r in records:
        def take(o: Observation, a: dict[str, Any], r: dict[str, Any] = r) -> None:
            name = r["seats"][a["seat"]]
            if players is not None and name not in players:
                return
            text = a["action"] if a["action"] in ("fold", "check") else f"{a['action']} {a['amount']}"
            rows.append({"prompt": render(o, features), "action": text, "legal": [x.text() for x in o.legal],
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


def simulated_value(record: dict[str, Any], k: int, action: str, rollouts: int = 8, seed: int = 0) -> float:
    """Mean net chips of the player at decision ``k`` of ``record`` if it plays ``action`` there.

    Each rollout keeps what that player knew (its hole cards, the board so far, the actions so
    far), redeals the other players' hole cards and the rest of the board from the unseen cards
    (seeded by ``(seed, hand, k, rollout)``; the same deals for every action, so two actions are
    compared on common random numbers), applies ``action``, and lets every seat finish the hand as
    the bot it is named after (:data:`~regretlab.poker.bots.BOTS`; other names play as calling
    stations).

    Example:
        >>> rec = bot_tournament(TableConfig(players=2), ["tag", "random"], 1)[0]
        >>> a = rec["actions"][0]
        >>> simulated_value(rec, 0, "fold", rollouts=2) == (-1.0 if a["seat"] == 1 else -2.0)
        True
    """
    from regretlab.poker.bots import BOTS, CallingStation
    from regretlab.poker.env import RANKS, SUITS, parse_action

    acts = record["actions"]
    seat = acts[k]["seat"]
    street = acts[k]["street"]
    shown = {"preflop": 0, "flop": 3, "turn": 4, "river": 5}[street]
    known = list(record["board"][:shown])
    mine = list(record["hole"][seat])
    unseen = [r + s for r in RANKS for s in SUITS if r + s not in set(mine) | set(known)]
    n = len(record["hole"])
    bots: list[Any] = []
    for name in record["seats"]:
        base = str(name).split(":")[-1]
        bots.append(make_bot(base) if base in BOTS else CallingStation())
    total = 0.0
    for j in range(int(rollouts)):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(record["hand"]), int(k), j, 1201]))
        deck = [unseen[i] for i in rng.permutation(len(unseen))]
        hole = []
        for i in range(n):
            hole.append(mine if i == seat else [deck.pop(), deck.pop()])
        board = known + [deck.pop() for _ in range(5 - len(known))]
        prefix = {**record, "hole": hole, "board": board, "actions": acts[:k]}
        t = replay(prefix)
        o = t.observation()
        t.apply(parse_action(action, o))
        while not t.done:
            o = t.observation()
            o.seed = int(seed) + 7 * j + 1  # the bots' own streams differ per rollout
            t.apply(parse_action(bots[o.seat].act([o])[0], o))
        total += t.state.stacks[seat] - t.start[seat]
    return total / max(int(rollouts), 1)


def simulated_pairs(records: Sequence[dict[str, Any]], players: set[str] | None = None, rollouts: int = 8,
                    max_pairs: int | None = None, seed: int = 0, features: bool = True,
                    policy: Any = None) -> list[dict[str, str]]:
    """Preference pairs by simulated value: at each decision (of ``players``), the action taken and
    one other legal action, each valued by :func:`simulated_value`; the better one is chosen (ties
    dropped).

    The other action is a seeded draw from the legal menu, or, with ``policy`` (an agent with
    ``act(observations) -> [action text]``, e.g. the SFT model as an
    :class:`~regretlab.poker.model.LMAgent`), the policy's own answer at that decision: only the
    decisions where the policy disagrees with the recorded player are paired (``"focused"``
    pairs), so the rollouts say which of the two is worth more exactly where the model's play
    departs from its teacher's.

    Example:
        >>> recs = bot_tournament(TableConfig(players=2), ["tag", "random"], 1)
        >>> class Folder:
        ...     def act(self, obs): return ["fold" if any(a.kind == "fold" for a in o.legal) else "check" for o in obs]
        >>> pairs = simulated_pairs(recs, {"tag"}, rollouts=2, policy=Folder())
        >>> all("fold" in (p["chosen"], p["rejected"]) or "check" in (p["chosen"], p["rejected"]) for p in pairs)
        True
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 4049]))
    spots: list[tuple[dict[str, Any], int, Observation, str]] = []
    for r in records:
        k_of = iter(range(len(r["actions"])))

        def take(o: Observation, a: dict[str, Any], k_of: Any = k_of, r: dict = r) -> None:
            k = next(k_of)
            if players is None or r["seats"][a["seat"]] in players:
                taken = a["action"] if a["action"] in ("fold", "check") else f"{a['action']} {a['amount']}"
                spots.append((r, k, o, taken))

        replay(r, take)
    if policy is not None:
        alts: list[str | None] = []
        for b in range(0, len(spots), 256):
            chunk = spots[b:b + 256]
            alts += [str(x) if not hasattr(x, "text") else x.text() for x in policy.act([o for _, _, o, _ in chunk])]
    out: list[dict[str, str]] = []
    for i, (r, k, o, taken) in enumerate(spots):
        others = [x.text() for x in o.legal if x.text() != taken]
        if not others:
            continue
        if policy is not None:
            alt = alts[i]
            if alt == taken or alt not in others:
                continue
        else:
            alt = others[int(rng.integers(len(others)))]
        v1 = simulated_value(r, k, taken, rollouts, seed)
        v2 = simulated_value(r, k, alt, rollouts, seed)
        if v1 != v2:
            hi, lo = (taken, alt) if v1 > v2 else (alt, taken)
            out.append({"prompt": render(o, features), "chosen": hi, "rejected": lo})
        if max_pairs is not None and len(out) >= max_pairs:
            return out
    return out
