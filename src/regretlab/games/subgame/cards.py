"""Cards, the 1,326 hole-card combinations and a compiled 7-card hand evaluator.

Card ids: ``4 * rank + suit`` with rank 0 = deuce .. 12 = ace and suits ``s h d c`` (0..3), so
``"Ks"`` is 44 and ``"2c"`` is 3. Combination ``k`` of :data:`COMBOS` is the pair of cards
``(c1, c2)`` with ``c1 < c2``, in lexicographic order (``COMBOS[0] = (2s, 2h)``).

The evaluator (:func:`evaluate`, compiled with Numba) is bit logic over four 13-bit suit masks
and the rank counts, no table: it returns an integer whose order is the order of poker hands
(best five of up to seven cards; ties equal)::

    category << 20 | r1 << 16 | r2 << 12 | r3 << 8 | r4 << 4 | r5

with category 8 straight flush, 7 four of a kind, 6 full house, 5 flush, 4 straight, 3 three
of a kind, 2 two pair, 1 pair, 0 high card, and ``r1..r5`` the ranks that break ties in that
category (a straight's top card; the wheel A-5 counts 5 high). It is tested against
``pokerkit``'s evaluator on random hands and on every category.
"""

from __future__ import annotations

import numpy as np
from numba import njit

RANKS = "23456789TJQKA"
SUITS = "shdc"
NUM_CARDS = 52
CATEGORIES = ("high card", "pair", "two pair", "three of a kind", "straight", "flush", "full house",
              "four of a kind", "straight flush")


def card_id(text: str) -> int:
    """Id of a card written ``"Ks"`` (rank ``23456789TJQKA``, suit ``shdc``; case of the rank free).

    Example:
        >>> card_id("Ks"), card_id("2c"), card_name(44)
        (44, 3, 'Ks')
    """
    if not isinstance(text, str) or len(text) != 2:
        raise ValueError(f"a card is a rank and a suit such as 'Ks' or '7h', got {text!r}")
    r, s = RANKS.find(text[0].upper()), SUITS.find(text[1].lower())
    if r < 0 or s < 0:
        raise ValueError(f"a card is a rank in {RANKS} and a suit in {SUITS} (such as 'Ks'), got {text!r}")
    return 4 * r + s


