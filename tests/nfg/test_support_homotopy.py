"""normal_form.support_homotopy: certified all-solutions of support systems of any shape, and
certified support enumeration on the shapes the closed-form solvers do not cover."""

from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regretlab.games.normal_form import NormalFormGame, nash_conv
from regretlab.games.normal_form.nplayer import (
    _newton,
    _system,
    enumerate_supports,
    logit_homotopy,
    polish,
)
from regretlab.games.normal_form.support_homotopy import (
    bezout_number,
    solve_by_homotopy,
)
from regretlab.games.normal_form.support_systems import solve_support


def _plant(tens, xs):
    """Shift each player's payoffs per action so that the mixtures ``xs`` make every player
    indifferent: a planted totally mixed solution (the rest of the game stays random)."""
    tens = tens.copy()
    for i in range(len(xs)):
        m = np.moveaxis(tens[i], i, 0)
        u = m
        for j in (j for j in range(len(xs)) if j != i):
            u = np.tensordot(u, xs[j], axes=([1], [0]))
        m -= (u - u[0]).reshape((-1,) + (1,) * (m.ndim - 1))
        tens[i] = np.moveaxis(m, 0, i)
    return tens


def _residual(tens, z):
    ks = list(tens.shape[1:])
    off = np.concatenate([[0], np.cumsum(ks)])
    F, _ = _system(tens, [z[None, off[i]:off[i + 1]] for i in range(len(ks))])
    return float(np.abs(F).max())


def _solutions(tens, pts):
    """The candidates that are solutions with every entry >= 0 (Newton-polished, deduplicated)."""
    if not len(pts):
        return pts
    z, ok = _newton(tens, pts.copy(), list(tens.shape[1:]))
    z = z[ok & (z >= -1e-9).all(1)]
    return np.unique(z.round(8), axis=0)


def _coefficient(ks):
    """An independent count of the multihomogeneous Bezout number: the coefficient of
    ``Π_j a_j^{k_j - 1}`` in ``Π_i (Σ_{j≠i} a_j)^{k_i - 1}`` (Morgan & Sommese 1987; for
    games, McKelvey & McLennan, JET 72, 1997), by expanding the product as a dict of monomials."""
    P = len(ks)
    poly = {(0,) * P: 1}
    for i, k in enumerate(ks):
        for _ in range(k - 1):
            new = {}
            for mono, c in poly.items():
                for j in range(P):
                    if j != i and mono[j] < ks[j] - 1:
                        m = list(mono)
                        m[j] += 1
                        new[tuple(m)] = new.get(tuple(m), 0) + c
            poly = new
    return poly.get(tuple(k - 1 for k in ks), 0)


def test_bezout_numbers_are_mckelvey_mclennans_bounds():
    # McKelvey & McLennan (JET 72, 1997): 2 (2x2x2), 9 (2x2x2x2), 10 (3x3x3); for n players
    # with two actions each the bound is the number of derangements of n (44 for n = 5)
    assert [bezout_number(ks) for ks in [(2, 2, 2), (2, 2, 2, 2), (3, 3, 3), (2,) * 5, (2,) * 6]] == [2, 9, 10, 44, 265]
    assert bezout_number((3, 3)) == 1 and bezout_number((4, 2, 2)) == 0 and bezout_number((4, 3, 2)) == 3


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(2, 4), min_size=2, max_size=5))
def test_bezout_number_is_the_coefficient_of_the_multidegree_product(ks):
    assert bezout_number(ks) == _coefficient(ks)


# shapes that support_systems' closed-form solvers do not cover
@pytest.mark.parametrize("shape,trials", [((4, 3, 2), 4), ((4, 3, 3), 3), ((3, 2, 2, 2), 3), ((2, 2, 2, 2, 2), 2),
                                          ((4, 4, 4), 1)])
def test_planted_solutions_are_found_and_counts_respect_the_bound(shape, trials):
    rng = np.random.default_rng(sum(shape) + 31 * len(shape))
    for _ in range(trials):
        xs = [rng.dirichlet(2 * np.ones(k)) for k in shape]
        tens = _plant(rng.standard_normal((len(shape),) + shape), xs)
        sol = solve_support(tens)
        assert sol.status == "exact"  # certified by the homotopy
        for z in sol.points:
            assert _residual(tens, z) < 1e-9
        assert len(sol.points) <= bezout_number(shape)
        assert any(np.abs(p - np.concatenate(xs)).max() < 1e-8 for p in sol.points)
        # an independent search: Newton from perturbed random starts finds nothing more
        z0 = np.concatenate([rng.dirichlet(np.ones(k), size=150) for k in shape], axis=1)
        zn, ok = _newton(tens, z0 + 0.1 * rng.standard_normal(z0.shape), list(shape), iters=60)
        for row in zn[ok]:
            if (row >= -1e-9).all():
                assert any(np.abs(row - p).max() < 1e-6 for p in sol.points)


