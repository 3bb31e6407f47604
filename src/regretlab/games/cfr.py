"""The CFR family as one tree sweep plus a per-information-set local rule.

A solver is composed from three parts (no boolean flags):

* a **local rule** — any experts learner (:mod:`regretlab.experts`), run once per information
  set of the updating player with the legal actions as its awake mask
  (:mod:`regretlab.games.local`): :func:`regret_matching` (CFR), :func:`regret_matching_plus`
  (CFR+), :func:`discounted` (DCFR's α/β), :func:`predictive` (= ``optimistic``; PCFR+), and
  equally ``hedge(lr=...)``, ``adahedge()``, ``swap(regret_matching())`` or a learner of your own;
* an **averaging schedule** — the weight of iterate ``t`` in the average strategy:
  :func:`uniform`, :func:`linear`, :func:`polynomial`, :func:`delayed`;
* an **update order** — ``"alternating"`` (player by player, each seeing the others' newest
  strategies) or ``"simultaneous"``.

``cfr(local=regret_matching_plus(), averaging=linear())`` is CFR+; presets :func:`vanilla_cfr`,
:func:`cfr_plus`, :func:`linear_cfr`, :func:`dcfr`, :func:`pcfr_plus` build the usual ones.

Iteration t, for the updating player i (every player at once when simultaneous)::

    cfv^t(I,a) = sum_{h in I} pi_-i^{sigma^t}(h) v_i(sigma^t, ha)            (the sweep, [I_i, A])
    state_i    = local.update(state_i, FullInfo(cfv^t, awake=legal))
    sigma^{t+1}(I,·) = local.strategy(state_i, legal)       (renormalised over the legal actions)
    S^t(I,a)   = S^{t-1}(I,a) + w_t pi_i^{sigma^t}(I) sigma^t(I,a)           (average = S / sum_a S)

With regret matching the learner's instantaneous regret ``cfv - <sigma, cfv>`` is CFR's
counterfactual regret ``r^t(I,a) = sum_h pi_-i(h) (v_i(ha) - v_i(h))``, so
``R^t = R^{t-1} + r^t`` and ``sigma^{t+1} ∝ [R^t]^+``. The built-in regret-matching rules
(CFR, CFR+, linear CFR, DCFR, PCFR+ and any averaging) run as fused compiled kernels, chosen
automatically (:func:`regretlab.games.local.fused_rule`) and tested equal to the general path;
every other learner runs the general path: a compiled sweep, then the learner's own update.

References: Zinkevich et al. 2007 (CFR); Tammelin 2014 (CFR+); Brown & Sandholm 2019 (linear
CFR, DCFR); Farina, Kroer & Sandholm 2021 (predictive CFR+).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.experts.regret_matching import (
    DiscountedRegretMatching,
    RegretMatching,
    RegretMatchingPlus,
    discounted_regret_matching,
)
from regretlab.experts.regret_matching import regret_matching as _rm
from regretlab.experts.regret_matching import regret_matching_plus as _rm_plus
from regretlab.experts.wrappers import Optimistic, optimistic
from regretlab.games import kernels
from regretlab.games import local as rules
from regretlab.games.local import FusedRule
from regretlab.games.treeplex import Treeplex

# -- local rules (experts learners; these are the regret-matching ones CFR is named after) -----


def regret_matching() -> RegretMatching:
    r"""Regret matching as a CFR local rule: vanilla CFR's rule.

    :math:`R^t(I,a) = R^{t-1}(I,a) + r^t(I,a)` with :math:`r^t = cfv^t - \langle\sigma^t, cfv^t\rangle`,
    :math:`\sigma^{t+1}(I) \propto [R^t(I)]^+` (uniform over the legal actions when no regret
    is positive). The same learner as :func:`regretlab.experts.regret_matching`.

    Returns:
        A :class:`~regretlab.experts.regret_matching.RegretMatching` learner; as a CFR local rule
        its state holds ``signal [I_p, A]`` = the cumulative regrets of player ``p``.

    Example:
        >>> from regretlab.games import kuhn_poker, nash_conv
        >>> solver = cfr(local=regret_matching())          # vanilla CFR
        >>> state = solver.solve(kuhn_poker(), 200)
        >>> bool(nash_conv(kuhn_poker(), solver.average_policy(state, kuhn_poker())) < 0.02)
        True

    Paper: Hart & Mas-Colell, Econometrica 2000; Zinkevich, Johanson, Bowling & Piccione,
    "Regret minimization in games with incomplete information", NeurIPS 2007.
    """
    return _rm()


def regret_matching_plus() -> RegretMatchingPlus:
    r"""Regret matching+ as a CFR local rule: CFR+'s rule.

    :math:`R^t(I,a) = \max(R^{t-1}(I,a) + r^t(I,a), 0)`, :math:`\sigma^{t+1}(I) \propto R^t(I)`.

    Returns:
        A :class:`~regretlab.experts.regret_matching.RegretMatchingPlus` learner (state
        ``signal [I_p, A]`` = the floored cumulative regrets).

    Example:
        >>> from regretlab.games import kuhn_poker, nash_conv
        >>> solver = cfr(local=regret_matching_plus(), averaging=linear())   # CFR+
        >>> state = solver.solve(kuhn_poker(), 100)
        >>> bool(nash_conv(kuhn_poker(), solver.average_policy(state, kuhn_poker())) < 0.01)
        True

    Paper: Tammelin, "Solving large imperfect information games using CFR+", arXiv 1407.5042, 2014.
    """
    return _rm_plus()


def discounted(alpha: float = 1.5, beta: float = 0.0) -> DiscountedRegretMatching:
    r"""Discounted regret matching: DCFR's local rule (``discounted(1, 1)`` is linear CFR's).

    :math:`Q = R^{t-1}(I,a) + r^t(I,a)`, then :math:`R^t = Q\, t^\alpha/(t^\alpha+1)` where
    :math:`Q > 0` and :math:`R^t = Q\, t^\beta/(t^\beta+1)` otherwise; :math:`\sigma^{t+1} \propto [R^t]^+`.

    Args:
        alpha: discount exponent of positive regrets (finite, >= 0).
        beta: discount exponent of negative regrets (finite).

    Returns:
        A :class:`~regretlab.experts.regret_matching.DiscountedRegretMatching` learner (the same
        as :func:`regretlab.experts.discounted_regret_matching`).

    Example:
        >>> solver = cfr(local=discounted(1.5, 0.0), averaging=polynomial(2.0))   # DCFR
        >>> solver.local
        discounted_regret_matching(alpha=1.5, beta=0.0)

    Paper: Brown & Sandholm, "Solving imperfect-information games via discounted regret
    minimization", AAAI 2019.
    """
    return discounted_regret_matching(alpha, beta)


def predictive(base: Any = None) -> Optimistic:
    r"""Predictive (optimistic) version of a regret-matching rule: PCFR+'s rule by default.

    :math:`\sigma^{t+1}(I) \propto [R^t(I) + r^t(I)]^+`: the last instantaneous regret predicts
    the next. The same as :func:`regretlab.experts.optimistic` ``(base)``.

    Args:
        base: the rule to make predictive (default :func:`regret_matching_plus`); any cumulative
            experts learner (``hedge(...)`` gives optimistic Hedge).

    Returns:
        An :class:`~regretlab.experts.wrappers.Optimistic` learner (state ``base.signal [I_p, A]``
        and ``prediction [I_p, A]`` = r^t).

    Example:
        >>> solver = cfr(local=predictive(regret_matching_plus()), averaging=polynomial(2))  # PCFR+
        >>> solver.local
        optimistic(regret_matching_plus())

    Paper: Farina, Kroer & Sandholm, "Faster game solving via predictive Blackwell
    approachability: connecting regret matching and mirror descent", AAAI 2021.
    """
    return optimistic(regret_matching_plus() if base is None else base)


# -- averaging schedules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Averaging:
    """Weight ``w_t`` of iterate ``t`` (1-based) in the average strategy."""

    name: str
    weight: Callable[[np.ndarray], np.ndarray]

    def weights(self, t: np.ndarray) -> np.ndarray:
        """``[T]`` weights of iterations ``t [T]``."""
        return np.asarray(self.weight(np.asarray(t, dtype=np.float64)), dtype=np.float64)


def uniform() -> Averaging:
    """Uniform averaging, vanilla CFR's: ``w_t = 1``.

    Returns:
        An :class:`Averaging` (``weights(t [T]) -> [T]``).

    Example:
        >>> uniform().weights(np.array([1.0, 2.0, 3.0])).tolist()
        [1.0, 1.0, 1.0]

    Paper: Zinkevich et al., NeurIPS 2007.
    """
    return Averaging("uniform", lambda t: np.ones_like(t))


def linear() -> Averaging:
    """Linear averaging (CFR+, linear CFR): ``w_t = t``.

    Returns:
        An :class:`Averaging` (``weights(t [T]) -> [T]``).

    Example:
        >>> linear().weights(np.array([1.0, 2.0, 3.0])).tolist()
        [1.0, 2.0, 3.0]

    Paper: Tammelin 2014 (CFR+); Brown & Sandholm, AAAI 2019 (linear CFR).
    """
    return Averaging("linear", lambda t: t)


def polynomial(gamma: float = 2.0) -> Averaging:
    """Polynomial averaging, DCFR's and PCFR+'s: ``w_t = t^γ``.

    Equivalent to DCFR's discount of the average by ``(t/(t+1))^γ`` each iteration.

    Args:
        gamma: exponent (>= 0; 2 in Brown & Sandholm 2019).

    Returns:
        An :class:`Averaging` (``weights(t [T]) -> [T]``).

    Example:
        >>> polynomial(2).weights(np.array([1.0, 2.0, 3.0])).tolist()
        [1.0, 4.0, 9.0]

    Paper: Brown & Sandholm, AAAI 2019.
    """
    g = check_positive("gamma", gamma, allow_zero=True)
    return Averaging(f"polynomial({g})", lambda t: t**g)


def delayed(delay: int) -> Averaging:
    """Delayed linear averaging: ``w_t = max(t - d, 0)`` (the first ``d`` iterates left out).

    Args:
        delay: ``d >= 0``.

    Returns:
        An :class:`Averaging` (``weights(t [T]) -> [T]``).

    Example:
        >>> delayed(2).weights(np.array([1.0, 2.0, 3.0, 4.0])).tolist()
        [0.0, 0.0, 1.0, 2.0]

    Paper: Tammelin, Burch, Johanson & Bowling, "Solving heads-up limit Texas hold'em", IJCAI 2015.
    """
    d = check_int("delay", delay, minimum=0)
    return Averaging(f"delayed({d})", lambda t: np.maximum(t - d, 0.0))


# -- the solver -------------------------------------------------------------------------------


class CFRState(NamedTuple):
    """State of a CFR-family solver on one game."""

    t: int  # iterations done
    cumulative: np.ndarray  # [I, A] weighted sum of own-reach x strategy (average numerator)
    strategy: np.ndarray  # [I, A] sigma^{t+1}, the strategy the next iteration plays
    local: tuple  # [P] the local rule's state per player, batch axis = its infosets (increasing id)
    work: Any = None  # sweep buffers reused by the next call (no result lives here; never saved)


class Work:
    """Sweep buffers of one game, owned by a solver state and handed on to the states that
    continue it (so repeated ``update`` calls do not reallocate them). Nothing in them outlives
    a call: every sweep rewrites what it reads."""

    def __init__(self, game: Treeplex, layout: Any) -> None:
        from regretlab.games import factored

        self.shape = (game.num_nodes, game.num_infosets, game.max_actions)
        self.layout = layout
        self.scratch = None if layout is None else factored.Scratch(layout, game.num_infosets, game.max_actions)
        self.cfv = np.zeros(game.legal_mask.shape)  # [I, A]
        self.reach = np.zeros(game.num_infosets)  # [I]
        self.opp = np.zeros(game.num_nodes) if layout is None else None  # [N]
        self.value = np.zeros(game.num_nodes) if layout is None else None  # [N]

    def fits(self, game: Treeplex, layout: Any) -> bool:
        return self.layout is layout and self.shape == (game.num_nodes, game.num_infosets, game.max_actions)


_UPDATES = ("alternating", "simultaneous")
# numba: public-tree layout when the game has one (deal first, same betting tree per deal),
# else the per-history sweep; numba_nodes: always the per-history sweep; numpy: the reference.
_BACKENDS = ("numba", "numba_nodes", "numpy")


@dataclass(frozen=True)
class CFR:
    """A CFR-family solver: one tree sweep with a local rule, an averaging schedule, an update order.

    ``fused=False`` runs the general path even for the built-in rules (it is what the fused
    kernels are tested against); ``backend="numpy"`` always runs it, on the NumPy sweep.
    """

    local: Any
    averaging: Averaging
    updates: str = "alternating"
    backend: str = "numba"
    name: str = "cfr"
    seed: int = 0
    fused: bool = True
    threads: int = 1  # cores of the compiled sweeps (the same numbers at any count)
    dtype: str = "float64"  # storage of regrets and averages: float64, or float32 (fused rules)

    @property
    def fused_rule(self) -> FusedRule | None:
        """The compiled specialisation this solver runs, or ``None`` (general path)."""
        if not self.fused or self.backend == "numpy":
            return None
        return rules.fused_rule(self.local)

    def init(self, game: Treeplex) -> CFRState:
        """Fresh local-rule states (zero regrets for regret matching); the first strategy is the
        rule's initial one (uniform for regret matching) on the legal actions."""
        if not isinstance(game, Treeplex):
            raise TypeError(f"game must be a Treeplex, got {type(game).__name__}")
        local = rules.init_states(self.local, game, self.seed)
        return CFRState(0, np.zeros(game.legal_mask.shape, dtype=self.dtype),
                        rules.initial_policy(self.local, local, game), local)

    def update(self, state: CFRState, game: Treeplex, iterations: int = 1) -> CFRState:
        """Run ``iterations`` iterations from ``state``; returns a new state (inputs unchanged)."""
        iterations = check_int("iterations", iterations, minimum=0)
        _check_state(state, game)
        cumulative = state.cumulative.astype(self.dtype, copy=True)
        strategy = state.strategy.copy()
        if iterations == 0:
            return CFRState(state.t, cumulative, strategy, state.local, state.work)
        ts = np.arange(state.t + 1, state.t + iterations + 1, dtype=np.float64)
        w = self.averaging.weights(ts)
        layout = None
        if self.backend == "numba":
            from regretlab.games.factored import public_layout

            layout = public_layout(game)
        work = state.work
        if self.backend != "numpy" and not (isinstance(work, Work) and work.fits(game, layout)):
            work = Work(game, layout)
        alternating = self.updates == "alternating"
        rule = self.fused_rule
        if rule is None:
            local = self._general(game, layout, work, w, cumulative, strategy, list(state.local))
            return CFRState(state.t + iterations, cumulative, strategy, local, work)
        regret, last = rules.gather(rule, state.local, game, self.dtype)
        pos, neg = rule.scales(ts)
        if self.threads > 1:
            with using_threads(self.threads):
                self._run_parallel(game, layout, work, state.t, iterations, alternating, rule,
                                   regret, cumulative, strategy, last, pos, neg, w)
        elif layout is not None:
            from regretlab.games import factored

            sc = work.scratch
            factored.run_iterations(
                iterations, alternating, game.num_players,
                regret, cumulative, strategy, last, pos, neg, w, rule.floor,
                rule.predictive, layout.player, layout.first_child, layout.num_children,
                layout.infoset, layout.internal, layout.deal_prob, *rules.infoset_groups(game),
                game.infoset_num_actions, game.infoset_parent, game.infoset_parent_action,
                sc.opp, sc.prob, sc.live, sc.values, sc.reach, sc.inst,
            )
        else:
            kernels.run_iterations(
                state.t, iterations, alternating, game.num_players,
                regret, cumulative, strategy, last, pos, neg, w, rule.floor,
                rule.predictive, game.node_player, game.node_first_child,
                game.node_num_children, game.node_infoset, game.node_chance_prob,
                game.node_terminal, game.utilities, game.infoset_player,
                game.infoset_num_actions, game.infoset_parent, game.infoset_parent_action,
            )
        local = rules.scatter(rule, state.local, game, regret, last, state.t + iterations)
        return CFRState(state.t + iterations, cumulative, strategy, local, work)

    def _run_parallel(self, game: Treeplex, layout: Any, work: Work, t0: int, iterations: int,
                      alternating: bool, rule: FusedRule, regret: np.ndarray, cumulative: np.ndarray,
                      strategy: np.ndarray, last: np.ndarray, pos: np.ndarray, neg: np.ndarray,
                      w: np.ndarray) -> None:
        """The fused kernels' parallel versions (bit-identical to the serial ones)."""
        members, member_start = rules.infoset_groups(game)
        if layout is not None:
            from regretlab.games import factored

            sc = work.scratch
            ps = sc.parallel(self.threads)
            sp = ps.split
            factored.run_iterations_parallel(
                iterations, alternating, game.num_players,
                regret, cumulative, strategy, last, pos, neg, w, rule.floor,
                rule.predictive, layout.player, layout.first_child, layout.num_children,
                layout.infoset, layout.deal_prob, members, member_start,
                game.infoset_num_actions, game.infoset_parent, game.infoset_parent_action,
                sp.top, sp.group_positions, sp.group_start, ps.opp, ps.prob, ps.live, ps.values,
                sc.reach, sc.inst,
            )
        else:
            nodes, start = kernels.infoset_nodes(game)
            kernels.run_iterations_parallel(
                t0, iterations, alternating, game.num_players,
                regret, cumulative, strategy, last, pos, neg, w, rule.floor,
                rule.predictive, game.node_player, game.node_first_child,
                game.node_num_children, game.node_infoset, game.node_chance_prob,
                game.node_terminal, game.utilities, game.infoset_player,
                game.infoset_num_actions, game.infoset_parent, game.infoset_parent_action,
                game.level_offsets(), members, member_start, nodes, start,
            )

    def _general(self, game: Treeplex, layout: Any, work: Work | None, weights: np.ndarray,
                 cumulative: np.ndarray, strategy: np.ndarray, local: list) -> tuple:
        """The general path, in place on ``cumulative`` / ``strategy``: sweep for counterfactual
        values, then the learner's own update (:func:`regretlab.games.local.step`)."""
        with using_threads(self.threads):
            return self._general_loop(game, layout, work, weights, cumulative, strategy, local)

    def _general_loop(self, game: Treeplex, layout: Any, work: Work | None, weights: np.ndarray,
                      cumulative: np.ndarray, strategy: np.ndarray, local: list) -> tuple:
        sweep, reach_of = _sweeps(self.backend, game, layout, work, self.threads)
        rows = rules.player_rows(game)
        legal = [game.legal_mask[r] for r in rows]
        active = [p for p in range(game.num_players) if local[p] is not None]
        for w in weights:
            if self.updates == "alternating":
                for p in active:
                    r = rows[p]
                    cfv = sweep(p, strategy)[r]
                    reach = reach_of(strategy)
                    cumulative[r] += w * reach[r, None] * strategy[r]
                    local[p], strategy[r] = rules.step(self.local, local[p], cfv, legal[p], strategy[r])
            else:
                values = {p: sweep(p, strategy)[rows[p]] for p in active}
                reach = reach_of(strategy)
                cumulative += w * reach[:, None] * strategy
                for p in active:
                    r = rows[p]
                    local[p], strategy[r] = rules.step(self.local, local[p], values[p], legal[p], strategy[r])
        return tuple(local)

    def average_policy(self, state: CFRState, game: Treeplex) -> np.ndarray:
        """The average strategy ``S / sum_a S`` (uniform where an information set was never reached)."""
        return normalize(state.cumulative, game)

    def current_policy(self, state: CFRState) -> np.ndarray:
        """sigma^{t+1}, the strategy the next iteration would play."""
        return state.strategy.copy()

    def solve(
        self,
        game: Treeplex,
        iterations: int,
        *,
        state: CFRState | None = None,
        every: int = 0,
        callback: Callable[[CFRState], None] | None = None,
    ) -> CFRState:
        """Run ``iterations`` iterations (in blocks of ``every`` calling ``callback(state)``)."""
        iterations = check_int("iterations", iterations, minimum=0)
        state = self.init(game) if state is None else state
        block = iterations if every <= 0 else check_int("every", every)
        done = 0
        while done < iterations:
            n = min(block, iterations - done)
            state = self.update(state, game, n)
            done += n
            if callback is not None:
                callback(state)
        return state

    # -- checkpoints (regret-matching rules) ----------------------------------------------------
    ARRAYS = ("t", "regret", "cumulative", "strategy", "last_regret")

    def to_arrays(self, state: CFRState, game: Treeplex) -> dict[str, np.ndarray]:
        """The state as flat arrays ``t``, ``regret [I, A]``, ``cumulative``, ``strategy``,
        ``last_regret [I, A]`` (the prediction; zero unless predictive), for checkpoints.

        Only the built-in regret-matching rules have this form (``ValueError`` otherwise).
        """
        rule = self._flat_rule()
        _check_state(state, game)
        regret, last = rules.gather(rule, state.local, game, self.dtype)
        return {"t": np.array(state.t), "regret": regret, "cumulative": state.cumulative,
                "strategy": state.strategy, "last_regret": last}

    def from_arrays(self, game: Treeplex, t: int, regret: np.ndarray, cumulative: np.ndarray,
                    strategy: np.ndarray, last_regret: np.ndarray) -> CFRState:
        """Inverse of :meth:`to_arrays`."""
        rule = self._flat_rule()
        local = rules.scatter(rule, rules.init_states(self.local, game, self.seed), game,
                              np.array(regret, dtype=self.dtype), np.array(last_regret, dtype=self.dtype), int(t))
        return CFRState(int(t), np.array(cumulative, dtype=self.dtype), np.array(strategy, dtype=np.float64), local)

    def _flat_rule(self) -> FusedRule:
        rule = rules.fused_rule(self.local)
        if rule is None:
            raise ValueError(f"only regret-matching local rules have a flat-array state; "
                             f"{rules.rule_name(self.local)!r} does not")
        return rule


