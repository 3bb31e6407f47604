"""The public tree of a no-limit hold'em subgame: betting and the remaining public cards.

A :class:`Subgame` is a board (3, 4 or 5 cards), a pot, the effective stack behind, both
players' ranges and a bet abstraction (:class:`Bets`). Player 0 is out of position (acts first
on every street), player 1 in position. :func:`build_tree` enumerates the public tree
breadth-first (children contiguous, parents first) into flat arrays (:class:`PublicTree`);
every node holds range vectors over the subgame's hands (``H`` = the combinations that use no
board card) when the solver sweeps it.

Betting (per street, the same abstraction on every street): with no bet to face a player may
check, bet ``f x pot`` for every ``f`` in ``bets`` and go all-in; facing a bet, fold, call, raise
to ``(opponent's contribution) + f x (pot after calling)`` for every ``f`` in ``raises`` and go
all-in; at most ``raise_cap`` bets and raises a street (then only fold or call). A size at or
above the stack is the all-in; equal sizes are merged. OOP may lead (donk-bet) on every street.
Check-check or a call ends the street: the next card is a chance node over every card left in
the deck (each with the same probability ``1 / (cards left - 4)`` given both hands; hands that
hold the card get reach 0); after an all-in call the remaining cards are dealt and the hands
shown down.

Suit isomorphism (``suit_perms``, :func:`suit_symmetries`): the suit permutations that fix the
deck and both ranges' weights and, along a path, the board and every card dealt so far form a
group; at a chance node the cards left fall into orbits under it, and only one representative
card per orbit is a branch. The values of the other members are the representative's with the
hands permuted (``value_y(h) = value_x(sigma^-1 h)`` for the ``sigma`` that maps ``x`` to ``y``),
so the solve is exact: the same values, strategies (up to the permutation) and exploitability
as the tree with every card.

Utilities are chips, zero-sum: each player is taken to have put half the starting pot in, so
the winner of a showdown wins the loser's total contribution and a fold loses the folder's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from regretlab.games.subgame.cards import COMBOS, NUM_CARDS, NUM_COMBOS, card_name, evaluate_many

CHANCE, FOLD, SHOWDOWN = -1, -2, -3  # node kinds besides players 0 and 1


@dataclass(frozen=True)
class Bets:
    """A bet abstraction.

    Attributes:
        bets: bet sizes as fractions of the pot (each > 0).
        raises: raise sizes as fractions of the pot after calling (default: ``bets``).
        allin: whether going all-in is always an option.
        raise_cap: most bets plus raises per street (>= 1).
    """

    bets: tuple[float, ...] = (0.33, 0.75)
    raises: tuple[float, ...] | None = None
    allin: bool = True
    raise_cap: int = 3

    def __post_init__(self) -> None:
        for name in ("bets", "raises"):
            sizes = getattr(self, name)
            if sizes is None:
                continue
            sizes = tuple(float(x) for x in sizes)
            for x in sizes:
                if not np.isfinite(x) or x <= 0:
                    raise ValueError(f"{name} sizes must be fractions of the pot > 0, got {x:g}")
            object.__setattr__(self, name, sizes)
        if self.raises is None:
            object.__setattr__(self, "raises", self.bets)
        if not isinstance(self.raise_cap, (int, np.integer)) or self.raise_cap < 1:
            raise ValueError(f"raise_cap must be an integer >= 1, got {self.raise_cap!r}")


def parse_bets(text: str) -> tuple[tuple[float, ...], bool]:
    """Sizes and the all-in flag of ``"0.33,0.75,allin"`` (fractions, or percents like ``"33%"``).

    Example:
        >>> parse_bets("0.33,75%,allin")
        ((0.33, 0.75), True)
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"bet sizes must be text such as '0.33,0.75,allin', got {text!r}")
    sizes, allin = [], False
    for item in (x.strip().lower() for x in text.split(",")):
        if item in ("allin", "all-in", "a"):
            allin = True
            continue
        try:
            x = float(item[:-1]) / 100 if item.endswith("%") else float(item)
        except ValueError:
            raise ValueError(f"bet size {item!r} in {text!r} is not a fraction of the pot (e.g. 0.75, 75% or allin)") from None
        if not np.isfinite(x) or x <= 0:
            raise ValueError(f"bet size {item!r} in {text!r} must be a fraction of the pot > 0")
        sizes.append(x)
    return tuple(sizes), allin


