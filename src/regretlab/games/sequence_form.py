"""The sequence form of a two-player extensive-form game and its LP (exact zero-sum equilibria).

A player's *sequences* are the empty sequence (id 0) and every (information set, action) pair
``(I, a)`` of that player (id ``1 + game.infoset_sequence[I] + a``). A *realization plan* ``x``
gives each sequence the product of the player's own probabilities along it; it satisfies
``E x = e`` (``x[0] = 1``; at each information set the action sequences sum to the parent
sequence) and ``x >= 0``. The sequence-form payoff matrix ``A[s0, s1]`` sums ``chance(z) u_0(z)``
over the terminals ``z`` reached by the sequence pair, so ``u_0 = xᵀ A y``.

For a zero-sum game, ``max_x min_{y: Fy=f, y>=0} xᵀAy`` is one LP after dualising the inner
minimisation (Koller, Megiddo & von Stengel, "Fast algorithms for finding randomized strategies
in game trees", STOC 1994, eqs. (8)-(9); von Stengel, "Efficient computation of behavior
strategies", GEB 1996)::

    max_{x, q}  fᵀq   s.t.  Fᵀq - Aᵀx <= 0,  E x = e,  x >= 0.

Its optimum is the game value; ``x`` is player 0's equilibrium plan and the duals of the
``Fᵀq - Aᵀx <= 0`` rows are player 1's (one LP gives both). Solved with HiGHS dual simplex
(scipy), on sparse matrices built from the treeplex in vectorised level sweeps.

Every answer carries a certificate: the gap between the two players' exact best responses to the
plans, computed on the sequence form (:mod:`regretlab.games.sequence_crossover`, which also holds
the optional ``method="crossover"``: a CFR+ support guess, restricted LPs and a sequence-level
double oracle; on Leduc poker it pivots as much as the whole LP). The default ``method="auto"``
first shrinks the LP exactly by colour refinement (:mod:`regretlab.games.lifted_lp`).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from regretlab.games.treeplex import TERMINAL, Treeplex

# HiGHS accepts feasibility tolerances down to 1e-10; a simplex vertex is then exact up to rounding
_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10,
          # ~20% fewer seconds than HiGHS' default choice on Leduc (same 1,483 iterations)
          "simplex_dual_edge_weight_strategy": "steepest-devex"}


class SequenceForm(NamedTuple):
    """The sequence form of a two-player game (sparse)."""

    payoff: sp.csr_matrix  # [S0+1, S1+1] player 0's chance-weighted utility per sequence pair
    constraints: tuple[sp.csr_matrix, sp.csr_matrix]  # E [I0+1, S0+1], F [I1+1, S1+1]
    infoset_row: np.ndarray  # [I] constraint row of each information set in its owner's matrix
    parent_sequence: np.ndarray  # [I] the owner's sequence leading to each information set
    terminal_sequences: np.ndarray  # [Z, 2] each terminal's last sequence of each player
    terminal_chance: np.ndarray  # [Z] chance probability of each terminal


class SequenceFormSolution(NamedTuple):
    """An exact equilibrium of a two-player zero-sum game from the sequence-form LP."""

    value: float  # player 0's game value (LP optimum)
    policy: np.ndarray  # [I, A] behavioural equilibrium profile (both players' information sets)
    plans: tuple[np.ndarray, np.ndarray]  # realization plans [S0+1], [S1+1]
    nash_conv: float  # NashConv of ``policy`` by the exact best response (0 up to rounding)
    seconds: float  # time to build the sequence form and solve the LP
    # how the answer was certified: ``gap = max_x' x'ᵀAy - min_y' xᵀAy'`` over the whole game (the
    # plans' NashConv by sequence-form best responses; the value of the game lies in an interval of
    # that width around ``value``); ``path`` "lp" (the whole LP), "crossover" (a restricted LP the
    # gap certified) or "crossover+lp" (the crossover opened every sequence); ``rounds`` LPs solved
    gap: float = float("nan")
    path: str = "lp"
    rounds: int = 1


def _check_two_player(game: Any) -> Treeplex:
    if not isinstance(game, Treeplex):
        raise TypeError(f"game must be a Treeplex (regretlab.games.make_game), got {type(game).__name__}")
    if game.num_players != 2:
        raise ValueError(f"the sequence-form LP needs a 2-player game, {game.name!r} has {game.num_players} players")
    return game


def sequence_ids(game: Treeplex) -> np.ndarray:
    """``[I, A]`` sequence id of every (information set, action) in its owner's numbering
    (1-based: id 0 is the empty sequence; -1 on illegal actions)."""
    ids = 1 + game.infoset_sequence[:, None] + np.arange(game.max_actions)[None, :]
    return np.where(game.legal_mask, ids, -1)


def sequence_form(game: Treeplex) -> SequenceForm:
    """Build the sequence form of a two-player game (cached on the treeplex).

    Args:
        game: a two-player treeplex.

    Returns:
        :class:`SequenceForm` (payoff ``A``, constraints ``E``, ``F`` with ``e = f = (1, 0, ...)``).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> sf = sequence_form(kuhn_poker())
        >>> sf.payoff.shape, sf.constraints[0].shape
        ((13, 13), (7, 13))
    """
    game = _check_two_player(game)
    cached = game.meta.get("_sequence_form")
    if cached is not None:
        return cached
    N = game.num_nodes
    seq = np.zeros((2, N), dtype=np.int64)
    chance = np.ones(N)
    lv = game.level_offsets()
    for d in range(1, lv.shape[0] - 1):  # parents before children: one vectorised level at a time
        nodes = np.arange(lv[d], lv[d + 1])
        par = game.node_parent[nodes]
        seq[:, nodes] = seq[:, par]
        chance[nodes] = chance[par] * game.node_chance_prob[nodes]
        owner = game.node_player[par]
        for p in (0, 1):
            m = owner == p
            seq[p, nodes[m]] = 1 + game.infoset_sequence[game.node_infoset[par[m]]] + game.node_action[nodes[m]]
    term = np.flatnonzero(game.node_player == TERMINAL)
    z = game.node_terminal[term]
    zseq = np.empty((game.num_terminals, 2), dtype=np.int64)
    zseq[z] = seq[:, term].T
    zchance = np.empty(game.num_terminals)
    zchance[z] = chance[term]
    n0, n1 = (int(s) + 1 for s in game.num_sequences)
    payoff = sp.csr_matrix((zchance * game.utilities[:, 0], (zseq[:, 0], zseq[:, 1])), shape=(n0, n1))
    payoff.sum_duplicates()

    I = game.num_infosets
    parent = game.infoset_parent
    has_parent = parent >= 0
    parent_seq = np.zeros(I, dtype=np.int64)
    parent_seq[has_parent] = (1 + game.infoset_sequence[parent[has_parent]]
                              + game.infoset_parent_action[has_parent])
    row = np.zeros(I, dtype=np.int64)
    mats = []
    ids = sequence_ids(game)
    for p, n in ((0, n0), (1, n1)):
        mine = np.flatnonzero(game.infoset_player == p)
        row[mine] = 1 + np.arange(mine.size)
        k = game.infoset_num_actions[mine]
        r = np.concatenate([[0], row[mine], np.repeat(row[mine], k)])
        c = np.concatenate([[0], parent_seq[mine], ids[mine][game.legal_mask[mine]]])
        v = np.concatenate([[1.0], -np.ones(mine.size), np.ones(int(k.sum()))])
        mats.append(sp.csr_matrix((v, (r, c)), shape=(mine.size + 1, n)))
    out = SequenceForm(payoff, (mats[0], mats[1]), row, parent_seq, zseq, zchance)
    for a in (row, parent_seq, zseq, zchance):  # memoised on the (shared) game: read-only, as its arrays
        a.flags.writeable = False
    for m in (payoff, *mats):
        for a in (m.data, m.indices, m.indptr):
            a.flags.writeable = False
    game.meta["_sequence_form"] = out
    return out


def realization_plan(game: Treeplex, policy: Any, player: int) -> np.ndarray:
    """The realization plan ``x[s]`` (own reach of each sequence) of ``player``'s part of ``policy``.

    Args:
        game: a two-player treeplex (any player count works for this function).
        policy: ``[I, A]`` behavioural policy.
        player: whose plan.

    Returns:
        ``[S_player + 1]`` (index 0: the empty sequence, weight 1).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> g = kuhn_poker()
        >>> x = realization_plan(g, g.uniform_policy(), 0)
        >>> float(x[0]), x.shape
        (1.0, (13,))
    """
    sigma = game.check_policy(policy)
    if not (isinstance(player, (int, np.integer)) and 0 <= player < game.num_players):
        raise ValueError(f"player must be an integer in [0, {game.num_players}), got {player!r}")
    x = np.zeros(int(game.num_sequences[player]) + 1)
    x[0] = 1.0
    ids = sequence_ids(game)
    parent = game.infoset_parent
    for s in np.flatnonzero(game.infoset_player == player):  # parents have smaller ids
        p = parent[s]
        reach = 1.0 if p < 0 else x[ids[p, game.infoset_parent_action[s]]]
        k = game.infoset_num_actions[s]
        x[ids[s, :k]] = reach * sigma[s, :k]
    return x


def behavioural(game: Treeplex, plans: Any, base: Any = None) -> np.ndarray:
    """Behavioural policy ``[I, A]`` of realization plans: ``σ(I, a) = x[(I, a)] / Σ_b x[(I, b)]``
    (uniform where the plan never reaches ``I``).

    Args:
        game: the treeplex.
        plans: one realization plan per player, ``[S_p + 1]`` each (``None``: keep ``base``'s rows).
        base: policy whose rows fill players given as ``None`` (default uniform).

    Returns:
        ``[I, A]`` behavioural policy.

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> from regretlab.games.evaluation import random_policy
        >>> g = kuhn_poker()
        >>> pol = random_policy(g, seed=1)
        >>> back = behavioural(g, [realization_plan(g, pol, 0), realization_plan(g, pol, 1)])
        >>> bool(np.allclose(back, pol))
        True
    """
    out = game.uniform_policy() if base is None else np.array(game.check_policy(base, "base"), copy=True)
    if len(plans) != game.num_players:
        raise ValueError(f"plans must hold one realization plan per player ({game.num_players}), got {len(plans)}")
    ids = sequence_ids(game)
    for p, plan in enumerate(plans):
        if plan is None:
            continue
        x = np.asarray(plan, dtype=np.float64)
        if x.shape != (int(game.num_sequences[p]) + 1,) or not np.isfinite(x).all():
            raise ValueError(f"plans[{p}] must be a finite vector of {int(game.num_sequences[p]) + 1} "
                             f"sequence weights, got shape {list(x.shape)}")
        rows = np.flatnonzero(game.infoset_player == p)
        w = np.where(game.legal_mask[rows], np.maximum(x[np.maximum(ids[rows], 0)], 0.0), 0.0)
        tot = w.sum(axis=1, keepdims=True)
        reached = tot[:, 0] > 1e-300
        out[rows[reached]] = w[reached] / tot[reached]
    return out


def zero_sum_constant(game: Treeplex, atol: float = 1e-9) -> float:
    """``u_0 + u_1`` of a two-player constant-sum game; ValueError naming the game otherwise.

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> zero_sum_constant(kuhn_poker())
        0.0
    """
    game = _check_two_player(game)
    total = game.utilities.sum(axis=1)
    scale = max(1.0, float(np.abs(game.utilities).max(initial=0.0)))
    if total.size and float(np.ptp(total)) > atol * scale:
        raise ValueError(
            f"the sequence-form LP needs a two-player zero-sum (constant-sum) game; {game.name!r} is "
            f"general-sum (u_0 + u_1 ranges over [{total.min():.6g}, {total.max():.6g}])")
    return float(total[0]) if total.size else 0.0


UNIT_RANGE = 1e3  # payoffs larger than this, or smaller than its inverse, are solved scaled to 1
METHODS = ("auto", "lp", "crossover")
LIFT_WORTH = 0.9  # "auto" solves the reduced LP when it has < 90% of the columns


def sequence_form_lp(game: Treeplex, time_limit: float | None = None, *, evaluate: bool = True,
                     method: str = "auto") -> SequenceFormSolution:
    """Exact Nash equilibrium and value of a two-player zero-sum extensive-form game by one LP.

    ``max_{x,q} q_0  s.t.  Fᵀq - Aᵀx <= 0, Ex = e, x >= 0`` (HiGHS dual simplex, sparse; through
    ``highspy`` when it is installed, else scipy's ``linprog``); player 1's plan is the dual of the
    ``Fᵀq - Aᵀx <= 0`` rows. By default the LP is first shrunk exactly by colour refinement (its
    coarsest equitable partition, :mod:`regretlab.games.lifted_lp`: symmetric games such as poker
    with interchangeable suits shrink, Leduc's 1,562 x 1,562 LP to 482 x 482), the reduced LP's
    solution is lifted back, and it is kept only when the best responses of the whole game
    certify it. Plans are converted to behavioural strategies with :func:`behavioural`, and the
    profile's NashConv is measured by the exact best response
    (:func:`regretlab.games.evaluation.nash_conv`).

    Args:
        game: a two-player zero-sum (or constant-sum) treeplex.
        time_limit: seconds HiGHS may take (``None``: no limit); on reaching it, a TimeoutError.
        evaluate: measure the profile's NashConv and check the plans' value (else ``nash_conv``
            is nan; the callers that evaluate on their own skip it).
        method: ``"auto"`` (default: the reduced LP when colour refinement shrinks the LP below
            90% of its columns and the lifted solution's NashConv on the whole game, by
            sequence-form best responses, is below ``1e-11 max(1, max|u|)``; else the whole LP),
            ``"lp"`` (the whole LP) or ``"crossover"`` (a CFR+ guess of the supports, the LP
            restricted to them, a sequence-level double oracle until the same certificate holds;
            after 60 rounds the whole LP: :func:`regretlab.games.sequence_crossover.crossover`).

    Returns:
        :class:`SequenceFormSolution` (value for player 0, ``[I, A]`` policy, plans, NashConv,
        seconds, and the certificate: ``gap``, ``path``, ``rounds``).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> sol = sequence_form_lp(kuhn_poker())
        >>> round(sol.value * 18, 9), sol.nash_conv < 1e-12
        (-1.0, True)

    References:
        D. Koller, N. Megiddo, B. von Stengel, STOC 1994; B. von Stengel, GEB 14 (1996).
    """
    from regretlab.core.errors import check_positive

    game = _check_two_player(game)
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    method = check_method(method)
    zero_sum_constant(game)  # a general-sum game is refused before any work
    started = time.perf_counter()
    size = float(np.abs(game.utilities).max(initial=0.0))
    if size > UNIT_RANGE or 0.0 < size < 1.0 / UNIT_RANGE:
        # HiGHS' tolerances and the certificate's are absolute: solve the game with its payoffs
        # divided by their largest magnitude (the same plans), then scale the value back
        unit = dataclasses.replace(game, utilities=game.utilities / size, meta={})
        sol = sequence_form_lp(unit, time_limit, evaluate=False, method=method)
        return _finish(game, sol.value * size, *sol.plans, started, evaluate, sol.gap * size, sol.path, sol.rounds)
    if method == "crossover":
        from regretlab.games.sequence_crossover import crossover

        out = crossover(game, time_limit=time_limit, options=dict(_HIGHS))
        x, y = out["x"], out["y"]
        return _finish(game, out["value"], x, y, started, evaluate, out["gap"], out["path"], out["rounds"])
    return _whole_or_lifted(game, time_limit, started, evaluate, lifted=method == "auto")


def _lp_arrays(sf: SequenceForm) -> tuple:
    """Player 0's LP as ``(M, cost, col_lower, col_upper, row_lower, row_upper)``: columns
    ``x [S0+1], q [I1+1]``; rows ``Fᵀq - Aᵀx <= 0`` (one per player 1 sequence), then ``Ex = e``."""
    E, F = sf.constraints
    n0, n1 = sf.payoff.shape
    m0, m1 = E.shape[0], F.shape[0]
    M = sp.vstack([sp.hstack([-sf.payoff.T, F.T]), sp.hstack([E, sp.csr_matrix((m0, m1))])], format="csr")
    cost = np.zeros(n0 + m1)
    cost[n0] = -1.0  # maximise q_0 (f = e_0)
    e = np.zeros(m0)
    e[0] = 1.0
    return (M, cost, np.r_[np.zeros(n0), np.full(m1, -np.inf)], np.full(n0 + m1, np.inf),
            np.r_[np.full(n1, -np.inf), e], np.r_[np.zeros(n1), e])


def _whole_or_lifted(game: Treeplex, time_limit: float | None, started: float, evaluate: bool,
                     lifted: bool) -> SequenceFormSolution:
    from regretlab.games.lifted_lp import equitable_partition, lift, reduce_lp, solve_lp
    from regretlab.games.sequence_crossover import certified, certify

    sf = sequence_form(game)
    n0, n1 = sf.payoff.shape
    lp = _lp_arrays(sf)
    name = f"sequence-form LP of {game.name!r}"

    def left() -> float | None:
        return None if time_limit is None else max(time_limit - (time.perf_counter() - started), 1e-6)

    rounds = 0
    if lifted:
        part = equitable_partition(*lp)
        kc = part.shape[1]
        if kc < LIFT_WORTH * lp[0].shape[1]:  # the reduced LP is markedly smaller
            red = reduce_lp(*lp, part)
            rounds = 1
            try:
                obj, z, w, _ = solve_lp(red.matrix, red.cost, red.col_lower, red.col_upper, red.row_lower,
                                        red.row_upper, dict(_HIGHS), left(), name)
            except RuntimeError:  # a reduced LP that HiGHS finds infeasible or unbounded: solve the whole one
                pass
            else:
                col, dual = lift(part, red, z, w)
                x, y = np.maximum(col[:n0], 0.0), np.maximum(-dual[:n1], 0.0)
                ok, gap = certified(game, x, y, -obj)
                if ok:
                    return _finish(game, -obj, x, y, started, evaluate, gap, "lifted", 1)
    obj, col, dual, _ = solve_lp(*lp, dict(_HIGHS), left(), name)
    x, y = np.maximum(col[:n0], 0.0), np.maximum(-dual[:n1], 0.0)
    lower, upper = certify(game, x, y)
    return _finish(game, -obj, x, y, started, evaluate, max(upper - lower, 0.0),
                   "lifted+lp" if rounds else "lp", rounds + 1)


def check_method(method: Any) -> str:
    """``method`` if it is one of :data:`METHODS`, else a ValueError naming ``method``."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    return method


def _finish(game: Treeplex, value: float, x: np.ndarray, y: np.ndarray, started: float, evaluate: bool,
            gap: float, path: str, rounds: int) -> SequenceFormSolution:
    from regretlab.games.evaluation import expected_value, nash_conv

    policy = behavioural(game, (x, y))
    seconds = time.perf_counter() - started
    if not evaluate:
        return SequenceFormSolution(value, policy, (x, y), float("nan"), seconds, gap, path, rounds)
    ev = expected_value(game, policy)
    size = max(1.0, abs(value), float(np.abs(game.utilities).max(initial=0.0)))  # the payoffs' scale
    if abs(ev[0] - value) > 1e-6 * size:  # pragma: no cover - solver failure
        raise RuntimeError(f"sequence-form LP of {game.name!r}: the plans' value {ev[0]:.12g} differs "
                           f"from the LP optimum {value:.12g}")
    return SequenceFormSolution(value, policy, (x, y), nash_conv(game, policy), seconds, gap, path, rounds)


class LPState(NamedTuple):
    """State of :class:`SequenceFormLPSolver`: ``t`` is 1 once the LP is solved."""

    t: int
    policy: np.ndarray | None  # [I, A] equilibrium profile (None before the solve)
    value: float  # player 0's game value (nan before the solve)


class SequenceFormLPSolver:
    """The sequence-form LP behind the solver interface of ``regretlab solve`` (``init`` /
    ``update`` / ``average_policy``): one ``update`` solves the game exactly, later ones keep it.

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> g = kuhn_poker()
        >>> lp = SequenceFormLPSolver()
        >>> state = lp.update(lp.init(g), g, 1)
        >>> state.t, round(state.value, 12) == round(-1 / 18, 12)
        (1, True)
    """

    name = "sequence-form-lp"
    ARRAYS = ("t",)

    def __init__(self, time_limit: float | None = None, method: str = "auto") -> None:
        from regretlab.core.errors import check_positive

        self.time_limit = None if time_limit is None else check_positive("time_limit", time_limit)
        self.method = check_method(method)

    def init(self, game: Treeplex) -> LPState:
        zero_sum_constant(game)
        return LPState(0, None, float("nan"))

    def update(self, state: LPState, game: Treeplex, n: int = 1) -> LPState:
        if state.policy is not None:
            return state
        sol = sequence_form_lp(game, self.time_limit, evaluate=False, method=self.method)  # the solve loop evaluates it
        return LPState(1, sol.policy, sol.value)

    def average_policy(self, state: LPState, game: Treeplex) -> np.ndarray:
        if state.policy is None:
            return game.uniform_policy()
        return state.policy

    def _flat_rule(self) -> None:
        raise ValueError("the sequence-form LP solves in one step and keeps no state worth a checkpoint")

    def __repr__(self) -> str:
        args = [] if self.time_limit is None else [f"time_limit={self.time_limit:g}"]
        if self.method != "auto":
            args.append(f"method={self.method!r}")
        return f"sequence_form_lp({', '.join(args)})"


__all__ = [
    "METHODS",
    "LPState",
    "SequenceForm",
    "SequenceFormLPSolver",
    "SequenceFormSolution",
    "behavioural",
    "check_method",
    "realization_plan",
    "sequence_form",
    "sequence_form_lp",
    "sequence_ids",
    "zero_sum_constant",
]
