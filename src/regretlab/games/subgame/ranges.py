"""Ranges: weights over the 1,326 hole-card combinations.

Text form (the usual solver notation), comma-separated items, each optionally ``:weight``
(a number in [0, 1]; default 1; a later item overrides an earlier one)::

    AA, KK        a pair: its 6 combinations
    AKs, AKo, AK  suited (4), offsuit (12), both (16)
    QQ+           QQ, KK, AA            22-55   22, 33, 44, 55
    A5s-A2s       A5s, A4s, A3s, A2s     K9o+   K9o, KTo, KJo, KQo (kicker up to one below K)
    AsKh          one combination

``XYs+`` keeps the higher rank X and raises the kicker Y up to X minus one (``T9s+`` is T9s
only; ``A9s+`` is A9s..AKs), as in PokerStove and postflop solvers.

The grid form is 13x13 (rows and columns A..2; a pair on the diagonal, suited above it,
offsuit below), each cell a weight given to every combination of that class.
"""

from __future__ import annotations

import re

import numpy as np

from regretlab.games.subgame.cards import COMBOS, NUM_COMBOS, RANKS, SUITS, card_name, combo_index

GRID_RANKS = RANKS[::-1]  # A K Q ... 2: row/column order of the 13x13 grid
_ITEM = re.compile(r"^([2-9TJQKA])([2-9TJQKA])([so]?)(\+?)$")
_RANGE = re.compile(r"^([2-9TJQKA])([2-9TJQKA])([so]?)-([2-9TJQKA])([2-9TJQKA])([so]?)$")
_COMBO = re.compile(r"^([2-9TJQKA][shdc])([2-9TJQKA][shdc])$")


def _class_combos(hi: int, lo: int, kind: str) -> list[int]:
    """Combination indices of the class (hi, lo ranks 0..12, kind 's', 'o', '' or 'p' for pairs)."""
    out = []
    for s1 in range(4):
        for s2 in range(4):
            a, b = 4 * hi + s1, 4 * lo + s2
            if a == b:
                continue
            if hi == lo:
                if s1 < s2:
                    out.append(combo_index(a, b))
            elif kind == "s" and s1 == s2 or kind == "o" and s1 != s2 or kind == "":
                out.append(combo_index(a, b))
    return out


def _expand(token: str, whole: str) -> list[int]:
    t = token[0].upper() + token[1].upper() + token[2:] if len(token) >= 2 else token
    m = _COMBO.match(token[:1].upper() + token[1:2].lower() + token[2:3].upper() + token[3:4].lower()) \
        if len(token) == 4 else None
    if m:
        from regretlab.games.subgame.cards import card_id

        a, b = card_id(m.group(1)), card_id(m.group(2))
        if a == b:
            raise ValueError(f"range {whole!r}: {token!r} uses the card {card_name(a)} twice")
        return [combo_index(a, b)]
    m = _RANGE.match(t)
    if m:
        r1, r2, k1, r3, r4, k2 = m.groups()
        if k1 != k2:
            raise ValueError(f"range {whole!r}: {token!r} mixes suited and offsuit ends")
        a, b, c, d = (RANKS.index(x) for x in (r1, r2, r3, r4))
        if a == b and c == d:  # 22-55
            lo, hi = sorted((a, c))
            return [k for r in range(lo, hi + 1) for k in _class_combos(r, r, "p")]
        if a == c and a != b and c != d:  # A5s-A2s: same top card, kicker from one to the other
            lo, hi = sorted((b, d))
            if hi >= a:
                raise ValueError(f"range {whole!r}: in {token!r} the kicker must stay below {r1}")
            return [k for r in range(lo, hi + 1) for k in _class_combos(a, r, k1)]
        raise ValueError(f"range {whole!r}: {token!r} is not a span such as 22-55 or A5s-A2s")
    m = _ITEM.match(t)
    if not m:
        raise ValueError(f"range {whole!r}: {token!r} is not a hand class such as AA, AKs, QJo, T9s+, "
                         f"22-55, A5s-A2s or a combination such as AsKh")
    r1, r2, kind, plus = m.groups()
    a, b = RANKS.index(r1), RANKS.index(r2)
    if a == b:
        if kind:
            raise ValueError(f"range {whole!r}: a pair such as {r1}{r2} has no suited/offsuit mark ('{token}')")
        ranks = range(a, 13) if plus else [a]
        return [k for r in ranks for k in _class_combos(r, r, "p")]
    if a < b:
        a, b = b, a
    kickers = range(b, a) if plus else [b]
    return [k for r in kickers for k in _class_combos(a, r, kind)]


def parse_range(text: str, board: list[int] | None = None, what: str = "range") -> np.ndarray:
    """``[1326]`` weights of a range in text form (module docstring).

    Args:
        text: e.g. ``"AA,KK,AKs,QJo:0.5,T9s+,22-55,A5s-A2s"``; ``"full"`` or ``"*"`` is every
            combination at weight 1.

    Returns:
        ``[1326]`` float64 weights in [0, 1], indexed like :data:`~regretlab.games.subgame.cards.COMBOS`.

    Example:
        >>> w = parse_range("AA,AKs,QJo:0.5")
        >>> int((w == 1).sum()), int((w == 0.5).sum())
        (10, 12)
    """
    if not isinstance(text, str):
        raise TypeError(f"{what} must be text such as 'AA,AKs,QJo:0.5', got {text!r}")
    try:
        return _parse(text, board)
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(msg if what == "range" else msg.replace("range ", f"{what} ", 1)) from None


