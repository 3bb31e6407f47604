"""n-player Nash solvers (normal_form.nplayer): verified equilibria, cross-checks, limits."""

import itertools
import warnings

import nashpy
import numpy as np
import pytest

from regretlab.games.normal_form import (
    NormalFormGame,
    nash_conv,
    random_game,
    support_enumeration,
)
from regretlab.games.normal_form.nplayer import (
    enumerate_supports,
    global_newton,
    iterated_polymatrix,
    lemke,
    logit_homotopy,
    polish,
    simplicial_subdivision,
    support_profiles,
)

SOLVERS = [enumerate_supports, logit_homotopy, iterated_polymatrix, simplicial_subdivision, global_newton]
GAMES = [(3, 2, s) for s in range(4)] + [(3, 3, s) for s in range(2)] + [(4, 2, s) for s in range(2)]


def _key(prof):
    return tuple(np.round(np.concatenate(prof), 6))


def jordan_game() -> NormalFormGame:
    """Jordan's three-player matching pennies (J. Jordan, "Three problems in learning
    mixed-strategy Nash equilibria", GEB 5, 1993): 1 wants to match 2, 2 to match 3, 3 to
    mismatch 1; the unique equilibrium is every player mixing 1/2-1/2."""
    u = np.zeros((3, 2, 2, 2))
    for a, b, c in itertools.product(range(2), repeat=3):
        u[0, a, b, c] = 1.0 if a == b else -1.0
        u[1, a, b, c] = 1.0 if b == c else -1.0
        u[2, a, b, c] = 1.0 if c != a else -1.0
    return NormalFormGame(u, name="jordan")


@pytest.mark.parametrize("players,actions,seed", GAMES)
def test_every_returned_equilibrium_verifies_and_single_methods_land_in_the_enumeration(players, actions, seed):
    g = random_game(actions, num_players=players, seed=seed)
    res = enumerate_supports(g, time_limit=30)
    assert res.complete and len(res.equilibria) >= 1 and len(res.equilibria) % 2 == 1  # generic: odd
    assert res.certified  # 3x3x3 and 2x2x2x2: every support's system is solved exactly
    for prof, c in zip(res.equilibria, res.nash_conv):
        assert nash_conv(g, prof) < 1e-9 and c < 1e-9
    found = {_key(p) for p in res.equilibria}
    assert len(found) == len(res.equilibria)
    for solver in (logit_homotopy, iterated_polymatrix, simplicial_subdivision, global_newton):
        one = solver(g, time_limit=30)
        assert len(one.equilibria) == 1, solver.__name__
        assert nash_conv(g, one.equilibria[0]) < 1e-9
        assert _key(one.equilibria[0]) in found, solver.__name__


@pytest.mark.parametrize("seed", range(4))
def test_two_player_enumeration_equals_the_bimatrix_solver_and_nashpy(seed):
    g = random_game([4, 3][seed % 2:] + [4], seed=seed) if seed % 2 else random_game(4, seed=seed)
    mine = {_key(p) for p in enumerate_supports(g).equilibria}
    ours = {_key([x, y]) for x, y in support_enumeration(g)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = {_key([x, y]) for x, y in nashpy.Game(*g.bimatrix()).support_enumeration()}
    assert mine == ours == ref


def test_jordan_game_has_its_unique_mixed_equilibrium():
    g = jordan_game()
    res = enumerate_supports(g)
    assert len(res.equilibria) == 1 and res.certified  # 2x2x2: the enumeration is exhaustive
    assert np.allclose(np.concatenate(res.equilibria[0]), 0.5, atol=1e-12)
    for solver in (logit_homotopy, iterated_polymatrix, simplicial_subdivision, global_newton):
        prof = solver(g, time_limit=20).equilibria[0]
        assert np.allclose(np.concatenate(prof), 0.5, atol=1e-9)


def test_degenerate_game_with_a_continuum_returns_only_verified_points():
    # player 1 indifferent everywhere and the others coordinating: continua of equilibria
    u = np.zeros((3, 2, 2, 2))
    u[1] = np.eye(2)[:, :, None] * np.ones(2)
    u[2] = np.eye(2)[None, :, :] * np.ones((2, 1, 1))
    g = NormalFormGame(u)
    for solver in SOLVERS:
        res = solver(g, time_limit=20)
        assert len(res.equilibria) >= 1
        assert all(nash_conv(g, p) < 1e-9 for p in res.equilibria)


def test_limits_never_hang_and_bad_limits_are_refused():
    g = random_game(3, num_players=4, seed=0)
    for solver in SOLVERS:
        for bad in (0, -1.0, float("nan"), "5"):
            with pytest.raises(ValueError, match="time_limit"):
                solver(g, time_limit=bad)
    res = enumerate_supports(g, time_limit=1e-6)
    assert not res.complete and res.iterations <= 2
    res = enumerate_supports(g, max_profiles=5)
    assert not res.complete and res.iterations == 5
    with pytest.raises(ValueError, match="max_steps"):
        logit_homotopy(g, max_steps=0)
    assert logit_homotopy(g, max_steps=1).complete is False
    assert simplicial_subdivision(g, max_pivots=3).complete is False
    assert global_newton(g, max_steps=2).complete is False
    with pytest.raises(ValueError, match="grid"):
        simplicial_subdivision(g, grid=1)
    with pytest.raises(TypeError, match="NormalFormGame"):
        enumerate_supports(np.zeros((2, 2, 2)))


def test_progress_callback_and_first_only():
    g = random_game(2, num_players=4, seed=1)
    calls = []
    res = enumerate_supports(g, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (res.iterations, len(support_profiles(g.num_actions)))
    first = enumerate_supports(g, first_only=True)
    assert len(first.equilibria) == 1 and first.first_seconds <= first.seconds


def test_same_seed_same_list():
    g = random_game(3, num_players=3, seed=5)
    a, b = enumerate_supports(g, seed=3), enumerate_supports(g, seed=3)
    assert [_key(p) for p in a.equilibria] == [_key(p) for p in b.equilibria]


def test_lemke_solves_an_lcp_and_polish_refines():
    # M positive definite: unique solution; check complementarity (Cottle–Pang–Stone, 1992)
    rng = np.random.default_rng(0)
    R = rng.normal(size=(5, 5))
    M = R @ R.T + np.eye(5)
    q = rng.normal(size=5)
    z = lemke(M, q)
    w = q + M @ z
    assert (z >= -1e-12).all() and (w >= -1e-9).all() and abs(z @ w) < 1e-9
    g = jordan_game()
    prof, c = polish(g, [np.array([0.45, 0.55]), np.array([0.6, 0.4]), np.array([0.5, 0.5])])
    assert c < 1e-9 and np.allclose(np.concatenate(prof), 0.5)
    assert polish(g, [np.array([1.0, 0.0])] * 3) is None


@pytest.mark.parametrize("players,actions", [(2, 4), (3, 3), (4, 2), (5, 2)])
def test_simplicial_subdivision_on_more_games(players, actions):
    for seed in range(3):
        g = random_game(actions, num_players=players, seed=10 + seed)
        res = simplicial_subdivision(g, time_limit=20)
        assert res.complete and nash_conv(g, res.equilibria[0]) < 1e-9
