"""Public-tree layout: a treeplex whose tree is a chance prefix ("the deal") followed by
subtrees of identical shape, stored as ``[M public positions, D deals]`` arrays.

Many card and dice games (Kuhn, Leduc, liar's dice) deal every private card first and then
play the same betting tree for every deal. Laid out this way, a sweep handles one public
position at a time with a contiguous inner loop over the deals: the player, the branching and
the node type are decided once per position instead of once per history, and reach and value
arrays are read sequentially (the per-history layout is memory- and branch-bound).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from regretlab.games.treeplex import CHANCE, TERMINAL, Treeplex


@dataclass
class PublicLayout:
    """A treeplex regrouped by public position (see module docstring)."""

    num_players: int  # P
    deal_prob: np.ndarray  # [D] probability of each deal (product of prefix chance probabilities)
    deal_node: np.ndarray  # [D] treeplex node id of each deal
    player: np.ndarray  # [M] int8 player / CHANCE / TERMINAL at each public position
    first_child: np.ndarray  # [M] int32 public position of the first child (-1 at terminals)
    num_children: np.ndarray  # [M] int32
    infoset: np.ndarray  # [M, D] int32 information set of (position, deal) (-1 if none)
    chance_prob: np.ndarray  # [M, D] probability of the edge into (position, deal), 1 if not chance
    utilities: np.ndarray  # [P, M, D] terminal payoffs (0 at non-terminal positions)
    node: np.ndarray  # [M, D] treeplex node id of (position, deal)
    internal: np.ndarray  # [K] int32 non-terminal positions in increasing order

    @property
    def num_positions(self) -> int:
        return int(self.player.shape[0])

    @property
    def num_deals(self) -> int:
        return int(self.deal_prob.shape[0])


def public_layout(game: Treeplex) -> PublicLayout | None:
    """The public layout of ``game``, or ``None`` when its tree is not a chance prefix followed by
    identically shaped subtrees.

    The layout is a pure function of the game's arrays, so it is memoised on ``game.meta`` with
    read-only arrays (it is never written to; the sweeps' work arrays are :class:`Scratch`,
    owned by the solver state)."""
    if "_public" in game.meta:
        return game.meta["_public"]
    layout = _build(game)
    if layout is not None:
        for value in vars(layout).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
    game.meta["_public"] = layout
    return layout


def _build(game: Treeplex) -> PublicLayout | None:
    lv = game.level_offsets()
    depth_count = lv.shape[0] - 1
    c = 0
    while c < depth_count and (game.node_player[lv[c]: lv[c + 1]] == CHANCE).all():
        c += 1
    if c >= depth_count:
        return None
    D = int(lv[c + 1] - lv[c])
    if D < 2:
        return None
    # deal probabilities: product of the prefix chance probabilities
    prob = np.ones(game.num_nodes)
    for d in range(1, c + 1):
        nodes = np.arange(lv[d], lv[d + 1])
        prob[nodes] = prob[game.node_parent[nodes]] * game.node_chance_prob[nodes]
    deal_nodes = np.arange(lv[c], lv[c + 1])
    pos_of_level = []
    M = 0
    for L in range(c, depth_count):
        size = int(lv[L + 1] - lv[L])
        if size % D:
            return None
        m_l = size // D
        seg = slice(lv[L], lv[L + 1])
        pl = game.node_player[seg].reshape(D, m_l)
        nc = game.node_num_children[seg].reshape(D, m_l)
        if not ((pl == pl[0]).all() and (nc == nc[0]).all()):
            return None
        pos_of_level.append((M, m_l))
        M += m_l
    node = np.empty((M, D), dtype=np.int64)
    for L, (start, m_l) in zip(range(c, depth_count), pos_of_level):
        node[start: start + m_l] = np.arange(lv[L], lv[L + 1]).reshape(D, m_l).T
    # deal d's node at position m; the ordering within a deal's level part follows BFS order
    if not (node[0] == deal_nodes).all():
        return None
    player = game.node_player[node[:, 0]].astype(np.int8)
    num_children = game.node_num_children[node[:, 0]].astype(np.int32)
    # map node -> position to find first children
    position = np.full(game.num_nodes, -1, dtype=np.int64)
    position[node.ravel()] = np.repeat(np.arange(M), D)
    first_child = np.full(M, -1, dtype=np.int32)
    inner = player != TERMINAL
    fc_nodes = game.node_first_child[node[inner]]  # [K, D]
    fc_pos = position[fc_nodes]
    if not (fc_pos == fc_pos[:, :1]).all():
        return None
    first_child[inner] = fc_pos[:, 0]
    utilities = np.zeros((game.num_players, M, D))
    term = player == TERMINAL
    rows = game.node_terminal[node[term]]  # [T, D]
    utilities[:, term, :] = np.moveaxis(game.utilities[rows], -1, 0)
    return PublicLayout(
        num_players=game.num_players,
        deal_prob=prob[deal_nodes].copy(),
        deal_node=deal_nodes,
        player=player,
        first_child=first_child,
        num_children=num_children,
        infoset=np.ascontiguousarray(game.node_infoset[node]).astype(np.int32),
        chance_prob=np.ascontiguousarray(game.node_chance_prob[node]),
        utilities=utilities,
        node=node,
        internal=np.flatnonzero(inner).astype(np.int32),
    )


@njit(cache=True)
def _forward(i, strategy, lay_player, first_child, num_children, infoset, internal, deal_prob,
             opp, prob, live, rewrite):
    """opp[m,d] = pi_-i of (m,d); live[m] = some deal reaches m with pi_-i > 0.

    prob[c,d] holds the probability of the edge into (c,d): chance edges are fixed; decision
    edges are refreshed only at the positions of player ``rewrite`` (-1: every player, -2:
    none), the only strategies that changed since the previous sweep. Positions no deal
    reaches are skipped with their whole subtree: their values only ever meet zero weights.
    """
    D = opp.shape[1]
    any_live = False
    for d in range(D):
        opp[0, d] = deal_prob[d]
        any_live = any_live or deal_prob[d] > 0.0
    live[0] = any_live
    for j in range(internal.shape[0]):
        m = internal[j]
        fc = first_child[m]
        nc = num_children[m]
        pl = lay_player[m]
        if pl >= 0 and (rewrite == -1 or pl == rewrite):
            for k in range(nc):
                c = fc + k
                for d in range(D):
                    prob[c, d] = strategy[infoset[m, d], k]
        if not live[m]:
            for k in range(nc):
                live[fc + k] = False
            continue
        # terminal children need no reach: the backward sweep reads only their payoffs
        if pl == i:
            for k in range(nc):
                c = fc + k
                if lay_player[c] == TERMINAL:
                    continue
                for d in range(D):
                    opp[c, d] = opp[m, d]
                live[c] = True
        else:
            for k in range(nc):
                c = fc + k
                if lay_player[c] == TERMINAL:
                    continue
                alive = False
                for d in range(D):
                    x = opp[m, d] * prob[c, d]
                    opp[c, d] = x
                    alive = alive or x > 0.0
                live[c] = alive


@njit(cache=True)
def _backward(i, lay_player, first_child, num_children, infoset, internal, opp, prob, live,
              value, cfv):
    """value[m,d] = v_i at (m,d) (terminal rows hold the payoffs already); cfv(I,a) +=
    opp v(child) at player i's positions (the counterfactual values)."""
    D = opp.shape[1]
    for j in range(internal.shape[0] - 1, -1, -1):
        m = internal[j]
        if not live[m]:
            continue
        fc = first_child[m]
        nc = num_children[m]
        for d in range(D):
            value[m, d] = prob[fc, d] * value[fc, d]
        for k in range(1, nc):
            c = fc + k
            for d in range(D):
                value[m, d] += prob[c, d] * value[c, d]
        if lay_player[m] == i:
            for d in range(D):
                r = opp[m, d]
                if r != 0.0:
                    s = infoset[m, d]
                    for k in range(nc):
                        cfv[s, k] += r * value[fc + k, d]