def _parse(text: str, board: list[int] | None) -> np.ndarray:
    weights = np.zeros(NUM_COMBOS)
    dead = np.zeros(52, dtype=bool)
    if board is not None:
        dead[list(board)] = True
    if text.strip().lower() in ("full", "*", "any", "random"):
        return weights + 1.0
    items = [x.strip() for x in text.split(",")]
    if not text.strip() or any(not x for x in items):
        raise ValueError(f"range {text!r} has an empty item (expected items such as AA,AKs,QJo:0.5)")
    for item in items:
        token, _, w = item.partition(":")
        token = token.strip()
        weight = 1.0
        if _:
            try:
                weight = float(w)
            except ValueError:
                raise ValueError(f"range {text!r}: the weight of {item!r} must be a number in [0, 1]") from None
            if not 0.0 <= weight <= 1.0:
                raise ValueError(f"range {text!r}: the weight of {item!r} must be in [0, 1], got {weight:g}")
        combos = _expand(token, text)
        if board is not None and all(dead[COMBOS[k]].any() for k in combos):
            used = sorted({int(c) for k in combos for c in COMBOS[k] if dead[c]})
            raise ValueError(f"range {text!r}: {token} conflicts with the board (every combination uses "
                             f"{' or '.join(card_name(c) for c in used)})")
        weights[combos] = weight
    return weights


def from_grid(grid: object) -> np.ndarray:
    """``[1326]`` weights from a 13x13 grid (rows/columns A..2; pairs on the diagonal, suited
    above it, offsuit below).

    Example:
        >>> g = np.zeros((13, 13)); g[0, 0] = 1.0; g[0, 1] = 0.5      # AA, AKs at 0.5
        >>> w = from_grid(g); float(w.sum())
        8.0
    """
    g = np.asarray(grid, dtype=np.float64)
    if g.shape != (13, 13):
        raise ValueError(f"a range grid must be 13x13 (rows and columns A..2), got shape {list(g.shape)}")
    if not np.isfinite(g).all() or (g < 0).any() or (g > 1).any():
        raise ValueError("a range grid's weights must be finite numbers in [0, 1]")
    out = np.zeros(NUM_COMBOS)
    for i in range(13):
        for j in range(13):
            hi, lo = 12 - min(i, j), 12 - max(i, j)
            kind = "p" if i == j else ("s" if i < j else "o")
            out[_class_combos(hi, lo, kind)] = g[i, j]
    return out


def grid_cell(k: int) -> tuple[int, int]:
    """(row, column) of combination ``k`` in the 13x13 grid."""
    a, b = COMBOS[int(k)]
    hi, lo = int(b) // 4, int(a) // 4  # b > a, so b's rank >= a's
    suited = int(a) % 4 == int(b) % 4
    i, j = 12 - hi, 12 - lo
    return (i, j) if suited or hi == lo else (j, i)


def grid_label(i: int, j: int) -> str:
    """``"AKs"``, ``"AKo"`` or ``"AA"`` of grid cell (i, j)."""
    if i == j:
        return GRID_RANKS[i] * 2
    return GRID_RANKS[min(i, j)] + GRID_RANKS[max(i, j)] + ("s" if i < j else "o")


def to_grid(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """13x13 grid of per-combination ``values [1326]``: each cell the ``weights``-weighted mean
    over its combinations (plain mean without weights; NaN where every weight is 0).

    Example:
        >>> g = to_grid(parse_range("AA,AKs:0.5"))
        >>> float(g[0, 0]), float(g[0, 1]), float(g[1, 0])
        (1.0, 0.5, 0.0)
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.ones(NUM_COMBOS) if weights is None else np.asarray(weights, dtype=np.float64)
    num = np.zeros((13, 13))
    den = np.zeros((13, 13))
    cells = _CELLS
    np.add.at(num, (cells[:, 0], cells[:, 1]), w * v)
    np.add.at(den, (cells[:, 0], cells[:, 1]), w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


_CELLS = np.array([grid_cell(k) for k in range(NUM_COMBOS)], dtype=np.int64)


def remove_cards(weights: np.ndarray, dead: list[int] | np.ndarray) -> np.ndarray:
    """``weights`` with every combination that uses a ``dead`` card (the board) set to 0."""
    w = np.array(weights, dtype=np.float64)
    if len(dead):
        w[np.isin(COMBOS, np.asarray(dead)).any(axis=1)] = 0.0
    return w


def check_range(weights: np.ndarray, board: list[int], name: str = "range") -> np.ndarray:
    """The range with board cards removed; ``ValueError`` if nothing is left (or the shape is wrong)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (NUM_COMBOS,):
        raise ValueError(f"{name} must have {NUM_COMBOS} weights (one per combination), got shape {list(w.shape)}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"{name} weights must be finite and >= 0")
    left = remove_cards(w, board)
    if not (left > 0).any():
        raise ValueError(f"{name} has no combination left once the board {''.join(card_name(c) for c in board)} "
                         "is removed (every hand in it uses a board card)")
    return left


SUIT_NAMES = SUITS
