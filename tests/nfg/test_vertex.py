"""Bimatrix vertex enumeration (float and exact) against nashpy and on degenerate games."""

import warnings
from fractions import Fraction

import nashpy
import numpy as np
import pytest

from regretlab.games.normal_form import NormalFormGame, nash_conv, random_game
from regretlab.games.normal_form.vertex import certify_equilibrium, vertex_enumeration


def _key(x, y):
    return tuple(np.round(np.concatenate([np.asarray(x, float), np.asarray(y, float)]), 8))


@pytest.mark.parametrize("shape,seed", [((3, 3), 0), ((4, 4), 1), ((5, 3), 2), ((4, 6), 3), ((6, 6), 4)])
def test_equals_nashpy_vertex_enumeration_on_nondegenerate_games(shape, seed):
    g = random_game(list(shape), seed=seed)
    mine = vertex_enumeration(g)
    ref = list(nashpy.Game(*g.bimatrix()).vertex_enumeration())
    assert sorted(_key(*e) for e in mine) == sorted(_key(*e) for e in ref)
    assert all(nash_conv(g, list(e)) < 1e-9 for e in mine)


def _stengel():
    # B. von Stengel, "Computing equilibria for two-person games", Handbook of Game Theory 3
    # (2002), the degenerate 3x2 example: the top row has two best responses
    return NormalFormGame.from_bimatrix([[3, 3], [2, 5], [0, 6]], [[3, 3], [2, 6], [3, 1]])


def test_degenerate_game_extreme_equilibria_that_support_enumeration_misses():
    g = _stengel()
    mine = {_key(*e) for e in vertex_enumeration(g)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        supp = {_key(*e) for e in nashpy.Game(*g.bimatrix()).support_enumeration()}
    assert supp < mine  # strictly more: the unequal-support extreme point
    assert _key([1, 0, 0], [2 / 3, 1 / 3]) in mine - supp
    exact = vertex_enumeration(g, exact=True)
    assert {_key(*e) for e in exact} == mine
    assert ([Fraction(1), Fraction(0), Fraction(0)], [Fraction(2, 3), Fraction(1, 3)]) in exact
    assert all(certify_equilibrium(*g.bimatrix(), x, y) for x, y in exact)


@pytest.mark.parametrize("seed", range(3))
def test_degenerate_integer_games_exact_and_float_agree(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 3, size=(2, 4, 4))  # small integers: many ties
    g = NormalFormGame.from_bimatrix(a, b)
    exact = vertex_enumeration(a.tolist(), b.tolist(), exact=True)
    assert exact and all(certify_equilibrium(a, b, x, y) for x, y in exact)
    assert all(nash_conv(g, [np.array(x, float), np.array(y, float)]) < 1e-12 for x, y in exact)
    assert {_key(*e) for e in vertex_enumeration(g)} == {_key(*e) for e in exact}


def test_fraction_and_string_input_and_errors():
    eqs = vertex_enumeration([["1/2", 0], [0, "1/2"]], [[1, 0], [0, 1]], exact=True)
    assert ([Fraction(1, 3), Fraction(2, 3)], [Fraction(1, 2), Fraction(1, 2)]) not in eqs
    assert ([Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 2), Fraction(1, 2)]) in eqs
    with pytest.raises(ValueError, match="2-player"):
        vertex_enumeration(random_game(2, num_players=3))
    with pytest.raises(ValueError, match="time_limit"):
        vertex_enumeration(_stengel(), time_limit=0)
    with pytest.raises(TimeoutError, match="time_limit"):
        vertex_enumeration(random_game(9, seed=0), exact=True, time_limit=1e-4)
    with pytest.raises(ValueError, match="bases per polytope"):
        vertex_enumeration(random_game(14, seed=0))
    assert not certify_equilibrium([[1, 0], [0, 1]], [[1, 0], [0, 1]], [0.5, 0.5], [1, 0])