@pytest.mark.parametrize("shape", [(2, 2, 2), (3, 2, 2), (3, 3, 2), (3, 3, 3), (2, 2, 2, 2), (1, 3, 2, 2)])
def test_same_solutions_as_the_closed_form_solvers(shape):
    # a differential test on the shapes support_systems solves by resultants / Cramer's rule
    rng = np.random.default_rng(7 * sum(shape) + len(shape))
    count = 0
    for _ in range(8):
        xs = [rng.dirichlet(2 * np.ones(k)) for k in shape]
        tens = rng.standard_normal((len(shape),) + shape)
        if rng.random() < 0.5:
            tens = _plant(tens, xs)
        hom = solve_by_homotopy(tens)
        exact = solve_support(tens)
        assert hom is not None and exact.status == "exact"
        a, b = _solutions(tens, hom.points), _solutions(tens, exact.points)
        assert len(a) == len(b)
        assert all((np.abs(b - p).max(1) < 1e-7).any() for p in a)
        count += len(a)
    assert count > 0


def test_same_input_same_result():
    tens = np.random.default_rng(3).standard_normal((3, 4, 3, 2))
    a, b = solve_by_homotopy(tens), solve_by_homotopy(tens)
    assert np.array_equal(a.points, b.points)


@pytest.mark.parametrize("shape,seed", [((4, 3, 2), 1), ((2, 2, 2, 2, 2), 1), ((3, 2, 2, 2), 1)])
def test_games_of_uncovered_shapes_are_certified(shape, seed):
    g = NormalFormGame(np.random.default_rng(seed).standard_normal((len(shape),) + shape))
    res = enumerate_supports(g, time_limit=120)
    assert res.certified and res.info["newton_supports"] == 0 and res.info["continuum_supports"] == 0
    assert len(res.equilibria) % 2 == 1  # generic: odd (Wilson 1971)
    assert all(nash_conv(g, e) < 1e-9 for e in res.equilibria)
    keys = {tuple(np.round(np.concatenate(e), 6)) for e in res.equilibria}
    rng = np.random.default_rng(100 + seed)
    hits = {tuple(np.round(np.concatenate(f[0]), 6)) for f in
            (polish(g, [rng.dirichlet(np.ones(k) * 0.5) for k in shape]) for _ in range(40)) if f is not None}
    # independent searches: polish from random profiles, and the logit path's equilibrium
    hits |= {tuple(np.round(np.concatenate(e), 6)) for e in logit_homotopy(g, time_limit=30).equilibria}
    assert hits and hits <= keys


def test_dummy_and_continuum_supports_are_not_certified():
    # all payoffs zero: every profile is a solution
    assert solve_by_homotopy(np.zeros((5, 2, 2, 2, 2, 2))) is None
    assert solve_support(np.zeros((3, 4, 3, 2))).status != "exact"
    # player one's first two actions are copies for everyone: a line of solutions
    rng = np.random.default_rng(4)
    xs = [rng.dirichlet(2 * np.ones(k)) for k in (4, 3, 2)]
    tens = _plant(rng.standard_normal((3, 4, 3, 2)), xs)
    tens[:, 1] = tens[:, 0]
    assert solve_by_homotopy(tens) is None
    g = NormalFormGame(tens)
    res = enumerate_supports(g, time_limit=60)
    assert res.complete and not res.certified
    assert all(nash_conv(g, e) < 1e-9 for e in res.equilibria)
    # a dummy player (constant payoffs) in a 2x2x2x2x2 game
    t5 = np.random.default_rng(5).standard_normal((5, 2, 2, 2, 2, 2))
    t5[0] = 1.0
    assert solve_by_homotopy(t5) is None
    assert not enumerate_supports(NormalFormGame(t5), time_limit=60).certified


