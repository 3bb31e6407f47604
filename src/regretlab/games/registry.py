"""Games by name: ``kuhn`` / ``leduc`` (built in, any player count), ``holdem`` (small limit
hold'em), ``openspiel:<name>`` (imported), or a path to a game JSON file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regretlab.games.treeplex import GameDefinition, Treeplex

BUILTIN = {
    "kuhn": "kuhn_poker",
    "kuhn_poker": "kuhn_poker",
    "leduc": "leduc_poker",
    "leduc_poker": "leduc_poker",
    "holdem": "limit_holdem",
    "limit_holdem": "limit_holdem",
}


def game_definition(name: str, players: int = 2, **params: Any) -> GameDefinition:
    """The state machine of a built-in game (used for playing and rendering)."""
    from regretlab.games import poker

    key = BUILTIN.get(name)
    if key == "kuhn_poker":
        return poker.KuhnPoker(players)
    if key == "leduc_poker":
        return poker.LeducPoker(players)
    if key == "limit_holdem":
        from regretlab.games.holdem import LimitHoldem

        return LimitHoldem(players=players, **params)
    raise ValueError(f"game must be one of {sorted(set(BUILTIN))} to be played, got {name!r}")


def load(spec: str, players: int = 2, **params: Any) -> Treeplex:
    """A treeplex from a game spec.

    Args:
        spec: ``kuhn``, ``leduc``, ``holdem``, ``openspiel:<name>`` or a ``.json`` path.
        players: player count of built-in games.
        **params: extra parameters (OpenSpiel parameters, hold'em options).

    Returns:
        The treeplex.
    """
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"game must be a non-empty string, got {spec!r}")
    if spec.startswith("openspiel:"):
        from regretlab.games.openspiel import from_openspiel

        if players != 2:
            params = {"players": players, **params}
        return from_openspiel(spec.split(":", 1)[1], **params)
    if spec.endswith(".json"):
        from regretlab.games.io import load_game

        return load_game(Path(spec))
    key = BUILTIN.get(spec)
    if key == "kuhn_poker":
        from regretlab.games.poker import kuhn_poker

        return kuhn_poker(players)
    if key == "leduc_poker":
        from regretlab.games.poker import leduc_poker

        return leduc_poker(players)
    if key == "limit_holdem":
        from regretlab.games.holdem import limit_holdem

        return limit_holdem(players=players, **params)
    raise ValueError(
        f"unknown game {spec!r}; expected one of {sorted(set(BUILTIN))}, "
        "'openspiel:<name>' or a path ending in .json"
    )
