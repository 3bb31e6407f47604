"""Extensive-form games built once into flat arrays (the treeplex the CFR family sweeps).

A game is described by a :class:`GameDefinition` (a small state machine: whose turn, legal
actions, chance outcomes, information-set key, returns). :func:`build_treeplex` enumerates its
tree breadth-first, so the children of a node are contiguous and every child comes after its
parent: a forward sweep in index order sees parents first and a backward sweep sees children
first. Information sets are discovered in the same order, so a player's parent information set
always has a smaller id than its children (perfect recall is checked while building).
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterator, Sequence

import numpy as np

CHANCE = -1  # node_player value of a chance node
TERMINAL = -2  # node_player value of a terminal node

_BUILD_PROGRESS: contextvars.ContextVar = contextvars.ContextVar("regretlab_build_progress", default=None)
_REPORT_EVERY = 1 << 14  # nodes between progress reports and memory checks
MEMORY_RESERVE = 512 * 1024 * 1024  # a build stops (one clear error) when less memory than this is left


@contextlib.contextmanager
def build_progress(callback: Callable[[str, int, int | None], None]) -> Iterator[None]:
    """Within the block, :func:`build_treeplex` calls ``callback(name, nodes_done, total)``
    as it goes (``total`` is ``None`` when the size is not known in advance)."""
    token = _BUILD_PROGRESS.set(callback)
    try:
        yield
    finally:
        _BUILD_PROGRESS.reset(token)


class GameDefinition:
    """A finite extensive-form game as a state machine; states are any immutable Python values.

    Subclasses implement the methods below; :func:`build_treeplex` turns one into flat arrays.
    Returns are per player, in chips or utility units (higher is better).
    """

    name: str = "game"
    num_players: int = 2

    def initial_state(self) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def current_player(self, state: Any) -> int:
        """Player to act (0..P-1), ``CHANCE`` (-1) or ``TERMINAL`` (-2)."""
        raise NotImplementedError

    def legal_actions(self, state: Any) -> Sequence[int]:
        raise NotImplementedError

    def chance_outcomes(self, state: Any) -> Sequence[tuple[int, float]]:
        raise NotImplementedError

    def apply(self, state: Any, action: int) -> Any:
        raise NotImplementedError

    def returns(self, state: Any) -> Sequence[float]:
        raise NotImplementedError

    def infoset_key(self, state: Any) -> Hashable:
        """The acting player's information-set key (equal keys = indistinguishable states)."""
        raise NotImplementedError

    def action_name(self, action: int) -> str:
        return str(action)

    @property
    def num_actions(self) -> int:
        """Number of distinct action ids (player actions); used for the legal mask width."""
        raise NotImplementedError