def _sweeps(backend: str, game: Treeplex, layout: Any, work: Work | None,
            threads: int = 1) -> tuple[Callable, Callable]:
    """``sweep(i, strategy) -> cfv [I, A]`` (player i's rows filled; a buffer reused by the next
    call) and ``reach_of(strategy) -> [I]`` own reach, for the backend (the compiled sweeps
    split over ``threads`` cores when > 1: the same numbers)."""
    if backend == "numpy":
        from regretlab.games import reference

        return (lambda i, s: reference.counterfactual_values(game, s, i),
                lambda s: reference.own_reach(game, s))
    assert work is not None
    cfv, reach = work.cfv, work.reach
    if layout is not None:
        from regretlab.games import factored

        sc = work.scratch
        assert sc is not None

        def sweep(i: int, s: np.ndarray) -> np.ndarray:
            cfv.fill(0.0)
            if threads > 1:
                ps = sc.parallel(threads)
                sp = ps.split
                factored.sweep_parallel(i, s, layout.player, layout.first_child, layout.num_children,
                                        layout.infoset, layout.deal_prob, sp.top, sp.group_positions,
                                        sp.group_start, ps.opp, ps.prob, ps.live, ps.values[i], cfv, -1)
                return cfv
            factored.counterfactual_values(i, s, layout.player, layout.first_child, layout.num_children,
                                           layout.infoset, layout.internal, layout.deal_prob, sc.opp,
                                           sc.prob, sc.live, sc.values[i], cfv)
            return cfv
    else:
        members, member_start = rules.infoset_groups(game)
        nodes, start = kernels.infoset_nodes(game)

        def sweep(i: int, s: np.ndarray) -> np.ndarray:
            cfv.fill(0.0)
            if threads > 1:
                kernels.counterfactual_values_parallel(
                    i, s, game.node_player, game.node_first_child, game.node_num_children,
                    game.node_infoset, game.node_chance_prob, game.node_terminal, game.utilities,
                    work.opp, work.value, cfv, game.level_offsets(),
                    members[member_start[i]:member_start[i + 1]], nodes, start)
                return cfv
            kernels.counterfactual_values(i, s, game.node_player, game.node_first_child,
                                          game.node_num_children, game.node_infoset,
                                          game.node_chance_prob, game.node_terminal, game.utilities,
                                          work.opp, work.value, cfv)
            return cfv

    def reach_of(s: np.ndarray) -> np.ndarray:
        kernels.own_reach(s, game.infoset_parent, game.infoset_parent_action, reach)
        return reach

    return sweep, reach_of


