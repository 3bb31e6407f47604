"""Monte-Carlo CFR (Lanctot, Waugh, Zinkevich & Bowling 2009): external and outcome sampling.

External sampling, iteration for player i: chance and the other players' actions are sampled,
all of i's actions are explored; at i's information set ``R(I,a) += v(ha) - v(h)`` (sampled
counterfactual values; the sampling probabilities cancel). The others' average strategies get
``S(I,a) += sigma(I,a)`` where they are visited ("simple" averaging).

Outcome sampling: one trajectory z, i's actions sampled with exploration ε (spec §9.2: 0.6):
``q(a) = ε/|A| + (1-ε) sigma(a)``. With ``W = u_i(z) pi_-i(h) / q(z)``:
``r(I,a*) = W pi(ha*→z)(1 - sigma(a*))`` for the sampled action, ``r(I,a) = -W pi(h→z)``
otherwise. The others' averages get ``S(I,a) += pi_j(h) sigma(I,a) / q(h)`` (stochastically
weighted averaging).

Any experts learner is the local rule (``mccfr(local=...)``), as for :func:`regretlab.games.cfr.cfr`:
the traversal samples counterfactual values ``ṽ(I,a)`` of the updating player (external:
``v(ha)``; outcome: ``W pi(ha*→z)`` for the sampled action, 0 for the others) with the
strategy fixed, and the rule is updated with ``FullInfo(ṽ, awake=legal)`` at all of that
player's information sets (zero values where none was visited). Regret matching's
``ṽ - <sigma, ṽ>`` is exactly the sampled regret above; plain regret matching runs in a fused
compiled loop (external sampling: the same numbers as the general path).

Randomness: the Numba generator is re-seeded from (seed, t) at every iteration, so a run split
into blocks, checkpointed or resumed, gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numba import njit, prange

from regretlab.core.errors import check_int, check_probability
from regretlab.experts.regret_matching import RegretMatching
from regretlab.games import local as rules
from regretlab.games.cfr import _check_state, normalize
from regretlab.games.treeplex import Treeplex

CHANCE = -1
TERMINAL = -2


@njit(cache=True)
def _seed(s):
    np.random.seed(s)


@njit(cache=True)
def _match(regret, s, na, out):
    total = 0.0
    for a in range(na):
        if regret[s, a] > 0.0:
            total += regret[s, a]
    for a in range(na):
        out[a] = (regret[s, a] / total if regret[s, a] > 0.0 else 0.0) if total > 0.0 else 1.0 / na


@njit(cache=True)
def _sample(probs, na):
    x = np.random.random()
    acc = 0.0
    for a in range(na - 1):
        acc += probs[a]
        if x < acc:
            return a
    return na - 1


@njit(cache=True)
def _chance_pick(chance_prob, fc, nc):
    x = np.random.random()
    acc = 0.0
    for a in range(nc - 1):
        acc += chance_prob[fc + a]
        if x < acc:
            return a
    return nc - 1


@njit(cache=True)
def _external(i, player, first_child, num_children, infoset, chance_prob, terminal, utilities,
              regret, cumulative, node_st, next_k, explore, sigma_buf, value_buf, fixed, strategy,
              cfv):
    """One external-sampling traversal for player ``i`` (iterative depth-first walk).

    ``fixed=False`` (regret matching, fused): sigma is matched from ``regret`` at each node and
    ``regret`` gets the sampled regrets. ``fixed=True`` (any local rule): sigma is read from
    ``strategy`` and ``cfv`` gets the sampled counterfactual values ``v(ha)`` of i's nodes.
    """
    d = 0
    node_st[0] = 0
    entering = True
    ret = 0.0
    while True:
        if entering:
            n = node_st[d]
            pl = player[n]
            if pl == TERMINAL:
                ret = utilities[terminal[n], i]
                entering = False
                d -= 1
                if d < 0:
                    return ret
                continue
            fc = first_child[n]
            nc = num_children[n]
            if pl == CHANCE:
                explore[d] = False
                node_st[d + 1] = fc + _chance_pick(chance_prob, fc, nc)
                d += 1
                continue
            s = infoset[n]
            if fixed:
                for a in range(nc):
                    sigma_buf[d, a] = strategy[s, a]
            else:
                _match(regret, s, nc, sigma_buf[d])
            if pl == i:
                explore[d] = True
                next_k[d] = 0
                node_st[d + 1] = fc
                d += 1
                continue
            for a in range(nc):
                cumulative[s, a] += sigma_buf[d, a]
            explore[d] = False
            node_st[d + 1] = fc + _sample(sigma_buf[d], nc)
            d += 1
            continue
        # returning ``ret`` to frame d
        if not explore[d]:
            d -= 1
            if d < 0:
                return ret
            continue
        n = node_st[d]
        k = next_k[d]
        value_buf[d, k] = ret
        nc = num_children[n]
        if k + 1 < nc:
            next_k[d] = k + 1
            node_st[d + 1] = first_child[n] + k + 1
            d += 1
            entering = True
            continue
        s = infoset[n]
        v = 0.0
        for a in range(nc):
            v += sigma_buf[d, a] * value_buf[d, a]
        if fixed:
            for a in range(nc):
                cfv[s, a] += value_buf[d, a]
        else:
            for a in range(nc):
                regret[s, a] += value_buf[d, a] - v
        ret = v
        d -= 1
        if d < 0:
            return ret


@njit(cache=True)
def _outcome(i, epsilon, num_players, player, first_child, num_children, infoset, chance_prob,
             terminal, utilities, regret, cumulative, node_st, next_k, sigma_buf, fixed, strategy,
             cfv):
    """One outcome-sampling trajectory for player ``i``: walk down, then update on the way up.

    ``fixed`` as for :func:`_external`; the sampled counterfactual value of i's sampled action
    a* is ``W pi(ha*→z)`` (0 for the other actions), so ``cfv - <sigma, cfv>`` is the sampled
    regret of the fused form.
    """
    P = num_players
    reach = np.ones(P)  # own reach of each player at the current node
    q = 1.0  # sampling probability of the current node
    opp_at = np.ones(node_st.shape[0])  # pi_-i at each depth (chance excluded: cancels with q)
    d = 0
    n = 0
    while player[n] != TERMINAL:
        node_st[d] = n
        pl = player[n]
        fc = first_child[n]
        nc = num_children[n]
        opp = 1.0
        for p in range(P):
            if p != i:
                opp *= reach[p]
        opp_at[d] = opp
        if pl == CHANCE:
            k = _chance_pick(chance_prob, fc, nc)
        else:
            s = infoset[n]
            sig = sigma_buf[d]
            if fixed:
                for a in range(nc):
                    sig[a] = strategy[s, a]
            else:
                _match(regret, s, nc, sig)
            if pl == i:
                x = np.random.random()
                acc = 0.0
                k = nc - 1
                for a in range(nc - 1):
                    acc += epsilon / nc + (1.0 - epsilon) * sig[a]
                    if x < acc:
                        k = a
                        break
                q *= epsilon / nc + (1.0 - epsilon) * sig[k]
            else:
                w = reach[pl] / q
                for a in range(nc):
                    cumulative[s, a] += w * sig[a]
                k = _sample(sig, nc)
                q *= sig[k]
            reach[pl] *= sig[k]
        next_k[d] = k
        n = fc + k
        d += 1
    u = utilities[terminal[n], i] / q
    tail = 1.0
    for e in range(d - 1, -1, -1):
        n = node_st[e]
        pl = player[n]
        k = next_k[e]
        if pl == CHANCE:
            continue
        sig = sigma_buf[e]
        if pl == i:
            s = infoset[n]
            nc = num_children[n]
            tail_child = tail
            tail = sig[k] * tail_child
            w = u * opp_at[e]
            if fixed:
                cfv[s, k] += w * tail_child
                continue
            for a in range(nc):
                if a == k:
                    regret[s, a] += w * (tail_child - tail)
                else:
                    regret[s, a] -= w * tail
        else:
            tail *= sig[k]


@njit(cache=True)
def _outcome_vr(i, epsilon, num_players, player, first_child, num_children, infoset, chance_prob,
                terminal, utilities, regret, cumulative, node_st, next_k, sigma_buf, baseline, alpha):
    """One outcome-sampling trajectory for player ``i`` with learned history baselines
    (VR-MCCFR, Schmid et al. 2019), fused regret matching.

    Down: as :func:`_outcome` (the same samples). Up, at each history h with sampled action k
    (probability ``q_k``: chance's, ``ε/|A| + (1-ε)σ`` at i's nodes, σ at the others'),
    with baselines ``b(h, a) = baseline[i, h, a]``::

        û(h, a) = b(h, a) + [a = k] (û(hk) - b(h, k)) / q_k,    û(h) = sum_a p(h, a) û(h, a)

    (``p``: chance or σ), ``û(z) = u_i(z)``; at i's information sets
    ``R(I, a) += π_-i(h)/q(h) (û(h, a) - û(h))`` (chance excluded from both: it cancels); then
    ``b(h, k) <- (1 - α) b(h, k) + α û(hk)``. With zero baselines this is plain outcome sampling.
    """
    P = num_players
    reach = np.ones(P)
    q = 1.0  # sampling probability of the current node, chance excluded
    opp_at = np.ones(node_st.shape[0])
    q_at = np.ones(node_st.shape[0])
    qk_at = np.ones(node_st.shape[0])
    d = 0
    n = 0
    while player[n] != TERMINAL:
        node_st[d] = n
        pl = player[n]
        fc = first_child[n]
        nc = num_children[n]
        opp = 1.0
        for p in range(P):
            if p != i:
                opp *= reach[p]
        opp_at[d] = opp
        q_at[d] = q
        if pl == CHANCE:
            k = _chance_pick(chance_prob, fc, nc)
            qk_at[d] = chance_prob[fc + k]
        else:
            s = infoset[n]
            sig = sigma_buf[d]
            _match(regret, s, nc, sig)
            if pl == i:
                x = np.random.random()
                acc = 0.0
                k = nc - 1
                for a in range(nc - 1):
                    acc += epsilon / nc + (1.0 - epsilon) * sig[a]
                    if x < acc:
                        k = a
                        break
                qk = epsilon / nc + (1.0 - epsilon) * sig[k]
            else:
                w = reach[pl] / q
                for a in range(nc):
                    cumulative[s, a] += w * sig[a]
                k = _sample(sig, nc)
                qk = sig[k]
            qk_at[d] = qk
            q *= qk
            reach[pl] *= sig[k]
        next_k[d] = k
        n = fc + k
        d += 1
    u_child = utilities[terminal[n], i]
    for e in range(d - 1, -1, -1):
        n = node_st[e]
        pl = player[n]
        k = next_k[e]
        fc = first_child[n]
        nc = num_children[n]
        bk = baseline[i, n, k]
        corrected = bk + (u_child - bk) / qk_at[e]
        u = 0.0
        for a in range(nc):
            ua = corrected if a == k else baseline[i, n, a]
            pa = chance_prob[fc + a] if pl == CHANCE else sigma_buf[e, a]
            u += pa * ua
        if pl == i:
            s = infoset[n]
            W = opp_at[e] / q_at[e]
            for a in range(nc):
                ua = corrected if a == k else baseline[i, n, a]
                regret[s, a] += W * (ua - u)
        baseline[i, n, k] = (1.0 - alpha) * bk + alpha * u_child
        u_child = u


@njit(cache=True)
def _run_vr(t0, iterations, seed, epsilon, num_players, max_depth, player, first_child,
            num_children, infoset, chance_prob, terminal, utilities, regret, cumulative, baseline,
            alpha):
    """:func:`_run` for outcome sampling with VR-MCCFR baselines (:func:`_outcome_vr`)."""
    A = regret.shape[1]
    node_st = np.zeros(max_depth + 2, dtype=np.int64)
    next_k = np.zeros(max_depth + 2, dtype=np.int64)
    sigma_buf = np.zeros((max_depth + 2, A))
    for it in range(iterations):
        _seed((seed * 1000003 + t0 + it) % 4294967295)
        for i in range(num_players):
            _outcome_vr(i, epsilon, num_players, player, first_child, num_children, infoset,
                        chance_prob, terminal, utilities, regret, cumulative, node_st, next_k,
                        sigma_buf, baseline, alpha)


@njit(cache=True, parallel=True)
def _run_batch_vr(t0, iterations, seeds, epsilon, num_players, max_depth, player, first_child,
                  num_children, infoset, chance_prob, terminal, utilities, regret, cumulative,
                  baseline, alpha):
    """:func:`_run_vr` for B seeds in parallel (``baseline [B, P, N, A]``)."""
    for b in prange(seeds.shape[0]):
        _run_vr(t0, iterations, seeds[b], epsilon, num_players, max_depth, player, first_child,
                num_children, infoset, chance_prob, terminal, utilities, regret[b], cumulative[b],
                baseline[b], alpha)


@njit(cache=True)
def _run(t0, iterations, seed, outcome, epsilon, num_players, max_depth, player, first_child,
         num_children, infoset, chance_prob, terminal, utilities, regret, cumulative):
    A = regret.shape[1]
    node_st = np.zeros(max_depth + 2, dtype=np.int64)
    next_k = np.zeros(max_depth + 2, dtype=np.int64)
    explore = np.zeros(max_depth + 2, dtype=np.bool_)
    sigma_buf = np.zeros((max_depth + 2, A))
    value_buf = np.zeros((max_depth + 2, A))
    for it in range(iterations):
        _seed((seed * 1000003 + t0 + it) % 4294967295)
        for i in range(num_players):
            if outcome:
                _outcome(i, epsilon, num_players, player, first_child, num_children, infoset,
                         chance_prob, terminal, utilities, regret, cumulative, node_st, next_k,
                         sigma_buf, False, regret, regret)
            else:
                _external(i, player, first_child, num_children, infoset, chance_prob, terminal,
                          utilities, regret, cumulative, node_st, next_k, explore, sigma_buf,
                          value_buf, False, regret, regret)


@njit(cache=True, parallel=True)
def _run_batch(t0, iterations, seeds, outcome, epsilon, num_players, max_depth, player, first_child,
               num_children, infoset, chance_prob, terminal, utilities, regret, cumulative):
    """:func:`_run` for B independent seeds in one pass: seed ``seeds[b]`` updates
    ``regret[b]`` / ``cumulative[b]`` (``[B, I, A]``) with exactly the operations and random
    numbers of a solo run (the generator is re-seeded from (seed, t) each iteration, on the
    thread that runs that seed), so row b equals a solo run with ``seeds[b]``. Seeds run in
    parallel (Numba ``prange``); each touches only its own rows."""
    B = seeds.shape[0]
    A = regret.shape[2]
    for b in prange(B):
        node_st = np.zeros(max_depth + 2, dtype=np.int64)
        next_k = np.zeros(max_depth + 2, dtype=np.int64)
        explore = np.zeros(max_depth + 2, dtype=np.bool_)
        sigma_buf = np.zeros((max_depth + 2, A))
        value_buf = np.zeros((max_depth + 2, A))
        rb = regret[b]
        cb = cumulative[b]
        for it in range(iterations):
            _seed((seeds[b] * 1000003 + t0 + it) % 4294967295)
            for i in range(num_players):
                if outcome:
                    _outcome(i, epsilon, num_players, player, first_child, num_children, infoset,
                             chance_prob, terminal, utilities, rb, cb, node_st, next_k,
                             sigma_buf, False, rb, rb)
                else:
                    _external(i, player, first_child, num_children, infoset, chance_prob,
                              terminal, utilities, rb, cb, node_st, next_k, explore, sigma_buf,
                              value_buf, False, rb, rb)


@njit(cache=True)
def _traverse(seed_value, i, outcome, epsilon, num_players, max_depth, player, first_child,
              num_children, infoset, chance_prob, terminal, utilities, cumulative, strategy, cfv):
    """Player ``i``'s traversal of the general path with ``strategy`` fixed: adds the sampled
    counterfactual values to ``cfv`` and the others' averages to ``cumulative``. A
    ``seed_value >= 0`` re-seeds the generator first (iteration start, as in :func:`_run`)."""
    if seed_value >= 0:
        _seed(seed_value)
    A = strategy.shape[1]
    node_st = np.zeros(max_depth + 2, dtype=np.int64)
    next_k = np.zeros(max_depth + 2, dtype=np.int64)
    explore = np.zeros(max_depth + 2, dtype=np.bool_)
    sigma_buf = np.zeros((max_depth + 2, A))
    value_buf = np.zeros((max_depth + 2, A))
    if outcome:
        _outcome(i, epsilon, num_players, player, first_child, num_children, infoset, chance_prob,
                 terminal, utilities, cfv, cumulative, node_st, next_k, sigma_buf, True, strategy, cfv)
    else:
        _external(i, player, first_child, num_children, infoset, chance_prob, terminal, utilities,
                  cfv, cumulative, node_st, next_k, explore, sigma_buf, value_buf, True, strategy, cfv)


class MCCFRState(NamedTuple):
    """State of a Monte-Carlo CFR solver on one game."""

    t: int  # iterations done (each samples one traversal per player)
    cumulative: np.ndarray  # [I, A] average-strategy numerator
    local: tuple  # [P] the local rule's state per player, batch axis = its infosets (increasing id)
    baseline: Any = None  # [P, N, A] VR-MCCFR history baselines (outcome sampling with vr), else None


@dataclass(frozen=True)
class MCCFR:
    """Monte-Carlo CFR with external or outcome sampling and any local rule (module docstring).

    With plain :func:`~regretlab.experts.regret_matching` (the default) a fused compiled loop
    runs; any other experts learner runs the general path: each traversal samples
    counterfactual values ``cfv [I_i, A]`` (zero where not visited) with the strategy fixed, then
    ``state_i = local.update(state_i, FullInfo(cfv, awake=legal))``.
    """

    sampling: str = "external"
    epsilon: float = 0.6
    seed: int = 0
    name: str = "mccfr"
    local: Any = None
    fused: bool = True
    dtype: str = "float64"  # storage of regrets and averages (float32: fused regret matching only)
    vr: float = 0.0  # VR-MCCFR baseline learning rate α (outcome sampling; 0: no baselines)

    @property
    def rule(self) -> Any:
        """The local rule (regret matching when none was given)."""
        return RegretMatching() if self.local is None else self.local

    @property
    def fused_rule(self) -> rules.FusedRule | None:
        """The fused form this solver runs (plain regret matching only), or ``None``."""
        if self.fused and type(self.rule) is RegretMatching:
            return rules.FusedRule(False, False)
        return None

    def init(self, game: Treeplex) -> MCCFRState:
        """Fresh local-rule states and a zero average."""
        if not isinstance(game, Treeplex):
            raise TypeError(f"game must be a Treeplex, got {type(game).__name__}")
        baseline = (np.zeros((game.num_players, game.num_nodes, game.max_actions))
                    if self.vr > 0 else None)
        return MCCFRState(0, np.zeros(game.legal_mask.shape, dtype=self.dtype),
                          rules.init_states(self.rule, game, self.seed), baseline)

    def update(self, state: MCCFRState, game: Treeplex, iterations: int = 1) -> MCCFRState:
        """``iterations`` sampled iterations from ``state`` (a new state; inputs unchanged)."""
        iterations = check_int("iterations", iterations, minimum=0)
        _check_state(state, game)
        cumulative = state.cumulative.astype(self.dtype, copy=True)
        args = (game.num_players, int(game.node_depth.max()), game.node_player,
                game.node_first_child, game.node_num_children, game.node_infoset,
                game.node_chance_prob, game.node_terminal, game.utilities)
        outcome = self.sampling == "outcome"
        fused = self.fused_rule
        if fused is not None:
            regret, _ = rules.gather(fused, state.local, game, self.dtype)
            if self.vr > 0:
                baseline = self._baseline(state, game).copy()
                _run_vr(state.t, iterations, self.seed, self.epsilon, *args, regret, cumulative,
                        baseline, self.vr)
            else:
                baseline = None
                _run(state.t, iterations, self.seed, outcome, self.epsilon, *args, regret, cumulative)
            local = rules.scatter(fused, state.local, game, regret, np.zeros_like(regret), state.t + iterations)
            return MCCFRState(state.t + iterations, cumulative, local, baseline)
        states = list(state.local)
        rows = rules.player_rows(game)
        legal = [game.legal_mask[r] for r in rows]
        strategy = rules.initial_policy(self.rule, state.local, game)
        cfv = np.zeros(game.legal_mask.shape)
        for k in range(iterations):
            seed_value = (self.seed * 1000003 + state.t + k) % 4294967295
            for i in range(game.num_players):
                cfv.fill(0.0)
                _traverse(seed_value if i == 0 else -1, i, outcome, self.epsilon, *args, cumulative,
                          strategy, cfv)
                if states[i] is not None:
                    r = rows[i]
                    states[i], strategy[r] = rules.step(self.rule, states[i], cfv[r], legal[i], strategy[r])
        return MCCFRState(state.t + iterations, cumulative, tuple(states))

    def _baseline(self, state: MCCFRState, game: Treeplex) -> np.ndarray:
        shape = (game.num_players, game.num_nodes, game.max_actions)
        b = getattr(state, "baseline", None)
        if b is None:
            return np.zeros(shape)
        if np.shape(b) != shape:
            raise ValueError(f"state.baseline has shape {list(np.shape(b))} but game {game.name!r} needs "
                             f"{list(shape)} (players x nodes x actions): was the state made for another game?")
        return np.asarray(b, dtype=np.float64)

    def average_policy(self, state: MCCFRState, game: Treeplex) -> np.ndarray:
        """The average strategy ``S / sum_a S`` (uniform where never reached)."""
        return normalize(state.cumulative, game)

    def solve(self, game: Treeplex, iterations: int, *, state: MCCFRState | None = None) -> MCCFRState:
        """``iterations`` iterations from ``state`` (a fresh one by default)."""
        state = self.init(game) if state is None else state
        return self.update(state, game, iterations)

    # -- checkpoints ----------------------------------------------------------------------------
    @property
    def ARRAYS(self) -> tuple[str, ...]:
        """The flat arrays of the state (``t`` first; ``baseline`` with VR-MCCFR)."""
        return ("t", "regret", "cumulative") + (("baseline",) if self.vr > 0 else ())

    def to_arrays(self, state: MCCFRState, game: Treeplex) -> dict[str, np.ndarray]:
        """``t``, ``regret [I, A]``, ``cumulative [I, A]`` (regret matching rules) and, with VR,
        ``baseline [P, N, A]``, for checkpoints."""
        rule = self._flat_rule()
        _check_state(state, game)
        regret, _ = rules.gather(rule, state.local, game, self.dtype)
        out = {"t": np.array(state.t), "regret": regret, "cumulative": state.cumulative}
        if self.vr > 0:
            out["baseline"] = self._baseline(state, game)
        return out

    def from_arrays(self, game: Treeplex, t: int, regret: np.ndarray, cumulative: np.ndarray,
                    baseline: np.ndarray | None = None) -> MCCFRState:
        """Inverse of :meth:`to_arrays`."""
        rule = self._flat_rule()
        regret = np.array(regret, dtype=self.dtype)
        local = rules.scatter(rule, rules.init_states(self.rule, game, self.seed), game, regret,
                              np.zeros_like(regret), int(t))
        base = None
        if self.vr > 0:
            base = self._baseline(MCCFRState(0, None, (), baseline), game).copy()
        return MCCFRState(int(t), np.array(cumulative, dtype=self.dtype), local, base)

    def _flat_rule(self) -> rules.FusedRule:
        rule = rules.fused_rule(self.rule)
        if rule is None or rule.predictive:
            raise ValueError(f"only regret-matching local rules have a flat-array MCCFR state; "
                             f"{rules.rule_name(self.rule)!r} does not")
        return rule


def mccfr(sampling: str = "external", epsilon: float = 0.6, seed: int = 0, local: Any = None,
          fused: bool = True, dtype: str = "float64", vr: float = 0.0) -> MCCFR:
    r"""Monte-Carlo CFR: sampled counterfactual values fed to a local rule.

    Each iteration samples one traversal per player i (chance and the others' actions sampled;
    external sampling explores all of i's actions, outcome sampling one trajectory with
    exploration :math:`q(a) = \epsilon/|A| + (1-\epsilon)\sigma(a)` at i's nodes). With the
    sampled counterfactual values :math:`	ilde v(I,a)` (zero where not visited; the sampling
    probabilities are divided out, so :math:`E[	ilde v] = cfv`):
    ``state_i = local.update(state_i, FullInfo(ṽ, awake=legal))``; with regret matching
    :math:`R(I,a) \mathrel{+}= 	ilde v(I,a) - \langle\sigma(I), 	ilde v(I)
angle`. The others'
    averages get :math:`\sigma` (external) or :math:`\pi_j(h)\sigma/q(h)` (outcome) at visited nodes.

    Args:
        sampling: ``"external"`` or ``"outcome"``.
        epsilon: exploration of outcome sampling at the updating player's nodes (0.6, Lanctot 2009).
        seed: base seed; iteration t uses a generator seeded from (seed, t), and the local rule's
            per-information-set keys come from it too.
        local: the local rule, any experts learner (default
            :func:`~regretlab.experts.regret_matching`), batched over each player's ``I_p``
            information sets with ``K = A`` actions.
        fused: run plain regret matching in the fused compiled loop (``False``: general path).
        dtype: storage of regrets and averages, ``"float64"`` or ``"float32"`` (half the
            memory; fused regret matching only).
        vr: outcome sampling with VR-MCCFR's learned history baselines (Schmid et al., AAAI
            2019): the baseline learning rate α in (0, 1] (``b <- (1-α) b + α û``); 0: none.
            Fused regret matching only; keeps ``[P, N, A]`` baselines in the state.

    Returns:
        An :class:`MCCFR` solver (``init(game)`` / ``update(state, game, n)`` /
        ``average_policy(state, game) -> [I, A]``).

    Example:
        >>> from regretlab.experts import regret_matching_plus
        >>> from regretlab.games import kuhn_poker, nash_conv
        >>> game = kuhn_poker()
        >>> es = mccfr("external", seed=1)                              # fused regret matching
        >>> es_plus = mccfr("external", seed=1, local=regret_matching_plus())   # general path
        >>> [bool(nash_conv(game, s.average_policy(s.solve(game, 2000), game)) < 0.1) for s in (es, es_plus)]
        [True, True]

    Paper: Lanctot, Waugh, Zinkevich & Bowling, "Monte Carlo sampling for regret minimization in
    extensive games", NeurIPS 2009.
    """
    if sampling not in ("external", "outcome"):
        raise ValueError(f"sampling must be 'external' or 'outcome', got {sampling!r}")
    eps = check_probability("epsilon", epsilon)
    if sampling == "outcome" and eps == 0.0:
        raise ValueError("epsilon must be > 0 for outcome sampling (every action needs q > 0)")
    seed = check_int("seed", seed, minimum=0)
    if local is not None:
        rules.check_local(local)
    if not isinstance(fused, bool):
        raise TypeError(f"fused must be True or False, got {fused!r}")
    name = f"mccfr-{sampling}" if local is None else f"mccfr-{sampling}[{rules.rule_name(local)}]"
    dtype = rules.check_dtype(dtype)
    vr = check_probability("vr", vr)
    if vr > 0 and (sampling != "outcome" or local is not None or not fused):
        raise ValueError("vr (VR-MCCFR baselines) needs outcome sampling with the fused regret-matching "
                         f"loop, got sampling={sampling!r}, local={local!r}, fused={fused}")
    if vr > 0:
        name += f"-vr{vr:g}"
    solver = MCCFR(sampling, eps, seed, name=name, local=local, fused=fused, dtype=dtype, vr=vr)
    if dtype != "float64" and solver.fused_rule is None:
        raise ValueError(f"dtype {dtype!r} needs the fused regret-matching loop; "
                         f"{rules.rule_name(solver.rule)!r} with fused={fused} runs the float64 general path")
    return solver


# -- seeds as a batch axis --------------------------------------------------------------------


class BatchedMCCFRState(NamedTuple):
    """State of B independent MCCFR runs (seed axis first)."""

    t: int  # iterations done by every seed
    seeds: np.ndarray  # [B] int64
    regret: np.ndarray  # [B, I, A] cumulative regrets
    cumulative: np.ndarray  # [B, I, A] average-strategy numerators
    baseline: Any = None  # [B, P, N, A] VR-MCCFR baselines (vr > 0), else None


@dataclass(frozen=True)
class BatchedMCCFR:
    """B seeds of fused regret-matching MCCFR in one compiled pass (:func:`mccfr_batch`)."""

    sampling: str = "external"
    epsilon: float = 0.6
    seeds: tuple = (0,)
    threads: int = 1
    name: str = "mccfr-batch"
    dtype: str = "float64"  # storage of regrets and averages
    vr: float = 0.0  # VR-MCCFR baseline learning rate (outcome sampling; 0: none)

    def solo(self, b: int) -> MCCFR:
        """The single-seed solver whose run equals row ``b``."""
        return mccfr(self.sampling, self.epsilon, int(self.seeds[b]), dtype=self.dtype, vr=self.vr)

    def init(self, game: Treeplex) -> BatchedMCCFRState:
        """Zero regrets and averages for every seed."""
        if not isinstance(game, Treeplex):
            raise TypeError(f"game must be a Treeplex, got {type(game).__name__}")
        shape = (len(self.seeds),) + game.legal_mask.shape
        base = (np.zeros((len(self.seeds), game.num_players, game.num_nodes, game.max_actions))
                if self.vr > 0 else None)
        return BatchedMCCFRState(0, np.array(self.seeds, dtype=np.int64), np.zeros(shape, dtype=self.dtype),
                                 np.zeros(shape, dtype=self.dtype), base)

    def update(self, state: BatchedMCCFRState, game: Treeplex, iterations: int = 1) -> BatchedMCCFRState:
        """``iterations`` sampled iterations of every seed (a new state; inputs unchanged)."""
        from regretlab.games.cfr import using_threads

        iterations = check_int("iterations", iterations, minimum=0)
        shape = (len(self.seeds),) + game.legal_mask.shape
        if np.shape(state.regret) != shape or np.shape(state.cumulative) != shape:
            raise ValueError(f"state arrays have shape {list(np.shape(state.regret))} but {len(self.seeds)} seeds "
                             f"of game {game.name!r} need {list(shape)}: was the state made for another game?")
        regret = state.regret.astype(self.dtype, copy=True)
        cumulative = state.cumulative.astype(self.dtype, copy=True)
        args = (game.num_players, int(game.node_depth.max()), game.node_player, game.node_first_child,
                game.node_num_children, game.node_infoset, game.node_chance_prob, game.node_terminal,
                game.utilities, regret, cumulative)
        if self.vr > 0:
            bshape = (len(self.seeds), game.num_players, game.num_nodes, game.max_actions)
            if np.shape(state.baseline) != bshape:
                raise ValueError(f"state.baseline has shape {list(np.shape(state.baseline))}, expected "
                                 f"{list(bshape)}: was the state made for another game or solver?")
            baseline = np.array(state.baseline, dtype=np.float64)
            with using_threads(self.threads):
                _run_batch_vr(state.t, iterations, np.asarray(state.seeds, dtype=np.int64), self.epsilon,
                              *args, baseline, self.vr)
            return BatchedMCCFRState(state.t + iterations, state.seeds, regret, cumulative, baseline)
        with using_threads(self.threads):
            _run_batch(state.t, iterations, np.asarray(state.seeds, dtype=np.int64),
                       self.sampling == "outcome", self.epsilon, game.num_players,
                       int(game.node_depth.max()), game.node_player, game.node_first_child,
                       game.node_num_children, game.node_infoset, game.node_chance_prob,
                       game.node_terminal, game.utilities, regret, cumulative)
        return BatchedMCCFRState(state.t + iterations, state.seeds, regret, cumulative)

    def solve(self, game: Treeplex, iterations: int, *,
              state: BatchedMCCFRState | None = None) -> BatchedMCCFRState:
        """``iterations`` iterations of every seed from ``state`` (a fresh one by default)."""
        state = self.init(game) if state is None else state
        return self.update(state, game, iterations)

    def average_policy(self, state: BatchedMCCFRState, game: Treeplex) -> np.ndarray:
        """``[B, I, A]`` each seed's average strategy."""
        return np.stack([normalize(c, game) for c in state.cumulative])

    def solo_state(self, state: BatchedMCCFRState, game: Treeplex, b: int) -> MCCFRState:
        """Row ``b`` as the state of :meth:`solo` ``(b)`` (it continues that seed alone)."""
        base = None if state.baseline is None else state.baseline[b]
        return self.solo(b).from_arrays(game, state.t, state.regret[b], state.cumulative[b], base)

    def curve(self, game: Treeplex, iterations: int, every: int,
              state: BatchedMCCFRState | None = None) -> tuple[BatchedMCCFRState, dict[str, np.ndarray]]:
        """Run to ``iterations`` evaluating every ``every``: each seed's exploitability and the
        band over seeds (mean and a 95% normal confidence interval of the mean).

        Returns:
            (final state, columns ``iteration [K]``, ``exploitability [K, B]``, ``mean [K]``,
            ``low [K]``, ``high [K]``).
        """
        from regretlab.games.evaluation import nash_conv

        every = check_int("every", every)
        state = self.init(game) if state is None else state
        its, vals = [], []
        while state.t < iterations:
            state = self.update(state, game, min(every - state.t % every, iterations - state.t))
            pol = self.average_policy(state, game)
            its.append(state.t)
            vals.append([nash_conv(game, p) / game.num_players for p in pol])
        e = np.array(vals).reshape(len(its), len(self.seeds))
        mean = e.mean(axis=1)
        half = 1.96 * (e.std(axis=1, ddof=1) if e.shape[1] > 1 else np.zeros(len(its))) / np.sqrt(e.shape[1])
        return state, {"iteration": np.array(its), "exploitability": e, "mean": mean,
                       "low": mean - half, "high": mean + half}

    # -- checkpoints ----------------------------------------------------------------------------
    @property
    def ARRAYS(self) -> tuple[str, ...]:
        return ("t", "seeds", "regret", "cumulative") + (("baseline",) if self.vr > 0 else ())

    def to_arrays(self, state: BatchedMCCFRState, game: Treeplex) -> dict[str, np.ndarray]:
        """``t``, ``seeds [B]``, ``regret [B, I, A]``, ``cumulative [B, I, A]`` (and, with VR,
        ``baseline [B, P, N, A]``), for checkpoints."""
        out = {"t": np.array(state.t), "seeds": np.asarray(state.seeds), "regret": state.regret,
               "cumulative": state.cumulative}
        if self.vr > 0:
            out["baseline"] = state.baseline
        return out

    def from_arrays(self, game: Treeplex, t: int, seeds: np.ndarray, regret: np.ndarray,
                    cumulative: np.ndarray, baseline: np.ndarray | None = None) -> BatchedMCCFRState:
        """Inverse of :meth:`to_arrays` (the seeds must be this solver's)."""
        seeds = np.asarray(seeds, dtype=np.int64)
        if not np.array_equal(seeds, np.array(self.seeds, dtype=np.int64)):
            raise ValueError(f"the saved seeds {seeds.tolist()} are not this solver's {list(self.seeds)}")
        base = None if self.vr <= 0 or baseline is None else np.array(baseline, dtype=np.float64)
        return BatchedMCCFRState(int(t), seeds, np.array(regret, dtype=self.dtype),
                                 np.array(cumulative, dtype=self.dtype), base)


def mccfr_batch(sampling: str = "external", seeds: Any = range(8), epsilon: float = 0.6,
                threads: int = 1, dtype: str = "float64", vr: float = 0.0) -> BatchedMCCFR:
    r"""B independent seeds of Monte-Carlo CFR (regret matching) in one compiled pass.

    The state is ``[B, I, A]`` regrets and averages; seed b's row is updated exactly as a solo
    :func:`mccfr` ``(sampling, epsilon, seed=seeds[b])`` run (same random numbers, same
    operations), so the B rows are B independent runs and an exploitability curve comes with a
    confidence band (:meth:`BatchedMCCFR.curve`). The seeds run in parallel on ``threads`` cores.

    Args:
        sampling: ``"external"`` or ``"outcome"``.
        seeds: ``[B]`` distinct seeds (>= 0).
        epsilon: outcome sampling's exploration (as :func:`mccfr`).
        threads: cores (seeds in parallel; the numbers do not depend on it).
        dtype: storage of regrets and averages, ``"float64"`` or ``"float32"`` (half the memory;
            row b then equals a solo ``mccfr(..., dtype="float32")`` run).
        vr: VR-MCCFR baseline learning rate for outcome sampling (as :func:`mccfr`).

    Returns:
        A :class:`BatchedMCCFR` (``init(game)`` / ``update(state, game, n)`` /
        ``average_policy(state, game) -> [B, I, A]`` / ``curve(game, T, every)``).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> game = kuhn_poker()
        >>> batch = mccfr_batch("external", seeds=[3, 4])
        >>> st = batch.solve(game, 100)
        >>> solo = mccfr("external", seed=4).solve(game, 100)
        >>> bool(np.array_equal(st.cumulative[1], solo.cumulative))
        True

    Paper: Lanctot, Waugh, Zinkevich & Bowling, NeurIPS 2009 (MCCFR; average exploitability
    O(1/sqrt(T)) with high probability).
    """
    from regretlab.games.cfr import check_threads

    if sampling not in ("external", "outcome"):
        raise ValueError(f"sampling must be 'external' or 'outcome', got {sampling!r}")
    eps = check_probability("epsilon", epsilon)
    if sampling == "outcome" and eps == 0.0:
        raise ValueError("epsilon must be > 0 for outcome sampling (every action needs q > 0)")
    try:
        seeds = tuple(check_int("seeds", int(x) if isinstance(x, (np.integer,)) else x, minimum=0) for x in seeds)
    except TypeError:
        raise TypeError(f"seeds must be a list of integers >= 0, got {seeds!r}") from None
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct (a repeated seed repeats a run), got {list(seeds)}")
    threads = check_threads(threads)
    vr = check_probability("vr", vr)
    if vr > 0 and sampling != "outcome":
        raise ValueError(f"vr (VR-MCCFR baselines) needs outcome sampling, got sampling={sampling!r}")
    return BatchedMCCFR(sampling, eps, seeds, threads, name=f"mccfr-{sampling}-batch{len(seeds)}",
                        dtype=rules.check_dtype(dtype), vr=vr)