@dataclass
class Treeplex:
    """A finite perfect-recall extensive-form game as flat arrays (breadth-first node order).

    Node ``n``'s children are ``first_child[n] .. first_child[n] + num_children[n] - 1``; child
    ``k`` is the ``k``-th legal action of the node (the compact action index), whose game action
    id is ``infoset_actions[node_infoset[n], k]`` at decision nodes.

    A game is immutable: its arrays are read-only (built-in games are shared by every solver
    in a process), and ``meta`` only memoises values derived from them (also read-only).
    Solvers keep their work arrays in their own state.
    """

    name: str
    num_players: int  # P
    node_player: np.ndarray  # [N] int8: player, CHANCE (-1) or TERMINAL (-2)
    node_parent: np.ndarray  # [N] int32 (-1 at the root)
    node_action: np.ndarray  # [N] int32 compact action index taken at the parent (-1 root)
    node_first_child: np.ndarray  # [N] int32 (-1 at terminals)
    node_num_children: np.ndarray  # [N] int32
    node_infoset: np.ndarray  # [N] int32 (-1 at chance and terminal nodes)
    node_chance_prob: np.ndarray  # [N] float64 probability of the edge parent->n at chance parents, else 1
    node_terminal: np.ndarray  # [N] int32 row of ``utilities`` (-1 at non-terminals)
    node_depth: np.ndarray  # [N] int32
    utilities: np.ndarray  # [Z, P] float64 terminal payoffs
    infoset_player: np.ndarray  # [I] int32
    infoset_num_actions: np.ndarray  # [I] int32
    infoset_actions: np.ndarray  # [I, A] int32 game action ids (-1 padding)
    legal_mask: np.ndarray  # [I, A] bool
    infoset_parent: np.ndarray  # [I] int32 owner's previous information set (-1 if none)
    infoset_parent_action: np.ndarray  # [I] int32 compact action taken there (-1 if none)
    infoset_sequence: np.ndarray  # [I] int32 id of the sequence (I, 0); (I, a) is that + a
    infoset_keys: list  # [I] hashable keys (strings for OpenSpiel games)
    action_names: list  # [num_actions] names of game action ids
    num_sequences: np.ndarray  # [P] int32 sequences per player (excluding the empty one)
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    # -- sizes ---------------------------------------------------------------------------
    @property
    def num_nodes(self) -> int:
        return int(self.node_player.shape[0])

    @property
    def num_infosets(self) -> int:
        return int(self.infoset_player.shape[0])

    @property
    def max_actions(self) -> int:
        return int(self.legal_mask.shape[1])

    @property
    def num_terminals(self) -> int:
        return int(self.utilities.shape[0])

    def infoset_index(self, key: Hashable) -> int:
        """Id of the information set with ``key`` (``KeyError`` naming the key if unknown)."""
        index = self.meta.get("_key_index")
        if index is None:
            index = {k: i for i, k in enumerate(self.infoset_keys)}
            self.meta["_key_index"] = index
        if key not in index:
            raise KeyError(f"unknown information set key {key!r} in game {self.name!r}")
        return index[key]

    def uniform_policy(self) -> np.ndarray:
        """The uniform behaviour policy ``[I, A]`` (rows sum to 1 over legal actions)."""
        mask = self.legal_mask.astype(np.float64)
        return mask / mask.sum(axis=1, keepdims=True)

    def check_policy(self, policy: Any, name: str = "policy") -> np.ndarray:
        """Validate a behaviour policy ``[I, A]``: finite, non-negative, rows sum to 1 on legal actions."""
        arr = np.asarray(policy, dtype=np.float64)
        if arr.shape != self.legal_mask.shape:
            raise ValueError(
                f"{name} must have shape [{self.num_infosets}, {self.max_actions}] "
                f"(infosets x actions) for game {self.name!r}, got {list(arr.shape)}"
            )
        if not np.isfinite(arr).all() or (arr < -1e-12).any():
            raise ValueError(f"{name} must be finite and non-negative")
        if (np.abs(arr[~self.legal_mask]) > 1e-12).any():
            raise ValueError(f"{name} puts probability on illegal actions")
        sums = arr.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
        if bad.size:
            raise ValueError(
                f"{name} rows must sum to 1; information set {self.infoset_keys[bad[0]]!r} sums "
                f"to {sums[bad[0]]:.6g}"
            )
        return np.ascontiguousarray(arr)

    def level_offsets(self) -> np.ndarray:
        """Start index of each depth level (nodes of depth d are ``offsets[d]:offsets[d+1]``)."""
        cached = self.meta.get("_levels")
        if cached is None:
            counts = np.bincount(self.node_depth)
            cached = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            cached.flags.writeable = False
            self.meta["_levels"] = cached
        return cached

    def describe(self) -> str:
        """One human line: ``'leduc_poker: 2 players, 9,457 nodes, 936 information sets'``."""
        return (f"{self.name}: {self.num_players} players, {self.num_nodes:,} nodes, "
                f"{self.num_infosets:,} information sets")

    def __repr__(self) -> str:
        return (
            f"Treeplex({self.name!r}, players={self.num_players}, nodes={self.num_nodes}, "
            f"terminals={self.num_terminals}, infosets={self.num_infosets}, "
            f"max_actions={self.max_actions})"
        )


