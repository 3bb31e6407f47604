"""normal_form.support_systems: every solution of a support's indifference system, and when
support enumeration is certified complete."""

import numpy as np
import pytest

from regretlab.games.normal_form import NormalFormGame, nash_conv, random_game
from regretlab.games.normal_form.nplayer import (
    _newton,
    _system,
    enumerate_supports,
    polish,
)
from regretlab.games.normal_form.support_systems import solve_support


def _residual(tens, z):
    ks = list(tens.shape[1:])
    off = np.concatenate([[0], np.cumsum(ks)])
    F, _ = _system(tens, [z[None, off[i]:off[i + 1]] for i in range(len(ks))])
    return float(np.abs(F).max())


@pytest.mark.parametrize("shape", [(2, 2, 2), (3, 2, 2), (2, 3, 2), (2, 2, 3), (2, 1, 2, 2), (3, 3), (4, 2),
                                   (3, 3, 2), (2, 3, 3), (4, 2, 4)])
def test_every_returned_point_solves_the_system_and_isolated_counts_respect_the_bounds(shape):
    rng = np.random.default_rng(sum(shape) * 7 + len(shape))
    for _ in range(40):
        tens = rng.standard_normal((len(shape),) + shape)
        sol = solve_support(tens)
        assert sol.status == "exact"
        for z in sol.points:
            assert _residual(tens, z) < 1e-9
        # three mixers on (k, 2, 2): at most 2 isolated solutions (McKelvey & McLennan, JET 72,
        # 1997, for 2x2x2; two bilinear equations in two unknowns have mixed volume 2); two
        # mixers: a generic linear system has one solution, a non-square one none
        # (k, k, 2): the univariate polynomial has degree <= 2k - 2
        mixers = sum(k > 1 for k in shape)
        big = max(shape)
        bound = (2 if sorted(shape)[-2] == 2 else 2 * big - 2) if mixers == 3 else (
            1 if len({k for k in shape if k > 1}) == 1 else 0)
        assert len(sol.points) <= bound


@pytest.mark.parametrize("shape", [(3, 3, 2), (2, 3, 2), (2, 2, 2), (4, 2, 4)])
def test_no_nonnegative_solution_that_newton_finds_is_missing(shape):
    # an independent search on the support system alone: Newton from 300 perturbed random
    # starts; each solution with every mixture entry >= 0 must be among the exact ones
    rng = np.random.default_rng(len(shape) + 10 * sum(shape))
    ks = list(shape)
    for _ in range(8):
        tens = rng.standard_normal((3,) + shape)
        exact = solve_support(tens).points
        z0 = np.concatenate([rng.dirichlet(np.ones(k), size=300) for k in ks], axis=1)
        z, ok = _newton(tens, z0 + 0.3 * rng.standard_normal(z0.shape), ks, iters=60)
        for row in z[ok]:
            if (row >= -1e-9).all():
                assert any(np.abs(row - p).max() < 1e-6 for p in exact)


def test_degenerate_shapes_are_flagged():
    assert solve_support(np.zeros((3, 2, 2, 2))).status == "continuum"
    assert solve_support(np.zeros((2, 1, 3))).status == "continuum"  # one mixer, all ties
    assert solve_support(np.zeros((2, 3, 3))).status == "continuum"
    rng = np.random.default_rng(0)
    # these shapes are solved by the certified homotopy (support_homotopy, test_support_homotopy.py)
    assert solve_support(rng.standard_normal((3, 3, 3, 4))).status == "exact"
    assert solve_support(rng.standard_normal((3, 3, 4, 2))).status == "exact"
    assert solve_support(rng.standard_normal((4, 3, 2, 2, 2))).status == "exact"
    assert solve_support(rng.standard_normal((5, 2, 2, 2, 2, 2))).status == "exact"
    assert solve_support(rng.standard_normal((4, 5, 2, 2, 2))).status == "exact"  # certainly no solution
    assert solve_support(np.zeros((4, 3, 2, 2, 2))).status == "unsupported"  # no certificate: Newton
    assert solve_support(rng.standard_normal((2, 1, 3))).points.shape == (0, 4)  # no tie: none