def max_threads() -> int:
    """The most threads the compiled kernels can use here (Numba's ``NUMBA_NUM_THREADS``)."""
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def check_threads(threads: Any, what: str = "threads") -> int:
    """``threads`` if it is an integer in ``[1, max_threads()]``, else a ValueError naming ``what``."""
    n = check_int(what, threads, minimum=1)
    top = max_threads()
    if n > top:
        raise ValueError(f"{what} must be between 1 and {top} (the cores Numba may use here; "
                         f"NUMBA_NUM_THREADS), got {n}")
    return n


@contextlib.contextmanager
def using_threads(threads: int) -> Iterator[None]:
    """Within the block the compiled kernels run on ``threads`` cores (``numba.set_num_threads``;
    the previous count is restored)."""
    if threads <= 1:
        yield
        return
    import os

    # OpenMP workers that spin while waiting take the cores a loaded machine needs; read once,
    # when Numba first starts its OpenMP pool (an explicit setting is kept)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(min(int(threads), max_threads()))
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _check_state(state: Any, game: Any) -> None:
    """Refuse a state built for another game before the compiled sweep indexes it."""
    if not isinstance(game, Treeplex):
        raise TypeError(f"game must be a Treeplex, got {type(game).__name__}")
    shape = game.legal_mask.shape
    for name in ("cumulative", "strategy"):
        arr = getattr(state, name, None)
        if arr is not None and np.shape(arr) != shape:
            raise ValueError(
                f"state.{name} has shape {list(np.shape(arr))} but game {game.name!r} needs "
                f"{list(shape)} (infosets x actions): was the state made for another game?"
            )
    local = getattr(state, "local", None)
    if not isinstance(local, tuple) or len(local) != game.num_players:
        raise ValueError(f"state.local must hold one local-rule state per player ({game.num_players}) "
                         f"of game {game.name!r}: was the state made for another game?")
    for p, (rows, st) in enumerate(zip(rules.player_rows(game), local)):
        key = getattr(st, "key", None)
        n = 0 if st is None else (np.shape(key)[0] if key is not None and np.ndim(key) else rows.size)
        if n != rows.size:
            raise ValueError(f"state.local[{p}] covers {n} information sets but player {p} of game "
                             f"{game.name!r} has {rows.size}: was the state made for another game?")


