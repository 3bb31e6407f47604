"""Range-vector CFR on a hold'em subgame's public tree, best response and exploitability.

An information set is (decision node, hand): the rows ``d*H .. d*H + H - 1`` of ``[R, A]``
arrays (``R = D x H``; ``D`` decision nodes, ``H`` hands), each owned by the player acting at
the node. One CFR iteration is, per player ``i`` (alternating, as OpenSpiel's and regretlab's
treeplex CFR): one compiled sweep of the tree with range vectors
(:func:`regretlab.games.subgame.kernels.sweep`) gives the counterfactual values ``cfv [R_i, A]``,
then the solver's **local rule** updates every row at once exactly as in
:mod:`regretlab.games.local`: the built-in regret-matching rules (CFR, CFR+, linear CFR, DCFR,
PCFR+) run fused in the compiled loop; any other experts learner (``hedge(lr=...)``,
``adahedge()``, ...) runs as the general path, batched over the rows.

The solver is any :class:`regretlab.games.cfr.CFR` (its local rule, averaging schedule and
update order): ``SubgameCFR(cfr_plus())`` is CFR+ on range vectors.

Exploitability (:func:`exploitability`) is exact: a best-response sweep per player (per hand,
the max over actions of the counterfactual values). In chips it is ``(BR_0 + BR_1) / 2`` (the
treeplex's ``NashConv / 2``); in % of the starting pot and in mbb/hand (chips are big blinds
unless ``big_blind`` says otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_fits, check_int
from regretlab.games import local as rules
from regretlab.games.cfr import check_threads, using_threads
from regretlab.games.subgame import kernels as K
from regretlab.games.subgame.cards import COMBOS, NUM_COMBOS, card_name, combo_name, parse_cards
from regretlab.games.subgame.ranges import check_range, parse_range
from regretlab.games.subgame.tree import Bets, PublicTree, build_tree, parse_bets, suit_symmetries


@dataclass
class SubgameGame:
    """A subgame ready to solve: its public tree, both ranges as ``[2, H]`` vectors, the row
    layout of information sets and the sweep buffers."""

    tree: PublicTree
    weights: np.ndarray  # [2, H] range weights of the subgame's hands
    norm: float  # Z: total weight of disjoint hand pairs
    row_player: np.ndarray  # [R] int32
    row_actions: np.ndarray  # [R] int32
    legal: np.ndarray  # [R, A] bool
    big_blind: float = 1.0
    buffers: dict = field(default_factory=dict)

    @property
    def num_rows(self) -> int:
        return int(self.row_player.shape[0])

    @property
    def max_actions(self) -> int:
        return int(self.legal.shape[1])

    @property
    def scales(self) -> np.ndarray:
        return self.weights / self.norm

    def work(self) -> tuple[np.ndarray, ...]:
        """``opp, own, value [N, H]``, ``inst [R, A]``, ``reach [R]`` (allocated once)."""
        if "opp" not in self.buffers:
            N, H = self.tree.num_nodes, self.tree.num_hands
            self.buffers.update(opp=np.zeros((N, H)), own=np.zeros((N, H)), value=np.zeros((N, H)),
                                inst=np.zeros((self.num_rows, self.max_actions)), reach=np.zeros(self.num_rows))
        b = self.buffers
        return b["opp"], b["own"], b["value"], b["inst"], b["reach"]

    def player_starts(self) -> tuple[np.ndarray, np.ndarray]:
        """First row of each decision node of player 0 and of player 1."""
        t = self.tree
        dec = np.flatnonzero(t.kind >= 0)
        return tuple(np.ascontiguousarray(t.decision[dec[t.kind[dec] == p]] * t.num_hands) for p in range(2))

    def tree_args(self) -> tuple:
        t = self.tree
        return (t.kind, t.first_child, t.num_children, t.contrib, t.folder, t.board, t.decision,
                t.chance_factor, t.board_valid, t.showdown_order, t.showdown_cards, t.showdown_groups,
                t.showdown_ngroups, t.hands, t.iso_start, t.iso_ids, t.iso_perms)

    def parallel_args(self, threads: int) -> tuple[np.ndarray, np.ndarray]:
        """``(terminals, chunks)`` for :func:`kernels.sweep_parallel` on ``threads`` threads: the
        terminal nodes dealt round-robin by cost (showdowns first) into ``threads`` equal blocks,
        so that each thread's contiguous share of the loop holds as many showdowns as folds as the
        others; and the hand-block boundaries ``[threads + 1]``."""
        key = ("parallel", int(threads))
        if key not in self.buffers:
            t = self.tree
            sd = np.flatnonzero(t.kind == K.SHOWDOWN)
            fold = np.flatnonzero(t.kind == K.FOLD)
            order = np.concatenate([sd, fold])
            blocks = [order[j::threads] for j in range(threads)]
            terminals = np.ascontiguousarray(np.concatenate(blocks)).astype(np.int64)
            H = t.num_hands
            chunks = np.linspace(0, H, min(threads, max(H, 1)) + 1).round().astype(np.int64)
            self.buffers[key] = (terminals, chunks)
        return self.buffers[key]

    def solver_bytes(self, dtype: str | np.dtype = "float64") -> dict[str, int]:
        """Memory a solve allocates, before allocating it: ``node_vectors`` (the three ``[N, H]``
        float64 sweep buffers), ``rows`` (per information-set action: regrets, averages and the
        prediction in ``dtype``, the strategy, the sweep's values and the legal mask), their
        ``total`` and ``per_infoset_action`` (the rows' bytes per information-set action)."""
        size = np.dtype(dtype).itemsize
        N, H = self.tree.num_nodes, self.tree.num_hands
        RA = self.num_rows * self.max_actions
        per = 3 * size + 8 + 8 + 1
        nodes = 3 * N * H * 8
        rows = RA * per + self.num_rows * 8
        return {"node_vectors": int(nodes), "rows": int(rows), "total": int(nodes + rows),
                "per_infoset_action": int(per)}

    def bytes_per_iteration(self) -> int:
        """Bytes a fused iteration reads and writes at least: per player, three ``[N, H]`` node
        vectors written and read once each, the ``[R, A]`` strategy read twice, and regret,
        cumulative, inst and strategy of the player's rows read and written (8-byte floats)."""
        N, H = self.tree.num_nodes, self.tree.num_hands
        RA = self.num_rows * self.max_actions
        return int(2 * (3 * N * H * 2 * 8 + 2 * RA * 8) + RA * 8 * 4 * 2)

    def row(self, node: int, hand: int) -> int:
        d = int(self.tree.decision[node])
        if d < 0:
            raise ValueError(f"node {node} is not a decision node")
        return d * self.tree.num_hands + int(hand)

    def describe(self) -> str:
        return f"{self.tree.describe()}, {self.num_rows:,} information sets"


def pair_weight(w0: np.ndarray, w1: np.ndarray, hands: np.ndarray) -> float:
    """``Z = sum over disjoint (h0, h1) of w0(h0) w1(h1)`` (inclusion-exclusion, O(H))."""
    out = np.empty(hands.shape[0])
    K.fold_sums(np.ascontiguousarray(w1, dtype=np.float64), hands, out)
    return float(np.dot(w0, out))


def make_game(tree: PublicTree, oop: np.ndarray, ip: np.ndarray, big_blind: float = 1.0) -> SubgameGame:
    """A :class:`SubgameGame` from a tree and the two ranges (``[1326]`` weights each)."""
    board = list(tree.board_cards[0])
    w = np.stack([check_range(oop, board, "the OOP range")[tree.hand_combo],
                  check_range(ip, board, "the IP range")[tree.hand_combo]])
    Z = pair_weight(w[0], w[1], tree.hands)
    if Z <= 0:
        raise ValueError("the two ranges have no pair of hands without a shared card")
    H = tree.num_hands
    dec = np.flatnonzero(tree.kind >= 0)
    row_player = np.repeat(tree.kind[dec].astype(np.int32), H)
    row_actions = np.repeat(tree.num_children[dec].astype(np.int32), H)
    A = int(row_actions.max()) if row_actions.size else 1
    legal = np.arange(A)[None, :] < row_actions[:, None]
    return SubgameGame(tree, np.ascontiguousarray(w), Z, row_player, row_actions, legal,
                       float(big_blind))


def subgame(board: str | list[int], pot: float, stacks: float, oop_range: str | np.ndarray,
            ip_range: str | np.ndarray, bets: str | tuple = "0.33,0.75,allin", raises: str | tuple | None = None,
            raise_cap: int = 3, deck: list[int] | None = None, big_blind: float = 1.0,
            max_nodes: int = 5_000_000, isomorphism: bool = False) -> SubgameGame:
    """Build a hold'em subgame.

    Args:
        board: ``"Ks7h2d"`` (flop), 4 cards (turn) or 5 (river), or card ids.
        pot: chips in the pot (> 0).
        stacks: effective stack behind each player (>= 0).
        oop_range, ip_range: range text (:func:`regretlab.games.subgame.ranges.parse_range`)
            or ``[1326]`` weights.
        bets: bet sizes as pot fractions, ``"0.33,0.75,allin"`` (or a tuple of floats).
        raises: raise sizes (default: the bet sizes); all-in follows ``bets``.
        raise_cap: bets plus raises per street.
        deck: cards in play (default all 52; tests use tiny decks).
        big_blind: chips per big blind (for mbb/hand).
        max_nodes: refuse bigger public trees.
        isomorphism: merge the turn/river cards that are equivalent under the suit
            permutations fixing the board, the deck and both ranges' weights into one branch
            each (:func:`regretlab.games.subgame.tree.suit_symmetries`; exact).

    Returns:
        The :class:`SubgameGame`.

    Example:
        >>> g = subgame("Ks7h2d3c8s", 10, 20, "AA,KK,72o", "KQ,QQ", bets="1,allin", raise_cap=1)
        >>> g.tree.num_hands, g.num_rows      # the hands of either range, off the board
        (34, 204)

    Paper: Brown & Sandholm, "Safe and nested subgame solving for imperfect-information games",
    NeurIPS 2017 (the subgames solvers solve); Moravčík et al., Science 2017 (range vectors).
    """
    cards = parse_cards(board) if isinstance(board, str) else [int(c) for c in board]
    if len(cards) not in (3, 4, 5):
        raise ValueError(f"board must have 3 (flop), 4 (turn) or 5 (river) cards, got {len(cards)}")
    if isinstance(bets, str):
        sizes, allin = parse_bets(bets)
    else:
        sizes, allin = tuple(float(x) for x in bets), True
    if raises is None:
        rsizes = sizes
    elif isinstance(raises, str):
        rsizes, _ = parse_bets(raises)
    else:
        rsizes = tuple(float(x) for x in raises)
    try:
        pot = float(pot)
        stacks = float(stacks)
    except (TypeError, ValueError):
        raise ValueError(f"pot and stacks must be numbers of chips, got {pot!r} and {stacks!r}") from None
    if not np.isfinite(pot) or pot <= 0:
        raise ValueError(f"pot must be > 0 chips, got {pot:g}")
    if not np.isfinite(stacks) or stacks < 0:
        raise ValueError(f"stacks must be >= 0 chips behind (the pot commitment is already in the pot), got {stacks:g}")
    if not np.isfinite(big_blind) or big_blind <= 0:
        raise ValueError(f"big_blind must be > 0 chips, got {big_blind:g}")
    ranges = []
    for name, r in (("the OOP range", oop_range), ("the IP range", ip_range)):
        w = parse_range(r, board=cards, what=name) if isinstance(r, str) else np.asarray(r, dtype=np.float64)
        ranges.append(w)
    support = np.flatnonzero((ranges[0] > 0) | (ranges[1] > 0)) if all(r.shape == (NUM_COMBOS,) for r in ranges) \
        else None  # hands in neither range change nothing: leave them out of the vectors
    perms = None
    if isomorphism and all(r.shape == (NUM_COMBOS,) for r in ranges):
        perms = suit_symmetries(cards, deck, ranges)
    tree = build_tree(cards, pot, stacks, Bets(sizes, rsizes, allin, check_int("raise_cap", raise_cap, minimum=1)),
                      deck=deck, max_nodes=max_nodes, combos=support, suit_perms=perms)
    return make_game(tree, ranges[0], ranges[1], big_blind)


class SubgameState(NamedTuple):
    """State of a range-vector CFR solve."""

    t: int
    cumulative: np.ndarray  # [R, A] weighted own-reach x strategy (average numerator)
    strategy: np.ndarray  # [R, A] sigma^{t+1}
    regret: np.ndarray | None  # [R, A] fused rules: cumulative regrets
    last: np.ndarray | None  # [R, A] fused rules: last instantaneous regrets (the prediction)
    local: tuple | None  # general path: the local rule's state per player


def _rows(game: SubgameGame) -> list[np.ndarray]:
    return [np.flatnonzero(game.row_player == p) for p in range(2)]


def _uniform(game: SubgameGame) -> np.ndarray:
    return game.legal / game.row_actions[:, None].astype(np.float64)


@dataclass(frozen=True)
class SubgameCFR:
    """A CFR-family solver (:class:`regretlab.games.cfr.CFR`) on range vectors (module docstring)."""

    solver: Any

    @property
    def name(self) -> str:
        return str(self.solver.name)

    @property
    def fused(self) -> Any:
        return self.solver.fused_rule

    @property
    def dtype(self) -> np.dtype:
        """Storage of the regrets, averages and predictions (``float64`` or ``float32``)."""
        return np.dtype(getattr(self.solver, "dtype", "float64"))

    def init(self, game: SubgameGame) -> SubgameState:
        """Zero regrets; the first strategy is the rule's initial one (uniform for regret matching).

        Refuses (one ``ValueError``, before allocating) a subgame whose arrays
        (:meth:`SubgameGame.solver_bytes`) exceed the memory available now."""
        need = game.solver_bytes(self.dtype)
        check_fits(f"the subgame ({game.describe()}, dtype {self.dtype.name})", need["total"])
        R, A = game.legal.shape
        rule = self.fused
        if rule is not None:
            z = np.zeros((R, A), dtype=self.dtype)
            return SubgameState(0, z.copy(), _uniform(game), z.copy(), z.copy(), None)
        keys = rng.split(rng.spawn_keys(self.solver.seed, 1), max(R, 1))[0]
        local = tuple(self.solver.local.init(keys[r], A) if r.size else None for r in _rows(game))
        strategy = np.zeros((R, A))
        for r, st in zip(_rows(game), local):
            if st is not None:
                strategy[r] = rules.policy_rows(self.solver.local, st, game.legal[r])
        return SubgameState(0, np.zeros((R, A)), strategy, None, None, local)

    def update(self, state: SubgameState, game: SubgameGame, iterations: int = 1) -> SubgameState:
        """``iterations`` more iterations (a new state; the argument is not changed)."""
        iterations = check_int("iterations", iterations, minimum=0)
        if not isinstance(state, SubgameState) or np.shape(state.cumulative) != game.legal.shape:
            raise ValueError(f"state must be a SubgameState of this subgame (arrays {list(game.legal.shape)}), "
                             f"got {type(state).__name__}: was it made for another subgame?")
        if self.fused is not None and state.regret is not None and state.regret.dtype != self.dtype:
            raise ValueError(f"state holds {state.regret.dtype.name} regrets but this solver stores "
                             f"{self.dtype.name}: use make_solver(..., dtype={state.regret.dtype.name!r})")
        cumulative, strategy = state.cumulative.copy(), state.strategy.copy()
        ts = np.arange(state.t + 1, state.t + iterations + 1, dtype=np.float64)
        w = self.solver.averaging.weights(ts)
        alternating = self.solver.updates == "alternating"
        opp, own, value, inst, reach = game.work()
        threads = int(getattr(self.solver, "threads", 1))
        terminals, chunks = game.parallel_args(max(threads, 1))
        rule = self.fused
        if rule is not None:
            if state.regret is None:
                raise ValueError("this state was made by a solver without a fused rule")
            regret, last = state.regret.copy(), state.last.copy()
            pos, neg = rule.scales(ts)
            starts = game.player_starts()
            with using_threads(threads):
                K.run_iterations(iterations, alternating, regret, cumulative, strategy, last, inst, pos, neg, w,
                                 rule.floor, rule.predictive, game.row_player, game.row_actions, starts[0],
                                 starts[1], *game.tree_args(), game.weights, game.scales, opp, own, value, reach,
                                 threads > 1, terminals, chunks)
            return SubgameState(state.t + iterations, cumulative, strategy, regret, last, None)
        local = list(state.local)
        rows = _rows(game)
        legal = [game.legal[r] for r in rows]

        def values(i: int) -> np.ndarray:
            inst.fill(0.0)
            with using_threads(threads):
                K._sweep_any(threads > 1, i, False, strategy, *game.tree_args(), game.weights[1 - i],
                             game.scales[i], opp, own, value, inst, reach, terminals, chunks)
            return inst[rows[i]].copy()

        for wt in w:
            if alternating:
                for p in range(2):
                    if local[p] is None:
                        continue
                    r = rows[p]
                    cfv = values(p)
                    cumulative[r] += wt * reach[r, None] * strategy[r]
                    local[p], strategy[r] = rules.step(self.solver.local, local[p], cfv, legal[p], strategy[r])
            else:
                cfvs = {p: values(p) for p in range(2) if local[p] is not None}
                K.own_reach_rows(strategy, game.tree.kind, game.tree.first_child, game.tree.num_children,
                                 game.tree.board, game.tree.decision, game.tree.board_valid, own, reach)
                cumulative += wt * reach[:, None] * strategy
                for p, cfv in cfvs.items():
                    r = rows[p]
                    local[p], strategy[r] = rules.step(self.solver.local, local[p], cfv, legal[p], strategy[r])
        return SubgameState(state.t + iterations, cumulative, strategy, None, None, tuple(local))

    def average_policy(self, state: SubgameState, game: SubgameGame) -> np.ndarray:
        """``[R, A]`` the average strategy (uniform on rows never reached)."""
        return normalize(state.cumulative, game)

    def solve(self, game: SubgameGame, iterations: int, *, state: SubgameState | None = None,
              every: int = 0, target: float | None = None,
              callback: Callable[[SubgameState, dict], None] | None = None) -> tuple[SubgameState, dict]:
        """Run up to ``iterations`` iterations, evaluating exploitability every ``every`` (and at
        the end); stop early once it is at most ``target`` (% of the pot).

        ``callback(state, e)`` runs after each evaluation with :func:`exploitability`'s dict
        plus ``seconds`` (solver time so far).

        Returns:
            (state, curve) with curve lists ``iteration``, ``exploitability_pct``, ``mbb``,
            ``seconds`` (solver time, evaluation excluded).
        """
        import time

        iterations = check_int("iterations", iterations, minimum=1)
        state = self.init(game) if state is None else state
        block = iterations if every <= 0 else check_int("every", every)
        curve: dict[str, list] = {"iteration": [], "exploitability_pct": [], "mbb": [], "seconds": []}
        spent = 0.0
        while state.t < iterations:
            n = min(block, iterations - state.t)
            t0 = time.perf_counter()
            state = self.update(state, game, n)
            spent += time.perf_counter() - t0
            e = exploitability(game, self.average_policy(state, game))
            curve["iteration"].append(state.t)
            curve["exploitability_pct"].append(e["pct_pot"])
            curve["mbb"].append(e["mbb"])
            curve["seconds"].append(spent)
            if callback is not None:
                callback(state, dict(e, seconds=spent))
            if target is not None and e["pct_pot"] <= target:
                break
        return state, curve


def normalize(cumulative: np.ndarray, game: SubgameGame) -> np.ndarray:
    """Rows of ``cumulative`` normalised over legal actions (uniform where a row sums to 0)."""
    cum = np.where(game.legal, np.maximum(cumulative, 0.0), 0.0)
    sums = cum.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sums > 0, cum / np.where(sums > 0, sums, 1.0), _uniform(game))


def values(game: SubgameGame, policy: np.ndarray, player: int, best_response: bool = False) -> np.ndarray:
    """``[H]`` player's expected value per hand (range weight / Z included) when both follow
    ``policy [R, A]``, or when ``player`` best-responds to the other's part of it."""
    opp, own, value, inst, reach = game.work()
    pol = np.ascontiguousarray(policy, dtype=np.float64)
    if pol.shape != game.legal.shape:
        raise ValueError(f"policy must have shape {list(game.legal.shape)} (rows x actions), got {list(pol.shape)}")
    K.sweep(int(player), bool(best_response), pol, *game.tree_args(), game.weights[1 - player],
            game.scales[player], opp, own, value, inst, reach)
    return value[0].copy()


def exploitability(game: SubgameGame, policy: np.ndarray) -> dict[str, float]:
    """Exact exploitability of ``policy``: best-response values, ``chips = (BR_0 + BR_1) / 2``,
    ``pct_pot`` (% of the starting pot), ``mbb`` (milli big blinds per hand), ``nash_conv``
    and the policy's value to OOP.

    Example:
        >>> g = subgame("Ks7h2d3c8s", 10, 20, "AA,72o", "KQ", bets="1,allin", raise_cap=1)
        >>> e = exploitability(g, g.legal / g.row_actions[:, None])    # uniform play
        >>> e["pct_pot"] > 10
        True

    Paper: Johanson, Waugh, Bowling & Zinkevich, "Accelerating best response calculation in
    large extensive games", IJCAI 2011 (public-tree best response with O(n) showdowns).
    """
    br = [float(values(game, policy, p, True).sum()) for p in range(2)]
    ev0 = float(values(game, policy, 0).sum())
    chips = (br[0] + br[1]) / 2
    return {"br_oop": br[0], "br_ip": br[1], "nash_conv": br[0] + br[1], "chips": chips,
            "pct_pot": 100.0 * chips / game.tree.pot, "mbb": 1000.0 * chips / game.big_blind, "value_oop": ev0}


def make_solver(algo: str = "cfr+", local: str = "", iterations: int | None = None,
                threads: int = 1, dtype: str = "float64") -> SubgameCFR:
    """A :class:`SubgameCFR` by name (``cfr``, ``cfr+``, ``linear_cfr``, ``dcfr``, ``pcfr+``),
    optionally with ``local`` = a registered experts learner replacing the rule
    (:func:`regretlab.games.solve.make`). ``threads``: cores of the sweeps (blocks of hands and
    the terminal nodes in parallel; the same numbers bit for bit at any count). ``dtype``:
    ``"float32"`` stores regrets, averages and predictions in half the bytes (the fused rules).

    Example:
        >>> make_solver("dcfr").name, make_solver("cfr+", local="hedge(lr=0.5)").name
        ('dcfr', 'cfr+[hedge(lr=0.5)]')

    Paper: Zinkevich et al., NeurIPS 2007 (CFR: each information set's regret after T
    iterations is at most Δ sqrt(|A| T), so the average strategy's exploitability is
    O(1/sqrt(T))); range vectors as in Moravčík et al., "DeepStack", Science 2017; DCFR and
    PCFR+ as in :mod:`regretlab.games.cfr`.
    """
    from regretlab.games.solve import make

    if isinstance(algo, str) and algo.startswith("mccfr"):
        raise ValueError(f"algo must be a CFR-family algorithm (cfr, cfr+, linear_cfr, dcfr, pcfr+), got {algo!r}")
    threads = check_threads(threads)
    return SubgameCFR(make(algo, 0, local, iterations, "algo", "local", threads, dtype))


# -- strategies per node and hand -----------------------------------------------------------------


def node_actions(game: SubgameGame, node: int) -> list[str]:
    """Labels of the actions at ``node``."""
    return [game.tree.labels[c] for c in game.tree.children(node)]


def own_reach(game: SubgameGame, policy: np.ndarray) -> np.ndarray:
    """``[R]`` each row's own reach: its player's probability of playing to the node (one pass
    per player)."""
    t = game.tree
    opp, own, value, inst, reach = game.work()
    out = np.zeros(game.num_rows)
    K.own_reach_rows(np.ascontiguousarray(policy, dtype=np.float64), t.kind, t.first_child, t.num_children,
                     t.board, t.decision, t.board_valid, own, out)
    return out


def node_reach(game: SubgameGame, policy: np.ndarray, node: int, reach: np.ndarray | None = None) -> np.ndarray:
    """``[H]`` the acting player's range at ``node``: range weight times own reach (0 on hands
    blocked by the node's board); ``reach`` = :func:`own_reach` of ``policy`` if already known."""
    t = game.tree
    p = int(t.kind[node])
    if p < 0:
        raise ValueError(f"node {node} is not a decision node")
    reach = own_reach(game, policy) if reach is None else reach
    base = int(t.decision[node]) * t.num_hands
    return game.weights[p] * reach[base:base + t.num_hands] * t.board_valid[t.board[node]]


def strategy_rows(game: SubgameGame, policy: np.ndarray, nodes: list[int] | None = None) -> dict[str, list]:
    """Tidy columns of ``policy`` per decision node, hand and action: ``node``, ``path``,
    ``player``, ``hand``, ``combo``, ``action``, ``probability``, ``range_weight`` (the acting
    player's reach-weighted range at the node). Hands with no weight at the node are left out."""
    t = game.tree
    nodes = [int(n) for n in np.flatnonzero(t.kind >= 0)] if nodes is None else nodes
    out: dict[str, list] = {k: [] for k in ("node", "path", "player", "hand", "combo", "action", "probability",
                                            "range_weight")}
    reach = own_reach(game, policy)
    names = np.array([combo_name(int(k)) for k in t.hand_combo])
    parts: dict[str, list] = {k: [] for k in out}
    for n in nodes:
        r = node_reach(game, policy, n, reach)
        hands = np.flatnonzero(r > 0)
        acts = node_actions(game, n)
        A = len(acts)
        base = int(t.decision[n]) * t.num_hands
        m = hands.size * A
        parts["node"].append(np.full(m, n, dtype=np.int64))
        parts["path"].append(np.full(m, " ".join(t.path(n)) or "root", dtype=object))
        parts["player"].append(np.full(m, int(t.kind[n]), dtype=np.int64))
        parts["hand"].append(np.repeat(names[hands], A))
        parts["combo"].append(np.repeat(t.hand_combo[hands], A))
        parts["action"].append(np.tile(np.array(acts, dtype=object), hands.size))
        parts["probability"].append(policy[base + hands, :A].reshape(-1))
        parts["range_weight"].append(np.repeat(r[hands], A))
    for k, v in parts.items():
        out[k] = np.concatenate(v).tolist() if v else []
    return out


def export_strategy(game: SubgameGame, policy: np.ndarray, path: str, nodes: list[int] | None = None) -> str:
    """Write the per-node, per-hand strategy to ``path``: ``.parquet`` (the tidy columns of
    :func:`strategy_rows`) or ``.json`` (one object per node: path, player, actions and, per
    hand, the probabilities and the range weight)."""
    from pathlib import Path

    p = Path(path)
    rows = strategy_rows(game, policy, nodes)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table(rows), p)
    elif p.suffix == ".json":
        import json

        t = game.tree
        by_node: dict[int, dict] = {}
        for n, hand, a, prob, w in zip(rows["node"], rows["hand"], rows["action"], rows["probability"],
                                       rows["range_weight"]):
            entry = by_node.setdefault(n, {"node": n, "path": t.path(n), "player": "OOP IP".split()[int(t.kind[n])],
                                           "actions": node_actions(game, n), "hands": {}})
            entry["hands"].setdefault(hand, {"weight": w, "strategy": []})["strategy"].append(prob)
        board = "".join(card_name(c) for c in t.board_cards[0])
        p.write_text(json.dumps({"board": board, "pot": t.pot, "stacks": t.stack,
                                 "nodes": list(by_node.values())}, indent=1))
    else:
        raise ValueError(f"the strategy file must end in .json or .parquet, got {str(path)!r}")
    return str(p)


