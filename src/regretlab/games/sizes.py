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


# -- the solver's own memory, before it allocates ---------------------------------------------


class SolverBytes(NamedTuple):
    """Estimated memory of a solve on a built game (see :func:`solver_bytes`)."""

    infoset_actions: int  # I x A (the padded [I, A] arrays every solver keeps)
    per_infoset_action: int  # bytes per information-set action: state plus the update's copies
    per_node: int  # bytes per tree node of the sweep buffers
    nodes: int
    total: int  # infoset_actions x per_infoset_action + nodes x per_node

    def describe(self) -> str:
        return (f"{human_count(self.infoset_actions)} information-set actions x "
                f"{self.per_infoset_action} bytes + {human_count(self.nodes)} nodes x {self.per_node} "
                f"bytes = {human_bytes(self.total)}")


def solver_bytes(game: Any, algo: str, dtype: str = "float64", threads: int = 1, seeds: int = 1) -> SolverBytes:
    """Estimated peak memory of ``algo`` on the built ``game`` (a Treeplex), before allocating.

    Per information-set action (``[I, A]`` arrays; ``d`` = 8 bytes for float64, 4 for float32):
    a CFR-family solve keeps regrets (d), averages (d), the current strategy (8) and, for
    predictive rules, the prediction (d); an update works on copies of them (the same again)
    plus the counterfactual values and the sweep's instantaneous regrets (8 + 8). Per node:
    the public-layout sweep keeps reach, edge probabilities and one value per player
    (8 x (2 + P), once more for the parallel sweep's padded copy), the per-history sweep reach
    and value (16). MCCFR keeps regrets and averages and their copies (4d per seed; no per-node
    buffers).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> sb = solver_bytes(kuhn_poker(), "cfr+")
        >>> sb.infoset_actions, sb.per_infoset_action
        (24, 64)
        >>> solver_bytes(kuhn_poker(), "cfr+", "float32").per_infoset_action
        48
    """
    d = 4 if str(dtype) == "float32" else 8
    ia = int(game.num_infosets) * int(game.max_actions)
    N = int(game.num_nodes)
    if algo.startswith("mccfr"):
        return SolverBytes(ia, 4 * d * max(int(seeds), 1), 0, N, ia * 4 * d * max(int(seeds), 1))
    predictive = algo.startswith("pcfr")
    state = 2 * d + 8 + (d if predictive else 0)
    per_ia = 2 * state + 16
    from regretlab.games.factored import public_layout

    per_node = 16
    if public_layout(game) is not None:
        per_node = 8 * (2 + int(game.num_players)) * (2 if threads > 1 else 1)
    return SolverBytes(ia, per_ia, per_node, N, ia * per_ia + N * per_node)


def check_solver_fits(game: Any, algo: str, dtype: str = "float64", threads: int = 1,
                      seeds: int = 1) -> SolverBytes:
    """Refuse (one-line ``ValueError``) a solve whose :func:`solver_bytes` exceed the memory
    available; returns the estimate otherwise."""
    sb = solver_bytes(game, algo, dtype, threads, seeds)
    check_fits(f"{algo} ({dtype}) on {game.name} ({sb.describe()})", sb.total)
    return sb
