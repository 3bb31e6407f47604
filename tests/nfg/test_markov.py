"""Markov games: validation, exact evaluation, the mixture CCE verifier, §4.3 instances."""

from itertools import product

import numpy as np
import pytest

from regretlab.games.markov import (
    MarkovGame, best_general_deviation, best_markov_deviation, evaluate, evaluate_general,
    independent_hedge, markov_as_general, mixture_gaps, random_markov_game, repeated_game,
    separation_instance,
)
from regretlab.games.normal_form import cce_gap, random_game


def test_transition_rows_must_sum_to_one():
    g = random_markov_game(seed=0)
    bad = np.array(g.transitions)
    bad[1, 0, 1, 0] = [0.7, 0.7]
    with pytest.raises(ValueError, match=r"transitions rows must sum to 1.*\(1, 0, 1, 0\).*1\.4"):
        MarkovGame(bad, g.rewards)
    with pytest.raises(ValueError, match="transitions must have shape"):
        MarkovGame(g.transitions[:, :, :, :1], g.rewards)
    nan = np.array(g.rewards)
    nan[0, 0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="rewards must be finite"):
        MarkovGame(g.transitions, nan)
    with pytest.raises(ValueError, match="initial"):
        MarkovGame(g.transitions, g.rewards, initial=5)


def test_separation_instance_closed_form():
    # spec §4.3 target 2, derived by hand: every step matches w.p. ½ with uniform marginals
    # (gap_markov = 0 exactly); P2 repeats its step-1 action and P1 flips, so a deviator who
    # watches step 1 wins step 2 surely (gap_general = 0.5 for both players).
    game, mix = separation_instance()
    gaps = mixture_gaps(game, mix)
    np.testing.assert_allclose(gaps.value, [1.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(gaps.gap_markov, [0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(gaps.gap_general, [0.5, 0.5], atol=1e-15)
    # the explicit history-dependent deviation of player 0 ("copy the opponent's first action")
    # reaches that value, evaluated by brute force over histories against each σ^t_{-0}
    copy = lambda h, hist: np.eye(2)[hist[1][1]] if h == 1 else np.array([1.0, 0.0])  # noqa: E731
    vals = [evaluate_general(game, [copy, markov_as_general(mix[1][t])])[0] for t in range(4)]
    assert np.mean(vals) == pytest.approx(1.5)


def test_general_eval_matches_markov_eval():
    g = random_markov_game(3, 2, 3, [2, 3, 2], seed=1)
    r = np.random.default_rng(0)
    pol = [r.dirichlet(np.ones(k), size=(3, 2)) for k in g.num_actions]
    np.testing.assert_allclose(evaluate(g, pol).value[0],
                               evaluate_general(g, [markov_as_general(p) for p in pol]), atol=1e-12)


def test_general_deviation_dp_matches_brute_force():
    # enumerate every deterministic history-dependent policy of player 0 on a tiny game
    g = random_markov_game(2, 2, 2, 2, seed=3)
    r = np.random.default_rng(1)
    mix = [r.dirichlet(np.ones(2), size=(3, 2, 2)) for _ in range(2)]
    histories = [(0, a, s) for a in product(range(2), range(2)) for s in range(2)]
    best = -np.inf
    for first in range(2):
        for choice in product(range(2), repeat=len(histories)):
            table = dict(zip(histories, choice))
            pol = lambda h, hist, table=table, first=first: np.eye(2)[first if h == 0 else table[hist]]  # noqa: E731
            v = np.mean([evaluate_general(g, [pol, markov_as_general(mix[1][t])])[0] for t in range(3)])
            best = max(best, v)
    assert best_general_deviation(g, mix, 0) == pytest.approx(best, abs=1e-12)


def test_markov_deviation_is_best_among_mixed_and_general_dominates():
    g = random_markov_game(2, 2, 3, 2, seed=4)
    r = np.random.default_rng(2)
    mix = [r.dirichlet(np.ones(2), size=(5, 3, 2)) for _ in range(2)]
    val, pol = best_markov_deviation(g, mix, 1)
    # multilinearity: no mixed Markov deviation beats the best deterministic one
    for _ in range(200):
        dev = r.dirichlet(np.ones(2), size=(3, 2))
        v = evaluate(g, [mix[0], np.broadcast_to(dev, mix[1].shape)]).value[:, 1].mean()
        assert v <= val + 1e-12
    v = evaluate(g, [mix[0], np.broadcast_to(pol, mix[1].shape)]).value[:, 1].mean()
    assert v == pytest.approx(val)
    gaps = mixture_gaps(g, mix)
    assert (gaps.gap_general >= gaps.gap_markov - 1e-12).all()
    # against one product Markov policy (T = 1) the best response is Markov: the gaps agree
    one = mixture_gaps(g, [m[:1] for m in mix])
    np.testing.assert_allclose(one.gap_general, one.gap_markov, atol=1e-12)


def test_one_step_mixture_gap_is_the_normal_form_cce_gap():
    # H = 1, one state: the mixture is the normal-form joint distribution (1/T) Σ_t ⊗ x^t
    nf = random_game([3, 2, 2], seed=5)
    g = repeated_game(nf, 1)
    r = np.random.default_rng(3)
    mix = [r.dirichlet(np.ones(k), size=(4, 1, 1)) for k in nf.num_actions]
    joint = np.mean([nf.joint_from_product([m[t, 0, 0] for m in mix]) for t in range(4)], axis=0)
    gaps = mixture_gaps(g, mix)
    np.testing.assert_allclose(gaps.gap_general, cce_gap(nf, joint, per_player=True), atol=1e-12)
    np.testing.assert_allclose(gaps.gap_markov, gaps.gap_general, atol=1e-12)


def test_independent_hedge_policies_and_gap_shrinks():
    g = random_markov_game(2, 2, 3, 2, seed=0)
    res = independent_hedge(g, 150, batch=2, seed=0)
    assert res.policies[0].shape == (150, 2, 3, 2, 2)
    np.testing.assert_allclose(res.policies[1].sum(-1), 1.0)
    early = mixture_gaps(g, [p[:2, 0] for p in res.policies]).gap_markov.max()
    late = mixture_gaps(g, [p[:, 0] for p in res.policies]).gap_markov.max()
    assert late < early
    with pytest.raises(ValueError, match="max_policies"):
        best_markov_deviation(random_markov_game(2, 4, 5, 2), [p[:1, 0] for p in
                              independent_hedge(random_markov_game(2, 4, 5, 2), 1).policies], 0)