def node_grid(game: SubgameGame, policy: np.ndarray, node: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The strategy at ``node`` as 13x13 grids: (action labels, ``[A, 13, 13]`` probability of
    each action averaged over each cell's combinations weighted by the acting player's range
    there, ``[13, 13]`` that range weight per cell (summed))."""
    from regretlab.games.subgame.ranges import _CELLS, to_grid

    t = game.tree
    r = node_reach(game, policy, node)
    full = np.zeros(NUM_COMBOS)
    full[t.hand_combo] = r
    base = int(t.decision[node]) * t.num_hands
    grids = []
    for a in range(int(t.num_children[node])):
        v = np.zeros(NUM_COMBOS)
        v[t.hand_combo] = policy[base:base + t.num_hands, a]
        grids.append(to_grid(v, full))
    weight = np.zeros((13, 13))
    np.add.at(weight, (_CELLS[:, 0], _CELLS[:, 1]), full)
    return node_actions(game, node), np.array(grids), weight


def find_node(game: SubgameGame, path: str) -> int:
    """The node reached by ``path``: action labels separated by ``/`` or spaces-free commas,
    e.g. ``"check/bet 3.3"`` (``""`` or ``"root"``: the root). Labels match by prefix
    (``"bet"`` is the first bet)."""
    t = game.tree
    n = 0
    if path.strip() in ("", "root"):
        return 0
    for step in [s.strip() for s in path.split("/")]:
        kids = list(t.children(n))
        labels = [t.labels[c] for c in kids]
        match = [c for c, lab in zip(kids, labels) if lab == step] or \
                [c for c, lab in zip(kids, labels) if lab.startswith(step)]
        if not match:
            raise ValueError(f"no action {step!r} at {' / '.join(t.path(n)) or 'the root'}; "
                             f"the actions there are: {', '.join(labels) or 'none (terminal)'}")
        n = match[0]
    return n


__all__ = ["SubgameGame", "SubgameCFR", "SubgameState", "subgame", "make_game", "make_solver", "exploitability",
           "values", "normalize", "strategy_rows", "export_strategy", "node_grid", "find_node", "COMBOS"]
