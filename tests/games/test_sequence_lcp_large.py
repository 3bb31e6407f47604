"""The compiled float Lemke path of the sequence-form LCP against the exact-Fraction reference,
on a mid-size general-sum game, and against Gambit's ``lcp_solve`` (Koller, Megiddo & von
Stengel, GEB 14, 1996)."""

from __future__ import annotations

import dataclasses
import io
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp

from regretlab.games import kuhn_poker
from regretlab.games.sequence_form import sequence_form_lp
from regretlab.games.sequence_lcp import _lcp, _resolve, sequence_form_lcp
from regretlab.games.small_games import beer_quiche, one_shot


def noisy(game, seed: int, name: str):
    """``game`` with independent seeded noise U(-1/2, 1/2) on each player's payoffs (general-sum)."""
    u = game.utilities + np.random.default_rng(seed).uniform(-0.5, 0.5, game.utilities.shape)
    return dataclasses.replace(game, name=f"{name}_noisy_{seed}", utilities=u, meta={})


def liars_dice(sides: int):
    pytest.importorskip("pyspiel", reason="OpenSpiel (pyspiel) is needed for liars_dice")
    from regretlab.games.registry import load

    return load("openspiel:liars_dice", 2, dice_sides=sides)


def small_games():
    rng = np.random.default_rng(7)
    yield kuhn_poker()
    for seed in (0, 1, 2):
        yield noisy(kuhn_poker(), seed, "kuhn")
    yield beer_quiche()
    for k0, k1 in ((2, 2), (3, 3), (4, 3), (3, 4)):
        yield one_shot(rng.uniform(-1, 1, (k0, k1)), rng.uniform(-1, 1, (k0, k1)))


@pytest.mark.parametrize("game", list(small_games()), ids=lambda g: g.name)
def test_float_path_takes_the_exact_pivots(game):
    # the lexicographic rule makes the path unique: float and Fraction arithmetic must take the
    # same pivots and end at the same equilibrium
    fl, ex = sequence_form_lcp(game), sequence_form_lcp(game, exact=True)
    assert fl.pivots == ex.pivots
    for p in range(2):
        assert np.abs(fl.plans[p] - np.array([float(v) for v in ex.plans[p]])).max() < 1e-12
    assert fl.nash_conv < 1e-12 and np.allclose(fl.values, [float(v) for v in ex.exact_values], atol=1e-12)


def test_exact_and_float_agree_on_general_sum_liars_dice_two_sides():
    g = noisy(liars_dice(2), 0, "liars_dice2")
    fl, ex = sequence_form_lcp(g), sequence_form_lcp(g, exact=True)
    assert fl.pivots == ex.pivots and fl.nash_conv < 1e-12


def test_mid_size_zero_sum_value_equals_the_lp():
    # liars_dice with 3-sided dice: 768 LCP rows, about a thousand pivots
    g = liars_dice(3)
    sol = sequence_form_lcp(g)
    assert sol.pivots > 500 and sol.nash_conv < 1e-9
    assert abs(sol.values[0] - sequence_form_lp(g).value) < 1e-9


@pytest.mark.parametrize("seed", [0, 1])
def test_mid_size_general_sum_is_solved(seed):
    g = noisy(liars_dice(3), seed, "liars_dice3")
    assert np.ptp(g.utilities.sum(axis=1)) > 0.5
    sol = sequence_form_lcp(g)
    assert sol.nash_conv < 1e-9, sol.nash_conv
    # the plans satisfy the sequence-form constraints and the values are those of the plans
    from regretlab.games.sequence_form import sequence_form

    sf = sequence_form(g)
    E, F = sf.constraints
    assert np.abs(E @ sol.plans[0] - np.eye(E.shape[0])[0]).max() < 1e-9
    assert np.abs(F @ sol.plans[1] - np.eye(F.shape[0])[0]).max() < 1e-9


def test_a_basis_that_is_no_solution_is_refused():
    # the final check: a complementary basis whose solution is infeasible raises, it is not returned
    M, r, _, _ = _lcp(kuhn_poker(), False)
    M = sp.csc_matrix(M)
    basis = np.arange(r.shape[0])  # all slacks: w = r has negative entries
    with pytest.raises(RuntimeError, match="not a solution"):
        _resolve(M, r, basis, r.copy(), "kuhn")


# -- Gambit ---------------------------------------------------------------------------------------


def gambit_game(gbt, game):
    """``game`` as a pygambit game, through regretlab's ``.efg`` writer (chance probabilities are
    written as exact rationals summing to one, as Gambit requires)."""
    from regretlab.games.gambit import efg_text

    return gbt.read_efg(io.StringIO(efg_text(game)))


