"""Logit QRE (issue 18): the principal branch by path following, against a brute-force fixed
point on 2x2 games and nashpy's Nash equilibria as λ grows; QRE estimation by maximum likelihood."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from regretlab.games.normal_form import (
    NormalFormGame, matching_pennies, prisoners_dilemma, random_game, rock_paper_scissors,
)
from regretlab.games.normal_form.qre import logit_branch, logit_qre, logit_response, qre_mle, qre_residual


def _brute_force_2x2(a, b, lam):
    """Every logit QRE of a 2x2 game at ``lam``: roots of p - L(λ Δ_0(q(p))) on a fine grid + Brent."""
    sig = lambda z: 0.5 * (1 + np.tanh(z / 2))  # noqa: E731 - the logistic function
    def q_of(p):  # player 1's logit response to player 0 playing action 0 with prob p
        return sig(lam * ((p * b[0, 0] + (1 - p) * b[1, 0]) - (p * b[0, 1] + (1 - p) * b[1, 1])))
    def f(p):
        q = q_of(p)
        return p - sig(lam * ((q * a[0, 0] + (1 - q) * a[0, 1]) - (q * a[1, 0] + (1 - q) * a[1, 1])))
    grid = np.linspace(0, 1, 20001)
    vals = f(grid)  # vectorised over the grid
    roots = [brentq(f, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15)
             for i in np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)]
    return [(np.array([p, 1 - p]), np.array([q_of(p), 1 - q_of(p)])) for p in roots]


def test_uniform_at_zero_and_residual_everywhere():
    for g in (prisoners_dilemma(), rock_paper_scissors(), random_game(3, num_players=3, seed=4),
              random_game([2, 3, 2, 2], seed=5)):
        br = logit_branch(g, 50)
        assert br.lam[0] == 0.0 and br.lam[-1] == 50.0
        for x, k in zip(br.at(0), g.num_actions):
            np.testing.assert_array_equal(x, np.full(k, 1 / k))
        assert br.residual.max() < 1e-9
        for m in range(0, len(br.lam), 7):  # recomputed independently of the tracer
            assert qre_residual(g, br.at(m), br.lam[m]) < 1e-9


def test_tends_to_the_unique_strict_nash():
    # prisoner's dilemma: (defect, defect) is the unique (strict) equilibrium; σ(cooperate) = O(e^{-λ})
    br = logit_branch(prisoners_dilemma(), 40)
    coop = br.profiles[0][:, 0]
    assert coop[-1] < 1e-12 and np.all(np.diff(coop) < 0)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 100_000), lam=st.sampled_from([0.5, 3.0, 12.0]))
def test_equals_brute_force_fixed_point_on_2x2(seed, lam):
    g = random_game(2, seed=seed)
    a, b = g.bimatrix()
    roots = _brute_force_2x2(a, b, lam)
    assume(len(roots) == 1)  # the principal branch is then the only QRE at this λ
    ours = logit_qre(g, lam)
    for x, y in zip(ours, roots[0]):
        np.testing.assert_allclose(x, y, atol=1e-9)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_approaches_nashpys_equilibrium(seed):
    import nashpy

    g = random_game(2, seed=seed)
    a, b = g.bimatrix()
    eqs = list(nashpy.Game(a, b).support_enumeration())
    assume(len(eqs) == 1)
    # convergence is like exp(-λ gap) to a strict equilibrium: skip nearly indifferent games
    assume(min(np.abs(a[0] - a[1]).min(), np.abs(b[:, 0] - b[:, 1]).min()) > 0.02)
    br = logit_branch(g, 2000)
    target = np.concatenate(eqs[0])
    profile = np.concatenate([p for p in br.profiles], axis=1)  # [M, 4]
    dist = np.abs(profile - target).max(axis=1)
    at = lambda lam: dist[np.searchsorted(br.lam, lam)]  # noqa: E731
    assert dist[-1] < 5e-3 and dist[-1] <= at(200.0) + 1e-12  # both at rounding level once converged
    assert br.residual.max() < 1e-9


def test_mle_recovers_lambda_and_standard_error():
    g = NormalFormGame.from_bimatrix([[2.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]])
    lam0, N = 3.0, 5000  # large enough for the asymptotic normality of the MLE
    x = logit_qre(g, lam0)
    exact = qre_mle(g, [1e6 * x[0], 1e6 * x[1]], lambda_max=20)
    assert abs(exact.lam - lam0) < 1e-7 and not exact.at_bound
    # sampling distribution of λ̂ from N observations per player against the Fisher-information SE
    branch = logit_branch(g, 20)
    rng = np.random.default_rng(0)
    fits = [qre_mle(g, [rng.multinomial(N, x[0]), rng.multinomial(N, x[1])], 20, branch=branch)
            for _ in range(150)]
    lams = np.array([f.lam for f in fits if not f.at_bound])
    se = qre_mle(g, [N * x[0], N * x[1]], 20, branch=branch).se
    assert len(lams) > 140
    assert abs(np.median(lams) - lam0) < 0.5 * se
    assert 0.75 * se < np.std(lams) < 1.3 * se


def test_logit_response_limits():
    g = matching_pennies()
    x = [np.array([0.9, 0.1]), np.array([0.5, 0.5])]
    r0 = logit_response(g, x, 0.0)
    np.testing.assert_array_equal(r0[1], [0.5, 0.5])
    r = logit_response(g, x, 1e6)  # the best response, without overflow
    assert np.isfinite(r[1]).all() and r[1].max() > 1 - 1e-12


def test_bad_input():
    g = prisoners_dilemma()
    with pytest.raises(ValueError, match="lambda_max must be > 0"):
        logit_branch(g, 0)
    with pytest.raises(ValueError, match="lambda_max must be > 0"):
        logit_branch(g, -1.0)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        logit_qre(g, -0.5)
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        logit_branch(g, 10, time_limit=0)
    with pytest.raises(RuntimeError, match="max_steps=2 reached"):
        logit_branch(g, 1000, max_steps=2)
    bad = np.ones((2, 2, 2))
    bad[0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="payoffs must be finite"):
        logit_branch(bad, 10)
    with pytest.raises(ValueError, match=r"counts\[1\]"):
        qre_mle(g, [[1, 2], [1, -2]])
    with pytest.raises(ValueError, match="at least one"):
        qre_mle(g, [[0, 0], [0, 0]])


@pytest.mark.parametrize("seed,scale", [(24, 1.0), (32, 50.0), (33, 1.0)])
def test_hard_branches_to_large_lambda(seed, scale):
    # these once failed: a step jumping to another part of the curve (seed 24, 5x5, λ to 1000), and
    # absolute tolerances at λ Δu ~ 1e4 (payoffs x 50); the traced branch may turn back in λ (fold)
    g = NormalFormGame(random_game(5 if scale == 1.0 else 4, seed=seed).payoffs * scale)
    br = logit_branch(g, 1000.0)
    assert br.lam[-1] == 1000.0 and br.residual.max() < 1e-9
    assert np.all(np.abs(np.diff(br.lam)) > 0)
