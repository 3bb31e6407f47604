"""α-rank (issue 18) against OpenSpiel's ``open_spiel.python.egt.alpharank`` on the games of its
own tests (Han et al. 2013's five strategies, rock-paper-scissors, biased RPS, prisoner's
dilemma) and on random multi-population games, finite α and the α → ∞ limit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from regretlab.games.normal_form import NormalFormGame, prisoners_dilemma
from regretlab.games.normal_form.alpharank import alpharank, stationary_distribution

pyspiel = pytest.importorskip("pyspiel")
from open_spiel.python.egt import alpharank as os_alpharank  # noqa: E402
from open_spiel.python.egt import utils as os_utils  # noqa: E402


def _han_2013():
    # the payoffs of OpenSpiel's alpharank_test.test_stationary_distribution (Han et al. 2013)
    r, t, p, s, delta, eps = 1.0, 2.0, 0.0, -1.0, 4.0, 0.25
    return np.asarray([[r - eps / 2, r - eps, 0, s + delta - eps, r - eps], [r, r, s, s, s],
                       [0, t, p, p, p], [t - delta, t, p, p, p], [r, t, p, p, p]])


def _openspiel(tables, alpha, m, local=True, eps=None):
    kw = dict(use_inf_alpha=True, inf_alpha_eps=eps) if math.isinf(alpha) else dict(alpha=alpha)
    with np.errstate(all="ignore"):
        try:
            _, _, pi, _, _ = os_alpharank.compute(list(tables), m=m, use_local_selection_model=local, **kw)
        except ValueError:  # its eigenvector solve finds two eigenvalues 1 (near-absorbing states)
            return None
    return pi


def test_han_2013_stationary_distribution():
    tables = [_han_2013()]
    ours = alpharank(tables, alpha=0.1, m=20, local_selection=False)
    # the expected distribution printed in OpenSpiel's test (4 decimals) and OpenSpiel's own result
    np.testing.assert_allclose(ours.pi, [0.40966787, 0.07959841, 0.20506998, 0.08505983, 0.2206039], atol=1e-8)
    np.testing.assert_allclose(ours.pi, _openspiel(tables, 0.1, 20, local=False), atol=1e-9)
    assert ours.ranking.tolist() == [0, 4, 2, 3, 1]


@pytest.mark.parametrize("name", ["matrix_rps", "matrix_brps", "matrix_pd", "matrix_sh", "matrix_bos"])
@pytest.mark.parametrize("alpha,m,local", [(0.1, 20, False), (0.1, 20, True), (2.0, 50, True),
                                           (math.inf, 50, True)])
def test_matrix_games_equal_openspiel(name, alpha, m, local):
    tables = os_utils.game_payoffs_array(pyspiel.load_matrix_game(name))
    symmetric, single = os_utils.is_symmetric_matrix_game(tables)
    cases = [(list(tables), "multi")] + ([(single, "single")] if symmetric else [])
    for tabs, population in cases:
        if population == "multi" and not local:
            continue  # the global model is single-population only
        ours = alpharank(tabs, alpha=alpha, m=m, population=population, local_selection=local, eps=0.01)
        theirs = _openspiel(tabs, alpha, m, local, eps=0.01)
        if theirs is not None:
            np.testing.assert_allclose(ours.pi, theirs, atol=1e-9)
        else:  # coordination games at alpha=2, m=50 have two near-absorbing profiles: OpenSpiel's
            # eigen-solve finds two eigenvalues 1 and fails; GTH still gives the stationary distribution
            assert alpha == 2.0 and name in ("matrix_sh", "matrix_bos")
        np.testing.assert_allclose(ours.pi @ ours.transition, ours.pi, atol=1e-14)


def _agreement_tolerance(result) -> float:
    """How closely two correct solvers can agree on this chain's stationary distribution.

    A stationary vector computed with a residual r differs from the true one by at most
    ||Z||_1 * r, where Z = (I - P + 1 pi)^-1 is the fundamental matrix (Cho & Meyer 2001,
    "Comparison of perturbation bounds for the stationary distribution of a Markov chain",
    bound kappa_1). OpenSpiel's eigen-solve has a residual of about machine epsilon, so on a
    chain with two near-absorbing profiles (||Z||_1 ~ 1e9) the two answers may differ in the
    7th digit although both are stationary to 1e-16; on well-mixed chains this is below 1e-9.
    """
    P, pi = result.transition, result.pi
    n = len(P)
    z = np.linalg.inv(np.eye(n) - P + np.outer(np.ones(n), pi))
    return max(1e-9, 8 * np.finfo(float).eps * np.abs(z).sum(axis=0).max())


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), shape=st.sampled_from([(3, 4), (2, 3, 2), (4, 4)]),
       alpha=st.sampled_from([0.3, 5.0, math.inf]))
@example(seed=41, shape=(2, 3, 2), alpha=5.0)  # ||Z||_1 ~ 1.7e9: agreement only to ~8e-8 (CI, stop 23)
def test_random_multipopulation_equals_openspiel(seed, shape, alpha):
    tables = list(np.random.default_rng(seed).uniform(-1, 1, size=(len(shape), *shape)))
    ours = alpharank(tables, alpha=alpha, m=30, population="multi", eps=0.05)
    theirs = _openspiel(tables, alpha, 30, eps=0.05)
    if theirs is not None:  # None: OpenSpiel's eigen-solve saw a second eigenvalue within 1e-10 of 1
        np.testing.assert_allclose(ours.pi, theirs, atol=_agreement_tolerance(ours))
    np.testing.assert_allclose(ours.pi @ ours.transition, ours.pi, atol=1e-14)
    assert ours.profiles.shape == (int(np.prod(shape)), len(shape))


def test_large_alpha_stays_finite_where_transitions_underflow():
    # prisoner's dilemma at alpha = 1000: leaving (defect, defect) has probability e^{-1000}-ish
    r = alpharank(prisoners_dilemma(), alpha=1000.0, population="multi")
    assert r.profiles[r.ranking[0]].tolist() == [1, 1] and r.pi[r.ranking[0]] == 1.0
    # biased RPS at alpha = 100 (OpenSpiel's closed form overflows there): a stationary distribution
    brps = os_utils.game_payoffs_array(pyspiel.load_matrix_game("matrix_brps"))[0]
    res = alpharank([brps], alpha=100.0)
    assert np.isfinite(res.pi).all()
    np.testing.assert_allclose(res.pi @ res.transition, res.pi, atol=1e-14)


def test_stationary_distribution_needs_one_closed_class():
    with pytest.raises(ValueError, match="2 closed classes"):
        stationary_distribution(np.eye(2))
    np.testing.assert_allclose(stationary_distribution(np.array([[1.0, 0.0], [0.5, 0.5]])), [1.0, 0.0])


def test_bad_input():
    bad = np.ones((2, 2, 2))
    bad[0, 0, 1] = np.nan
    with pytest.raises(ValueError, match="must be finite"):
        alpharank(list(bad))
    with pytest.raises(ValueError, match="payoffs must be finite"):
        alpharank(NormalFormGame(bad))
    with pytest.raises(ValueError, match="alpha must be > 0"):
        alpharank(prisoners_dilemma(), alpha=0)
    with pytest.raises(ValueError, match="m must be an integer >= 2"):
        alpharank(prisoners_dilemma(), m=1)
    with pytest.raises(ValueError, match=r"eps must be in \(0, 1\)"):
        alpharank(prisoners_dilemma(), alpha=math.inf, eps=1.5)
    with pytest.raises(ValueError, match="symmetric"):
        alpharank(NormalFormGame(np.random.default_rng(0).uniform(size=(2, 2, 2))), population="single")
    with pytest.raises(ValueError, match="square"):
        alpharank([np.ones((2, 3))])


def test_lu_path_equals_gth_on_a_large_chain():
    from regretlab.games.normal_form.alpharank import _gth

    tables = list(np.random.default_rng(1).uniform(-1, 1, size=(3, 5, 5, 5)))  # 125 profiles
    C = alpharank(tables, alpha=3.0, population="multi").transition
    np.testing.assert_allclose(stationary_distribution(C), _gth(C.copy()), rtol=1e-10, atol=1e-15)