@njit(cache=True)
def counterfactual_values(i, strategy, lay_player, first_child, num_children, infoset, internal,
                          deal_prob, opp, prob, live, values, cfv):
    """cfv(I,a) += sum_{h in I} pi_-i(h) v_i(sigma, ha) for player ``i``'s I, over the public
    layout; every decision edge is refreshed from ``strategy`` (work arrays as for
    :func:`run_iterations`, ``values`` is player i's ``[M, D]`` slice)."""
    _forward(i, strategy, lay_player, first_child, num_children, infoset, internal, deal_prob,
             opp, prob, live, -1)
    _backward(i, lay_player, first_child, num_children, infoset, internal, opp, prob, live,
              values, cfv)


@njit(cache=True)
def _own_reach(strategy, infoset_parent, infoset_parent_action, members, out):
    """out[I] = pi_owner(I) for the information sets listed in ``members`` (increasing ids)."""
    for j in range(members.shape[0]):
        s = members[j]
        p = infoset_parent[s]
        out[s] = 1.0 if p < 0 else out[p] * strategy[p, infoset_parent_action[s]]


@njit(cache=True)
def _local_and_match(members, regret, inst, last_inst, cumulative, strategy, reach, num_actions,
                     pos, neg, floor, w, predictive):
    """For each listed information set, with ``inst`` holding the counterfactual values:
    average += w pi(I) sigma; r = cfv - <sigma, cfv>; R <- scale(R + r), floored; last <- r;
    sigma <- [R (+ r if predictive)]^+ normalised; inst <- 0.

    ``<sigma, cfv>`` is summed in action order from 0, as NumPy sums a row, so the general
    local-rule path gives the same numbers."""
    for j in range(members.shape[0]):
        s = members[j]
        na = num_actions[s]
        ws = w * reach[s]
        v = 0.0
        for a in range(na):
            x = strategy[s, a]
            cumulative[s, a] += ws * x
            v += x * inst[s, a]
        total = 0.0
        for a in range(na):
            r = inst[s, a] - v
            R = regret[s, a] + r
            R = R * pos if R > 0.0 else R * neg
            if floor and R < 0.0:
                R = 0.0
            regret[s, a] = R
            last_inst[s, a] = r
            inst[s, a] = 0.0
            q = R + r if predictive else R
            if q > 0.0:
                total += q
        if total > 0.0:
            for a in range(na):
                q = regret[s, a] + last_inst[s, a] if predictive else regret[s, a]
                strategy[s, a] = q / total if q > 0.0 else 0.0
        else:
            for a in range(na):
                strategy[s, a] = 1.0 / na