@dataclass
class PublicTree:
    """Flat arrays of a public tree (module docstring), breadth-first.

    ``N`` nodes, ``D`` decision nodes, ``H`` hands, ``B`` boards (the root's and those after
    chance), ``A`` the widest action set.
    """

    kind: np.ndarray  # [N] int8: 0 / 1 player to act, CHANCE, FOLD, SHOWDOWN
    parent: np.ndarray  # [N] int64 (-1 at the root)
    first_child: np.ndarray  # [N] int64 (-1 at terminals)
    num_children: np.ndarray  # [N] int64
    contrib: np.ndarray  # [N, 2] float64 chips each player has in the pot (half the start pot included)
    folder: np.ndarray  # [N] int64 the player who folded (FOLD nodes), else -1
    board: np.ndarray  # [N] int64 board id of the node
    decision: np.ndarray  # [N] int64 decision index d (rows d*H .. d*H+H-1), -1 elsewhere
    chance_factor: np.ndarray  # [N] float64 probability of each card at a CHANCE node's children, else 1
    labels: list  # [N] the action (or card) that leads to the node
    board_cards: list  # [B] tuple of card ids per board
    board_valid: np.ndarray  # [B, H] bool: hand uses no card of the board
    showdown_order: np.ndarray  # [B, H] int64 valid hands by increasing strength (5-card boards), -1 padding
    showdown_strength: np.ndarray  # [B, H] int64 strengths along showdown_order
    showdown_count: np.ndarray  # [B] int64 valid hands on the board (0 unless 5 cards)
    showdown_cards: np.ndarray  # [B, H, 2] int64 the cards of showdown_order's hands
    showdown_groups: np.ndarray  # [B, H + 1] int64 starts of the groups of equal strength along the order
    showdown_ngroups: np.ndarray  # [B] int64 number of groups
    hands: np.ndarray  # [H, 2] int64 card ids of the subgame's hands
    hand_combo: np.ndarray  # [H] int64 index of each hand in COMBOS
    iso_start: np.ndarray | None = None  # [N + 1] int64: a chance child's hand permutations are iso_ids[start[n]:start[n + 1]]
    iso_ids: np.ndarray | None = None  # [M] int64 rows of iso_perms (empty: no isomorphism)
    iso_perms: np.ndarray | None = None  # [P, H] int64 hand index of sigma^-1(h) per permutation
    pot: float = 0.0
    stack: float = 0.0
    meta: dict = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        return int(self.kind.shape[0])

    @property
    def num_hands(self) -> int:
        return int(self.hands.shape[0])

    @property
    def num_decisions(self) -> int:
        return int((self.kind >= 0).sum())

    @property
    def max_actions(self) -> int:
        dec = self.kind >= 0
        return int(self.num_children[dec].max()) if dec.any() else 1

    def path(self, n: int) -> list[str]:
        """Labels of the actions and cards from the root to node ``n``."""
        out = []
        while n > 0:
            out.append(self.labels[n])
            n = int(self.parent[n])
        return out[::-1]

    def children(self, n: int) -> range:
        f = int(self.first_child[n])
        return range(f, f + int(self.num_children[n])) if f >= 0 else range(0)

    def describe(self) -> str:
        kinds = self.kind
        return (f"public tree: {self.num_nodes:,} nodes ({self.num_decisions:,} decisions, "
                f"{int((kinds == CHANCE).sum()):,} chance, {int((kinds <= FOLD).sum()):,} terminal), "
                f"{self.num_hands:,} hands, board {''.join(card_name(c) for c in self.board_cards[0])}")