def normalize(cumulative: np.ndarray, game: Treeplex) -> np.ndarray:
    """Rows of ``cumulative`` normalised over legal actions (uniform where a row sums to 0)."""
    cum = np.where(game.legal_mask, np.maximum(cumulative, 0.0), 0.0)
    sums = cum.sum(axis=1, keepdims=True)
    uni = game.uniform_policy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sums > 0, cum / np.where(sums > 0, sums, 1.0), uni)


def cfr(
    local: Any = None,
    averaging: Averaging | None = None,
    updates: str = "alternating",
    backend: str = "numba",
    name: str | None = None,
    seed: int = 0,
    fused: bool = True,
    threads: int = 1,
    dtype: str = "float64",
) -> CFR:
    r"""Compose a CFR-family solver from a local rule, an averaging schedule and an update order.

    Per iteration and updating player i: ``cfv [I_i, A]`` from one sweep,
    ``state_i = local.update(state_i, FullInfo(cfv, awake=legal))``,
    :math:`\sigma^{t+1} = ` ``local.strategy(state_i, legal)`` renormalised over legal actions,
    :math:`S^t = S^{t-1} + w_t \pi_i(I) \sigma^t` (module docstring).

    Args:
        local: the local rule, any experts learner (default :func:`regret_matching`); its state
            is batched over each player's ``I_p`` information sets with ``K = A`` actions.
        averaging: averaging schedule (default :func:`uniform`).
        updates: ``"alternating"`` or ``"simultaneous"``.
        backend: ``"numba"`` (compiled; public-tree layout when the game allows it),
            ``"numba_nodes"`` (compiled per-history sweep) or ``"numpy"`` (level-by-level
            reference sweep, general path).
        name: label.
        seed: seed of the local rule's per-information-set keys (randomised rules such as FTPL).
        fused: use the fused compiled kernel when ``local`` is a built-in regret-matching rule
            (:func:`regretlab.games.local.fused_rule`); ``False`` forces the general path.
        threads: cores the compiled sweeps use (Numba ``prange`` over groups of independent
            subtrees, or over the nodes of a depth level); the numbers are the same, bit for
            bit, at any count.
        dtype: storage of the regrets and averages (and the prediction): ``"float64"`` (default)
            or ``"float32"`` (half the memory; the sweeps still compute in float64). float32
            needs a fused rule (a built-in regret-matching rule on a compiled backend).

    Returns:
        A :class:`CFR` solver (``init(game)`` / ``update(state, game, n)`` /
        ``average_policy(state, game) -> [I, A]``).

    Example:
        >>> from regretlab.experts import hedge
        >>> from regretlab.games import kuhn_poker, nash_conv
        >>> game = kuhn_poker()
        >>> plus = cfr(local=regret_matching_plus(), averaging=linear())   # CFR+ (fused kernel)
        >>> cfr_hedge = cfr(local=hedge(lr=0.5))                            # CFR-Hedge (general path)
        >>> [bool(nash_conv(game, s.average_policy(s.solve(game, 300), game)) < 0.05)
        ...  for s in (plus, cfr_hedge)]
        [True, True]

    Paper: Zinkevich, Johanson, Bowling & Piccione, "Regret minimization in games with incomplete
    information", NeurIPS 2007.
    """
    local = regret_matching() if local is None else rules.check_local(local)
    averaging = uniform() if averaging is None else averaging
    if not isinstance(averaging, Averaging):
        raise TypeError(f"averaging must be an Averaging (e.g. linear()), got {averaging!r}")
    if updates not in _UPDATES:
        raise ValueError(f"updates must be one of {_UPDATES}, got {updates!r}")
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")
    seed = check_int("seed", seed, minimum=0)
    if not isinstance(fused, bool):
        raise TypeError(f"fused must be True or False, got {fused!r}")
    threads = check_threads(threads)
    dtype = rules.check_dtype(dtype)
    if dtype != "float64" and (not fused or backend == "numpy" or rules.fused_rule(local) is None):
        raise ValueError(f"dtype {dtype!r} needs a fused compiled rule (a built-in regret-matching "
                         f"local rule, fused=True, a numba backend); {rules.rule_name(local)!r} with "
                         f"fused={fused}, backend={backend!r} runs the float64 general path")
    return CFR(local, averaging, updates, backend,
               name or f"cfr[{rules.rule_name(local)},{averaging.name},{updates}]", seed, fused,
               threads, dtype)


