"""Game generators: random, zero-sum, potential, and the canonical small games."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from regretlab.core.errors import check_int
from regretlab.games.normal_form.game import NormalFormGame


def _shape(num_actions: int | Sequence[int], num_players: int | None) -> tuple[int, ...]:
    if isinstance(num_actions, (int, np.integer)) and not isinstance(num_actions, bool):
        p = check_int("num_players", 2 if num_players is None else num_players)
        return (check_int("num_actions", int(num_actions)),) * p
    if not isinstance(num_actions, (list, tuple)) or len(num_actions) == 0:
        raise ValueError(f"num_actions must be an int or a non-empty list of ints, got {num_actions!r}")
    shape = tuple(check_int(f"num_actions[{i}]", k) for i, k in enumerate(num_actions))
    if num_players is not None and num_players != len(shape):
        raise ValueError(
            f"num_players={num_players} does not match num_actions={list(shape)} ({len(shape)} players)"
        )
    return shape


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def random_game(
    num_actions: int | Sequence[int] = 3,
    num_players: int | None = None,
    seed: int | np.random.Generator | None = 0,
    low: float = 0.0,
    high: float = 1.0,
) -> NormalFormGame:
    """A game with i.i.d. ``U[low, high]`` payoffs (spec §2.1/§4.3: random games, payoffs U[0,1]).

    Args:
        num_actions: K (same for every player) or ``[K1, ..., KP]``.
        num_players: P when ``num_actions`` is an int (default 2).
        seed: seed or Generator.

    Returns:
        the game, payoffs ``[P, K1, ..., KP]``.

    Example:
        >>> g = random_game([2, 3], seed=1)
        >>> g.payoffs.shape, bool((g.payoffs >= 0).all() and (g.payoffs <= 1).all())
        ((2, 2, 3), True)
    """
    shape = _shape(num_actions, num_players)
    if not high > low:
        raise ValueError(f"high must be > low, got low={low!r}, high={high!r}")
    pay = _rng(seed).uniform(low, high, size=(len(shape),) + shape)
    return NormalFormGame(pay, name=f"random{'x'.join(map(str, shape))}")


def zero_sum_game(
    num_actions: int | Sequence[int] = 3, seed: int | np.random.Generator | None = 0
) -> NormalFormGame:
    """A random two-player zero-sum game: ``A ~ U[-1, 1]``, ``B = -A``.

    Example:
        >>> g = zero_sum_game([3, 4], seed=2)
        >>> bool(np.array_equal(g.payoffs[0], -g.payoffs[1]))
        True
    """
    shape = _shape(num_actions, 2)
    a = _rng(seed).uniform(-1.0, 1.0, size=shape)
    return NormalFormGame(np.stack([a, -a]), name="zero_sum")


def potential_game(
    num_actions: int | Sequence[int] = 3,
    num_players: int | None = None,
    seed: int | np.random.Generator | None = 0,
) -> NormalFormGame:
    """A random exact potential game: ``u_i(a) = φ(a) + d_i(a_{-i})`` (Monderer & Shapley 1996).

    Both φ and the dummy terms d_i are U[0, 1/2], so payoffs lie in [0, 1]. The potential is
    stored in ``game._cache["potential"]``.

    Example:
        >>> g = potential_game(2, num_players=3, seed=0)
        >>> phi = g._cache["potential"]  # u_0(a'_0, a_{-0}) - u_0(a) = φ(a'_0, a_{-0}) - φ(a)
        >>> bool(np.allclose(g.payoffs[0][1] - g.payoffs[0][0], phi[1] - phi[0]))
        True
    """
    shape = _shape(num_actions, num_players)
    rng = _rng(seed)
    phi = rng.uniform(0.0, 0.5, size=shape)
    pays = []
    for i in range(len(shape)):
        dshape = tuple(1 if j == i else k for j, k in enumerate(shape))
        pays.append(phi + rng.uniform(0.0, 0.5, size=dshape))
    game = NormalFormGame(np.stack(pays), name="potential")
    game._cache["potential"] = phi
    return game


def prisoners_dilemma() -> NormalFormGame:
    """Prisoner's dilemma, actions (Cooperate, Defect): R=3, S=0, T=5, P=1; unique NE (D, D)."""
    a = np.array([[3.0, 0.0], [5.0, 1.0]])
    return NormalFormGame.from_bimatrix(a, a.T, name="prisoners_dilemma")


def coordination() -> NormalFormGame:
    """Pure coordination: both get 1 when the actions match, else 0; NE (0,0), (1,1), (½,½)."""
    a = np.eye(2)
    return NormalFormGame.from_bimatrix(a, a, name="coordination")


def chicken() -> NormalFormGame:
    """Chicken, actions (Swerve, Straight): (0,0), (-1,1), (1,-1), (-10,-10)."""
    a = np.array([[0.0, -1.0], [1.0, -10.0]])
    return NormalFormGame.from_bimatrix(a, a.T, name="chicken")


def matching_pennies() -> NormalFormGame:
    """Matching pennies: the row player gets +1 on a match, -1 otherwise; unique NE (½, ½)."""
    a = np.array([[1.0, -1.0], [-1.0, 1.0]])
    return NormalFormGame.from_bimatrix(a, -a, name="matching_pennies")


def shapley_game() -> NormalFormGame:
    """Shapley's 3x3 game (Shapley 1964), where fictitious play cycles; unique NE uniform."""
    a = np.eye(3)
    b = np.roll(np.eye(3), 1, axis=1)  # column player wins with the "next" action
    return NormalFormGame.from_bimatrix(a, b, name="shapley")


def rock_paper_scissors() -> NormalFormGame:
    """Rock-paper-scissors, win +1, loss -1, tie 0; unique NE uniform, value 0."""
    a = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
    return NormalFormGame.from_bimatrix(a, -a, name="rock_paper_scissors")


def rescale(game: NormalFormGame, low: float = 0.0, high: float = 1.0) -> NormalFormGame:
    """The same game under the affine map of its payoff range onto ``[low, high]`` (equilibria unchanged).

    Example:
        >>> rescale(rock_paper_scissors()).payoffs[0].tolist()
        [[0.5, 0.0, 1.0], [1.0, 0.5, 0.0], [0.0, 1.0, 0.5]]
    """
    lo, hi = float(game.payoffs.min()), float(game.payoffs.max())
    if hi == lo:
        return NormalFormGame(np.full_like(game.payoffs, low), name=game.name)
    return NormalFormGame(low + (game.payoffs - lo) * (high - low) / (hi - lo), name=game.name)


GENERATORS = {
    "random": random_game,
    "zero_sum": zero_sum_game,
    "potential": potential_game,
    "prisoners_dilemma": prisoners_dilemma,
    "coordination": coordination,
    "chicken": chicken,
    "matching_pennies": matching_pennies,
    "shapley": shapley_game,
    "rock_paper_scissors": rock_paper_scissors,
}


def make_game(name: str, **params) -> NormalFormGame:
    """Build a game by generator name (one of :data:`GENERATORS`).

    Example:
        >>> make_game("random", num_actions=2, num_players=3, seed=0).num_actions
        (2, 2, 2)
    """
    if name not in GENERATORS:
        raise ValueError(f"unknown game {name!r}; expected one of {', '.join(GENERATORS)}")
    return GENERATORS[name](**params)