def _hands(board: list[int], deck: list[int], combos: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    live = np.zeros(NUM_CARDS, dtype=bool)
    live[deck] = True
    live[board] = False
    keep = live[COMBOS[:, 0]] & live[COMBOS[:, 1]]
    if combos is not None:
        only = np.zeros(COMBOS.shape[0], dtype=bool)
        only[np.asarray(combos, dtype=np.int64)] = True
        keep &= only
    idx = np.flatnonzero(keep)
    return COMBOS[idx].copy(), idx


def _suit_map(perm: tuple) -> np.ndarray:
    """``[52]`` card -> card under the suit permutation ``perm`` (suit s -> perm[s])."""
    c = np.arange(NUM_CARDS)
    return 4 * (c // 4) + np.asarray(perm, dtype=np.int64)[c % 4]


def suit_symmetries(board: list[int], deck: list[int] | None, weights: list[np.ndarray]) -> list[tuple]:
    """The suit permutations (tuples ``perm[s]``) that map the deck and the board onto
    themselves and leave every ``[1326]`` weight vector in ``weights`` unchanged (exactly).

    Example:
        >>> from regretlab.games.subgame.cards import parse_cards
        >>> from regretlab.games.subgame.ranges import parse_range
        >>> full = parse_range("full")
        >>> len(suit_symmetries(parse_cards("Ks7h2d3c"), None, [full, full])), len(suit_symmetries(parse_cards("Ks7s2s3s"), None, [full, full]))
        (1, 6)
    """
    from itertools import permutations

    from regretlab.games.subgame.cards import _INDEX

    deck_set = set(range(NUM_CARDS)) if deck is None else {int(c) for c in deck}
    out = []
    for perm in permutations(range(4)):
        m = _suit_map(perm)
        if {int(m[c]) for c in deck_set} != deck_set or {int(m[c]) for c in board} != {int(c) for c in board}:
            continue
        image = _INDEX[m[COMBOS[:, 0]], m[COMBOS[:, 1]]]
        if all(np.array_equal(np.asarray(w, dtype=np.float64)[image], np.asarray(w, dtype=np.float64)) for w in weights):
            out.append(tuple(perm))
    return out


def build_tree(board: list[int], pot: float, stack: float, bets: Bets, deck: list[int] | None = None,
               max_nodes: int = 5_000_000, combos: np.ndarray | None = None,
               suit_perms: list[tuple] | None = None) -> PublicTree:
    """The public tree of a subgame (module docstring).

    Args:
        board: 3, 4 or 5 card ids.
        pot: chips in the pot at the start (> 0).
        stack: effective stack behind each player (>= 0).
        bets: the bet abstraction.
        deck: the cards in play (default all 52; a smaller deck gives tiny test games).
        max_nodes: refuse (``ValueError``) a tree with more nodes than this.
        combos: the combinations that are the subgame's hands (default: all that use no board
            card; solvers pass the union of both ranges' supports, which gives the same values).
        suit_perms: suit permutations to merge isomorphic chance branches by (module
            docstring; :func:`suit_symmetries`), or ``None`` for every card its own branch.

    Returns:
        The :class:`PublicTree`.

    Example:
        >>> from regretlab.games.subgame.cards import parse_cards
        >>> t = build_tree(parse_cards("Ks7h2d3c8s"), 10.0, 20.0, Bets((1.0,), raise_cap=1))
        >>> t.num_nodes, t.num_hands, t.path(int(t.first_child[t.first_child[0] + 1]))
        (15, 1081, ['bet 10', 'fold'])
    """
    board = [int(c) for c in board]
    if len(board) not in (3, 4, 5):
        raise ValueError(f"the board must have 3 (flop), 4 (turn) or 5 (river) cards, got {len(board)}")
    if not (np.isfinite(pot) and pot > 0):
        raise ValueError(f"pot must be > 0 chips, got {pot:g}")
    if not (np.isfinite(stack) and stack >= 0):
        raise ValueError(f"stacks must be >= 0 chips, got {stack:g}")
    deck = list(range(NUM_CARDS)) if deck is None else sorted({int(c) for c in deck})
    if not set(board) <= set(deck):
        raise ValueError("every board card must be in the deck")
    if len(deck) - len(board) - 4 < 5 - len(board):
        raise ValueError(f"the deck of {len(deck)} cards cannot deal two hands and complete the board")
    hands, hand_combo = _hands(board, deck, combos)
    H = hands.shape[0]
    cap = float(pot) / 2 + float(stack)  # most chips a player can have in the pot

    kind, parent, contrib, folder, board_of, labels, factor = [], [], [], [], [], [], []
    boards: dict[tuple, int] = {}

    def board_id(cards: tuple) -> int:
        key = tuple(sorted(cards))
        if key not in boards:
            boards[key] = len(boards)
        return boards[key]

    # suit permutations as card maps; the group along a path is the one fixing every dealt card
    perms = [tuple(p) for p in (suit_perms or [])]
    maps = [_suit_map(p) for p in perms]
    root_group = tuple(k for k, m in enumerate(maps) if {int(m[c]) for c in board} == set(board))
    node_perms: list[tuple] = []  # per node: the permutation ids its values are summed over (chance children)

    # state: (kind, c0, c1, raises this street, board cards, symmetry group)
    states: list[tuple] = []

    def add(k: int, par: int, c: tuple, raises: int, cards: tuple, label: str, who: int = -1,
            prob: float = 1.0, group: tuple = (), sums: tuple = ()) -> None:
        kind.append(k)
        parent.append(par)
        contrib.append(c)
        folder.append(who)
        board_of.append(board_id(cards))
        labels.append(label)
        factor.append(prob)
        states.append((raises, cards, group))
        node_perms.append(sums)
        if len(kind) > max_nodes:
            raise ValueError(f"the public tree has more than {max_nodes:,} nodes; use fewer bet sizes, "
                             "a lower raise cap or a later street")

    def street_end(c: tuple, cards: tuple) -> int:
        return SHOWDOWN if len(cards) == 5 else CHANCE

    start = (pot / 2, pot / 2)
    add(0, -1, start, 0, tuple(board), "root", group=root_group)
    first_child = []
    num_children = []
    n = 0
    while n < len(kind):
        k = kind[n]
        c = contrib[n]
        raises, cards, group = states[n]
        kids: list[tuple] = []
        if k in (0, 1):
            p, q = k, 1 - k
            to_call = c[q] - c[p]
            left = cap - c[p]
            if to_call <= 1e-12:
                nxt = street_end(c, cards) if p == 1 else 1
                kids.append((nxt, c, raises, "check", -1))
                sizes = [f * (c[0] + c[1]) for f in bets.bets]
                label = "bet"
            else:
                kids.append((FOLD, c, raises, "fold", p))
                nc = (c[q], c[q])
                allin_now = c[q] >= cap - 1e-9
                if allin_now and len(cards) < 5:
                    kids.append((CHANCE, nc, raises, "call", -1))
                else:
                    kids.append((street_end(nc, cards), nc, raises, "call", -1))
                sizes = [] if allin_now else [f * (c[0] + c[1] + to_call) + to_call for f in bets.raises]
                label = "raise"
            if raises < bets.raise_cap and left > to_call + 1e-9:
                amounts = sorted({round(min(a, left), 9) for a in sizes if a > to_call + 1e-9}
                                 | ({round(left, 9)} if bets.allin else set()))
                for a in amounts:
                    new = list(c)
                    new[p] = c[p] + a
                    name = "allin" if a >= left - 1e-9 else label
                    kids.append((q, tuple(new), raises + 1, f"{name} {a:.4g}", -1))
        elif k == CHANCE:
            used = set(cards)
            live = [x for x in deck if x not in used]
            prob = 1.0 / (len(live) - 4)
            allin = c[0] >= cap - 1e-9
            orbit: dict[int, list] = {}  # representative -> [(member, permutation id)]
            seen: set = set()
            for x in live:
                if x in seen:
                    continue
                orbit[x] = []
                for g in (group or (None,)):
                    y = x if g is None else int(maps[g][x])
                    if y not in seen:
                        seen.add(y)
                        orbit[x].append((y, g))
            for x, members in orbit.items():
                new_cards = cards + (x,)
                if len(new_cards) == 5:
                    nk = SHOWDOWN if allin else 0
                else:
                    nk = CHANCE if allin else 0
                sub = tuple(g for g in group if int(maps[g][x]) == x)
                sums = () if len(group) <= 1 else tuple(g for _, g in members)
                kids.append((nk, c, 0, card_name(x), -2, prob, x, sub, sums))
        if kids:
            first_child.append(len(kind))
            num_children.append(len(kids))
            for kid in kids:
                nk, nc, nr, lab, who = kid[:5]
                if who == -2:  # a dealt card
                    add(nk, n, nc, 0, cards + (int(kid[6]),), lab, -1, kid[5], kid[7], kid[8])
                else:
                    add(nk, n, nc, nr, cards, lab, who, group=group)
        else:
            first_child.append(-1)
            num_children.append(0)
        n += 1

    N = len(kind)
    kind_a = np.array(kind, dtype=np.int8)
    decision = np.full(N, -1, dtype=np.int64)
    dec = np.flatnonzero(kind_a >= 0)
    decision[dec] = np.arange(dec.size)
    board_list = [None] * len(boards)
    for cards, b in boards.items():
        board_list[b] = cards
    B = len(board_list)
    valid = np.zeros((B, H), dtype=bool)
    order = np.full((B, H), -1, dtype=np.int64)
    strength = np.zeros((B, H), dtype=np.int64)
    count = np.zeros(B, dtype=np.int64)
    cards_sorted = np.zeros((B, H, 2), dtype=np.int64)
    groups = np.zeros((B, H + 1), dtype=np.int64)
    ngroups = np.zeros(B, dtype=np.int64)
    for b, cards in enumerate(board_list):
        dead = np.zeros(NUM_CARDS, dtype=bool)
        dead[list(cards)] = True
        ok = ~(dead[hands[:, 0]] | dead[hands[:, 1]])
        valid[b] = ok
        if len(cards) == 5:
            idx = np.flatnonzero(ok)
            full = np.concatenate([np.broadcast_to(np.array(cards, dtype=np.int64), (idx.size, 5)), hands[idx]], axis=1)
            s = evaluate_many(np.ascontiguousarray(full))
            o = np.argsort(s, kind="stable")
            order[b, :idx.size] = idx[o]
            strength[b, :idx.size] = s[o]
            count[b] = idx.size
            cards_sorted[b, :idx.size] = hands[idx[o]]
            starts = np.flatnonzero(np.diff(s[o], prepend=-1) != 0)
            groups[b, :starts.size] = starts
            groups[b, starts.size] = idx.size
            ngroups[b] = starts.size
    iso_start = np.zeros(N + 1, dtype=np.int64)
    iso_start[1:] = np.cumsum([len(x) for x in node_perms])
    used = sorted({g for x in node_perms for g in x})
    slot = {g: k for k, g in enumerate(used)}
    iso_ids = np.array([slot[g] for x in node_perms for g in x], dtype=np.int64)
    iso_perms = np.zeros((len(used), H), dtype=np.int64)
    if used:
        from regretlab.games.subgame.cards import _INDEX

        where = np.full(NUM_COMBOS, -1, dtype=np.int64)
        where[hand_combo] = np.arange(H)
        for g, k in slot.items():
            inv = np.argsort(maps[g])  # sigma^-1 as a card map
            img = where[_INDEX[inv[hands[:, 0]], inv[hands[:, 1]]]]
            if (img < 0).any():
                raise ValueError("suit_perms must map the subgame's hands onto themselves (see suit_symmetries)")
            iso_perms[k] = img
    tree = PublicTree(kind_a, np.array(parent, dtype=np.int64), np.array(first_child, dtype=np.int64),
                      np.array(num_children, dtype=np.int64), np.array(contrib, dtype=np.float64),
                      np.array(folder, dtype=np.int64), np.array(board_of, dtype=np.int64), decision,
                      np.array(factor, dtype=np.float64), labels, board_list, valid, order, strength, count,
                      cards_sorted, groups, ngroups, hands, hand_combo, iso_start, iso_ids, iso_perms,
                      float(pot), float(stack))
    tree.meta["suit_perms"] = perms
    return tree


def all_boards(board: list[int], deck: list[int]) -> list[tuple]:
    """Every completion of ``board`` to five cards from ``deck`` (for tests)."""
    rest = [c for c in deck if c not in board]
    return [tuple(board) + extra for extra in combinations(rest, 5 - len(board))]
