"""Hand strength by Monte Carlo with pokerkit's evaluator, and a cached pre-flop table.

The hand strength of hole cards ``h`` on board ``b`` is the equity of ``h`` against one random
hand: ``P(win) + P(tie)/2`` over random opponent cards and the rest of the board
(Billings et al., "The challenge of poker", Artificial Intelligence 134, 2002: "hand strength").
Against ``k`` opponents the bots use ``HS^k``, the chance of beating ``k`` independent random hands
if the events were independent (an approximation, as in the same paper's "effective hand strength").

The pre-flop strength of the 169 classes (pair, suited, offsuit) is tabulated once by
:func:`preflop_table` (stored as ``preflop_strength.json`` next to this module; regenerate with
``python -m regretlab.poker.equity``); e.g. ``AA`` 0.85, ``72o`` 0.35 (the classic values:
AA vs a random hand 85.2%, 72o 34.6%, e.g. Sklansky & Malmuth, "Hold'em Poker for Advanced Players").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

__all__ = ["hand_class", "hand_strength", "preflop_strength", "preflop_table"]

RANKS = "23456789TJQKA"
CARDS = tuple(r + s for r in RANKS for s in "cdhs")
_TABLE_PATH = Path(__file__).with_name("preflop_strength.json")


def hand_class(hole: Sequence[str]) -> str:
    """The pre-flop class of two cards: ``AA``, ``AKs``, ``T9o`` (higher rank first).

    Example:
        >>> hand_class(["Kd", "As"]), hand_class(["7h", "7c"]), hand_class(["2s", "9s"])
        ('AKo', '77', '92s')
    """
    a, b = hole
    ra, rb = RANKS.index(a[0]), RANKS.index(b[0])
    hi, lo = (a, b) if ra >= rb else (b, a)
    if hi[0] == lo[0]:
        return hi[0] + lo[0]
    return hi[0] + lo[0] + ("s" if hi[1] == lo[1] else "o")


def hand_strength(hole: Sequence[str], board: Sequence[str], samples: int, rng: np.random.Generator) -> float:
    """Equity of ``hole`` against one random hand on ``board`` (Monte Carlo, pokerkit's evaluator).

    Args:
        hole: two cards (``"As"``).  board: 0 to 5 cards.  samples: Monte-Carlo draws.
        rng: the random stream.
    Returns:
        ``P(win) + P(tie) / 2`` in [0, 1].

    Example:
        >>> rng = np.random.default_rng(0)
        >>> hand_strength(["As", "Ah"], ["Ad", "Ac", "Kd", "2c", "3h"], 20, rng)
        1.0
    """
    from pokerkit import StandardHighHand

    used = set(hole) | set(board)
    rest = [c for c in CARDS if c not in used]
    need = 5 - len(board)
    h = "".join(hole)
    score = 0.0
    for _ in range(int(samples)):
        pick = rng.choice(len(rest), size=2 + need, replace=False)
        opp = rest[pick[0]] + rest[pick[1]]
        full = "".join(board) + "".join(rest[k] for k in pick[2:])
        mine = StandardHighHand.from_game(h, full)
        theirs = StandardHighHand.from_game(opp, full)
        score += 1.0 if mine > theirs else 0.5 if mine == theirs else 0.0
    return score / max(int(samples), 1)


def preflop_table(samples: int = 400, seed: int = 0) -> dict[str, float]:
    """Hand strength of every one of the 169 pre-flop classes (``samples`` draws each)."""
    out: dict[str, float] = {}
    rng = np.random.default_rng(seed)
    for i, r1 in enumerate(RANKS):
        for r2 in RANKS[: i + 1]:
            if r1 == r2:
                classes = {r1 + r2: [r1 + "s", r2 + "h"]}
            else:
                classes = {r1 + r2 + "s": [r1 + "s", r2 + "s"], r1 + r2 + "o": [r1 + "s", r2 + "h"]}
            for name, hole in classes.items():
                out[name] = round(hand_strength(hole, [], samples, rng), 4)
    return out


@lru_cache(maxsize=1)
def _table() -> dict[str, float]:
    if _TABLE_PATH.exists():
        return json.loads(_TABLE_PATH.read_text())
    return {}


@cache
def _fresh(cls: str) -> float:  # pragma: no cover - only when the stored table is missing
    r = cls[0], cls[1]
    hole = [r[0] + "s", r[1] + ("s" if cls.endswith("s") else "h")]
    return hand_strength(hole, [], 400, np.random.default_rng(0))


def preflop_strength(hole: Sequence[str]) -> float:
    """Pre-flop hand strength of ``hole`` from the cached table.

    Example:
        >>> preflop_strength(["Ah", "Ad"]) > 0.8 > 0.4 > preflop_strength(["7c", "2d"])
        True
    """
    cls = hand_class(hole)
    t = _table()
    return float(t[cls]) if cls in t else _fresh(cls)


if __name__ == "__main__":  # pragma: no cover
    _TABLE_PATH.write_text(json.dumps(preflop_table(), indent=0, sort_keys=True))
    print(f"wrote {_TABLE_PATH}")
