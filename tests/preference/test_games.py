"""Tabular preference games: closed-form duality gap, Nash policies, OMD dynamics.

Reference values: spec §1.5 target 1 (regret-papers.md, [V-run]) for INPO, arXiv 2407.00617.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from regretlab.preference import (
    CYCLIC_P, CYCLIC_REF, PreferenceGame, blade_chest, duality_gap, kl, objective, omd, omd_step,
    regularized_nash, von_neumann_winner, win_rate,
)

PI_STAR = np.array([0.45348, 0.14884, 0.39767])  # spec §1.5 target 1, tau = 0.1


def test_average_iterate_gap_bound_and_spec_values():
    # spec §1.5 target 1: tau=0, eta=1/sqrt(T), start uniform; measured 0.0926, 0.0215, 0.0095
    game = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=0.0)
    spec = {100: 0.0926, 1000: 0.0215, 10000: 0.0095}
    for T, ref_value in spec.items():
        tr = omd(game, 1 / np.sqrt(T), T, start=np.ones(3) / 3, every=max(T // 50, 1))
        assert tr.average_gap[-1] <= 1.5 / np.sqrt(T)
        assert tr.average_gap[-1] == pytest.approx(ref_value, abs=1e-4)
        # the last iterate cycles: its gap stays away from 0 and is not monotone
        assert tr.last_gap[len(tr.last_gap) // 2:].min() > 0.04
        assert np.any(np.diff(tr.last_gap) > 0) and np.any(np.diff(tr.last_gap) < 0)


def test_regularized_nash_matches_spec_and_is_fixed_point():
    game = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=0.1)
    star = regularized_nash(game)[0]
    np.testing.assert_allclose(star, PI_STAR, atol=1e-5)
    assert duality_gap(game, star) < 1e-12
    # first-order condition: pi* ∝ ref exp(P(y > pi*)/tau)
    gibbs = CYCLIC_REF * np.exp(win_rate(CYCLIC_P, star) / 0.1)
    np.testing.assert_allclose(star, gibbs / gibbs.sum(), atol=1e-12)
    np.testing.assert_allclose(omd_step(game, star, 0.7)[0], star, atol=1e-12)


@pytest.mark.parametrize("eta,spec_kl", [
    (0.5, {1: 0.292, 10: 0.132, 50: 3.0e-3, 100: 2.4e-5, 200: 1.5e-9}),
    (2.0, {1: 0.244, 10: 1.2e-2, 50: 3.5e-8, 100: 4e-15}),
])
def test_last_iterate_geometric_kl_decay(eta, spec_kl):
    # spec §1.5 target 1: KL(pi*_tau || pi_t) after t updates from pi_ref
    game = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=0.1)
    star = regularized_nash(game)[0]
    p, got = CYCLIC_REF, {}
    for t in range(1, 201):
        p = omd_step(game, p, eta)[0]
        got[t] = float(kl(star, p))
    for t, v in spec_kl.items():
        if v > 1e-13:
            assert got[t] == pytest.approx(v, rel=0.06), (t, got[t], v)
        else:
            assert got[t] < 1e-13
    # geometric (spec §1.3: KL_{t+1} <= (1 - eta tau) KL_t + O(eta^2)): after burn-in the
    # per-step contraction factor stays below 1 - eta*tau/2
    ks = np.array([got[t] for t in range(20, 45)])
    assert np.max(ks[1:] / ks[:-1]) < 1 - eta * 0.1 / 2


def test_tau_zero_gap_and_von_neumann_winner():
    game = PreferenceGame.make(CYCLIC_P, tau=0.0)
    pi = von_neumann_winner(CYCLIC_P)
    # hand solution: P(pi > y) = 1/2 for all y gives pi = (2/9, 3/9, 4/9)
    np.testing.assert_allclose(pi, [2 / 9, 3 / 9, 4 / 9], atol=1e-9)
    assert duality_gap(game, pi) < 1e-12
    # a pure policy: y=0 loses to 2 with 0.8, and y=0 beats 2 only 0.2: gap = 0.8 - 0.2
    assert duality_gap(game, [1, 0, 0]) == pytest.approx(0.6)


def test_nash_matches_nashpy_on_the_symmetric_game():
    nashpy = pytest.importorskip("nashpy", reason="nashpy is a dev dependency used as an outside reference")
    P = blade_chest(1, 5, seed=3)[0]
    A = P - 0.5  # zero-sum payoff of the row player
    eq = next(nashpy.Game(A).support_enumeration())
    game = PreferenceGame.make(P, tau=0.0)
    assert duality_gap(game, eq[0]) < 1e-9
    assert duality_gap(game, von_neumann_winner(P)) < 1e-9


def test_closed_form_best_responses_match_brute_force():
    # max_pi' J(pi', pi) by the Gibbs formula vs. a dense search over the 2-simplex
    game = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=0.2)
    pi = np.array([0.2, 0.5, 0.3])
    a, b = np.meshgrid(np.linspace(1e-4, 1, 400), np.linspace(1e-4, 1, 400))
    grid = np.stack([a.ravel(), b.ravel(), 1 - a.ravel() - b.ravel()], 1)
    grid = grid[grid[:, 2] > 1e-6]
    kl_q = kl(grid, CYCLIC_REF)
    kl_pi = kl(pi, CYCLIC_REF)
    # J(q, pi) and J(pi, q) over the grid (the definition, spec §1.1); spot-check one against objective()
    j_q_pi = grid @ CYCLIC_P @ pi - 0.2 * kl_q + 0.2 * kl_pi
    j_pi_q = grid @ (CYCLIC_P.T @ pi) - 0.2 * kl_pi + 0.2 * kl_q
    assert j_q_pi[7] == pytest.approx(objective(game, grid[7], pi))
    assert j_pi_q[7] == pytest.approx(objective(game, pi, grid[7]))
    brute_max, brute_min = j_q_pi.max(), j_pi_q.min()
    gap = duality_gap(game, pi)
    assert gap == pytest.approx(brute_max - brute_min, abs=2e-3)
    assert gap >= brute_max - brute_min - 1e-12


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), tau=st.floats(0.05, 1.0))
def test_gap_nonnegative_and_zero_only_at_nash(seed, tau):
    P = blade_chest(3, 4, seed=seed)
    rng = np.random.default_rng(seed)
    ref = rng.dirichlet(np.ones(4), size=3)
    game = PreferenceGame.make(P, ref, tau=tau)
    pi = rng.dirichlet(np.ones(4), size=3)
    assert duality_gap(game, pi) >= 0
    star = regularized_nash(game)
    assert duality_gap(game, star) < 1e-10
    assert duality_gap(game, pi) > duality_gap(game, star)


def test_contexts_average_with_rho():
    P = blade_chest(2, 3, seed=1)
    g = PreferenceGame.make(P, rho=[0.25, 0.75], tau=0.1)
    pi = np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    g0 = PreferenceGame.make(P[0], tau=0.1)
    g1 = PreferenceGame.make(P[1], tau=0.1)
    assert duality_gap(g, pi) == pytest.approx(0.25 * duality_gap(g0, pi[0]) + 0.75 * duality_gap(g1, pi[1]))


def test_bad_input():
    with pytest.raises(ValueError, match="P\\[y, y'\\] \\+ P\\[y', y\\] = 1"):
        PreferenceGame.make([[0.5, 0.9], [0.2, 0.5]])
    with pytest.raises(ValueError, match="probabilities"):
        PreferenceGame.make([[0.5, 1.5], [-0.5, 0.5]])
    with pytest.raises(ValueError, match="eta"):
        omd_step(PreferenceGame.make(CYCLIC_P, tau=0.1), CYCLIC_REF, eta=0.0)
    with pytest.raises(ValueError, match="eta \\* tau must be < 1"):
        omd_step(PreferenceGame.make(CYCLIC_P, tau=0.5), CYCLIC_REF, eta=2.0)
    with pytest.raises(ValueError, match="tau"):
        PreferenceGame.make(CYCLIC_P, tau=-1.0)
    with pytest.raises(ValueError, match="pi"):
        duality_gap(PreferenceGame.make(CYCLIC_P), [0.5, 0.6, 0.1])