@njit(cache=True)
def run_iterations(iterations, alternating, num_players, regret, cumulative, strategy, last_inst,
                   pos_scale, neg_scale, avg_weight, floor, predictive,
                   lay_player, first_child, num_children, infoset, internal, deal_prob,
                   members, member_start, num_actions, infoset_parent, infoset_parent_action,
                   opp, prob, live, values, reach, inst):
    """``iterations`` CFR iterations in place over the public layout (same contract as
    :func:`regretlab.games.kernels.run_iterations`). ``members[member_start[p]:member_start[p+1]]``
    lists player p's information sets in increasing id order.

    Work arrays (see :func:`scratch`), reusable across calls: ``opp``, ``prob`` (chance rows
    hold the fixed chance probabilities), ``live``, ``values`` ``[P, M, D]`` (terminal rows
    hold the payoffs), ``reach`` ``[I]``, ``inst`` ``[I, A]`` (zero on entry and on exit).
    """
    for it in range(iterations):
        for i in range(num_players):
            # strategies changed since the last sweep: all (first sweep of this call), the
            # previously updated player (alternating), or none (later simultaneous sweeps)
            if it == 0 and i == 0:
                rewrite = -1
            elif alternating:
                rewrite = (i - 1) % num_players
            else:
                rewrite = -1 if i == 0 else -2
            _forward(i, strategy, lay_player, first_child, num_children, infoset, internal,
                     deal_prob, opp, prob, live, rewrite)
            _backward(i, lay_player, first_child, num_children, infoset, internal, opp, prob,
                      live, values[i], inst)
            if alternating:
                mem = members[member_start[i]:member_start[i + 1]]
                _own_reach(strategy, infoset_parent, infoset_parent_action, mem, reach)
                _local_and_match(mem, regret, inst, last_inst, cumulative, strategy, reach,
                                 num_actions, pos_scale[it], neg_scale[it], floor,
                                 avg_weight[it], predictive)
        if not alternating:
            _own_reach(strategy, infoset_parent, infoset_parent_action, members, reach)
            for i in range(num_players):
                mem = members[member_start[i]:member_start[i + 1]]
                # all players' sigma^t must be averaged before any is replaced: reach is
                # already computed from sigma^t, and each infoset only reads its own row
                _local_and_match(mem, regret, inst, last_inst, cumulative, strategy, reach,
                                 num_actions, pos_scale[it], neg_scale[it], floor,
                                 avg_weight[it], predictive)