def card_name(c: int) -> str:
    """``"Ks"`` for card id 44."""
    return RANKS[int(c) // 4] + SUITS[int(c) % 4]


def parse_cards(text: str, what: str = "board") -> list[int]:
    """Card ids of a string of cards such as ``"Ks7h2d"`` or ``"Ks 7h 2d"`` (no card twice).

    Example:
        >>> parse_cards("Ks7h2d")
        [44, 21, 2]
    """
    if not isinstance(text, str):
        raise TypeError(f"{what} must be text such as 'Ks7h2d', got {text!r}")
    s = "".join(text.split()).replace(",", "")
    if len(s) % 2:
        raise ValueError(f"{what} {text!r} is not a list of two-character cards such as 'Ks7h2d'")
    cards = []
    for k in range(0, len(s), 2):
        try:
            cards.append(card_id(s[k:k + 2]))
        except ValueError:
            raise ValueError(f"{what} {text!r}: {s[k:k + 2]!r} is not a card (rank in {RANKS}, suit in {SUITS})") from None
    seen = set()
    for c in cards:
        if c in seen:
            raise ValueError(f"{what} {text!r} has the card {card_name(c)} twice")
        seen.add(c)
    return cards


def _combos() -> np.ndarray:
    out = [(a, b) for a in range(NUM_CARDS) for b in range(a + 1, NUM_CARDS)]
    arr = np.array(out, dtype=np.int64)
    arr.flags.writeable = False
    return arr


COMBOS = _combos()  # [1326, 2] card ids, c1 < c2
NUM_COMBOS = COMBOS.shape[0]
_INDEX = np.full((NUM_CARDS, NUM_CARDS), -1, dtype=np.int64)
_INDEX[COMBOS[:, 0], COMBOS[:, 1]] = np.arange(NUM_COMBOS)
_INDEX[COMBOS[:, 1], COMBOS[:, 0]] = np.arange(NUM_COMBOS)
_INDEX.flags.writeable = False


def combo_index(c1: int, c2: int) -> int:
    """Index in :data:`COMBOS` of the two cards (either order).

    Example:
        >>> combo_index(card_id("Ah"), card_id("As")) == combo_index(card_id("As"), card_id("Ah"))
        True
    """
    k = int(_INDEX[int(c1), int(c2)])
    if k < 0:
        raise ValueError(f"a combination needs two different cards, got {card_name(c1)} twice")
    return k


def combo_name(k: int) -> str:
    """``"AsAh"``-style name of combination ``k`` (higher card first)."""
    a, b = COMBOS[int(k)]
    return card_name(b) + card_name(a)


@njit(cache=True)
def _straight_high(mask):
    for h in range(12, 3, -1):
        m = 0x1F << (h - 4)
        if mask & m == m:
            return h
    if mask & 0x100F == 0x100F:  # A 2 3 4 5
        return 3
    return -1


@njit(cache=True)
def _top(mask, n, exclude1, exclude2):
    """The ``n`` highest ranks set in ``mask`` (other than two excluded ranks), packed 4 bits each."""
    out = 0
    k = 0
    for r in range(12, -1, -1):
        if k == n:
            break
        if (mask >> r) & 1 and r != exclude1 and r != exclude2:
            out = (out << 4) | r
            k += 1
    for _ in range(k, n):
        out <<= 4
    return out


@njit(cache=True)
def evaluate(cards):
    """Strength of the best five-card hand in ``cards`` (int array of 5 to 7 card ids); higher
    wins, equal ties (module docstring)."""
    suit_mask = np.zeros(4, dtype=np.int64)
    count = np.zeros(13, dtype=np.int64)
    ranks = 0
    for c in cards:
        r = c >> 2
        suit_mask[c & 3] |= 1 << r
        count[r] += 1
        ranks |= 1 << r
    for s in range(4):
        m = suit_mask[s]
        n = 0
        for r in range(13):
            n += (m >> r) & 1
        if n >= 5:
            h = _straight_high(m)
            if h >= 0:
                return (8 << 20) | (h << 16)
            flush = (5 << 20) | _top(m, 5, -1, -1)
            break
    else:
        flush = -1
    quad = trip = pair1 = pair2 = -1
    for r in range(12, -1, -1):
        k = count[r]
        if k == 4 and quad < 0:
            quad = r
        elif k == 3:
            if trip < 0:
                trip = r
            elif pair1 < 0 or r > pair1:
                if pair1 >= 0 and pair2 < 0:
                    pair2 = pair1
                pair1 = r
        elif k == 2:
            if pair1 < 0:
                pair1 = r
            elif pair2 < 0:
                pair2 = r
    if quad >= 0:
        return (7 << 20) | (quad << 16) | (_top(ranks, 1, quad, -1) << 12)
    if trip >= 0 and pair1 >= 0:
        return (6 << 20) | (trip << 16) | (pair1 << 12)
    if flush >= 0:
        return flush
    h = _straight_high(ranks)
    if h >= 0:
        return (4 << 20) | (h << 16)
    if trip >= 0:
        return (3 << 20) | (trip << 16) | (_top(ranks, 2, trip, -1) << 8)
    if pair2 >= 0:
        return (2 << 20) | (pair1 << 16) | (pair2 << 12) | (_top(ranks, 1, pair1, pair2) << 8)
    if pair1 >= 0:
        return (1 << 20) | (pair1 << 16) | (_top(ranks, 3, pair1, -1) << 4)
    return _top(ranks, 5, -1, -1)


@njit(cache=True)
def evaluate_many(hands):
    """``[n]`` strengths of ``hands [n, k]`` (k = 5..7 card ids per row)."""
    out = np.empty(hands.shape[0], dtype=np.int64)
    for i in range(hands.shape[0]):
        out[i] = evaluate(hands[i])
    return out


def category(strength: int) -> str:
    """Name of the category of a strength from :func:`evaluate` (``"flush"`` ...).

    Example:
        >>> category(int(evaluate(np.array(parse_cards("AsKsQsJsTs2c3d")))))
        'straight flush'
    """
    return CATEGORIES[int(strength) >> 20]


def strengths(board: list[int] | np.ndarray) -> np.ndarray:
    """``[1326]`` strength of every combination with a five-card ``board`` (-1 where a combination
    uses a board card).

    Example:
        >>> s = strengths(parse_cards("AsKsQsJs2d"))
        >>> category(int(s[combo_index(card_id("Ts"), card_id("3c"))]))
        'straight flush'
    """
    board = np.asarray(board, dtype=np.int64)
    if board.shape != (5,):
        raise ValueError(f"board must have five cards, got {board.size}")
    hands = np.concatenate([np.broadcast_to(board, (NUM_COMBOS, 5)), COMBOS], axis=1)
    out = evaluate_many(np.ascontiguousarray(hands))
    blocked = np.isin(COMBOS, board).any(axis=1)
    out[blocked] = -1
    return out