def gambit_policy(game, G, eq):
    pol = game.uniform_policy()
    index = {str(k): i for i, k in enumerate(game.infoset_keys)}
    for player in G.players:
        for iset in player.infosets:
            pol[index[iset.label], :len(iset.actions)] = [float(eq[a]) for a in iset.actions]
    return pol


@pytest.mark.parametrize("game", [kuhn_poker(), noisy(kuhn_poker(), 0, "kuhn"), noisy(kuhn_poker(), 1, "kuhn"),
                                  beer_quiche()], ids=lambda g: g.name)
def test_against_gambit_lcp_solve(game):
    gbt = pytest.importorskip("pygambit", reason="pygambit (the [gambit] extra) is not installed")
    from regretlab.games.evaluation import expected_value, nash_conv

    G = gambit_game(gbt, game)
    theirs = gambit_policy(game, G, gbt.nash.lcp_solve(G, rational=False).equilibria[0])
    ours = sequence_form_lcp(game, exact=True)
    # Gambit's equilibrium is one by our exact best responses too, and ours is one
    assert nash_conv(game, theirs) < 1e-9 and ours.nash_conv < 1e-12
    if game.name.startswith("kuhn_noisy"):
        # general-sum: both run Lemke on the sequence-form LCP of Koller, Megiddo & von Stengel
        # and, on these games, end at the same equilibrium (same payoffs)
        assert np.allclose(expected_value(game, theirs), ours.values, atol=1e-9)
    if np.ptp(game.utilities.sum(axis=1)) < 1e-12:  # zero-sum: the value is unique
        gex = gbt.nash.lcp_solve(G, rational=True).equilibria[0]
        assert gex.payoff(next(iter(G.players))) == ours.exact_values[0]
        assert abs(expected_value(game, theirs)[0] - ours.values[0]) < 1e-12


def test_gambit_on_a_game_with_one_equilibrium():
    # a generic 2x2 game without pure equilibria has exactly one (mixed) equilibrium: both
    # solvers must return it
    gbt = pytest.importorskip("pygambit", reason="pygambit (the [gambit] extra) is not installed")
    a, b = np.array([[3.0, -1.0], [-2.0, 1.0]]), np.array([[-1.0, 2.0], [1.0, -3.0]])
    g = one_shot(a, b)
    G = gambit_game(gbt, g)
    theirs = gambit_policy(g, G, gbt.nash.lcp_solve(G, rational=False).equilibria[0])
    ours = sequence_form_lcp(g).policy
    assert np.abs(theirs - ours).max() < 1e-9


@pytest.mark.parametrize("game", [noisy(kuhn_poker(), 3, "kuhn"), beer_quiche()], ids=lambda g: g.name)
def test_the_cycle_breaking_perturbation_still_ends_at_an_equilibrium(game):
    # the float path perturbs the basic values when its pivots revisit a basis; forced here from
    # the first pivot: the path changes, the answer (solved again with the unperturbed r) must
    # still be an equilibrium
    from regretlab.games.evaluation import nash_conv
    from regretlab.games.sequence_form import behavioural
    from regretlab.games.sequence_lcp import _lemke_float

    M, r, (n0, n1, _, _), _ = _lcp(game, False)
    z, pivots, perturbed = _lemke_float(M, r, max_pivots=10_000, time_limit=None, what=game.name, perturb=True)
    assert perturbed == 1 and pivots > 0
    policy = behavioural(game, (z[:n0], z[n0:n0 + n1]))
    assert nash_conv(game, policy) < 1e-9


@pytest.mark.parametrize("scale", [1e5, 1e6, -1e6, 1e10])
def test_large_payoffs_are_scaled_and_both_paths_agree(scale):
    # found in review: unscaled, the float pivots ended on a false secondary ray from payoffs of
    # 1e5 on; ranges above SCALE_ABOVE are now divided down to 1 in both paths
    g = one_shot(scale * np.array([[1.0, 2.0]]), scale * np.array([[3.0, 4.0]]))
    f, e = sequence_form_lcp(g), sequence_form_lcp(g, exact=True)
    assert f.pivots == e.pivots
    assert np.allclose(f.values, [float(v) for v in e.exact_values], rtol=1e-12, atol=0)
    if scale > 0:  # Kuhn with its payoffs times a positive number: the value is scaled too
        k = kuhn_poker()
        k6 = dataclasses.replace(k, utilities=k.utilities * scale, meta={})
        f, e = sequence_form_lcp(k6), sequence_form_lcp(k6, exact=True)
        assert f.pivots == e.pivots and e.exact_values[0] == Fraction(-1, 18) * Fraction(scale)
        assert f.nash_conv <= 1e-14 * scale