@pytest.mark.parametrize("seed,shape", [(s, (3, 2, 2)) for s in range(1, 5)] + [(s, (2, 3, 3)) for s in (2, 5)])
def test_3x2x2_and_2x3x3_games_are_certified_and_contain_every_equilibrium_newton_finds(seed, shape):
    g = NormalFormGame(np.random.default_rng(seed).standard_normal((3,) + shape))
    res = enumerate_supports(g)
    assert res.certified and len(res.equilibria) % 2 == 1  # generic: odd (Wilson 1971)
    assert all(nash_conv(g, e) < 1e-9 for e in res.equilibria)
    keys = {tuple(np.round(np.concatenate(e), 6)) for e in res.equilibria}
    # an independent search: polish (Newton on the supports of the profile) from random profiles
    rng = np.random.default_rng(1000 + seed)
    hits = set()
    for _ in range(60):
        found = polish(g, [rng.dirichlet(np.ones(k) * 0.5) for k in g.num_actions])
        if found is not None:
            hits.add(tuple(np.round(np.concatenate(found[0]), 6)))
    assert hits and hits <= keys


def _plant(tens, xs):
    """Shift each player's payoffs per action (a constant for each action, which keeps the
    game's strategic structure otherwise random) so that the mixtures ``xs`` make every player
    indifferent: a planted totally mixed solution."""
    tens = tens.copy()
    for i in range(len(xs)):
        m = np.moveaxis(tens[i], i, 0)
        u = m
        for j in (j for j in range(len(xs)) if j != i):
            u = np.tensordot(u, xs[j], axes=([1], [0]))
        m -= (u - u[0]).reshape((-1,) + (1,) * (m.ndim - 1))
        tens[i] = np.moveaxis(m, 0, i)
    return tens


# at most 10 isolated totally mixed solutions on 3x3x3 and 9 on 2x2x2x2 (McKelvey & McLennan, JET 72, 1997)
@pytest.mark.parametrize("shape,bound,trials,seed,starts", [((3, 3, 3), 10, 30, 9, 300), ((4, 3, 4), None, 6, 9, 300),
                                                          ((2, 2, 2, 2), 9, 15, 8, 200),
                                                          ((3, 3, 2, 2), None, 5, 10, 200)])
def test_hidden_supports_find_every_planted_solution(shape, bound, trials, seed, starts):
    # three mixers with a 3-action player hidden, and four mixers with two 2-action players hidden
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        xs = [rng.dirichlet(2 * np.ones(k)) for k in shape]
        tens = _plant(rng.standard_normal((len(shape),) + shape), xs)
        sol = solve_support(tens)
        assert sol.status == "exact"
        z, ok = _newton(tens, sol.points.copy(), list(shape))
        sols = np.unique(z[ok].round(9), axis=0)
        assert bound is None or len(sols) <= bound
        assert any(np.abs(p - np.concatenate(xs)).max() < 1e-8 for p in sols)
        # an independent search from perturbed random starts finds nothing more
        z0 = np.concatenate([rng.dirichlet(np.ones(k), size=starts) for k in shape], axis=1)
        zn, okn = _newton(tens, z0 + 0.1 * rng.standard_normal(z0.shape), list(shape), iters=60)
        for row in zn[okn]:
            if (row >= -1e-9).all():
                assert any(np.abs(row - p).max() < 1e-6 for p in sols)


@pytest.mark.parametrize("seed", [3, 7])
def test_3x3x3_games_are_certified(seed):
    g = random_game(3, num_players=3, seed=seed)
    res = enumerate_supports(g)
    assert res.certified and len(res.equilibria) % 2 == 1
    assert all(nash_conv(g, e) < 1e-9 for e in res.equilibria)
    keys = {tuple(np.round(np.concatenate(e), 6)) for e in res.equilibria}
    rng = np.random.default_rng(seed)
    hits = {tuple(np.round(np.concatenate(f[0]), 6)) for f in
            (polish(g, [rng.dirichlet(np.ones(3) * 0.5) for _ in range(3)]) for _ in range(40)) if f is not None}
    assert hits and hits <= keys


def test_larger_games_say_they_are_not_certified():
    tens = np.random.default_rng(1).standard_normal((3, 4, 3, 2))
    tens[:, 1] = tens[:, 0]  # player one's first two actions are copies: a continuum on (4, 3, 2)
    for g in (NormalFormGame(tens),):
        res = enumerate_supports(g, time_limit=30)
        assert res.complete and not res.certified and res.info["newton_supports"] > 0
    res = enumerate_supports(random_game(2, num_players=3, seed=0), first_only=True)
    assert not res.certified  # stopped at the first equilibrium


def test_two_player_games_certified_unless_a_continuum():
    assert enumerate_supports(random_game(4, seed=3)).certified
    # row player indifferent everywhere: every column strategy pairs with row's best responses
    g = NormalFormGame.from_bimatrix(np.zeros((2, 2)), np.array([[1.0, 0.0], [0.0, 1.0]]))
    res = enumerate_supports(g)
    assert not res.certified and res.info["continuum_supports"] > 0
    assert all(nash_conv(g, e) < 1e-9 for e in res.equilibria)
