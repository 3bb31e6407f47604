"""Sizes before work: how many nodes a game tree has and whether building it fits in memory.

A game whose tree cannot fit is refused up front, from its parameters, with one line naming
the size, the estimate and the memory available, instead of building for a minute and dying
with a bare ``MemoryError``. Kuhn poker has a closed form; Leduc and the small hold'em are
counted exactly on their betting tree (every deal of the cards leads to the same betting
tree, so one representative deal per chance node is enough), after a cheap lower bound (the
number of private deals) has ruled out the hopeless cases.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Callable, Hashable, NamedTuple

from regretlab.core.errors import check_fits as core_check_fits
from regretlab.core.errors import memory_available
from regretlab.games.treeplex import CHANCE, TERMINAL, GameDefinition

# Peak memory of the Python tree builder per node (lists, states, then the flat arrays),
# measured on Kuhn (5-6 players), Leduc and hold'em: 480-670 bytes; plus the utilities row.
BYTES_PER_NODE = 700
BYTES_PER_TERMINAL_PLAYER = 16
MEMO_CAP = 2_000_000  # distinct betting states counted at most (beyond: refused as too big)


class TreeSize(NamedTuple):
    nodes: int
    terminals: int


def available_memory() -> int | None:
    """Bytes of memory available now (:func:`regretlab.core.errors.memory_available`)."""
    return memory_available()


def human_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``; astronomically large sizes in scientific notation."""
    n = float(n)
    unit = "bytes"
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            break
        n /= 1024
    if unit == "PiB" and n >= 1e4:
        return f"{n * 1024 ** 5:.2g} bytes"
    return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"


def human_count(n: int) -> str:
    """``1831601`` -> ``'1,831,601'``; beyond 10^12 in scientific notation."""
    if n < 10**12:
        return f"{n:,}"
    return f"{float(n):.2e}" if n < 10**300 else f"10^{len(str(n)) - 1}"


def _as_float(n: float) -> float:
    try:
        return float(n)
    except OverflowError:
        return math.inf


def check_fits(what: str, nbytes: float) -> None:
    """Refuse work estimated to need more memory than is available (one-line ``ValueError``).

    ``what`` names the work and its size (e.g. ``"kuhn --players 30 has ... nodes; building its
    tree"``); the check is :func:`regretlab.core.errors.check_fits`.
    """
    core_check_fits(what, _as_float(nbytes))


def build_bytes(size: TreeSize, players: int) -> int:
    """Estimated peak memory of :func:`~regretlab.games.treeplex.build_treeplex` for a tree of ``size``."""
    return size.nodes * BYTES_PER_NODE + size.terminals * BYTES_PER_TERMINAL_PLAYER * players


def private_deals(game: GameDefinition, cap: int | None = None) -> int:
    """Product of the chance branchings before the first decision (the private deals); stops
    early, with a lower bound, once the product passes ``cap``."""
    state, mult = game.initial_state(), 1
    while game.current_player(state) == CHANCE and (cap is None or mult <= cap):
        outs = list(game.chance_outcomes(state))
        mult *= len(outs)
        state = game.apply(state, outs[0][0])
    return mult


class TooBig(Exception):
    """Raised by :func:`count_symmetric` when the count passes its limit."""


def count_symmetric(game: GameDefinition, key: Callable[[Any], Hashable], limit: int | None = None) -> TreeSize:
    """Exact node and terminal counts of a game whose chance outcomes all lead to trees of one size.

    ``key(state)`` must determine the size of the subtree below ``state`` (e.g. the betting
    state without the cards). Raises :class:`TooBig` once the count passes ``limit`` nodes or
    :data:`MEMO_CAP` distinct keys.
    """
    memo: dict[Hashable, tuple[int, int]] = {}
    sys_limit = sys.getrecursionlimit()

    def rec(state: Any, depth: int) -> tuple[int, int]:
        k = key(state)
        hit = memo.get(k)
        if hit is not None:
            return hit
        if len(memo) > MEMO_CAP or depth > sys_limit - 200:
            raise TooBig
        p = game.current_player(state)
        if p == TERMINAL:
            res = (1, 1)
        elif p == CHANCE:
            outs = list(game.chance_outcomes(state))
            n, z = rec(game.apply(state, outs[0][0]), depth + 1)
            res = (1 + len(outs) * n, len(outs) * z)
        else:
            n, z = 1, 0
            for a in game.legal_actions(state):
                cn, cz = rec(game.apply(state, a), depth + 1)
                n, z = n + cn, z + cz
            res = (n, z)
        if limit is not None and res[0] > limit:
            raise TooBig
        memo[k] = res
        return res

    return TreeSize(*rec(game.initial_state(), 0))


def check_tree_fits(game: GameDefinition, label: str | None = None) -> TreeSize | None:
    """Refuse to build ``game`` when its tree cannot fit in memory; returns its size if known.

    Uses ``game.tree_size()`` when the game defines it (Kuhn, Leduc, hold'em), else returns
    ``None`` (the builder then watches memory as it goes).
    """
    sizer = getattr(game, "tree_size", None)
    if sizer is None:
        return None
    label = label or str(getattr(game, "name", "game"))
    players = int(game.num_players)
    avail = available_memory()
    deals = private_deals(game, 10**60)  # a lower bound; exact unless astronomically large
    if avail is not None and deals * BYTES_PER_NODE > avail:
        check_fits(f"{label} has at least {human_count(deals)} nodes (one per deal of the cards); "
                   "building its tree", deals * BYTES_PER_NODE)
    try:
        size = sizer(None)
    except TooBig:
        return None
    check_fits(f"{label} has {human_count(size.nodes)} nodes; building its tree", build_bytes(size, players))
    return size
