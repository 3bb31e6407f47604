"""Evaluation of behaviour policies on a treeplex: expected value, exact best response,
NashConv, exploitability, head-to-head play.

Definitions (spec §0, §9.2): ``NashConv(sigma) = sum_i [max_{sigma'_i} u_i(sigma'_i, sigma_-i) -
u_i(sigma)]``; ``exploitability = NashConv / P`` (OpenSpiel's convention; for two-player zero-sum
games it is the mean best-response gain, half of NashConv).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from regretlab.games import kernels
from regretlab.games.treeplex import Treeplex


def _node_args(game: Treeplex) -> tuple:
    return (
        game.node_player,
        game.node_first_child,
        game.node_num_children,
        game.node_infoset,
        game.node_chance_prob,
    )


def br_order(game: Treeplex, player: int) -> tuple[np.ndarray, np.ndarray]:
    """Node order for the best response of ``player`` (cached on the treeplex).

    Returns:
        order: ``[N]`` node ids grouped by the player's own depth, deepest first, decreasing id
            inside a group; group_start: ``[G+1]`` group boundaries.
    """
    cache = game.meta.setdefault("_br_order", {})
    if player not in cache:
        depth = np.empty(game.num_nodes, dtype=np.int32)
        kernels.own_depth(player, game.node_player, game.node_first_child,
                          game.node_num_children, depth)
        ids = np.arange(game.num_nodes, dtype=np.int64)
        order = np.lexsort((-ids, -depth)).astype(np.int64)
        counts = np.bincount(depth)[::-1]
        group_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        order.flags.writeable = group_start.flags.writeable = False
        cache[player] = (order, group_start)
    return cache[player]


def expected_value(game: Treeplex, policy: Any) -> np.ndarray:
    """Expected payoff of every player under a behaviour profile.

    ``u_i(sigma) = sum_z pi^sigma(z) u_i(z)``.

    Args:
        game: the treeplex.
        policy: ``[I, A]`` behaviour policy (all players' information sets).

    Returns:
        ``[P]`` expected payoffs.
    """
    sigma = game.check_policy(policy)
    return kernels.expected_values(sigma, *_node_args(game), game.node_terminal, game.utilities)


class BestResponse(NamedTuple):
    value: float  # best-response value of the player
    actions: np.ndarray  # [I] compact best action at the player's infosets (-1 elsewhere)

    def policy(self, game: Treeplex, base: np.ndarray) -> np.ndarray:
        """``base`` with the player's information sets replaced by the pure best response."""
        out = np.array(base, dtype=np.float64, copy=True)
        rows = np.flatnonzero(self.actions >= 0)
        out[rows] = 0.0
        out[rows, self.actions[rows]] = 1.0
        return out


def best_response(game: Treeplex, policy: Any, player: int) -> BestResponse:
    """Exact best response of ``player`` against the other players' parts of ``policy``.

    ``BR_i = argmax_{sigma'_i} u_i(sigma'_i, sigma_-i)``, computed in one backward sweep that
    finishes each information set's counterfactual values ``sum_{h in I} pi_-i(h) v(ha)``
    before its nodes are valued.

    Args:
        game: the treeplex.
        policy: ``[I, A]`` behaviour policy.
        player: the responding player in ``[0, P)``.

    Returns:
        ``BestResponse(value, actions [I])``.
    """
    if not (isinstance(player, (int, np.integer)) and 0 <= player < game.num_players):
        raise ValueError(f"player must be an integer in [0, {game.num_players}), got {player!r}")
    sigma = game.check_policy(policy)
    order, group_start = br_order(game, int(player))
    best = np.full(game.num_infosets, -1, dtype=np.int32)
    value = kernels.best_response(int(player), sigma, *_node_args(game), game.node_terminal,
                                  game.utilities, order, group_start, best)
    best[game.infoset_player != player] = -1
    return BestResponse(float(value), best)


def nash_conv(game: Treeplex, policy: Any) -> float:
    """``NashConv(sigma) = sum_i [u_i(BR_i, sigma_-i) - u_i(sigma)]`` (0 exactly at a Nash equilibrium).

    Args:
        game: the treeplex.
        policy: ``[I, A]`` behaviour policy.

    Returns:
        The NashConv (>= 0).
    """
    sigma = game.check_policy(policy)
    on_policy = kernels.expected_values(sigma, *_node_args(game), game.node_terminal, game.utilities)
    total = 0.0
    for i in range(game.num_players):
        total += best_response(game, sigma, i).value - on_policy[i]
    return float(total)


def exploitability(game: Treeplex, policy: Any) -> float:
    """``NashConv(sigma) / P`` (OpenSpiel's ``exploitability``; for zero-sum games the mean
    best-response value ``sum_i u_i(BR_i, sigma_-i) / P``).

    Args:
        game: the treeplex.
        policy: ``[I, A]`` behaviour policy.

    Returns:
        Exploitability (>= 0).
    """
    return nash_conv(game, policy) / game.num_players


def head_to_head(game: Treeplex, policies: Sequence[Any]) -> np.ndarray:
    """Expected payoffs when player ``i`` follows ``policies[i]`` (each an ``[I, A]`` policy).

    Args:
        game: the treeplex.
        policies: one ``[I, A]`` policy per player; player ``i``'s rows come from ``policies[i]``.

    Returns:
        ``[P]`` expected payoffs.
    """
    if len(policies) != game.num_players:
        raise ValueError(
            f"policies must hold one policy per player ({game.num_players}), got {len(policies)}"
        )
    combined = np.empty(game.legal_mask.shape)
    for i, pol in enumerate(policies):
        sigma = game.check_policy(pol, name=f"policies[{i}]")
        rows = game.infoset_player == i
        combined[rows] = sigma[rows]
    return expected_value(game, combined)


def random_policy(game: Treeplex, seed: int = 0, concentration: float = 1.0) -> np.ndarray:
    """A random behaviour policy: each information set's row drawn from Dirichlet(concentration)."""
    rng = np.random.default_rng(seed)
    g = rng.gamma(concentration, size=game.legal_mask.shape) * game.legal_mask
    return g / g.sum(axis=1, keepdims=True)
