"""OpenSpiel interoperability (extra ``[openspiel]``): import any sequential game as a
:class:`Treeplex`, convert policies to and from OpenSpiel's ``TabularPolicy``.

Information-set keys are OpenSpiel information-state strings, so a policy maps by key.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regretlab.games.treeplex import CHANCE, TERMINAL, GameDefinition, Treeplex, build_treeplex


def _pyspiel() -> Any:
    try:
        import pyspiel
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "OpenSpiel is not installed; install the extra: pip install 'regretlab[openspiel]'"
        ) from exc
    return pyspiel


class OpenSpielGame(GameDefinition):
    """Adapter: a ``pyspiel.Game`` seen as a :class:`GameDefinition` (states are pyspiel states)."""

    def __init__(self, game: Any, name: str, key: str = "information_state") -> None:
        self.game = game
        self.name = name
        self.num_players = game.num_players()
        self.key = key

    @property
    def num_actions(self) -> int:
        return self.game.num_distinct_actions()

    def action_name(self, action: int) -> str:
        try:
            return self.game.action_to_string(0, action)
        except Exception:  # some games only name actions in a state
            return str(action)

    def initial_state(self) -> Any:
        return self.game.new_initial_state()

    def current_player(self, state: Any) -> int:
        if state.is_terminal():
            return TERMINAL
        if state.is_chance_node():
            return CHANCE
        return state.current_player()

    def legal_actions(self, state: Any) -> list[int]:
        return state.legal_actions()

    def chance_outcomes(self, state: Any) -> list[tuple[int, float]]:
        return state.chance_outcomes()

    def apply(self, state: Any, action: int) -> Any:
        return state.child(action)

    def returns(self, state: Any) -> list[float]:
        return state.returns()

    def infoset_key(self, state: Any) -> str:
        if self.key == "observation":
            return state.observation_string()
        return state.information_state_string()


def load_openspiel_game(name: str, **params: Any) -> Any:
    """``pyspiel.load_game(name, params)`` with clear errors for unknown names or parameters."""
    pyspiel = _pyspiel()
    if not isinstance(name, str):
        raise TypeError(f"name must be an OpenSpiel game name (str), got {name!r}")
    if name not in pyspiel.registered_names():
        import difflib

        close = difflib.get_close_matches(name, pyspiel.registered_names(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown OpenSpiel game {name!r}{hint}")
    try:
        return pyspiel.load_game(name, params) if params else pyspiel.load_game(name)
    except Exception as exc:
        raise ValueError(f"OpenSpiel could not load {name!r} with parameters {params}: {exc}") from None


def from_openspiel(name: Any, *, key: str = "information_state", **params: Any) -> Treeplex:
    """Build the full tree of an OpenSpiel game into a :class:`Treeplex`.

    Args:
        name: OpenSpiel game name (``"leduc_poker"``) or an already loaded ``pyspiel.Game``.
        key: what identifies an information set: ``"information_state"`` (the default, exact)
            or ``"observation"`` (the current observation only; refused when that forgets the
            player's own history, i.e. is not perfect-recall).
        **params: game parameters (``players=3``).

    Returns:
        The treeplex; information-set keys are OpenSpiel information-state strings.

    Raises:
        ValueError: for simultaneous-move games, games without information-state strings, or
            games that are not perfect-recall.
    """
    pyspiel = _pyspiel()
    if isinstance(name, str):
        game = load_openspiel_game(name, **params)
        label = name if not params else f"{name}({','.join(f'{k}={v}' for k, v in sorted(params.items()))})"
    elif hasattr(name, "get_type") and hasattr(name, "new_initial_state"):
        game = name
        label = str(game)
    else:
        raise TypeError(f"name must be an OpenSpiel game name or a pyspiel.Game, got {name!r}")
    if key not in ("information_state", "observation"):
        raise ValueError(f"key must be 'information_state' or 'observation', got {key!r}")
    gtype = game.get_type()
    if gtype.dynamics != pyspiel.GameType.Dynamics.SEQUENTIAL:
        raise ValueError(
            f"game {label!r} is not sequential (dynamics {gtype.dynamics}); convert it with "
            "pyspiel.convert_to_turn_based first"
        )
    if gtype.chance_mode == pyspiel.GameType.ChanceMode.SAMPLED_STOCHASTIC:
        raise ValueError(f"game {label!r} has sampled chance; its tree cannot be enumerated")
    provides = (gtype.provides_information_state_string if key == "information_state"
                else gtype.provides_observation_string)
    if not provides:
        raise ValueError(f"game {label!r} does not provide {key.replace('_', '-')} strings")
    try:
        tp = build_treeplex(OpenSpielGame(game, label, key), name=label)
    except ValueError as exc:
        raise ValueError(f"OpenSpiel game {label!r}: {exc}") from None
    tp.meta["openspiel"] = (game.get_type().short_name, dict(params))
    # the game's full identity (every parameter, nested games too): pyspiel.load_game accepts it
    tp.meta["openspiel_game"] = str(game)
    return tp


def to_openspiel_policy(game: Treeplex, policy: Any, openspiel_game: Any = None) -> Any:
    """Convert an ``[I, A]`` policy to an OpenSpiel ``TabularPolicy`` (matched by information-state string).

    Args:
        game: the treeplex (its keys must be OpenSpiel information-state strings).
        policy: ``[I, A]`` behaviour policy.
        openspiel_game: the ``pyspiel.Game`` (default: reloaded from the game string that
            :func:`from_openspiel` keeps in ``game.meta``, with every parameter).

    Returns:
        ``open_spiel.python.policy.TabularPolicy``.

    Raises:
        ValueError: when the OpenSpiel game's information states are not those of ``game``.
    """
    from open_spiel.python import policy as os_policy

    sigma = game.check_policy(policy)
    if openspiel_game is None:
        if "openspiel_game" in game.meta:
            text = game.meta["openspiel_game"]
            try:
                openspiel_game = _pyspiel().load_game(text)
            except Exception as exc:
                raise ValueError(f"OpenSpiel could not load {text!r}: {exc}") from None
        elif "openspiel" in game.meta or game.name.startswith(("kuhn_poker", "leduc_poker")):
            short, params = game.meta.get("openspiel", _builtin_openspiel(game))
            openspiel_game = load_openspiel_game(short, **params)
        else:
            raise ValueError("openspiel_game is required for a treeplex not imported from OpenSpiel")
    tab = os_policy.TabularPolicy(openspiel_game)
    known = set(map(str, game.infoset_keys))
    unknown = [k for k in tab.state_lookup if k not in known][:1]
    if unknown or len(tab.state_lookup) != game.num_infosets:
        raise ValueError(
            f"OpenSpiel game {str(openspiel_game)!r} does not match game {game.name!r}: "
            f"{len(tab.state_lookup)} information states against {game.num_infosets}"
            + (f", e.g. {unknown[0]!r} is unknown" if unknown else ""))
    for key, row in tab.state_lookup.items():
        s = game.infoset_index(key)
        acts = game.infoset_actions[s, : game.infoset_num_actions[s]]
        tab.action_probability_array[row, :] = 0.0
        tab.action_probability_array[row, acts] = sigma[s, : len(acts)]
    return tab


def _builtin_openspiel(game: Treeplex) -> tuple[str, dict]:
    short = "kuhn_poker" if game.name.startswith("kuhn_poker") else "leduc_poker"
    return short, ({} if game.num_players == 2 else {"players": game.num_players})


def from_openspiel_policy(game: Treeplex, tabular: Any) -> np.ndarray:
    """Convert an OpenSpiel ``TabularPolicy`` to an ``[I, A]`` policy of ``game``."""
    out = np.zeros(game.legal_mask.shape)
    for key, row in tabular.state_lookup.items():
        s = game.infoset_index(key)
        acts = game.infoset_actions[s, : game.infoset_num_actions[s]]
        out[s, : len(acts)] = tabular.action_probability_array[row, acts]
    return game.check_policy(out)