@pytest.mark.parametrize("shape,seed", [((4, 3, 2), 1), ((2, 2, 2, 2, 2), 1)])
def test_gambit_enumpoly_equilibria_are_all_found(shape, seed):
    gbt = pytest.importorskip("pygambit", reason="pygambit (the optional [gambit] extra) is not installed")
    P = np.round(np.random.default_rng(seed).uniform(-1, 1, size=(len(shape),) + shape), 6)
    g = gbt.Game.from_arrays(*P)
    theirs = [[np.array([float(eq[s]) for s in p.strategies]) for p in g.players]
              for eq in gbt.nash.enumpoly_solve(g).equilibria]
    res = enumerate_supports(NormalFormGame(P))
    assert res.certified and theirs
    for prof in theirs:
        assert any(all(np.abs(a - b).max() < 1e-6 for a, b in zip(prof, q)) for q in res.equilibria)
    for q in res.equilibria:  # Gambit confirms every equilibrium of ours (enumpoly may list fewer)
        prof = g.mixed_strategy_profile()
        for p, x in zip(g.players, q):
            for s, v in zip(p.strategies, x):
                prof[s] = float(v)
        assert float(prof.max_regret()) < 1e-9


def test_totally_mixed_counts_never_exceed_the_bound():
    # random (not planted) systems: the number of totally mixed solutions is <= the bound (0
    # for (4, 2, 2): more equations than unknowns)
    rng = np.random.default_rng(11)
    for shape in product((2, 3), (2, 3), (2, 4)):
        tens = rng.standard_normal((3,) + shape)
        sol = solve_by_homotopy(tens)
        assert sol is not None
        inside = sol.points[(sol.points > 0).all(1)]
        assert len(inside) <= bezout_number(shape)


def test_more_equations_than_unknowns():
    # (5, 2, 2, 2): player one's 4 equations in the other 3 weights (Bezout number 0); a generic
    # system has no solution, certified by solving 3 combinations of them (6 zeros) and seeing
    # the 4th nonzero at each; a planted solution makes them dependent: no certificate then
    assert bezout_number((5, 2, 2, 2)) == 0
    rng = np.random.default_rng(12)
    for _ in range(3):
        sol = solve_support(rng.standard_normal((4, 5, 2, 2, 2)))
        assert sol.status == "exact" and sol.points.shape == (0, 11)
    xs = [rng.dirichlet(2 * np.ones(k)) for k in (5, 2, 2, 2)]
    assert solve_by_homotopy(_plant(rng.standard_normal((4, 5, 2, 2, 2)), xs)) is None
    g = NormalFormGame(np.random.default_rng(1).standard_normal((4, 5, 2, 2, 2)))
    res = enumerate_supports(g, time_limit=120)
    assert res.certified and len(res.equilibria) % 2 == 1
    assert all(nash_conv(g, e) < 1e-9 for e in res.equilibria)


def test_the_certificate_rejects_met_paths_and_poor_endpoints(monkeypatch):
    from regretlab.games.normal_form import support_homotopy as sh

    tens = np.random.default_rng(6).standard_normal((3, 4, 3, 2))
    assert solve_by_homotopy(tens) is not None
    real_track = sh._track

    def met(hom, Y0, **kw):  # two paths end at the same zero
        Y, ok = real_track(hom, Y0, **kw)
        Y[1] = Y[0]
        return Y, ok

    def poor(hom, Y0, **kw):  # an endpoint far from any zero (the alpha test must fail)
        Y, ok = real_track(hom, Y0, **kw)
        Y[0] = Y[0] + 0.3
        return Y, ok

    monkeypatch.setattr(sh, "_newton", lambda hom, Y, c, iters, real=False: Y)
    assert solve_by_homotopy(tens) is not None  # the tracked endpoints alone pass
    monkeypatch.undo()
    for fake in (met, poor):
        monkeypatch.setattr(sh, "_track", fake)
        monkeypatch.setattr(sh, "_track_compiled", fake)  # the default (compiled) tracker too
        monkeypatch.setattr(sh, "_newton", lambda hom, Y, c, iters, real=False: Y)  # no polishing
        assert solve_by_homotopy(tens) is None
        monkeypatch.undo()


@pytest.mark.parametrize("kwargs, needle", [
    ({"tens": "x"}, "numeric payoff tensor"),
    ({"tens": np.zeros((2, 2, 2, 2))}, r"\[P, k_1, ..., k_P\]"),
    ({"tens": np.full((3, 2, 2, 2), np.nan)}, "NaN or inf"),
    ({"tens": np.zeros((3, 2, 2, 2)), "max_paths": 0}, "max_paths"),
    ({"tens": np.zeros((3, 2, 2, 2)), "attempts": 0}, "attempts"),
])
def test_bad_input_names_the_argument(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        solve_by_homotopy(**kwargs)