class Scratch:
    """Work arrays of :func:`run_iterations` for one layout, owned by a solver state and reused
    by the calls that continue it (their contents carry no result between calls)."""

    def __init__(self, layout: PublicLayout, num_infosets: int, max_actions: int) -> None:
        M, D = layout.infoset.shape
        self.layout = layout
        self.opp = np.zeros((M, D))
        self.prob = layout.chance_prob.copy()  # decision rows are refreshed by the first sweep
        self.live = np.zeros(M, dtype=np.bool_)
        self.values = layout.utilities.copy()  # internal rows are rewritten by every sweep
        self.reach = np.zeros(num_infosets)
        self.inst = np.zeros((num_infosets, max_actions))
        self._parallel: ParallelScratch | None = None

    def parallel(self, groups: int) -> ParallelScratch:
        """The parallel sweeps' work arrays for ``groups`` subtree groups (made on first use)."""
        if self._parallel is None or self._parallel.groups != groups:
            self._parallel = ParallelScratch(self.layout, groups)
        return self._parallel


# -- every core: independent subtrees of the public tree in parallel (Numba prange) -------------
#
# Below a cut depth the public tree splits into subtrees: a position's reach comes from its
# parent, its value from its children, and the only sums that cross positions are the
# counterfactual values of an information set that lives at several positions (a card dealt
# mid-game); subtrees sharing one are merged into one group. The parallel sweep runs the
# positions above the cut serially (forward), then each group of whole subtrees, forward and
# backward, on its own thread, then the positions above the cut (backward). Every position
# does exactly the serial sweep's operations, and every information set receives its terms in
# the serial order (decreasing position, increasing deal), so the numbers are the serial
# kernels' bit for bit, at any number of threads.

LINE = 8  # float64 values per 64-byte cache line


def _aligned_zeros(shape: tuple[int, ...]) -> np.ndarray:
    """A C-contiguous float64 zero array whose data starts on a 64-byte boundary."""
    n = int(np.prod(shape))
    buf = np.zeros(n + LINE)
    off = (-buf.ctypes.data % 64) // 8
    return buf[off: off + n].reshape(shape)


@dataclass
class SubtreeSplit:
    """Positions above the cut (``top``, increasing) and ``groups`` of whole subtrees below it
    (group g's internal positions ``group_positions[group_start[g]:group_start[g + 1]]``,
    increasing); subtrees that share an information set are in one group."""

    top: np.ndarray  # [K0] int32
    group_positions: np.ndarray  # [K1] int32
    group_start: np.ndarray  # [G + 1] int64