def build_treeplex(game: GameDefinition, name: str | None = None) -> Treeplex:
    """Enumerate ``game`` breadth-first into a :class:`Treeplex`.

    Checks: chance probabilities positive and summing to 1; every information set owned by one
    player with one action list; perfect recall (all states of an information set share the
    owner's previous information set and action).

    Args:
        game: the game definition.
        name: name stored on the treeplex (default ``game.name``).

    Returns:
        The flat-array game.

    Raises:
        ValueError: when the tree cannot fit in memory: refused before building for games that
            know their size (``tree_size()``: Kuhn, Leduc, hold'em), else stopped while building
            when less than :data:`MEMORY_RESERVE` is left.
    """
    from regretlab.games.sizes import available_memory, check_tree_fits, human_bytes

    label = name or str(getattr(game, "name", "game"))
    size = check_tree_fits(game, label)
    total = None if size is None else size.nodes
    report = _BUILD_PROGRESS.get()
    if report is not None:
        report(label, 0, total)
    P = int(game.num_players)
    player_l: list[int] = []
    parent_l: list[int] = []
    action_l: list[int] = []
    first_child_l: list[int] = []
    num_children_l: list[int] = []
    infoset_l: list[int] = []
    chance_l: list[float] = []
    terminal_l: list[int] = []
    depth_l: list[int] = []
    utils: list[Sequence[float]] = []

    keys: dict[Hashable, int] = {}
    key_list: list[Hashable] = []
    iset_player: list[int] = []
    iset_actions: list[tuple[int, ...]] = []
    iset_parent: list[tuple[int, int]] = []

    # per node: the last (infoset, action) of each player on the path (for perfect recall)
    states: list[Any] = [game.initial_state()]
    last_seq: list[tuple] = [tuple([(-1, -1)] * P)]
    parent_l.append(-1)
    action_l.append(-1)
    chance_l.append(1.0)
    depth_l.append(0)
    head = 0
    while head < len(states):
        state = states[head]
        seq = last_seq[head]
        states[head] = None  # free memory as we go
        n = head
        head += 1
        if head % _REPORT_EVERY == 0:
            if report is not None:
                report(label, head, total)
            avail = available_memory()
            if head >= 4 * _REPORT_EVERY and avail is not None and avail < MEMORY_RESERVE:
                raise ValueError(
                    f"building {label} stopped after {head:,} nodes ({len(states):,} found so far): "
                    f"only {human_bytes(avail)} of memory is left; the tree is too big for this machine"
                )
        player = int(game.current_player(state))
        if player == TERMINAL:
            ret = [float(x) for x in game.returns(state)]
            if len(ret) != P:
                raise ValueError(
                    f"returns of a terminal state must have one entry per player ({P}), got {len(ret)}"
                )
            player_l.append(TERMINAL)
            first_child_l.append(-1)
            num_children_l.append(0)
            infoset_l.append(-1)
            terminal_l.append(len(utils))
            utils.append(ret)
            continue
        terminal_l.append(-1)
        if player == CHANCE:
            outcomes = list(game.chance_outcomes(state))
            if not outcomes:
                raise ValueError(f"chance node at depth {depth_l[n]} has no outcomes")
            probs = np.array([p for _, p in outcomes], dtype=np.float64)
            if (probs <= 0).any() or not np.isfinite(probs).all():
                raise ValueError(
                    f"chance probabilities must be positive, got {probs.tolist()} at depth {depth_l[n]}"
                )
            if abs(probs.sum() - 1.0) > 1e-9:
                raise ValueError(
                    f"chance probabilities must sum to 1, got {probs.sum():.12g} at depth {depth_l[n]}"
                )
            player_l.append(CHANCE)
            infoset_l.append(-1)
            first_child_l.append(len(states))
            num_children_l.append(len(outcomes))
            for k, (a, p) in enumerate(outcomes):
                states.append(game.apply(state, a))
                last_seq.append(seq)
                parent_l.append(n)
                action_l.append(k)
                chance_l.append(float(p))
                depth_l.append(depth_l[n] + 1)
            continue
        if not 0 <= player < P:
            raise ValueError(f"current_player must be in [0, {P}) or -1/-2, got {player}")
        legal = tuple(int(a) for a in game.legal_actions(state))
        if not legal:
            raise ValueError(f"decision node of player {player} has no legal actions")
        key = game.infoset_key(state)
        iset = keys.get(key)
        if iset is None:
            iset = len(key_list)
            keys[key] = iset
            key_list.append(key)
            iset_player.append(player)
            iset_actions.append(legal)
            iset_parent.append(seq[player])
        else:
            if iset_player[iset] != player:
                raise ValueError(
                    f"information set {key!r} mixes players {iset_player[iset]} and {player}"
                )
            if iset_actions[iset] != legal:
                raise ValueError(
                    f"information set {key!r} has different legal actions in two states: "
                    f"{list(iset_actions[iset])} and {list(legal)}"
                )
            if iset_parent[iset] != seq[player]:
                raise ValueError(
                    f"game is not perfect-recall: information set {key!r} is reached after "
                    f"different own histories of player {player}"
                )
        player_l.append(player)
        infoset_l.append(iset)
        first_child_l.append(len(states))
        num_children_l.append(len(legal))
        for k, a in enumerate(legal):
            states.append(game.apply(state, a))
            child_seq = list(seq)
            child_seq[player] = (iset, k)
            last_seq.append(tuple(child_seq))
            parent_l.append(n)
            action_l.append(k)
            chance_l.append(1.0)
            depth_l.append(depth_l[n] + 1)

    I = len(key_list)
    A = max((len(a) for a in iset_actions), default=1)
    infoset_actions = np.full((I, A), -1, dtype=np.int32)
    for i, acts in enumerate(iset_actions):
        infoset_actions[i, : len(acts)] = acts
    num_actions = np.array([len(a) for a in iset_actions], dtype=np.int32)
    legal_mask = np.arange(A)[None, :] < num_actions[:, None]
    iplayer = np.array(iset_player, dtype=np.int32)
    # sequences: per player, (I, a) numbered in information-set order
    seq_start = np.zeros(I, dtype=np.int32)
    nseq = np.zeros(P, dtype=np.int32)
    for i in range(I):
        seq_start[i] = nseq[iplayer[i]]
        nseq[iplayer[i]] += num_actions[i]
    try:
        action_count = int(game.num_actions)
    except NotImplementedError:
        action_count = int(infoset_actions.max()) + 1 if I else 0
    if report is not None:
        report(label, len(player_l), len(player_l))
    return Treeplex(
        name=name or getattr(game, "name", "game"),
        num_players=P,
        node_player=np.array(player_l, dtype=np.int8),
        node_parent=np.array(parent_l, dtype=np.int32),
        node_action=np.array(action_l, dtype=np.int32),
        node_first_child=np.array(first_child_l, dtype=np.int32),
        node_num_children=np.array(num_children_l, dtype=np.int32),
        node_infoset=np.array(infoset_l, dtype=np.int32),
        node_chance_prob=np.array(chance_l, dtype=np.float64),
        node_terminal=np.array(terminal_l, dtype=np.int32),
        node_depth=np.array(depth_l, dtype=np.int32),
        utilities=np.array(utils, dtype=np.float64).reshape(-1, P),
        infoset_player=iplayer,
        infoset_num_actions=num_actions,
        infoset_actions=infoset_actions,
        legal_mask=legal_mask,
        infoset_parent=np.array([p[0] for p in iset_parent], dtype=np.int32),
        infoset_parent_action=np.array([p[1] for p in iset_parent], dtype=np.int32),
        infoset_sequence=seq_start,
        infoset_keys=key_list,
        action_names=[game.action_name(a) for a in range(action_count)],
        num_sequences=nseq,
    )
