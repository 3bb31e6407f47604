"""Bad input to the equilibrium solvers of issue 18: the sequence-form LP on a general-sum or
three-player game, a local rule given to the LP."""

from __future__ import annotations

import json
from pathlib import Path


def _general_sum(tmp: Path) -> None:
    leaf = lambda a, b: {"type": "terminal", "utilities": [a, b]}  # noqa: E731
    p1 = lambda key, u: {"type": "decision", "player": 1, "infoset": key, "actions": [0, 1],  # noqa: E731
                         "children": [leaf(*u[0]), leaf(*u[1])]}
    root = {"type": "decision", "player": 0, "infoset": "P0", "actions": [0, 1],
            "children": [p1("P1a", [(2, 1), (0, 0)]), p1("P1b", [(0, 0), (1, 2)])]}
    (tmp / "bos.json").write_text(json.dumps({"format": "regretlab.efg/1", "name": "bos", "num_players": 2,
                                              "root": root}))


CASES = [
    dict(id="solve-lp-general-sum", argv=["solve", "bos.json", "--algo", "sequence-form-lp"], setup=_general_sum,
         expect="needs a two-player zero-sum", note="sequential battle of the sexes"),
    dict(id="solve-lp-three-players", argv=["solve", "kuhn", "--players", "3", "--algo", "sequence-form-lp"],
         expect="needs a 2-player game"),
    dict(id="solve-lp-local", argv=["solve", "kuhn", "--algo", "sequence-form-lp", "--local", "hedge"],
         expect="--local does not apply"),
]
