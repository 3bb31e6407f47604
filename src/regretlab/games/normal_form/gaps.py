"""Equilibrium gaps of product and correlated profiles: NashConv, CCE gap, CE gap (spec §0)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from regretlab.games.normal_form.game import NormalFormGame


def check_joint(game: NormalFormGame, joint: Any, name: str = "joint") -> np.ndarray:
    """Validate a correlated profile ``[K1..KP]`` or batched ``[B, K1..KP]``; return it batched.

    Example:
        >>> from regretlab.games.normal_form import chicken
        >>> check_joint(chicken(), np.full((2, 2), 0.25)).shape
        (1, 2, 2)
    """
    mu = np.asarray(joint, dtype=np.float64)
    shape = game.num_actions
    if mu.shape == shape:
        mu = mu[None]
    if mu.shape[1:] != shape:
        raise ValueError(
            f"{name} must have shape {list(shape)} or [B, {', '.join(map(str, shape))}], "
            f"got shape {list(mu.shape)}"
        )
    axes = tuple(range(1, mu.ndim))
    if not np.isfinite(mu).all() or (mu < -1e-9).any() or not np.allclose(mu.sum(axis=axes), 1.0, atol=1e-6):
        raise ValueError(f"{name} must be a probability distribution over joint actions (>= 0, sums to 1)")
    return mu


def _move_player_first(t: np.ndarray, player: int) -> np.ndarray:
    """``[B, K1..KP] -> [B, K_i, prod K_{-i}]``."""
    b = t.shape[0]
    return np.moveaxis(t, player + 1, 1).reshape(b, t.shape[player + 1], -1)


def deviation_gains(game: NormalFormGame, joint: Any) -> list[np.ndarray]:
    """Per player, the gain of each conditional swap ``a_i -> a'_i``:

    ``G_i[b, a, a'] = Σ_{a_{-i}} μ(a, a_{-i}) [u_i(a', a_{-i}) - u_i(a, a_{-i})]``.

    These are the CE incentive constraints (a CE has ``G_i <= 0``); summing over ``a`` gives the
    CCE constraints.

    Args:
        joint: ``[K1..KP]`` or ``[B, K1..KP]`` correlated distribution.

    Returns:
        P arrays ``[B, K_i, K_i]``.

    Example:
        >>> from regretlab.games.normal_form import prisoners_dilemma
        >>> deviation_gains(prisoners_dilemma(), np.full((2, 2), 0.25))[0][0].tolist()
        [[0.0, 0.75], [-0.75, 0.0]]
    """
    mu = check_joint(game, joint)
    out = []
    for i in range(game.num_players):
        m = _move_player_first(mu, i)  # [B, K_i, R]
        u = _move_player_first(game.payoffs[i][None], i)[0]  # [K_i, R]
        cross = np.einsum("bar,cr->bac", m, u)  # Σ_r μ(a, r) u(a', r)
        own = np.einsum("bar,ar->ba", m, u)  # Σ_r μ(a, r) u(a, r)
        out.append(cross - own[:, :, None])
    return out


def _squeeze(value: np.ndarray, joint: Any, shape: tuple[int, ...]) -> np.ndarray | float:
    if np.shape(joint) == shape:
        return float(value[0]) if value.ndim == 1 else value[0]
    return value


def cce_gap(game: NormalFormGame, joint: Any, per_player: bool = False) -> Any:
    """``max_i max_{a'_i} E_{a~μ}[u_i(a'_i, a_{-i}) - u_i(a)]`` (spec §0).

    Args:
        joint: ``[K1..KP]`` or ``[B, K1..KP]``.
        per_player: return ``[.., P]`` the gap of each player instead of the max.

    Returns:
        float or ``[B]`` (or ``[P]`` / ``[B, P]`` when ``per_player``). Not clipped at 0: a
        correlated profile can make every fixed deviation strictly worse.

    Example:
        >>> from regretlab.games.normal_form import chicken
        >>> cce_gap(chicken(), np.full((2, 2), 0.25))  # always swerving gains 2 over uniform play
        2.0

    References:
        H. Moulin and J.-P. Vial, "Strategically zero-sum games", IJGT 7, 1978 (coarse
        correlated equilibrium); Hart & Mas-Colell, Econometrica 68, 2000.
    """
    gains = deviation_gains(game, joint)
    per = np.stack([g.sum(axis=1).max(axis=1) for g in gains], axis=-1)  # [B, P]
    out = per if per_player else per.max(axis=-1)
    return _squeeze(out, joint, game.num_actions)


def ce_gap(game: NormalFormGame, joint: Any, per_player: bool = False) -> Any:
    """``max_i max_{φ: A_i→A_i} E_{a~μ}[u_i(φ(a_i), a_{-i}) - u_i(a)] = max_i Σ_a max_{a'} G_i[a, a']``.

    This is the swap-deviation gap (Foster & Vohra 1997; swap regret / T for empirical play);
    it is ≥ 0 (φ = identity) and 0 exactly at a correlated equilibrium.

    Args:
        game: a :class:`NormalFormGame`.
        joint: ``[K1..KP]`` or ``[B, K1..KP]`` correlated distribution.
        per_player: return ``[.., P]`` each player's gap instead of the max.

    Returns:
        float or ``[B]`` (or ``[P]`` / ``[B, P]``).

    Example:
        >>> from regretlab.games.normal_form import chicken, correlated_equilibrium
        >>> bool(ce_gap(chicken(), correlated_equilibrium(chicken(), "ce").joint) < 1e-9)
        True

    References:
        R. Aumann, "Subjectivity and correlation in randomized strategies", 1974; D. Foster and
        R. Vohra, "Calibrated learning and correlated equilibrium", GEB 21, 1997.
    """
    gains = deviation_gains(game, joint)
    per = np.stack([g.max(axis=2).sum(axis=1) for g in gains], axis=-1)  # [B, P]
    out = per if per_player else per.max(axis=-1)
    return _squeeze(out, joint, game.num_actions)


def nash_conv(game: NormalFormGame, strategies: Sequence[Any], per_player: bool = False) -> Any:
    """``NashConv(x) = Σ_i [max_{a'_i} u_i(a'_i, x_{-i}) - u_i(x)]`` of a product profile (spec §0).

    Args:
        game: a :class:`NormalFormGame`.
        strategies: P arrays ``[K_i]`` or ``[B, K_i]``.
        per_player: return each player's best-response gain ``[.., P]`` instead of the sum.

    Returns:
        float or ``[B]``; exploitability of a 2-player zero-sum game is NashConv / 2.

    Example:
        >>> from regretlab.games.normal_form import rock_paper_scissors
        >>> nash_conv(rock_paper_scissors(), [np.array([1.0, 0, 0]), np.full(3, 1 / 3)])
        1.0

    References:
        M. Lanctot et al., "A unified game-theoretic approach to multiagent reinforcement
        learning", NeurIPS 2017 (NashConv).
    """
    xs = game.check_strategies(strategies)
    batched = xs[0].ndim == 2
    xs = [np.atleast_2d(x) for x in xs]
    gains = []
    for i in range(game.num_players):
        dev = game.deviation_utilities(xs, i)  # [B, K_i]
        gains.append(dev.max(axis=1) - np.einsum("bk,bk->b", dev, xs[i]))
    per = np.stack(gains, axis=-1)
    out = per if per_player else per.sum(axis=-1)
    if batched:
        return out
    return out[0] if per_player else float(out[0])


def best_responses(game: NormalFormGame, strategies: Sequence[Any], player: int, tol: float = 1e-12) -> np.ndarray:
    """Boolean mask of the pure best responses of ``player`` to the others' mixtures.

    ``out[a] = u_i(a, x_{-i}) >= max_{a'} u_i(a', x_{-i}) - tol``.

    Args:
        game: a :class:`NormalFormGame`.
        strategies: P arrays ``[K_j]`` or ``[B, K_j]`` (player i's own entry is not read).
        player: i.
        tol: tolerance of the comparison.

    Returns:
        ``[K_i]`` (or ``[B, K_i]``) bool.

    Example:
        >>> from regretlab.games.normal_form import prisoners_dilemma
        >>> best_responses(prisoners_dilemma(), [np.full(2, 0.5)] * 2, 0).tolist()
        [False, True]
    """
    xs = game.check_strategies(strategies)
    dev = game.deviation_utilities(xs, player)
    return dev >= dev.max(axis=-1, keepdims=True) - tol