def subtree_split(layout: PublicLayout, groups: int) -> SubtreeSplit:
    """Split ``layout``'s internal positions for :func:`sweep_parallel` into ``groups`` groups of
    whole subtrees of about equal work (memoised per ``groups`` on the layout).

    The cut is the shallowest depth with at least ``8 x groups`` internal positions (or the
    deepest level); subtrees are assigned largest first to the least loaded group.
    """
    cache = layout.__dict__.setdefault("_splits", {})
    if groups in cache:
        return cache[groups]
    M = layout.num_positions
    internal = layout.internal.astype(np.int64)
    parent = np.full(M, -1, dtype=np.int64)
    for m in internal:
        parent[layout.first_child[m]: layout.first_child[m] + layout.num_children[m]] = m
    depth = np.zeros(M, dtype=np.int64)
    for m in range(1, M):  # breadth-first: parents first
        depth[m] = depth[parent[m]] + 1
    is_internal = np.zeros(M, dtype=bool)
    is_internal[internal] = True
    idepth = depth[internal]
    cut = int(idepth.max())
    for c in range(int(idepth.max()) + 1):
        if (idepth == c).sum() >= 8 * groups:
            cut = c
            break
    root = np.full(M, -1, dtype=np.int64)
    for m in range(M):
        if depth[m] == cut:
            root[m] = m
        elif depth[m] > cut:
            root[m] = root[parent[m]]
    top = internal[idepth < cut]
    below = internal[idepth >= cut]
    roots, inverse = np.unique(root[below], return_inverse=True)
    # subtrees that share an information set (a chance card dealt mid-game puts one set at
    # several positions) must run on one thread: merge them (union-find)
    comp = np.arange(roots.size)

    def find(x: int) -> int:
        while comp[x] != x:
            comp[x] = comp[comp[x]]
            x = comp[x]
        return x

    iset = layout.infoset[below]  # [K1, D]
    ok = iset >= 0
    pairs = np.unique(np.stack([iset[ok], np.broadcast_to(inverse[:, None], iset.shape)[ok]]), axis=1)
    starts = np.flatnonzero(np.diff(pairs[0], prepend=-1))
    for a, b in zip(starts, np.append(starts[1:], pairs.shape[1])):
        r0 = find(int(pairs[1, a]))
        for x in pairs[1, a + 1:b]:
            r = find(int(x))
            if r != r0:
                comp[r] = r0
    inverse = np.array([find(int(x)) for x in inverse], dtype=np.int64)
    roots, inverse = np.unique(inverse, return_inverse=True)
    work = np.bincount(inverse, minlength=roots.size)
    load = np.zeros(groups)
    owner = np.zeros(roots.size, dtype=np.int64)
    for r in np.argsort(-work, kind="stable"):
        g = int(np.argmin(load))
        owner[r] = g
        load[g] += work[r]
    member_group = owner[inverse]
    order = np.lexsort((below, member_group))
    counts = np.bincount(member_group, minlength=groups)
    split = SubtreeSplit(
        top=top.astype(np.int32),
        group_positions=below[order].astype(np.int32),
        group_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    )
    for value in (split.top, split.group_positions, split.group_start):
        value.flags.writeable = False
    cache[groups] = split
    return split


