"""Tabular finite-horizon Markov games, product policies, exact evaluation, independent learning
as a setting of the one driver (:class:`MarkovSetting`, :func:`independent_hedge`), and the exact
CCE verifier for mixtures of product Markov policies (spec §4).

Setting (Foster, Golowich & Kakade, ICML 2023, "Hardness of Independent Learning and Sparse
Equilibrium Computation in Markov Games"): m players, states S, horizon H, transitions
``P_h(s' | s, a)``, rewards ``r_{i,h}(s, a) ∈ [0, 1]``; a value is the sum of the H rewards.
A mixture σ̄ of T product Markov policies (draw t uniformly once per episode, everyone plays
σ^t) is an ε-CCE against a deviation class Π when for every player i
``max_{σ'_i ∈ Π} (1/T) Σ_t V_i^{σ'_i × σ^t_{-i}} - (1/T) Σ_t V_i^{σ^t} <= ε``.

* ``gap_markov``: Π = Markov policies. The value is multilinear in the per-(h, s) action
  distributions (each (h, s) is visited at most once per episode), so a deterministic Markov
  policy is optimal; it is found by enumeration (``|A_i|^{|S| H}`` policies).
* ``gap_general``: Π = history-dependent policies. The deviator faces a POMDP whose hidden
  state is t; the posterior over t after a history is proportional to the likelihood of the
  opponents' actions. Solved exactly by dynamic programming over histories.

The verifier (``mixture_gaps``) stays here, next to ``evaluate``: it is an exact evaluation of
the game (best responses through the transitions), like NashConv of a normal-form profile, not
a function of what a run recorded; the ledger (``regretlab.metrics.ledger``) gives the local
regrets of the per-(h, s) learners, and the two agree where they must (H = 1: the mixture's gap
is ``max_i R^i_T / T``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from itertools import product
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_int
from regretlab.core.types import FullInfo

_L = string.ascii_lowercase


def _validate(transitions: Any, rewards: Any, initial: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p_arr = np.asarray(transitions, dtype=np.float64)
    r_arr = np.asarray(rewards, dtype=np.float64)
    if r_arr.ndim < 4:
        raise ValueError(
            f"rewards must have shape [P, H, S, K1, ..., KP], got shape {list(r_arr.shape)}")
    players = r_arr.shape[0]
    if r_arr.ndim != 3 + players:
        raise ValueError(
            f"rewards must have shape [P, H, S, K1, ..., KP] with P = {players} action axes, "
            f"got shape {list(r_arr.shape)}")
    h, s = r_arr.shape[1:3]
    acts = r_arr.shape[3:]
    want = (h, s) + acts + (s,)
    if p_arr.shape != want:
        raise ValueError(
            f"transitions must have shape [H, S, K1, ..., KP, S] = {list(want)} to match rewards "
            f"{list(r_arr.shape)}, got shape {list(p_arr.shape)}")
    for name, arr in (("rewards", r_arr), ("transitions", p_arr)):
        if not np.isfinite(arr).all():
            idx = [int(i) for i in np.argwhere(~np.isfinite(arr))[0]]
            raise ValueError(f"{name} must be finite, got {arr[tuple(idx)]!r} at index {idx}")
    if (p_arr < 0).any():
        idx = [int(i) for i in np.argwhere(p_arr < 0)[0]]
        raise ValueError(f"transitions must be >= 0, got {p_arr[tuple(idx)]!r} at index {idx}")
    sums = p_arr.sum(axis=-1)
    bad = np.abs(sums - 1.0) > 1e-9
    if bad.any():
        idx = [int(i) for i in np.argwhere(bad)[0]]
        raise ValueError(
            f"transitions rows must sum to 1 over the next state, but the row at (h, s, a) = "
            f"{tuple(idx)} sums to {sums[tuple(idx)]!r}")
    if isinstance(initial, (int, np.integer)) and not isinstance(initial, bool):
        if not 0 <= initial < s:
            raise ValueError(f"initial must be a state in [0, {s}) or a distribution [S], got {initial!r}")
        rho = np.zeros(s)
        rho[int(initial)] = 1.0
    else:
        rho = np.asarray(initial, dtype=np.float64)
        if rho.shape != (s,) or not np.isfinite(rho).all() or (rho < 0).any() or abs(rho.sum() - 1) > 1e-9:
            raise ValueError(f"initial must be a state in [0, {s}) or a distribution of shape [{s}], got {initial!r}")
    return p_arr, r_arr, rho


@dataclass(frozen=True, eq=False)
class MarkovGame:
    r"""A tabular finite-horizon general-sum Markov game (spec §4.1).

    :math:`s_0 \sim \rho`; at step :math:`h < H` every player i picks :math:`a_i`, gets
    :math:`r_{i,h}(s_h, a)` and :math:`s_{h+1} \sim P_h(\cdot | s_h, a)`; a player's value is the
    sum of its H rewards. Arrays are validated (finite, rows of ``transitions`` on the simplex)
    and frozen.

    Args:
        transitions: ``[H, S, K1, ..., KP, S]``, rows sum to 1 over the next state.
        rewards: ``[P, H, S, K1, ..., KP]`` reward of each player at each step.
        initial: the start state (int) or a distribution ``[S]``.
        name: a label.

    Example:
        >>> g = MarkovGame(np.ones((2, 1, 2, 2, 1)), np.zeros((2, 2, 1, 2, 2)))
        >>> g
        MarkovGame(players=2, H=2, S=1, actions=(2, 2))

    References:
        D. Foster, N. Golowich and S. Kakade, ICML 2023, §2.
    """

    transitions: np.ndarray  # [H, S, K1..KP, S]
    rewards: np.ndarray  # [P, H, S, K1..KP]
    initial: Any = 0  # becomes the distribution [S]
    name: str = ""

    def __post_init__(self) -> None:
        p_arr, r_arr, rho = _validate(self.transitions, self.rewards, self.initial)
        for a in (p_arr, r_arr, rho):
            a.setflags(write=False)
        object.__setattr__(self, "transitions", p_arr)
        object.__setattr__(self, "rewards", r_arr)
        object.__setattr__(self, "initial", rho)

    @property
    def num_players(self) -> int:
        return self.rewards.shape[0]

    @property
    def horizon(self) -> int:
        return self.rewards.shape[1]

    @property
    def num_states(self) -> int:
        return self.rewards.shape[2]

    @property
    def num_actions(self) -> tuple[int, ...]:
        return tuple(int(k) for k in self.rewards.shape[3:])

    def __repr__(self) -> str:
        return (f"MarkovGame(players={self.num_players}, H={self.horizon}, S={self.num_states}, "
                f"actions={self.num_actions})")

    # ------------------------------------------------------------------ policies
    def check_policy(self, policy: Sequence[Any], name: str = "policy", leading: int = 0) -> list[np.ndarray]:
        """Validate a product Markov policy: P arrays ``[*lead, H, S, K_i]`` on the simplex."""
        if not isinstance(policy, (list, tuple)) or len(policy) != self.num_players:
            raise ValueError(f"{name} must be a list of {self.num_players} arrays [.., H, S, K_i]")
        out = []
        for i, (pi, k) in enumerate(zip(policy, self.num_actions)):
            pi = np.asarray(pi, dtype=np.float64)
            tail = (self.horizon, self.num_states, k)
            if pi.ndim != 3 + leading or pi.shape[leading:] != tail:
                raise ValueError(
                    f"{name}[{i}] must have shape {['*'] * leading + list(tail)}, got {list(pi.shape)}")
            if not np.isfinite(pi).all() or (pi < -1e-12).any() or not np.allclose(pi.sum(-1), 1, atol=1e-8):
                raise ValueError(f"{name}[{i}] must hold probability vectors over actions")
            out.append(pi)
        return out


def random_markov_game(num_players: int = 2, num_states: int = 2, horizon: int = 3,
                       num_actions: int | Sequence[int] = 2, seed: int = 0) -> MarkovGame:
    """A random Markov game: rewards ``U[0, 1]``, transition rows ``Dirichlet(1)`` (spec §4.3 target 4).

    Args:
        num_players: P.
        num_states: S.
        horizon: H.
        num_actions: K for every player, or P values ``K_i``.
        seed: seed of ``numpy.random.default_rng``.

    Returns:
        :class:`MarkovGame`, start state 0.

    Example:
        >>> g = random_markov_game(3, num_states=2, horizon=4, num_actions=[2, 3, 2], seed=1)
        >>> g.rewards.shape, g.transitions.shape
        ((3, 4, 2, 2, 3, 2), (4, 2, 2, 3, 2, 2))
    """
    p = check_int("num_players", num_players)
    s = check_int("num_states", num_states)
    h = check_int("horizon", horizon)
    acts = (check_int("num_actions", num_actions),) * p if isinstance(num_actions, (int, np.integer)) else tuple(
        check_int(f"num_actions[{i}]", k) for i, k in enumerate(num_actions))
    if len(acts) != p:
        raise ValueError(f"num_actions must have {p} entries, got {list(acts)}")
    g = np.random.default_rng(seed)
    rewards = g.uniform(size=(p, h, s) + acts)
    transitions = g.dirichlet(np.ones(s), size=(h, s) + acts)
    return MarkovGame(transitions, rewards, 0, name="random")


def repeated_game(payoffs: Any, horizon: int) -> MarkovGame:
    """A normal-form game repeated ``horizon`` times: one state, ``r_{i,h} = u_i`` at every step.

    Args:
        payoffs: a ``NormalFormGame`` or a payoff tensor ``[P, K1, ..., KP]``.
        horizon: H.

    Returns:
        :class:`MarkovGame` with S = 1.

    Example:
        >>> from regretlab.games.normal_form import matching_pennies
        >>> repeated_game(matching_pennies(), 3)
        MarkovGame(players=2, H=3, S=1, actions=(2, 2))
    """
    pay = np.asarray(getattr(payoffs, "payoffs", payoffs), dtype=np.float64)
    h = check_int("horizon", horizon)
    rewards = np.broadcast_to(pay[:, None, None], (pay.shape[0], h, 1) + pay.shape[1:]).copy()
    transitions = np.ones((h, 1) + pay.shape[1:] + (1,))
    return MarkovGame(transitions, rewards, 0, name="repeated")


def separation_instance() -> tuple[MarkovGame, list[np.ndarray]]:
    """Spec §4.3 target 2: matching pennies repeated twice and a 4-policy mixture.

    Player 0 gets 1 on a match and player 1 gets 1 on a mismatch. The mixture (player 0's
    sequence | player 1's sequence) is (H,T | H,H), (T,H | T,T), (T,H | H,H), (H,T | T,T): every
    step matches with probability ½ under uniform marginals (gap_markov = 0), but player 1
    repeats and player 0 flips, so a deviator who sees step 1 wins step 2 (gap_general = 0.5).

    Returns:
        ``(game, mixture)``, mixture = 2 arrays ``[T=4, H=2, S=1, 2]``.

    Example:
        >>> game, mixture = separation_instance()
        >>> mixture_gaps(game, mixture).gap_general.tolist()
        [0.5, 0.5]

    References:
        D. Foster, N. Golowich and S. Kakade, ICML 2023 (the separation between Markov and
        history-dependent deviations).
    """
    match = np.eye(2)
    game = repeated_game(np.stack([match, 1 - match]), horizon=2)
    h_, t_ = 0, 1
    seqs = [((h_, t_), (h_, h_)), ((t_, h_), (t_, t_)), ((t_, h_), (h_, h_)), ((h_, t_), (t_, t_))]
    mixture = [np.zeros((4, 2, 1, 2)) for _ in range(2)]
    for t, pair in enumerate(seqs):
        for i in range(2):
            for h in range(2):
                mixture[i][t, h, 0, pair[i][h]] = 1.0
    return game, mixture


# ---------------------------------------------------------------------------- evaluation
class Evaluation(NamedTuple):
    """Exact values of product Markov policies (N = number of policies evaluated together)."""

    value: np.ndarray  # [N, P] expected return from the initial distribution
    state_values: np.ndarray  # [N, P, H + 1, S] V_{i,h}(s), zero at h = H
    q_values: list  # P arrays [N, H, S, K_i]: Q_{i,h}(s, a_i) with the others on policy


def evaluate(game: MarkovGame, policies: Sequence[Any]) -> Evaluation:
    """Exact values of product Markov policies by backward induction.

    ``V_{i,h}(s) = Σ_a π_h(a|s) [r_{i,h}(s, a) + Σ_{s'} P_h(s'|s, a) V_{i,h+1}(s')]``, ``V_{i,H} = 0``;
    ``Q_{i,h}(s, a_i)`` averages the bracket over the others' actions.

    Args:
        game: a :class:`MarkovGame`.
        policies: P arrays ``[H, S, K_i]`` (one product policy) or ``[N, H, S, K_i]`` (N of them).

    Returns:
        :class:`Evaluation`: ``value [N, P]``, ``state_values [N, P, H + 1, S]``, ``q_values``
        (P arrays ``[N, H, S, K_i]``), with a leading N axis of 1 for a single policy.

    Example:
        >>> g = repeated_game(np.stack([np.eye(2), 1 - np.eye(2)]), 2)
        >>> uniform = [np.full((2, 1, 2), 0.5)] * 2
        >>> evaluate(g, uniform).value.tolist()  # matching pennies twice: half the steps each
        [[1.0, 1.0]]
    """
    lead = 1 if np.ndim(policies[0]) == 4 else 0
    pis = game.check_policy(list(policies), "policies", leading=lead)
    if not lead:
        pis = [p[None] for p in pis]
    n = pis[0].shape[0]
    P, H, S = game.num_players, game.horizon, game.num_states
    letters = _L[:P]
    joint_spec = ",".join(f"ns{c}" for c in letters) + f"->ns{letters}"
    v = np.zeros((n, P, H + 1, S))
    qs = [np.zeros((n, H, S, k)) for k in game.num_actions]
    for h in range(H - 1, -1, -1):
        joint = np.einsum(joint_spec, *[p[:, h] for p in pis])  # [N, S, K1..KP]
        cont = np.einsum(f"s{letters}z,npz->nps{letters}", game.transitions[h], v[:, :, h + 1])
        q_joint = game.rewards[None, :, h] + cont  # [N, P, S, K1..KP]
        v[:, :, h] = np.einsum(f"nps{letters},ns{letters}->nps", q_joint, joint)
        for i in range(P):
            others = [f"ns{c}" for j, c in enumerate(letters) if j != i]
            ops = [pis[j][:, h] for j in range(P) if j != i]
            spec = ",".join([f"ns{letters}"] + others) + f"->ns{letters[i]}"
            qs[i][:, h] = np.einsum(spec, q_joint[:, i], *ops)
    value = np.einsum("nps,s->np", v[:, :, 0], game.initial)
    return Evaluation(value, v, qs)


def evaluate_general(game: MarkovGame, policies: Sequence[Callable[[int, tuple], Any]]) -> np.ndarray:
    """Exact values ``[P]`` of a product of general (history-dependent) policies.

    ``V = Σ_{s_0} ρ(s_0) W_0((s_0,))`` with ``W_h(τ) = Σ_a Π_i π_i(a_i | h, τ) [r_h(s_h, a) +
    Σ_{s'} P_h(s'|s_h, a) W_{h+1}(τ + (a, s'))]``, enumerating every history, so it is meant for
    tiny games (cost ``(S Π_i K_i)^H``).

    Args:
        game: a :class:`MarkovGame`.
        policies: P callables ``policy(h, history) -> [K_i]`` where ``history`` is
            ``(s_0, a_0, s_1, a_1, ..., s_h)`` with joint actions ``a`` as tuples.

    Returns:
        ``[P]`` values from the initial distribution.

    Example:
        >>> g = random_markov_game(seed=0)
        >>> pol = [np.full((3, 2, 2), 0.5)] * 2
        >>> bool(np.allclose(evaluate_general(g, [markov_as_general(p) for p in pol]),
        ...                  evaluate(g, pol).value[0]))
        True
    """
    if len(policies) != game.num_players or not all(callable(p) for p in policies):
        raise ValueError(f"policies must be a list of {game.num_players} callables (h, history) -> [K_i]")
    P, H = game.num_players, game.horizon

    def rec(h: int, history: tuple) -> np.ndarray:
        if h == H:
            return np.zeros(P)
        s = history[-1]
        probs = [np.asarray(pol(h, history), dtype=np.float64) for pol in policies]
        total = np.zeros(P)
        for a in product(*[np.flatnonzero(p > 0) for p in probs]):
            pa = float(np.prod([probs[i][a[i]] for i in range(P)]))
            total += pa * game.rewards[(slice(None), h, s) + a]
            nxt = game.transitions[(h, s) + a]
            for s2 in np.flatnonzero(nxt > 0):
                total += pa * nxt[s2] * rec(h + 1, history + (a, int(s2)))
        return total

    return sum(game.initial[s] * rec(0, (int(s),)) for s in np.flatnonzero(game.initial > 0))


def markov_as_general(policy: np.ndarray) -> Callable[[int, tuple], np.ndarray]:
    """A Markov policy ``[H, S, K]`` as a general policy callable: ``(h, history) -> policy[h, s_h]``.

    Example:
        >>> markov_as_general(np.full((1, 2, 2), 0.5))(0, (1,)).tolist()
        [0.5, 0.5]
    """
    pi = np.asarray(policy, dtype=np.float64)
    return lambda h, history: pi[h, history[-1]]


# ---------------------------------------------------------------------------- verifier
def _opponent_view(game: MarkovGame, mixture: list[np.ndarray], player: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Opponents' joint action probabilities ``[T, H, S, J]`` and player-first R_i, P tables.

    Returns:
        (sig [T, H, S, J], reward [H, S, K_i, J], trans [H, S, K_i, J, S]).
    """
    P = game.num_players
    others = [j for j in range(P) if j != player]
    t_count = mixture[0].shape[0]
    H, S = game.horizon, game.num_states
    if others:
        letters = _L[: len(others)]
        spec = ",".join(f"ths{c}" for c in letters) + f"->ths{letters}"
        sig = np.einsum(spec, *[mixture[j] for j in others]).reshape(t_count, H, S, -1)
    else:
        sig = np.ones((t_count, H, S, 1))
    k = game.num_actions[player]
    rew = np.moveaxis(game.rewards[player], 2 + player, 2).reshape(H, S, k, -1)
    tr = np.moveaxis(game.transitions, 2 + player, 2).reshape(H, S, k, -1, S)
    return sig, rew, tr


def _check_mixture(game: MarkovGame, mixture: Sequence[Any]) -> list[np.ndarray]:
    mix = game.check_policy(list(mixture), "mixture", leading=1)
    if len({m.shape[0] for m in mix}) != 1:
        raise ValueError(f"mixture: every player needs the same number T of policies, got {[m.shape[0] for m in mix]}")
    return mix


def best_general_deviation(game: MarkovGame, mixture: Sequence[Any], player: int,
                           max_entries: int = 50_000_000) -> float:
    """``max_{σ'_i general} (1/T) Σ_t V_i^{σ'_i × σ^t_{-i}}`` by DP over histories (hidden-t POMDP).

    ``W_h(s, w) = max_{a_i} Σ_{a_{-i}} [c(a_{-i}) r_{i,h}(s, a) + Σ_{s'} P_h(s'|s, a) W_{h+1}(s', w ⊙ σ_{-i,h}(a_{-i}|s))]``
    with unnormalised posterior weights ``w [T]`` (W is homogeneous in w) and
    ``c(a_{-i}) = Σ_t w_t σ^t_{-i,h}(a_{-i}|s)``. Histories with zero probability are pruned.

    Args:
        game: a :class:`MarkovGame`.
        mixture: P arrays ``[T, H, S, K_j]``, the T product Markov policies.
        player: i.
        max_entries: refuse trees whose last level would hold more than this many weights
            (nodes × T); the worst case is ``S (J S)^(H-1) T`` with J the opponents' joint actions.

    Returns:
        the best deviation value (compare with the mixture's own value for the gap).

    Example:
        >>> game, mixture = separation_instance()
        >>> best_general_deviation(game, mixture, 0)  # copy the opponent's first action
        1.5

    References:
        D. Foster, N. Golowich and S. Kakade, ICML 2023.
    """
    mix = _check_mixture(game, mixture)
    sig, rew, tr = _opponent_view(game, mix, player)
    t_count = sig.shape[0]
    H, S = game.horizon, game.num_states
    J = sig.shape[-1]
    worst = S * (J * S) ** (H - 1) * t_count
    if worst > max_entries:
        raise ValueError(
            f"best_general_deviation: the history tree may hold S (J S)^(H-1) T = {worst} weights "
            f"(S={S}, J={J}, H={H}, T={t_count}), more than max_entries={max_entries}; use a smaller "
            "game or mixture, or raise max_entries")
    # forward: build the tree of (state, weights) nodes level by level
    states = [np.flatnonzero(game.initial > 0)]
    weights = [np.full((states[0].size, t_count), 1.0 / t_count)]
    parents: list[np.ndarray] = []  # child -> (parent, j, s')
    for h in range(H - 1):
        st, w = states[-1], weights[-1]
        child_w = w[:, None, :] * np.moveaxis(sig[:, h, st], 0, -1)  # [N, J, T]
        n = st.size
        reach = child_w.sum(-1) > 0  # [N, J]
        # any next state reachable under some own action
        can = (tr[h, st] > 0).any(axis=1)  # [N, J, S]
        keep = reach[:, :, None] & can  # [N, J, S]
        idx = np.argwhere(keep)  # rows (parent, j, s')
        parents.append(idx)
        states.append(idx[:, 2])
        weights.append(child_w[idx[:, 0], idx[:, 1]])
    # backward
    values = None
    for h in range(H - 1, -1, -1):
        st, w = states[h], weights[h]
        c = np.einsum("nt,tnj->nj", w, sig[:, h, st])  # [N, J]
        q = np.einsum("nj,naj->na", c, rew[h, st])  # [N, K_i]
        if values is not None:
            idx = parents[h]
            child = np.zeros((st.size, J, S))
            child[idx[:, 0], idx[:, 1], idx[:, 2]] = values
            q = q + np.einsum("najz,njz->na", tr[h, st], child)
        values = q.max(axis=1)
    return float(np.dot(values, game.initial[states[0]]))


def best_markov_deviation(game: MarkovGame, mixture: Sequence[Any], player: int,
                          max_policies: int = 100_000, chunk: int = 4096) -> tuple[float, np.ndarray]:
    """``max_{σ'_i Markov} (1/T) Σ_t V_i^{σ'_i × σ^t_{-i}}`` by enumerating deterministic Markov policies.

    Deterministic policies suffice: the objective is multilinear in ``{σ'_i(·|h, s)}`` because
    each (h, s) is visited at most once per episode, so a vertex of the product of simplices
    attains the maximum (mixed Markov deviations never help).

    Args:
        game: a :class:`MarkovGame`.
        mixture: P arrays ``[T, H, S, K_j]``.
        player: i.
        max_policies: refuse to enumerate more than this many policies.
        chunk: policies evaluated together.

    Returns:
        ``(value, policy [H, S, K_i])`` of a best deterministic Markov deviation.

    Example:
        >>> game, mixture = separation_instance()
        >>> best_markov_deviation(game, mixture, 0)[0]
        1.0
    """
    mix = _check_mixture(game, mixture)
    sig, rew, tr = _opponent_view(game, mix, player)
    H, S = game.horizon, game.num_states
    k = game.num_actions[player]
    count = k ** (H * S)
    if count > max_policies:
        raise ValueError(
            f"best_markov_deviation enumerates |A_i|^(S H) = {k}^{S * H} = {count} policies, more "
            f"than max_policies={max_policies}; raise max_policies or use a smaller game")
    rbar = np.einsum("thsj,hsaj->thsa", sig, rew)  # [T, H, S, K]
    pbar = np.einsum("thsj,hsajz->thsaz", sig, tr)  # [T, H, S, K, S]
    best_val, best_code = -np.inf, 0
    sidx = np.arange(S)[None, :]
    for start in range(0, count, chunk):
        codes = np.arange(start, min(count, start + chunk))
        digits = (codes[:, None] // (k ** np.arange(H * S))[None, :]) % k
        dev = digits.reshape(-1, H, S)  # [D, H, S]
        v = np.zeros((codes.size, rbar.shape[0], S))  # [D, T, S]
        for h in range(H - 1, -1, -1):
            a = dev[:, h, :]  # [D, S]
            r = np.moveaxis(rbar[:, h][:, sidx, a], 0, 1)  # [D, T, S]
            pz = np.moveaxis(pbar[:, h][:, sidx, a], 0, 1)  # [D, T, S, S']
            v = r + np.einsum("dtsz,dtz->dts", pz, v)
        vals = np.einsum("dts,s->d", v, game.initial) / rbar.shape[0]
        i = int(np.argmax(vals))
        if vals[i] > best_val:
            best_val, best_code = float(vals[i]), int(codes[i])
    digits = (best_code // k ** np.arange(H * S)) % k
    pol = np.zeros((H, S, k))
    pol[np.arange(H)[:, None], np.arange(S)[None, :], digits.reshape(H, S)] = 1.0
    return best_val, pol


class MixtureGaps(NamedTuple):
    """CCE gaps of a uniform mixture of T product Markov policies (spec §4.3 target 1)."""

    value: np.ndarray  # [P] (1/T) Σ_t V_i^{σ^t}
    best_markov: np.ndarray  # [P] best Markov deviation value
    best_general: np.ndarray  # [P] best general deviation value
    gap_markov: np.ndarray  # [P] best_markov - value
    gap_general: np.ndarray  # [P] best_general - value (>= gap_markov)


def mixture_gaps(game: MarkovGame, mixture: Sequence[Any], general: bool = True,
                 max_policies: int = 100_000) -> MixtureGaps:
    """Both CCE gaps of the uniform mixture of T product Markov policies (spec §4.3 target 1).

    ``gap_i = max_{σ'_i ∈ Π} (1/T) Σ_t V_i^{σ'_i × σ^t_{-i}} - (1/T) Σ_t V_i^{σ^t}`` for Π = Markov
    policies (:func:`best_markov_deviation`) and Π = history-dependent policies
    (:func:`best_general_deviation`). Not clipped at 0: a mixture can make every deviation
    strictly worse. This is the game's exact verifier (it needs the transitions, not only what
    was played); with H = 1 and one state it equals the ledger's ``R^i_T / T`` of repeated play.

    Args:
        game: a :class:`MarkovGame`.
        mixture: P arrays ``[T, H, S, K_i]``.
        general: also compute the history-dependent gap (else NaN).
        max_policies: passed to :func:`best_markov_deviation`.

    Returns:
        :class:`MixtureGaps`, every field ``[P]``.

    Example:
        >>> gaps = mixture_gaps(*separation_instance())
        >>> gaps.gap_markov.tolist(), gaps.gap_general.tolist()
        ([0.0, 0.0], [0.5, 0.5])

    References:
        D. Foster, N. Golowich and S. Kakade, ICML 2023.
    """
    mix = _check_mixture(game, mixture)
    value = evaluate(game, mix).value.mean(axis=0)
    bm = np.array([best_markov_deviation(game, mix, i, max_policies)[0] for i in range(game.num_players)])
    bg = (np.array([best_general_deviation(game, mix, i) for i in range(game.num_players)])
          if general else np.full(game.num_players, np.nan))
    return MixtureGaps(value, bm, bg, bm - value, bg - value)


# ---------------------------------------------------------------------------- learning
class MarkovSetting:
    r"""Independent learning in a Markov game with exact Q feedback, as a setting of the one driver.

    One learner per (run b, step h, state s) and player: row ``r = (b H + h) S + s`` of the
    driver's batch axis (``B H S`` rows for B runs). Episode t: the rows' strategies form the
    product Markov policy :math:`\sigma^t_i(\cdot | h, s)`; row (b, h, s) of player i is shown
    :math:`Q^t_{i,h}(s, \cdot) / (H - h)` (the others on :math:`\sigma^t`, continuation on
    :math:`\sigma^t`), in [0, 1] when rewards are. No action is drawn (exact evaluation). The
    ledger's regret of a row is the local regret of that (h, s) learner against its Q feedback;
    with H = 1 and one state it is the regret of repeated play and ``cce_gap`` the CCE gap of the
    mixture. The CCE gaps of a mixture of Markov policies against Markov or history-dependent
    deviations are :func:`mixture_gaps` of the episodes' policies (``run(..., history=True)``
    keeps them). The setting evaluates ``value_i``: :math:`V_i^{\sigma^t}` of the episode's
    policy from the initial distribution, ``[B H S]`` (the run's value on each of its rows).

    Args:
        game: a :class:`MarkovGame` (transitions ``[H, S, K_1, ..., K_P, S]``, rewards
            ``[P, H, S, K_1, ..., K_P]``).

    Example:
        >>> from regretlab.experts import hedge
        >>> from regretlab.run import run
        >>> game = random_markov_game(2, num_states=2, horizon=3, num_actions=2, seed=0)
        >>> setting = MarkovSetting(game)
        >>> tr = run(hedge(horizon=100), setting, 100, keys=setting.keys(seed=0, batch=2))
        >>> tr.metrics["value_0"].shape  # [T, B H S]
        (100, 12)

    References:
        D. Foster, N. Golowich and S. Kakade, "Hardness of independent learning and sparse
        equilibrium computation in Markov games", ICML 2023.
    """

    samples_actions = False

    def __init__(self, game: MarkovGame) -> None:
        if not isinstance(game, MarkovGame):
            raise TypeError(f"game must be a MarkovGame, got {type(game).__name__}")
        self.game = game
        self.num_players = game.num_players
        self.num_actions = game.num_actions
        self.rows = game.horizon * game.num_states  # learners per run and player
        # Q / (H - h) is an average of rewards: it stays within their range
        self.utility_range = (float(game.rewards.min()), float(game.rewards.max()))
        self.name = f"{game.name or 'markov'} game (H={game.horizon}, S={game.num_states})"
        self._scale = (game.horizon - np.arange(game.horizon, dtype=np.float64))[None, :, None, None]

    def keys(self, seed: int = 0, batch: int = 1) -> np.ndarray:
        """``[B H S]`` row keys: run key b (``spawn_keys(seed, B)[b]``) XOR the row's (h, s) index."""
        keys = rng.spawn_keys(seed, check_int("batch", batch))
        return np.repeat(keys, self.rows) ^ np.tile(np.arange(self.rows, dtype=np.uint64), keys.size)

    def player_keys(self, keys: np.ndarray, player: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.derive(keys, 64 + player), rng.derive(rng.derive(keys, "action"), 32 + player)

    def _runs(self, rows: int) -> int:
        if rows % self.rows:
            raise ValueError(f"MarkovSetting needs H * S = {self.rows} rows per run (use setting.keys(seed, "
                             f"batch)), got a batch of {rows}")
        return rows // self.rows

    def init(self, keys: np.ndarray) -> np.ndarray:
        return np.zeros((self._runs(np.size(keys)), self.num_players))  # [B, P] value of the last episode

    def context(self, state: Any, player: int) -> None:
        return None

    def step(self, state: Any, strategies: tuple[np.ndarray, ...],
             actions: tuple[np.ndarray | None, ...]) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        g = self.game
        b = self._runs(strategies[0].shape[0])
        ev = evaluate(g, [p.reshape(b, g.horizon, g.num_states, k) for p, k in zip(strategies, g.num_actions)])
        utils = tuple((q / self._scale).reshape(b * self.rows, -1) for q in ev.q_values)
        return ev.value, utils

    def evaluate(self, state: np.ndarray, ledger: Any) -> dict[str, np.ndarray]:
        return {f"value_{i}": np.repeat(state[:, i], self.rows) for i in range(self.num_players)}

    def __repr__(self) -> str:
        return f"MarkovSetting({self.name})"


class IndependentResult(NamedTuple):
    """Policies of independent learning, one product Markov policy per episode."""

    policies: list  # P arrays [T, B, H, S, K_i]: the policy played in each episode
    values: np.ndarray  # [T, B, P] V_i^{σ^t}


def independent_hedge(game: MarkovGame, T: int, batch: int = 1, seed: int = 0,
                      learner: Any = None) -> IndependentResult:
    r"""Independent per-(h, s) learners with exact Q feedback (spec §4.3 target 4).

    Episode t: everyone plays :math:`\sigma^t_i(\cdot|h, s) = \mathrm{learner}_{i,h,s}.\mathrm{strategy}`;
    each learner gets the exact :math:`Q^t_{i,h}(s, \cdot) / (H - h)` (others on
    :math:`\sigma^t`, continuation on :math:`\sigma^t`) as a full-information utility in [0, 1].
    This is ``run(learner, MarkovSetting(game), T, keys=MarkovSetting(game).keys(seed, batch),
    history=True)``; the CCE gaps of the episodes' mixture are :func:`mixture_gaps`.

    Args:
        game: a :class:`MarkovGame` with P players, horizon H, S states.
        T: episodes.
        batch: independent runs B.
        seed: seed of the run keys.
        learner: any full-information learner (one object shared by all; states are separate);
            default Hedge tuned to T.

    Returns:
        :class:`IndependentResult`: ``policies`` (P arrays ``[T, B, H, S, K_i]``, the policy of
        each episode) and ``values [T, B, P]`` (:math:`V_i^{\sigma^t}`).

    Example:
        >>> game = random_markov_game(2, num_states=2, horizon=3, num_actions=2, seed=0)
        >>> res = independent_hedge(game, 100, batch=1)
        >>> res.policies[0].shape, res.values.shape
        ((100, 1, 3, 2, 2), (100, 1, 2))
        >>> late = mixture_gaps(game, [p[:, 0] for p in res.policies]).gap_markov.max()
        >>> early = mixture_gaps(game, [p[:2, 0] for p in res.policies]).gap_markov.max()
        >>> bool(late < early)
        True

    References:
        D. Foster, N. Golowich and S. Kakade, ICML 2023.
    """
    from regretlab.run import run

    if not isinstance(game, MarkovGame):
        raise TypeError(f"game must be a MarkovGame, got {type(game).__name__}")
    T = check_int("T", T)
    batch = check_int("batch", batch)
    if learner is None:
        from regretlab.experts import hedge

        learner = hedge(horizon=T)
    if getattr(learner, "feedback", None) is not FullInfo:
        raise TypeError(f"learner must be a full-information learner, got {learner!r}")
    setting = MarkovSetting(game)
    trace = run(learner, setting, T, keys=setting.keys(seed, batch), seed=seed, history=True)
    assert trace.ledger is not None
    H, S = game.horizon, game.num_states
    policies = [np.stack(bk.history["strategy"]).reshape(T, batch, H, S, k)
                for bk, k in zip(trace.ledger.books, game.num_actions)]
    values = np.stack([trace.metrics[f"value_{i}"].reshape(T, batch, H * S)[:, :, 0]
                       for i in range(game.num_players)], axis=-1)
    return IndependentResult(policies, values)