def vanilla_cfr(updates: str = "alternating", **kw: Any) -> CFR:
    """Vanilla CFR: regret matching, uniform averaging.

    ``R^t = R^{t-1} + r^t``, ``sigma^{t+1} ∝ [R^t]^+``, ``w_t = 1``.

    Args:
        updates: ``"alternating"`` (OpenSpiel's ``CFRSolver``) or ``"simultaneous"``.
        **kw: ``backend``, ``seed``, ``fused``, ``name`` (see :func:`cfr`).

    Returns:
        A :class:`CFR` named ``"cfr"``.

    Example:
        >>> from regretlab.games import expected_value, kuhn_poker
        >>> s = vanilla_cfr(); st = s.solve(kuhn_poker(), 300)
        >>> round(float(expected_value(kuhn_poker(), s.average_policy(st, kuhn_poker()))[0]), 2)  # -1/18
        -0.06

    Paper: Zinkevich et al., NeurIPS 2007.
    """
    return cfr(regret_matching(), uniform(), updates, **{"name": "cfr", **kw})


def cfr_plus(updates: str = "alternating", delay: int = 0, **kw: Any) -> CFR:
    """CFR+: regret matching+, linear averaging, alternating updates.

    ``R^t = max(R^{t-1} + r^t, 0)``, ``sigma^{t+1} ∝ R^t``, ``w_t = t`` (``max(t - delay, 0)``).

    Args:
        updates: ``"alternating"`` (OpenSpiel's ``CFRPlusSolver``) or ``"simultaneous"``.
        delay: iterates left out of the average (:func:`delayed`).
        **kw: ``backend``, ``seed``, ``fused``, ``name`` (see :func:`cfr`).

    Returns:
        A :class:`CFR` named ``"cfr+"``.

    Example:
        >>> from regretlab.games import kuhn_poker, nash_conv
        >>> s = cfr_plus(); st = s.solve(kuhn_poker(), 200)
        >>> bool(nash_conv(kuhn_poker(), s.average_policy(st, kuhn_poker())) < 0.005)
        True

    Paper: Tammelin 2014, arXiv 1407.5042; Tammelin et al., IJCAI 2015.
    """
    avg = linear() if delay == 0 else delayed(delay)
    return cfr(regret_matching_plus(), avg, updates, **{"name": "cfr+", **kw})