class ParallelScratch:
    """Work arrays of the parallel sweeps: :class:`Scratch`'s with each row of deals padded to
    whole cache lines, so two threads never write one cache line (the padding is never read)."""

    def __init__(self, layout: PublicLayout, groups: int) -> None:
        M, D = layout.infoset.shape
        Dp = -(-D // LINE) * LINE
        self.groups = groups
        self.split = subtree_split(layout, groups)
        self.opp = _aligned_zeros((M, Dp))
        self.prob = _aligned_zeros((M, Dp))
        self.prob[:, :D] = layout.chance_prob  # decision rows are refreshed by the first sweep
        self.values = _aligned_zeros((layout.num_players, M, Dp))
        self.values[:, :, :D] = layout.utilities  # internal rows are rewritten by every sweep
        self.live = np.zeros(-(-M // 64) * 64, dtype=np.bool_)


@njit(cache=True)
def _forward_list(i, strategy, lay_player, first_child, num_children, infoset, positions, D,
                  opp, prob, live, rewrite):
    """:func:`_forward`'s step for each listed position (parents listed before children)."""
    for j in range(positions.shape[0]):
        m = positions[j]
        fc = first_child[m]
        nc = num_children[m]
        pl = lay_player[m]
        if pl >= 0 and (rewrite == -1 or pl == rewrite):
            for k in range(nc):
                c = fc + k
                for d in range(D):
                    prob[c, d] = strategy[infoset[m, d], k]
        if not live[m]:
            for k in range(nc):
                live[fc + k] = False
            continue
        if pl == i:
            for k in range(nc):
                c = fc + k
                if lay_player[c] == TERMINAL:
                    continue
                for d in range(D):
                    opp[c, d] = opp[m, d]
                live[c] = True
        else:
            for k in range(nc):
                c = fc + k
                if lay_player[c] == TERMINAL:
                    continue
                alive = False
                for d in range(D):
                    x = opp[m, d] * prob[c, d]
                    opp[c, d] = x
                    alive = alive or x > 0.0
                live[c] = alive


@njit(cache=True)
def _backward_list(i, lay_player, first_child, num_children, infoset, positions, D, opp, prob,
                   live, value, cfv):
    """:func:`_backward`'s step for each listed position, last listed first."""
    for j in range(positions.shape[0] - 1, -1, -1):
        m = positions[j]
        if not live[m]:
            continue
        fc = first_child[m]
        nc = num_children[m]
        for d in range(D):
            value[m, d] = prob[fc, d] * value[fc, d]
        for k in range(1, nc):
            c = fc + k
            for d in range(D):
                value[m, d] += prob[c, d] * value[c, d]
        if lay_player[m] == i:
            for d in range(D):
                r = opp[m, d]
                if r != 0.0:
                    s = infoset[m, d]
                    for k in range(nc):
                        cfv[s, k] += r * value[fc + k, d]


@njit(cache=True, parallel=True)
def sweep_parallel(i, strategy, lay_player, first_child, num_children, infoset, deal_prob, top,
                   group_positions, group_start, opp, prob, live, value, cfv, rewrite):
    """Player ``i``'s sweep (:func:`_forward` + :func:`_backward`, the same numbers) with the
    subtree groups of :func:`subtree_split` on parallel threads (section comment above)."""
    D = deal_prob.shape[0]
    any_live = False
    for d in range(D):
        opp[0, d] = deal_prob[d]
        any_live = any_live or deal_prob[d] > 0.0
    live[0] = any_live
    _forward_list(i, strategy, lay_player, first_child, num_children, infoset, top, D, opp, prob,
                  live, rewrite)
    for g in prange(group_start.shape[0] - 1):
        mine = group_positions[group_start[g]:group_start[g + 1]]
        _forward_list(i, strategy, lay_player, first_child, num_children, infoset, mine, D, opp,
                      prob, live, rewrite)
        _backward_list(i, lay_player, first_child, num_children, infoset, mine, D, opp, prob,
                       live, value, cfv)
    _backward_list(i, lay_player, first_child, num_children, infoset, top, D, opp, prob, live,
                   value, cfv)


@njit(cache=True)
def run_iterations_parallel(iterations, alternating, num_players, regret, cumulative, strategy,
                            last_inst, pos_scale, neg_scale, avg_weight, floor, predictive,
                            lay_player, first_child, num_children, infoset, deal_prob,
                            members, member_start, num_actions, infoset_parent,
                            infoset_parent_action, top, group_positions, group_start, opp, prob,
                            live, values, reach, inst):
    """:func:`run_iterations` with every sweep's subtree groups on parallel threads
    (:func:`sweep_parallel`): the same numbers, bit for bit."""
    for it in range(iterations):
        for i in range(num_players):
            if it == 0 and i == 0:
                rewrite = -1
            elif alternating:
                rewrite = (i - 1) % num_players
            else:
                rewrite = -1 if i == 0 else -2
            sweep_parallel(i, strategy, lay_player, first_child, num_children, infoset, deal_prob,
                           top, group_positions, group_start, opp, prob, live, values[i], inst,
                           rewrite)
            if alternating:
                mem = members[member_start[i]:member_start[i + 1]]
                _own_reach(strategy, infoset_parent, infoset_parent_action, mem, reach)
                _local_and_match(mem, regret, inst, last_inst, cumulative, strategy, reach,
                                 num_actions, pos_scale[it], neg_scale[it], floor,
                                 avg_weight[it], predictive)
        if not alternating:
            _own_reach(strategy, infoset_parent, infoset_parent_action, members, reach)
            for i in range(num_players):
                mem = members[member_start[i]:member_start[i + 1]]
                _local_and_match(mem, regret, inst, last_inst, cumulative, strategy, reach,
                                 num_actions, pos_scale[it], neg_scale[it], floor,
                                 avg_weight[it], predictive)
