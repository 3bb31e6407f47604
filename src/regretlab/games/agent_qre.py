"""Agent logit quantal response equilibria of extensive-form games (any number of players).

An *agent QRE* at precision ``λ >= 0`` is a behavioural profile ``σ`` in which every information
set ``I`` of player ``i`` is a separate agent playing the logit response to its action values,

    σ(I, a) ∝ exp(λ Q(I, a)),   Q(I, a) = Σ_{h ∈ I} π_{-i}(h) v_i(ha) / Σ_{h ∈ I} π_{-i}(h),

the expected payoff of taking ``a`` at ``I`` and following ``σ`` afterwards, under the beliefs
Bayes' rule gives (``π_{-i}(h)``: chance's and the other players' reach of ``h``; at a finite
``λ`` every action has positive probability, so every information set is reached) (McKelvey &
Palfrey, "Quantal response equilibria for extensive form games", Experimental Economics 1, 1998).
At ``λ = 0`` it is the uniform profile; the *principal branch* from there is traced in ``λ`` with
the predictor–corrector path follower of :mod:`regretlab.games.normal_form.qre`, on

    H(w, λ) = 0:  w(I, a) - w(I, 0) - λ [Q(I, a) - Q(I, 0)] = 0 (a >= 1),   Σ_a exp(w(I, a)) = 1,

with ``w = log σ``. McKelvey & Palfrey (1998) show that the limit points of agent QRE as
``λ → ∞`` are sequential equilibria, so NashConv along the branch falls to 0.

The Jacobian ``∂Q/∂w`` is computed exactly by forward-mode differentiation of the reach and value
sweeps over the treeplex, all ``n`` directions at once (``n`` = legal actions summed over the
information sets), so memory and time per Jacobian are ``O(P · N · n)`` for ``N`` nodes: this is
meant for small games (Kuhn, signalling games, one-shot games); larger games are refused.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.games.normal_form.qre import _Homotopy, _trace
from regretlab.games.treeplex import CHANCE, TERMINAL, Treeplex

MAX_JACOBIAN_ENTRIES = 20_000_000  # P · N · n above this: refused (a dense forward-mode Jacobian)


class AgentQREBranch(NamedTuple):
    """Points ``(λ_k, σ^k)`` of the principal agent-QRE branch, in the order traced."""

    lam: np.ndarray  # [M] precisions (start at 0)
    policies: np.ndarray  # [M, I, A] behavioural profile at each point (0 on illegal actions)
    residual: np.ndarray  # [M] max_{I,a} |σ(I, a) - logit_λ(Q(σ))(I, a)| at each point
    steps: int  # predictor-corrector steps taken (accepted and rejected)


def _check_game(game: Any) -> Treeplex:
    if not isinstance(game, Treeplex):
        raise TypeError(f"game must be a Treeplex (regretlab.games.make_game), got {type(game).__name__}")
    return game


def action_values(game: Treeplex, policy: Any) -> np.ndarray:
    """``Q(I, a)``: the expected payoff to ``I``'s owner of playing ``a`` at ``I`` and ``policy``
    afterwards, under Bayes-rule beliefs ``π_{-i}(h) / Σ_{h' ∈ I} π_{-i}(h')``.

    Args:
        game: a treeplex (any number of players).
        policy: ``[I, A]`` behavioural profile that reaches every information set (e.g. fully mixed).

    Returns:
        ``[I, A]`` action values (0 on illegal actions).

    Raises:
        ValueError: when ``policy`` does not reach some information set (its beliefs are undefined).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> g = kuhn_poker()
        >>> q = action_values(g, g.uniform_policy())
        >>> float(q[g.infoset_index("2b"), 1])  # holding the king, calling a bet wins 2
        2.0
    """
    game = _check_game(game)
    sigma = game.check_policy(policy)
    N, P = game.num_nodes, game.num_players
    lv = game.level_offsets()
    reach = np.ones((P, N))
    for d in range(1, lv.shape[0] - 1):
        nodes = np.arange(lv[d], lv[d + 1])
        par = game.node_parent[nodes]
        owner = game.node_player[par]
        edge = np.where(owner == CHANCE, game.node_chance_prob[nodes], 1.0)
        dec = owner >= 0
        edge[dec] = sigma[game.node_infoset[par[dec]], game.node_action[nodes[dec]]]
        for i in range(P):
            reach[i, nodes] = reach[i, par] * np.where(owner == i, 1.0, edge)
    value = np.zeros((N, P))
    term = game.node_player == TERMINAL
    value[term] = game.utilities[game.node_terminal[term]]
    for d in range(lv.shape[0] - 2, 0, -1):
        nodes = np.arange(lv[d], lv[d + 1])
        par = game.node_parent[nodes]
        owner = game.node_player[par]
        edge = np.where(owner == CHANCE, game.node_chance_prob[nodes], 0.0)
        dec = owner >= 0
        edge[dec] = sigma[game.node_infoset[par[dec]], game.node_action[nodes[dec]]]
        np.add.at(value, par, edge[:, None] * value[nodes])
    kids = np.flatnonzero(game.node_parent >= 0)
    par = game.node_parent[kids]
    dec = game.node_player[par] >= 0
    kids, par = kids[dec], par[dec]
    owner = game.node_player[par].astype(np.int64)
    iset = game.node_infoset[par]
    r = reach[owner, par]
    cfv = np.zeros(game.legal_mask.shape)
    np.add.at(cfv, (iset, game.node_action[kids]), r * value[kids, owner])
    dn = np.flatnonzero(game.node_player >= 0)
    belief = np.zeros(game.num_infosets)
    np.add.at(belief, game.node_infoset[dn], reach[game.node_player[dn].astype(np.int64), dn])
    if (belief <= 0).any():
        bad = int(np.flatnonzero(belief <= 0)[0])
        raise ValueError(f"policy never reaches information set {game.infoset_keys[bad]!r}: its "
                         "action values (beliefs) are undefined")
    return np.where(game.legal_mask, cfv / belief[:, None], 0.0)


def agent_logit_response(game: Treeplex, policy: Any, lam: float) -> np.ndarray:
    """The agent logit response ``σ'(I, a) ∝ exp(λ Q(I, a))`` to ``policy`` at every information set.

    Args:
        game: a treeplex.
        policy: ``[I, A]`` behavioural profile reaching every information set.
        lam: precision ``λ >= 0``.

    Returns:
        ``[I, A]`` behavioural profile.

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> g = kuhn_poker()
        >>> bool(np.allclose(agent_logit_response(g, g.uniform_policy(), 0.0), g.uniform_policy()))
        True
    """
    lam = check_positive("lam", lam, allow_zero=True)
    q = action_values(game, policy)
    z = np.where(game.legal_mask, lam * q, -np.inf)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def agent_qre_residual(game: Treeplex, policy: Any, lam: float) -> float:
    """``max_{I,a} |σ(I, a) - logit_λ(Q(σ))(I, a)|``: 0 exactly at an agent QRE of precision ``λ``."""
    sigma = _check_game(game).check_policy(policy)
    return float(np.abs(sigma - agent_logit_response(game, sigma, lam)).max())


class _AgentSystem(_Homotopy):
    """``H``, its exact Jacobian (forward mode) and the logit response on a treeplex."""

    def __init__(self, game: Treeplex) -> None:
        self.game = game
        mask = game.legal_mask
        self.rows, self.cols = np.nonzero(mask)  # unknown k is (rows[k], cols[k]), infosets in order
        self.n = int(self.rows.size)
        self.index = np.full(mask.shape, -1, dtype=np.int64)
        self.index[self.rows, self.cols] = np.arange(self.n)
        k = game.infoset_num_actions.astype(np.int64)
        self.first = self.index[:, 0]  # unknown of (I, 0)
        self.last_row = self.first + k - 1  # the row Σ exp(w) = 1 of each information set
        self.umax = float(np.ptp(game.utilities)) if game.utilities.size else 0.0
        N, P = game.num_nodes, game.num_players
        if P * N * (self.n + 1) > MAX_JACOBIAN_ENTRIES:
            raise ValueError(
                f"agent QRE traces a dense Jacobian of {P} x {N:,} nodes x {self.n:,} actions; "
                f"{game.name!r} is too large (limit {MAX_JACOBIAN_ENTRIES:,} entries)")
        self.levels = []
        lv = game.level_offsets()
        for d in range(1, lv.shape[0] - 1):
            nodes = np.arange(lv[d], lv[d + 1])
            par = game.node_parent[nodes].astype(np.int64)
            owner = game.node_player[par].astype(np.int64)
            dec = owner >= 0
            col = np.full(nodes.size, -1, dtype=np.int64)
            col[dec] = self.index[game.node_infoset[par[dec]], game.node_action[nodes[dec]]]
            chance = np.where(owner == CHANCE, game.node_chance_prob[nodes], 0.0)
            self.levels.append((nodes, par, owner, dec, col, chance))
        kids = np.flatnonzero(game.node_parent >= 0)
        par = game.node_parent[kids].astype(np.int64)
        dec = game.node_player[par] >= 0
        self.k_kids, self.k_par = kids[dec], par[dec]
        self.k_owner = game.node_player[self.k_par].astype(np.int64)
        self.k_col = self.index[game.node_infoset[self.k_par], game.node_action[self.k_kids]]
        self.dn = np.flatnonzero(game.node_player >= 0)
        self.dn_owner = game.node_player[self.dn].astype(np.int64)
        self.dn_iset = game.node_infoset[self.dn].astype(np.int64)
        self.term = np.flatnonzero(game.node_player == TERMINAL)
        self.key = None

    def _q(self, w: np.ndarray, tangents: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """``Q`` at the unknowns ``[n]`` and (``tangents``) ``∂Q/∂w [n, n]``."""
        g = self.game
        N, P, n = g.num_nodes, g.num_players, self.n
        sig = np.exp(w)
        reach = np.ones((P, N))
        dreach = np.zeros((P, N, n)) if tangents else None
        for nodes, par, owner, dec, col, chance in self.levels:
            edge = chance.copy()
            edge[dec] = sig[col[dec]]
            for i in range(P):
                f = np.where(owner == i, 1.0, edge)
                reach[i, nodes] = reach[i, par] * f
                if tangents:
                    dreach[i, nodes] = dreach[i, par] * f[:, None]
                    m = dec & (owner != i)
                    dreach[i, nodes[m], col[m]] += reach[i, par[m]] * sig[col[m]]
        value = np.zeros((N, P))
        value[self.term] = g.utilities[g.node_terminal[self.term]]
        dvalue = np.zeros((N, P, n)) if tangents else None
        for nodes, par, owner, dec, col, chance in reversed(self.levels):
            edge = chance.copy()
            edge[dec] = sig[col[dec]]
            np.add.at(value, par, edge[:, None] * value[nodes])
            if tangents:
                np.add.at(dvalue, par, edge[:, None, None] * dvalue[nodes])
                d = np.flatnonzero(dec)
                np.add.at(dvalue, (par[d], slice(None), col[d]), (sig[col[d]])[:, None] * value[nodes[d]])
        r = reach[self.k_owner, self.k_par]
        v = value[self.k_kids, self.k_owner]
        cfv = np.zeros(n)
        np.add.at(cfv, self.k_col, r * v)
        belief_i = np.zeros(g.num_infosets)
        np.add.at(belief_i, self.dn_iset, reach[self.dn_owner, self.dn])
        belief = belief_i[self.rows]
        q = cfv / belief
        if not tangents:
            return q, None
        dcfv = np.zeros((n, n))
        np.add.at(dcfv, self.k_col, dreach[self.k_owner, self.k_par] * v[:, None]
                  + r[:, None] * dvalue[self.k_kids, self.k_owner])
        db = np.zeros((g.num_infosets, n))
        np.add.at(db, self.dn_iset, dreach[self.dn_owner, self.dn])
        dq = (dcfv - q[:, None] * db[self.rows]) / belief[:, None]
        return q, dq

    def _split_rows(self) -> tuple[np.ndarray, np.ndarray]:
        a = self.cols >= 1
        return np.flatnonzero(a), self.first[self.rows[a]]

    def residual_h(self, w: np.ndarray, lam: float) -> np.ndarray:
        q, _ = self._q(w, False)
        k, k0 = self._split_rows()
        out = np.empty(self.n)
        out[k - 1] = w[k] - w[k0] - lam * (q[k] - q[k0])  # row of (I, a) is unknown (I, a) - 1
        sums = np.zeros(self.game.num_infosets)
        np.add.at(sums, self.rows, np.exp(w))
        out[self.last_row] = sums - 1.0
        return out

    def jacobian(self, w: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
        q, dq = self._q(w, True)
        k, k0 = self._split_rows()
        jw = np.zeros((self.n, self.n))
        jw[k - 1] = -lam * (dq[k] - dq[k0])
        jw[k - 1, k] += 1.0
        jw[k - 1, k0] -= 1.0
        jw[self.last_row[self.rows], np.arange(self.n)] = np.exp(w)
        jl = np.zeros(self.n)
        jl[k - 1] = -(q[k] - q[k0])
        return jw, jl

    def policy(self, w: np.ndarray) -> np.ndarray:
        out = np.zeros(self.game.legal_mask.shape)
        out[self.rows, self.cols] = np.exp(w)
        return out

    def fixed_point_residual(self, w: np.ndarray, lam: float) -> float:
        sigma = self.policy(w)
        sigma = sigma / sigma.sum(axis=1, keepdims=True)
        return agent_qre_residual(self.game, sigma, lam)

    def uniform(self) -> np.ndarray:
        return -np.log(self.game.infoset_num_actions[self.rows].astype(np.float64))


def agent_qre_branch(
    game: Treeplex,
    lambda_max: float = 100.0,
    *,
    max_steps: int = 100_000,
    time_limit: float | None = None,
    first_step: float = 0.1,
    max_step: float | None = None,
    tol: float = 1e-13,
) -> AgentQREBranch:
    """Trace the principal branch of agent logit QRE of an extensive-form game from ``λ = 0``.

    The predictor–corrector path follower of :func:`regretlab.games.normal_form.qre.logit_branch`
    (pseudo-arclength Euler steps along the tangent, Newton corrections orthogonal to it, adaptive
    step, landing exactly on ``lambda_max``) on the agent system ``H(w, λ) = 0`` of the module
    docstring, with its exact Jacobian.

    Args:
        game: a treeplex with any number of players (small: ``P · N · n`` at most
            :data:`MAX_JACOBIAN_ENTRIES`).
        lambda_max: where to stop (> 0).
        max_steps: most predictor–corrector steps.
        time_limit: seconds the trace may take (``None``: no limit).
        first_step: initial arclength step.
        max_step: largest arclength step (default ``max(1, lambda_max / 25)``).
        tol: corrector tolerance on ``max |H|`` relative to the size of its terms.

    Returns:
        :class:`AgentQREBranch` (every point an agent QRE, fixed-point residual ~1e-13).

    Raises:
        TimeoutError / RuntimeError: ``time_limit`` / ``max_steps`` reached before ``lambda_max``.

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> br = agent_qre_branch(kuhn_poker(), lambda_max=5)
        >>> float(br.lam[0]), float(br.lam[-1]), bool(br.residual.max() < 1e-12)
        (0.0, 5.0, True)

    References:
        R. McKelvey, T. Palfrey, Experimental Economics 1 (1998) (agent QRE; limits as λ → ∞ are
        sequential equilibria); T. L. Turocy, GEB 51 (2005) (path following).
    """
    game = _check_game(game)
    lambda_max = check_positive("lambda_max", lambda_max)
    check_int("max_steps", max_steps, minimum=1)
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    first_step = check_positive("first_step", first_step)
    h_max = max(1.0, lambda_max / 25.0) if max_step is None else check_positive("max_step", max_step)
    tol = check_positive("tol", tol)
    sys_ = _AgentSystem(game)
    lams, ws, steps = _trace(sys_, lambda_max, max_steps=max_steps, time_limit=time_limit,
                             first_step=first_step, h_max=h_max, tol=tol, name="agent_qre_branch")
    pols = np.array([sys_.policy(w) for w in ws])
    pols /= pols.sum(axis=2, keepdims=True)
    resid = np.array([agent_qre_residual(game, p, l) for p, l in zip(pols, lams)])
    return AgentQREBranch(np.array(lams), pols, resid, steps)


def agent_qre(game: Treeplex, lam: float, **kwargs: Any) -> np.ndarray:
    """The principal-branch agent QRE at precision ``lam`` (``0``: the uniform profile).

    Args:
        game: a treeplex.
        lam: precision ``λ >= 0``.
        **kwargs: options of :func:`agent_qre_branch`.

    Returns:
        ``[I, A]`` behavioural profile.

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> g = kuhn_poker()
        >>> sigma = agent_qre(g, 2.0)
        >>> agent_qre_residual(g, sigma, 2.0) < 1e-12
        True
    """
    game = _check_game(game)
    lam = check_positive("lam", lam, allow_zero=True)
    if lam == 0.0:
        return game.uniform_policy()
    return agent_qre_branch(game, lam, **kwargs).policies[-1]


__all__ = [
    "MAX_JACOBIAN_ENTRIES",
    "AgentQREBranch",
    "action_values",
    "agent_logit_response",
    "agent_qre",
    "agent_qre_branch",
    "agent_qre_residual",
]
