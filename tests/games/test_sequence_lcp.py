"""The sequence-form LCP by Lemke's algorithm (Koller, Megiddo & von Stengel, GEB 14, 1996)."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from regretlab.games import kuhn_poker
from regretlab.games.sequence_form import sequence_form_lp
from regretlab.games.sequence_lcp import lemke, sequence_form_lcp
from regretlab.games.small_games import beer_quiche, one_shot


def perturbed_kuhn(seed: int):
    """Kuhn poker with independent noise on each player's terminal payoffs (general-sum)."""
    g = kuhn_poker()
    rng = np.random.default_rng(seed)
    u = g.utilities + rng.uniform(-0.5, 0.5, g.utilities.shape)
    return dataclasses.replace(g, name=f"kuhn_perturbed_{seed}", utilities=u, meta={})


def test_zero_sum_value_equals_the_lp():
    g = kuhn_poker()
    lp = sequence_form_lp(g)
    sol = sequence_form_lcp(g)
    assert abs(sol.values[0] - lp.value) < 1e-12 and sol.nash_conv < 1e-12
    ex = sequence_form_lcp(g, exact=True)
    assert ex.exact_values == (Fraction(-1, 18), Fraction(1, 18))  # Kuhn (1950): value -1/18
    assert all(isinstance(v, Fraction) for v in ex.plans[0]) and ex.nash_conv < 1e-12


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_general_sum_kuhn_is_solved(seed):
    g = perturbed_kuhn(seed)
    assert np.ptp(g.utilities.sum(axis=1)) > 0.1  # really general-sum
    sol = sequence_form_lcp(g)
    assert sol.nash_conv < 1e-9, sol.nash_conv


def test_degenerate_signalling_game_float_and_exact():
    # beer-quiche is degenerate (the receiver is indifferent off the pooling path); both of its
    # equilibrium outcomes are pooling, so the one found must be pooling with NashConv 0
    g = beer_quiche()
    for exact in (False, True):
        sol = sequence_form_lcp(g, exact=exact)
        assert sol.nash_conv < 1e-9
        p = sol.policy
        s, w = p[g.infoset_index("strong")], p[g.infoset_index("weak")]
        assert np.allclose(s, w) and np.isclose(s.max(), 1.0)  # both types order the same breakfast
    assert sum(sol.exact_values) == sum(Fraction(v).limit_denominator(1000) for v in sol.values)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.integers(2, 4))
@example(0, 3, 3)
def test_one_shot_games_give_an_equilibrium_nashpy_finds(seed, k0, k1):
    # on a simultaneous-move game the sequence form is the normal form: the equilibrium must be
    # one of the (generically finitely many) equilibria nashpy enumerates
    import nashpy

    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-1, 1, (k0, k1)), rng.uniform(-1, 1, (k0, k1))
    g = one_shot(a, b)
    sol = sequence_form_lcp(g)
    assert sol.nash_conv < 1e-9
    x, y = sol.policy[g.infoset_index("P0"), :k0], sol.policy[g.infoset_index("P1"), :k1]
    # vertex enumeration: nashpy's support enumeration misses equilibria on some of these games
    # (e.g. seed 0, 3x3: it returns 2 of the 3 and warns "degenerate")
    found = [(np.asarray(p), np.asarray(q)) for p, q in nashpy.Game(a, b).vertex_enumeration()]
    assert any(np.abs(p - x).max() < 1e-7 and np.abs(q - y).max() < 1e-7 for p, q in found)


def test_lemke_on_a_textbook_lcp():
    # Cottle, Pang & Stone (1992), a P-matrix LCP: the unique solution z = (4/3, 7/3) of
    # w = r + Mz with M = [[2, 1], [1, 2]], r = (-5, -6)
    z, _ = lemke(np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([-5.0, -6.0]))
    assert np.allclose(z, [4 / 3, 7 / 3], atol=1e-12)
    M = np.array([[Fraction(2), Fraction(1)], [Fraction(1), Fraction(2)]], dtype=object)
    z, _ = lemke(M, np.array([Fraction(-5), Fraction(-6)], dtype=object), exact=True)
    assert z.tolist() == [Fraction(4, 3), Fraction(7, 3)]


def test_bad_input():
    from regretlab.games.poker import kuhn_poker as kuhn

    with pytest.raises(ValueError, match="needs a 2-player game"):
        sequence_form_lcp(kuhn(3))
    with pytest.raises(TypeError, match="game must be a Treeplex"):
        sequence_form_lcp("kuhn")
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        sequence_form_lcp(kuhn(), time_limit=0)
    with pytest.raises(RuntimeError, match="max_pivots=3"):
        sequence_form_lcp(kuhn(), max_pivots=3)
