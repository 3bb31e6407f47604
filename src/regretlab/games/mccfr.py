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

Randomness: the Numba generator is re-seeded from (seed, t) at every iteration, so a run split
into blocks, checkpointed or resumed, gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from regretlab.core.errors import check_int, check_probability
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
              regret, cumulative, node_st, next_k, explore, sigma_buf, value_buf):
    """One external-sampling traversal for player ``i`` (iterative depth-first walk)."""
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
        for a in range(nc):
            regret[s, a] += value_buf[d, a] - v
        ret = v
        d -= 1
        if d < 0:
            return ret


@njit(cache=True)
def _outcome(i, epsilon, num_players, player, first_child, num_children, infoset, chance_prob,
             terminal, utilities, regret, cumulative, node_st, next_k, sigma_buf):
    """One outcome-sampling trajectory for player ``i``: walk down, then update on the way up."""
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
            for a in range(nc):
                if a == k:
                    regret[s, a] += w * (tail_child - tail)
                else:
                    regret[s, a] -= w * tail
        else:
            tail *= sig[k]


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
                         sigma_buf)
            else:
                _external(i, player, first_child, num_children, infoset, chance_prob, terminal,
                          utilities, regret, cumulative, node_st, next_k, explore, sigma_buf,
                          value_buf)


class MCCFRState(NamedTuple):
    t: int  # iterations done (each samples one traversal per player)
    regret: np.ndarray  # [I, A] cumulative sampled regrets
    cumulative: np.ndarray  # [I, A] average-strategy numerator


@dataclass(frozen=True)
class MCCFR:
    """Monte-Carlo CFR with external or outcome sampling (see module docstring)."""

    sampling: str = "external"
    epsilon: float = 0.6
    seed: int = 0
    name: str = "mccfr"

    def init(self, game: Treeplex) -> MCCFRState:
        if not isinstance(game, Treeplex):
            raise TypeError(f"game must be a Treeplex, got {type(game).__name__}")
        return MCCFRState(0, np.zeros(game.legal_mask.shape), np.zeros(game.legal_mask.shape))

    def update(self, state: MCCFRState, game: Treeplex, iterations: int = 1) -> MCCFRState:
        """``iterations`` sampled iterations from ``state`` (a new state; inputs unchanged)."""
        iterations = check_int("iterations", iterations, minimum=0)
        _check_state(state, game)
        regret, cumulative = state.regret.copy(), state.cumulative.copy()
        _run(state.t, iterations, self.seed, self.sampling == "outcome", self.epsilon,
             game.num_players, int(game.node_depth.max()), game.node_player,
             game.node_first_child, game.node_num_children, game.node_infoset,
             game.node_chance_prob, game.node_terminal, game.utilities, regret, cumulative)
        return MCCFRState(state.t + iterations, regret, cumulative)

    def average_policy(self, state: MCCFRState, game: Treeplex) -> np.ndarray:
        return normalize(state.cumulative, game)

    def solve(self, game: Treeplex, iterations: int, *, state: MCCFRState | None = None) -> MCCFRState:
        state = self.init(game) if state is None else state
        return self.update(state, game, iterations)


def mccfr(sampling: str = "external", epsilon: float = 0.6, seed: int = 0) -> MCCFR:
    """Monte-Carlo CFR.

    Args:
        sampling: ``"external"`` or ``"outcome"``.
        epsilon: exploration of outcome sampling at the updating player's nodes (0.6, Lanctot 2009).
        seed: base seed; iteration t uses a generator seeded from (seed, t).

    Returns:
        An :class:`MCCFR` solver (``init`` / ``update`` / ``average_policy``).
    """
    if sampling not in ("external", "outcome"):
        raise ValueError(f"sampling must be 'external' or 'outcome', got {sampling!r}")
    eps = check_probability("epsilon", epsilon)
    if sampling == "outcome" and eps == 0.0:
        raise ValueError("epsilon must be > 0 for outcome sampling (every action needs q > 0)")
    seed = check_int("seed", seed, minimum=0)
    return MCCFR(sampling, eps, seed, name=f"mccfr-{sampling}")
