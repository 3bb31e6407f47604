"""Equilibrium solvers against nashpy (a test dependency) and the LP incentive constraints."""

import signal
import warnings

import numpy as np
import pytest

from regretlab.games.normal_form import (
    DegenerateGameWarning, NormalFormGame, ce_gap, cce_gap, chicken, coordination,
    correlated_equilibrium, incentive_matrix, lemke_howson, matching_pennies, nash_conv,
    prisoners_dilemma, random_game, rock_paper_scissors, support_enumeration,
    support_enumeration_numpy, zero_sum_game, zero_sum_nash,
)

nashpy = pytest.importorskip("nashpy", reason="nashpy is the reference for bimatrix equilibria")


def _same_set(ours, theirs, atol=1e-8):
    if len(ours) != len(theirs):
        return False
    used = set()
    for x, y in ours:
        hit = [j for j, (a, b) in enumerate(theirs) if j not in used
               and np.allclose(x, a, atol=atol) and np.allclose(y, b, atol=atol)]
        if not hit:
            return False
        used.add(hit[0])
    return True


def _nashpy_quiet(method, game, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(getattr(nashpy.Game(*game.bimatrix()), method)(**kw))


@pytest.mark.parametrize("seed", range(12))
def test_support_enumeration_matches_nashpy_on_random_games(seed):
    k = [4, 5, 6][seed % 3]
    g = random_game(k, seed=seed)
    ours = support_enumeration(g)
    # nashpy's vertex enumeration finds every equilibrium of a nondegenerate game
    assert _same_set(ours, _nashpy_quiet("vertex_enumeration", g))
    # nashpy's own support enumeration sometimes drops equilibria: its indifference solve
    # rejects off-support entries of -1e-17 (`all(prob >= 0)`); everything it finds we find.
    theirs = _nashpy_quiet("support_enumeration", g, non_degenerate=True)
    assert all(any(np.allclose(x, a) and np.allclose(y, b) for a, b in ours) for x, y in theirs)
    # every equilibrium is one: no profitable deviation (NashConv 0); an odd number (Shapley 1974)
    for x, y in ours:
        assert nash_conv(g, [x, y]) < 1e-9
    assert len(ours) % 2 == 1


@pytest.mark.parametrize("seed", range(4))
def test_compiled_kernel_matches_numpy_reference(seed):
    g = random_game([5, 6], seed=100 + seed)
    assert _same_set(support_enumeration(g), support_enumeration_numpy(g), atol=1e-10)


def test_known_equilibria():
    # coordination: (0,0), (1,1) and the mixed (½,½); chicken: two pure + one mixed (1/10, 9/10)
    eqs = support_enumeration(coordination())
    assert _same_set(eqs, [(np.array([1.0, 0]), np.array([1.0, 0])),
                           (np.array([0, 1.0]), np.array([0, 1.0])),
                           (np.array([0.5, 0.5]), np.array([0.5, 0.5]))])
    mixed = [e for e in support_enumeration(chicken()) if (e[0] > 0).all()]
    np.testing.assert_allclose(mixed[0][0], [0.9, 0.1])  # indifference: -p_S... = 1 - 11 q
    eqs = support_enumeration(prisoners_dilemma())
    assert _same_set(eqs, [(np.array([0, 1.0]), np.array([0, 1.0]))])


def test_degenerate_games_warn_and_match_nashpy():
    # Degenerate: a duplicated row (the column player is indifferent along a segment) and a
    # game of ties; nashpy's support enumeration is the reference for the equal-support solutions.
    games = [
        NormalFormGame.from_bimatrix([[1, 1], [0, 0], [1, 1]], [[1, 0], [0, 1], [1, 0]]),
        NormalFormGame.from_bimatrix([[3, 3], [2, 5], [0, 6]], [[3, 3], [2, 6], [3, 1]]),
        NormalFormGame.from_bimatrix(np.ones((2, 2)), np.ones((2, 2))),
    ]
    for g in games:
        with pytest.warns(DegenerateGameWarning, match="degenerate"):
            ours = support_enumeration(g)
        theirs = _nashpy_quiet("support_enumeration", g)
        assert _same_set(ours, theirs), g
        for x, y in ours:
            assert nash_conv(g, [x, y]) < 1e-9
        x, y = lemke_howson(g, initial_label=0)  # lexicographic pivoting terminates
        assert nash_conv(g, [x, y]) < 1e-9
    # The second game is von Stengel (2002)'s degenerate example: the row player's top strategy
    # has two best responses, and (x = top row, y on a segment) is a continuum of equilibria.


def test_nondegenerate_games_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateGameWarning)
        support_enumeration(random_game(6, seed=3))


