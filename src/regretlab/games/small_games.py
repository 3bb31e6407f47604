"""Small textbook extensive-form games built from the JSON game format (``regretlab.efg/1``).

* :func:`one_shot` — a bimatrix game as an extensive-form game (player 1 does not see player 0's
  move), so extensive-form solvers can be checked against normal-form ones.
* :func:`beer_quiche` — Cho & Kreps's signalling game (QJE 1987), whose equilibria all pool.

Example:
    >>> import numpy as np
    >>> g = one_shot(np.eye(2), -np.eye(2))
    >>> g.num_players, beer_quiche().name
    (2, 'beer_quiche')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regretlab.games.io import game_from_dict
from regretlab.games.treeplex import Treeplex

__all__ = ["beer_quiche", "one_shot"]


def _leaf(*u: float) -> dict[str, Any]:
    return {"type": "terminal", "utilities": [float(x) for x in u]}


def _game(name: str, root: dict[str, Any]) -> Treeplex:
    return game_from_dict({"format": "regretlab.efg/1", "name": name, "num_players": 2, "root": root})


def one_shot(a: np.ndarray, b: np.ndarray) -> Treeplex:
    """The simultaneous-move game with payoffs ``a, b [m, n]`` as an extensive-form game: player 0
    moves, then player 1 in one information set (it does not see player 0's move)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    kids = [{"type": "decision", "player": 1, "infoset": "P1", "actions": list(range(a.shape[1])),
             "children": [_leaf(a[i, j], b[i, j]) for j in range(a.shape[1])]} for i in range(a.shape[0])]
    return _game("one_shot", {"type": "decision", "player": 0, "infoset": "P0", "actions": list(range(a.shape[0])),
                              "children": kids})


def beer_quiche() -> Treeplex:
    """Cho & Kreps (QJE 1987): the sender is strong (0.9) or weak (0.1), has beer or quiche (the
    strong prefer beer, the weak quiche: +1), and gains 2 if the receiver, who sees only the
    breakfast, does not duel; the receiver gains 1 for duelling the weak or sparing the strong.
    Every equilibrium is pooling (both types order the same breakfast)."""
    def sender(kind: str, prefers: int) -> dict[str, Any]:
        kids = []
        for b, food in enumerate(("beer", "quiche")):
            base = 1.0 if b == prefers else 0.0
            duel = 1.0 if kind == "weak" else 0.0
            kids.append({"type": "decision", "player": 1, "infoset": food, "actions": [0, 1],
                         "children": [_leaf(base, duel), _leaf(base + 2, 1 - duel)]})
        return {"type": "decision", "player": 0, "infoset": kind, "actions": [0, 1], "children": kids}
    return _game("beer_quiche", {"type": "chance", "outcomes": [{"prob": 0.9, "child": sender("strong", 0)},
                                                                 {"prob": 0.1, "child": sender("weak", 1)}]})
