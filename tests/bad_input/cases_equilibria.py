"""Bad input to the equilibrium commands of issue 18 (one subprocess each, so only a few here;
the other one-line errors are checked in-process in tests/games/test_equilibria_cli.py)."""

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
]


def _nan_game(tmp: Path) -> None:
    import numpy as np

    p = np.ones((2, 2, 2))
    p[0, 1, 0] = np.nan
    np.savez(tmp / "g.npz", payoffs=p)


CASES += [
    dict(id="psro-nash-three-players", argv=["psro", "kuhn", "--players", "3"], expect="needs a 2-player game"),
    dict(id="alpharank-nan-payoff", argv=["alpharank", "g.npz"], setup=_nan_game, expect="payoffs must be finite",
         note="NaN in the payoff tensor"),
    dict(id="qre-lambda-zero", argv=["qre", "chicken", "--lambda-max", "0"], expect="--lambda-max must be > 0"),
]
