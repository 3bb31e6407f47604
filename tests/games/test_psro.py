"""PSRO and double oracle with exact best responses (issue 18) on normal-form and extensive-form
games: exact equilibria where the double oracle converges, the other meta-solvers' curves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regretlab.games import kuhn_poker
from regretlab.games.evaluation import expected_value, nash_conv
from regretlab.games.normal_form import (
    NormalFormGame, random_game, rock_paper_scissors, zero_sum_game, zero_sum_nash,
)
from regretlab.games.normal_form.gaps import nash_conv as nf_nash_conv
from regretlab.games.psro import double_oracle, psro


def test_double_oracle_solves_kuhn_exactly():
    g = kuhn_poker()
    res = double_oracle(g)
    assert res.stopped in ("converged", "tol")
    assert res.nash_conv[-1] < 1e-9 and nash_conv(g, res.profile) < 1e-9
    assert abs(expected_value(g, res.profile)[0] + 1 / 18) < 1e-9  # Kuhn (1950): the value -1/18
    assert max(res.population_sizes) < 20  # far fewer than Kuhn's 64 pure strategies per player


def test_psro_nash_reaches_1e3_on_kuhn_with_tol():
    res = psro(kuhn_poker(), "nash", iterations=100, tol=1e-3)
    assert res.stopped == "tol" and res.nash_conv[-1] <= 1e-3


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(5, 25))
def test_double_oracle_on_zero_sum_matrix_games(seed, k):
    g = zero_sum_game(k, seed=seed)
    res = double_oracle(g)
    assert res.stopped in ("converged", "tol")
    assert nf_nash_conv(g, res.profile) < 1e-9
    value = float(res.profile[0] @ g.payoffs[0] @ res.profile[1])
    assert abs(value - zero_sum_nash(g).value) < 1e-9


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_double_oracle_general_sum_bimatrix(seed):
    # Lemke–Howson meta-solver: at convergence no player has a better pure response in the full game
    g = random_game(8, seed=seed)
    res = double_oracle(g)
    assert res.stopped in ("converged", "tol") and nf_nash_conv(g, res.profile) < 1e-9


def test_alpharank_and_uniform_meta_solvers():
    g3 = kuhn_poker(3)
    for solver in ("alpharank", "uniform"):
        res = psro(g3, solver, iterations=8)
        assert len(res.nash_conv) == res.iterations + 1 and np.isfinite(res.nash_conv).all()
        assert res.nash_conv[-1] < res.nash_conv[0]
        assert abs(nash_conv(g3, res.profile) - res.nash_conv[-1]) < 1e-12
    nf = random_game(4, num_players=3, seed=3)
    res = psro(nf, "alpharank", iterations=20)
    assert res.stopped == "converged" and len(res.meta_strategies) == 3
    for m, n in zip(res.meta_strategies, res.population_sizes):
        assert m.shape == (n,) and abs(m.sum() - 1) < 1e-12


def test_time_limit_and_iterations_stop_early():
    res = psro(zero_sum_game(40, seed=0), "nash", iterations=2)
    assert res.stopped == "iterations" and res.iterations == 2
    res = psro(kuhn_poker(), "nash", iterations=100, time_limit=1e-9)
    assert res.stopped == "time_limit" and res.iterations == 0


def test_bad_input():
    with pytest.raises(ValueError, match="meta_solver must be one of"):
        psro(rock_paper_scissors(), "prd")
    with pytest.raises(ValueError, match="needs a 2-player game"):
        psro(kuhn_poker(3), "nash")
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        psro(kuhn_poker(), time_limit=0)
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        psro(kuhn_poker(), time_limit=-1.0)
    with pytest.raises(ValueError, match="iterations must be an integer >= 1"):
        psro(kuhn_poker(), iterations=0)
    with pytest.raises(ValueError, match=r"initial\[1\]"):
        psro(rock_paper_scissors(), initial=[0, 3])
    with pytest.raises(TypeError, match="NormalFormGame or a Treeplex"):
        psro("kuhn")
    bad = np.zeros((2, 2, 2))
    bad[1, 0, 0] = np.inf
    with pytest.raises(ValueError, match="payoffs must be finite"):
        psro(NormalFormGame(bad))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_support_restricted_meta_solve_is_exact(seed):
    from regretlab.games.psro import _minimax, _minimax_on_support

    a = np.random.default_rng(seed).normal(size=(40, 35))
    x, y = _minimax_on_support(a, [np.arange(3), np.arange(2)])
    x0, y0 = _minimax(a)
    assert abs(x @ a @ y - x0 @ a @ y0) < 1e-9
    assert (a @ y).max() - (x @ a).min() < 1e-9  # x and y are minimax strategies of the whole matrix


def test_leduc_meta_game_equals_exact_evaluation():
    # the meta-game grown row by row from the sequence form equals head-to-head tree evaluation
    from regretlab.games import leduc_poker
    from regretlab.games.evaluation import head_to_head

    g = leduc_poker()
    res = psro(g, "nash", iterations=12)
    assert res.stopped == "iterations" and res.population_sizes == (13, 13)
    assert res.nash_conv[-1] < res.nash_conv[0]  # (not monotone in between: the double oracle is not)
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, 13, size=(6, 2)):
        np.testing.assert_allclose(res.meta_game[:, i, j],
                                   head_to_head(g, [res.populations[0][i], res.populations[1][j]]), atol=1e-12)
    assert abs(nash_conv(g, res.profile) - res.nash_conv[-1]) < 1e-12
    value = res.meta_strategies[0] @ res.meta_game[0] @ res.meta_strategies[1]
    assert abs(value - expected_value(g, res.profile)[0]) < 1e-12