def linear_cfr(updates: str = "alternating", **kw: Any) -> CFR:
    """Linear CFR: regrets and average both weighted by t (DCFR(1, 1, 1)).

    ``R^t = (R^{t-1} + r^t) t/(t+1)``, ``sigma^{t+1} ∝ [R^t]^+``, ``w_t = t``.

    Args:
        updates: ``"alternating"`` or ``"simultaneous"``.
        **kw: ``backend``, ``seed``, ``fused``, ``name`` (see :func:`cfr`).

    Returns:
        A :class:`CFR` named ``"linear_cfr"``.

    Example:
        >>> linear_cfr().local
        discounted_regret_matching(alpha=1.0, beta=1.0)

    Paper: Brown & Sandholm, AAAI 2019.
    """
    return cfr(discounted(1.0, 1.0), linear(), updates, **{"name": "linear_cfr", **kw})


def dcfr(alpha: float = 1.5, beta: float = 0.0, gamma: float = 2.0,
         updates: str = "alternating", **kw: Any) -> CFR:
    """Discounted CFR with (α, β, γ) = (1.5, 0, 2) by default.

    Positive regrets x ``t^α/(t^α+1)``, negative x ``t^β/(t^β+1)`` (:func:`discounted`),
    ``w_t = t^γ`` (:func:`polynomial`).

    Args:
        alpha: positive-regret discount exponent (>= 0).
        beta: negative-regret discount exponent.
        gamma: averaging exponent (>= 0).
        updates: ``"alternating"`` or ``"simultaneous"``.
        **kw: ``backend``, ``seed``, ``fused``, ``name`` (see :func:`cfr`).

    Returns:
        A :class:`CFR` named ``"dcfr"``.

    Example:
        >>> from regretlab.games import kuhn_poker, nash_conv
        >>> s = dcfr(); st = s.solve(kuhn_poker(), 200)
        >>> bool(nash_conv(kuhn_poker(), s.average_policy(st, kuhn_poker())) < 0.005)
        True

    Paper: Brown & Sandholm, AAAI 2019.
    """
    return cfr(discounted(alpha, beta), polynomial(gamma), updates, **{"name": "dcfr", **kw})