class _Timeout(Exception):
    pass


def _nashpy_lemke_howson(a, b, label, seconds=1):
    """nashpy's Lemke–Howson, or None when it has not finished within ``seconds``."""
    def handler(signum, frame):
        raise _Timeout

    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return nashpy.Game(a, b).lemke_howson(initial_dropped_label=label)
    except _Timeout:
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("seed", range(4))
def test_lemke_howson_matches_nashpy_for_every_label(seed):
    g = random_game(6, seed=seed)
    eqs = support_enumeration(g)
    a, b = g.bimatrix()
    for label in range(12):
        x, y = lemke_howson(g, initial_label=label)
        assert any(np.allclose(x, p) and np.allclose(y, q) for p, q in eqs)
        res = _nashpy_lemke_howson(a, b, label)
        if res is None:  # nashpy's pivoting cycles on some labels (e.g. seed 2, label 3)
            continue
        xp, yp = res
        if xp.shape == x.shape and yp.shape == y.shape:  # nashpy sometimes returns a malformed pair
            np.testing.assert_allclose(x, xp, atol=1e-9)
            np.testing.assert_allclose(y, yp, atol=1e-9)
    with pytest.raises(ValueError, match="initial_label"):
        lemke_howson(g, initial_label=12)


def test_zero_sum_lp_matches_known_values_and_nashpy():
    sol = zero_sum_nash(rock_paper_scissors())
    np.testing.assert_allclose(sol.row, np.ones(3) / 3, atol=1e-9)
    assert abs(sol.value) < 1e-9
    assert zero_sum_nash(matching_pennies()).value == pytest.approx(0.0, abs=1e-12)
    for seed in range(5):
        g = zero_sum_game([4, 5], seed=seed)
        sol = zero_sum_nash(g)
        assert nash_conv(g, [sol.row, sol.col]) < 1e-9
        # the value equals nashpy's equilibrium payoff (unique in a zero-sum game)
        x, y = _nashpy_quiet("vertex_enumeration", g)[0]
        assert sol.value == pytest.approx(float(x @ g.payoffs[0] @ y), abs=1e-9)
    with pytest.raises(ValueError, match="zero-sum"):
        zero_sum_nash(prisoners_dilemma())


@pytest.mark.parametrize("kind", ["cce", "ce"])
@pytest.mark.parametrize("objective", ["welfare", "max_entropy"])
def test_correlated_lp_satisfies_every_incentive_constraint(kind, objective):
    for seed in range(6):
        g = random_game([3, 3, 2] if seed % 2 else [4, 4], seed=seed)
        sol = correlated_equilibrium(g, kind, objective)
        mu = sol.joint
        assert mu.min() >= 0 and abs(mu.sum() - 1) < 1e-12
        g_mat = incentive_matrix(g, kind)
        assert (g_mat @ mu.ravel()).max() <= 1e-9  # every constraint, to 1e-9
        gap = cce_gap(g, mu) if kind == "cce" else ce_gap(g, mu)
        assert gap <= 1e-9


def test_correlated_objectives():
    # Chicken's welfare-maximising CE puts no mass on (D, D) and beats every Nash equilibrium's
    # welfare (Aumann 1974); the max-entropy CE has full support here (an interior point exists).
    g = chicken()
    best = correlated_equilibrium(g, "ce", "welfare")
    nash_welfare = max(float(x @ (g.payoffs[0] + g.payoffs[1]) @ y) for x, y in support_enumeration(g))
    assert best.utilities.sum() >= nash_welfare - 1e-9
    ent = correlated_equilibrium(g, "ce", "max_entropy")
    assert (ent.joint > 1e-3).all()
    # a CCE set contains the CE set, so the best CCE welfare is at least the best CE welfare
    r = random_game([3, 3, 3], seed=11)
    assert (correlated_equilibrium(r, "cce").utilities.sum()
            >= correlated_equilibrium(r, "ce").utilities.sum() - 1e-9)
    # entropy of the max-entropy solution beats the LP vertex's
    def entropy(m):
        p = m[m > 0]
        return float(-(p * np.log(p)).sum())
    assert entropy(correlated_equilibrium(r, "ce", "max_entropy").joint) >= entropy(
        correlated_equilibrium(r, "ce").joint)
    with pytest.raises(ValueError, match="objective"):
        correlated_equilibrium(r, "ce", objective=np.ones(5))
    with pytest.raises(ValueError, match="kind"):
        correlated_equilibrium(r, "nash")
