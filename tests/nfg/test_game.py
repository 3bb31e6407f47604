"""Normal-form games: validation, generators, load/save, utilities and gaps."""

import json

import numpy as np
import pytest

from regretlab.games.normal_form import (
    GENERATORS, NormalFormGame, cce_gap, ce_gap, chicken, coordination, make_game,
    matching_pennies, nash_conv, potential_game, prisoners_dilemma, random_game, rescale,
    rock_paper_scissors, shapley_game, zero_sum_game,
)


def test_inconsistent_shapes_raise_naming_payoffs():
    with pytest.raises(ValueError, match=r"payoffs.*same shape"):
        NormalFormGame([np.zeros((2, 3)), np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"payoffs must have shape \[P, K1, ..., KP\]"):
        NormalFormGame(np.zeros((3, 2, 2)))  # 3 payoff tables for 2 action axes
    with pytest.raises(ValueError, match="row and col"):
        NormalFormGame.from_bimatrix(np.zeros((2, 2)), np.zeros((2, 3)))


def test_nan_payoff_raises_with_location():
    pay = np.zeros((2, 2, 3))
    pay[1, 0, 2] = np.nan
    with pytest.raises(ValueError, match=r"payoffs must be finite.*index \[1, 0, 2\]"):
        NormalFormGame(pay)


def test_bad_strategies_and_joint_raise():
    g = random_game(3, seed=0)
    with pytest.raises(ValueError, match="strategies must be a list of 2"):
        nash_conv(g, [np.ones(3) / 3])
    with pytest.raises(ValueError, match=r"strategies\[1\] must have shape"):
        nash_conv(g, [np.ones(3) / 3, np.ones(2) / 2])
    with pytest.raises(ValueError, match="joint must have shape"):
        cce_gap(g, np.ones((3, 2)) / 6)
    with pytest.raises(ValueError, match="probability distribution"):
        cce_gap(g, np.ones((3, 3)))


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_build_valid_games(name):
    g = make_game(name)
    assert g.payoffs.shape[0] == g.num_players
    assert np.isfinite(g.payoffs).all()


def test_generator_properties():
    # zero-sum games sum to zero; a potential game's unilateral differences equal the potential's
    assert zero_sum_game(4, seed=3).is_zero_sum()
    assert rock_paper_scissors().is_zero_sum() and matching_pennies().is_zero_sum()
    assert not prisoners_dilemma().is_zero_sum()
    g = potential_game([3, 4, 2], seed=1)
    phi = g._cache["potential"]
    for i in range(3):
        d_u = np.diff(g.payoffs[i], axis=i)
        d_phi = np.diff(phi, axis=i)
        np.testing.assert_allclose(d_u, d_phi, atol=1e-12)  # Monderer & Shapley (1996) exact potential
    r = random_game([2, 3, 4], seed=5)
    assert r.payoffs.shape == (3, 2, 3, 4) and r.payoffs.min() >= 0 and r.payoffs.max() <= 1
    np.testing.assert_array_equal(random_game(3, seed=7).payoffs, random_game(3, seed=7).payoffs)
    s = rescale(chicken())
    assert s.payoffs.min() == 0 and s.payoffs.max() == 1


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_load_save_roundtrip(tmp_path, suffix):
    g = random_game([2, 3, 2], seed=4)
    path = g.save(tmp_path / f"g{suffix}")
    h = NormalFormGame.load(path)
    np.testing.assert_array_equal(g.payoffs, h.payoffs)
    assert h.name == g.name


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        NormalFormGame.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"payoffs": [[[1, 2]], [[1, 2], [3, 4]]]}))
    with pytest.raises(ValueError, match="payoffs"):
        NormalFormGame.load(bad)
    with pytest.raises(ValueError, match=r"\.npz or \.json"):
        random_game(2).save(tmp_path / "g.txt")


def test_utilities_match_brute_force():
    g = random_game([2, 3, 4], seed=2)
    rng = np.random.default_rng(0)
    xs = [rng.dirichlet(np.ones(k)) for k in g.num_actions]
    joint = np.einsum("a,b,c->abc", *xs)
    want = np.array([(g.payoffs[i] * joint).sum() for i in range(3)])
    np.testing.assert_allclose(g.expected_utility(xs), want)
    np.testing.assert_allclose(g.joint_from_product(xs), joint)
    dev1 = np.einsum("abc,a,c->b", g.payoffs[1], xs[0], xs[2])
    np.testing.assert_allclose(g.deviation_utilities(xs, 1), dev1)
    # batched == per-row
    xb = [np.stack([x, rng.dirichlet(np.ones(len(x)))]) for x in xs]
    np.testing.assert_allclose(g.expected_utility(xb)[0], want)


def test_gaps_on_known_profiles():
    # Matching pennies: uniform is the NE (NashConv 0); pure (H, H) has NashConv 2 (the column
    # player gains 2 by switching, the row player 0).
    mp = matching_pennies()
    u = np.ones(2) / 2
    assert abs(nash_conv(mp, [u, u])) < 1e-12
    assert nash_conv(mp, [np.array([1.0, 0]), np.array([1.0, 0])]) == pytest.approx(2.0)
    # Prisoner's dilemma: mutual cooperation has CCE gap 2 (T - R = 5 - 3); (D, D) is a CE.
    pd = prisoners_dilemma()
    cc = np.zeros((2, 2)); cc[0, 0] = 1
    dd = np.zeros((2, 2)); dd[1, 1] = 1
    assert cce_gap(pd, cc) == pytest.approx(2.0)
    assert ce_gap(pd, dd) == pytest.approx(0.0) and cce_gap(pd, dd) == pytest.approx(0.0)
    # Chicken: "(S,S), (S,D), (D,S) each 1/3" is a CE (Aumann 1974's traffic-light example):
    # told S, the row player gets 0*½ + (-1)*½ = -½ and deviating to D gives 1*½ + (-10)*½ = -4.5.
    ch = chicken()
    mu = np.array([[1, 1], [1, 0]]) / 3
    assert ce_gap(ch, mu) == pytest.approx(0.0, abs=1e-12)
    # Coordination: a public 50/50 coin choosing one of the two matches is a CE (gap 0).
    co = coordination()
    assert ce_gap(co, np.eye(2) / 2) == pytest.approx(0.0)
    # CE gap >= CCE gap always (a swap function subsumes every constant deviation)
    rng = np.random.default_rng(1)
    for _ in range(20):
        g = random_game([3, 2, 2], seed=int(rng.integers(1 << 30)))
        mu = rng.dirichlet(np.ones(12)).reshape(3, 2, 2)
        assert ce_gap(g, mu) >= cce_gap(g, mu) - 1e-12


def test_shapley_game_unique_uniform_equilibrium():
    g = shapley_game()
    u = np.ones(3) / 3
    assert abs(nash_conv(g, [u, u])) < 1e-12