def pcfr_plus(updates: str = "alternating", gamma: float = 2.0, **kw: Any) -> CFR:
    """Predictive CFR+: RM+ with the last regret as prediction, quadratic averaging.

    ``R^t = max(R^{t-1} + r^t, 0)``, ``sigma^{t+1} ∝ [R^t + r^t]^+``, ``w_t = t^γ``.

    Args:
        updates: ``"alternating"`` or ``"simultaneous"``.
        gamma: averaging exponent (>= 0).
        **kw: ``backend``, ``seed``, ``fused``, ``name`` (see :func:`cfr`).

    Returns:
        A :class:`CFR` named ``"pcfr+"``.

    Example:
        >>> from regretlab.games import kuhn_poker, nash_conv
        >>> s = pcfr_plus(); st = s.solve(kuhn_poker(), 200)
        >>> bool(nash_conv(kuhn_poker(), s.average_policy(st, kuhn_poker())) < 0.005)
        True

    Paper: Farina, Kroer & Sandholm, AAAI 2021.
    """
    return cfr(predictive(regret_matching_plus()), polynomial(gamma), updates, **{"name": "pcfr+", **kw})


ALGORITHMS: dict[str, Callable[..., CFR]] = {
    "cfr": vanilla_cfr,
    "cfr+": cfr_plus,
    "linear_cfr": linear_cfr,
    "dcfr": dcfr,
    "pcfr+": pcfr_plus,
}


def make_solver(name: str, **kw: Any) -> CFR:
    """A preset solver by name: one of ``cfr``, ``cfr+``, ``linear_cfr``, ``dcfr``, ``pcfr+``.

    Args:
        name: the preset.
        **kw: its keyword arguments (``updates``, ``backend``, ...).

    Returns:
        The :class:`CFR` of :data:`ALGORITHMS` ``[name]``.

    Example:
        >>> make_solver("cfr+").name
        'cfr+'

    Paper: see each preset.
    """
    if name not in ALGORITHMS:
        raise ValueError(f"algo must be one of {sorted(ALGORITHMS)}, got {name!r}")
    return ALGORITHMS[name](**kw)
