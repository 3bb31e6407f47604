"""The fast exact paths of the sequence-form LP (issue 18): the default (``method="auto"``: the LP
shrunk by colour refinement, Grohe et al. ESA 2014, and lifted back) and the certified crossover
(a CFR+ support guess, the restricted LP and a sequence-level double oracle) must end at the whole
LP's value (to 1e-9) with a NashConv below 1e-9 on every game, also from a deliberately wrong
guess or a refused lifted solution; the certificate (the gap between the two sequence-form best
responses) must match the tree's exact NashConv."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from regretlab.games import kuhn_poker, leduc_poker
from regretlab.games.evaluation import best_response, nash_conv, random_policy
from regretlab.games.io import game_from_dict, game_to_dict
from regretlab.games.lifted_lp import equitable_partition, lift, reduce_lp, solve_lp
from regretlab.games.sequence_crossover import (
    certify,
    crossover,
    plan_best_response,
    support_guess,
)
from regretlab.games.sequence_form import (
    _HIGHS,
    SequenceFormLPSolver,
    realization_plan,
    sequence_form_lp,
)
from regretlab.games.small_games import one_shot

# Leduc poker's value for player 0: Lanctot et al. 2017, Appendix E.2 (as in test_sequence_form.py)
LEDUC_VALUE = -0.085606424078


def _random_zero_sum_game(seed: int, depth: int = 4):
    """A random two-player zero-sum game with perfect recall: chance and decision nodes in random
    order, each player seeing its own past, the chance outcomes drawn as visible to it and the
    moves drawn as public; terminal payoffs ``(u, -u)``."""
    rng = np.random.default_rng(seed)
    num_actions: dict[str, int] = {}

    def node(d, own, seen, public):
        if d == depth or (d > 1 and rng.random() < 0.15):
            u = float(np.round(rng.normal(), 6))
            return {"type": "terminal", "utilities": [u, -u]}
        if rng.random() < 0.25:
            k = int(rng.integers(2, 4))
            probs = rng.dirichlet(np.ones(k))
            probs[-1] = 1.0 - probs[:-1].sum()
            sees = [bool(rng.random() < 0.5) for _ in (0, 1)]
            return {"type": "chance", "outcomes": [
                {"prob": float(probs[o]),
                 "child": node(d + 1, own, tuple(s + ((f"c{d}={o}",) if sees[p] else ()) for p, s in enumerate(seen)),
                               public)} for o in range(k)]}
        p = int(rng.integers(2))
        key = f"p{p}|{'/'.join(own[p])}|{','.join(seen[p])}|{','.join(public)}"
        k = num_actions.setdefault(key, int(rng.integers(2, 4)))
        shown = bool(rng.random() < 0.5)
        kids = []
        for a in range(k):
            own2 = tuple(o + ((f"{key}:{a}",) if q == p else ()) for q, o in enumerate(own))
            kids.append(node(d + 1, own2, seen, public + ((f"{p}:{a}",) if shown else ())))
        return {"type": "decision", "player": p, "infoset": key, "actions": list(range(k)), "children": kids}

    root = node(0, ((), ()), ((), ()), ())
    if root["type"] == "terminal":  # pragma: no cover - depth 0 is never a leaf
        raise AssertionError
    return game_from_dict({"format": "regretlab.efg/1", "name": f"random_zero_sum_{seed}",
                           "num_players": 2, "root": root})


def _check_against_lp(g, sol_fast):
    full = sequence_form_lp(g, method="lp")
    assert abs(sol_fast.value - full.value) < 1e-9
    assert sol_fast.nash_conv < 1e-9 and full.nash_conv < 1e-9
    assert 0.0 <= sol_fast.gap < 1e-9
    assert abs(sol_fast.gap - sol_fast.nash_conv) < 1e-9  # the certificate is the tree's NashConv
    return full


def _two_copies(g):
    """Chance picks one of two copies of ``g`` (fair coin; the copies' information sets renamed
    apart): the same value, and an LP with a swap symmetry."""
    doc = game_to_dict(g)

    def renamed(node, tag):
        node = dict(node)
        if node["type"] == "decision":
            node["infoset"] = f"{tag}{node['infoset']}"
            node["children"] = [renamed(c, tag) for c in node["children"]]
        elif node["type"] == "chance":
            node["outcomes"] = [{**o, "child": renamed(o["child"], tag)} for o in node["outcomes"]]
        return node

    root = {"type": "chance", "outcomes": [{"prob": 0.5, "child": renamed(doc["root"], "a:")},
                                           {"prob": 0.5, "child": renamed(doc["root"], "b:")}]}
    return game_from_dict({**doc, "name": f"two_{g.name}", "root": root})


def test_leduc_by_default_is_the_lifted_lp():
    g = leduc_poker()
    sol = sequence_form_lp(g)
    assert sol.path == "lifted" and sol.rounds == 1
    assert abs(sol.value - LEDUC_VALUE) < 1e-9
    _check_against_lp(g, sol)
    assert abs(best_response(g, sol.policy, 0).value - sol.value) < 1e-9
    assert abs(best_response(g, sol.policy, 1).value + sol.value) < 1e-9


def test_kuhn_has_no_symmetry_to_lift():
    # Kuhn's three cards are all different: colour refinement leaves the LP (almost) whole
    sol = sequence_form_lp(kuhn_poker())
    assert sol.path == "lp" and abs(sol.value + 1 / 18) < 1e-12 and sol.nash_conv < 1e-12


def test_planted_symmetry_is_found_and_lifted():
    for g0 in (kuhn_poker(), _random_zero_sum_game(3)):
        g = _two_copies(g0)
        sol = sequence_form_lp(g)
        assert sol.path == "lifted"
        assert abs(sol.value - sequence_form_lp(g0, method="lp").value) < 1e-9
        _check_against_lp(g, sol)


def test_refused_lifted_solution_falls_back_to_the_whole_lp(monkeypatch):
    from regretlab.games import sequence_crossover

    real = sequence_crossover.certify
    calls = []

    def doubting(game, x, y):  # the first certificate (the lifted solution's) is refused
        lo, hi = real(game, x, y)
        calls.append(hi - lo)
        return (lo, hi + 1.0) if len(calls) == 1 else (lo, hi)

    monkeypatch.setattr(sequence_crossover, "certify", doubting)
    sol = sequence_form_lp(leduc_poker())
    assert sol.path == "lifted+lp" and sol.rounds == 2 and len(calls) == 2
    assert abs(sol.value - LEDUC_VALUE) < 1e-9 and sol.nash_conv < 1e-9


def test_certificate_refuses_non_plans_and_wrong_values():
    from regretlab.games.sequence_crossover import certified

    g = leduc_poker()
    sol = sequence_form_lp(g)
    x, y = sol.plans
    assert certified(g, x, y, sol.value) == (True, sol.gap)
    assert not certified(g, x, y, sol.value + 1e-6)[0]  # a value outside the bounds
    assert not certified(g, 2.0 * x, y, sol.value)[0]  # not a realization plan (x_0 = 2)
    bad = y.copy()
    bad[np.flatnonzero(y > 0.1)[-1]] += 1e-6  # one sequence off its information set's sum
    assert not certified(g, x, bad, sol.value)[0]


def _swap_symmetric_lp(seed):
    """``min cᵀx, Mx <= b, x >= 0`` with a planted symmetry: the variables come in swapped pairs
    ``(u, v)`` and the rows in pairs ``B u + C v <= b``, ``C u + B v <= b``; one more row bounds
    everything (a feasible, bounded LP)."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    B, C = np.round(rng.normal(size=(m, n)), 3), np.round(rng.normal(size=(m, n)), 3)
    M = np.block([[B, C], [C, B]])
    M = np.vstack([M, np.ones(2 * n)])
    b = np.r_[np.abs(rng.normal(size=m)) + 0.1, np.abs(rng.normal(size=m)) + 0.1, [1.0]]
    b[m:2 * m] = b[:m]
    c = np.round(rng.normal(size=n), 3)
    return (M, np.r_[c, c], np.zeros(2 * n), np.full(2 * n, np.inf), np.full(2 * m + 1, -np.inf), b)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_reduced_lp_has_the_lp_optimum_and_lifts_to_a_solution(seed):
    # Grohe, Kersting, Mladenov & Selman, ESA 2014: the LP reduced by an equitable partition has
    # the same optimum, and its solution lifts to a feasible (so optimal) solution of the LP
    lp = _swap_symmetric_lp(seed)
    M, c, lo, hi, rlo, rhi = lp
    Ms = sp.csr_matrix(M)
    obj = solve_lp(Ms, c, lo, hi, rlo, rhi, dict(_HIGHS))[0]
    part = equitable_partition(Ms, c, lo, hi, rlo, rhi)
    kr, kc = part.shape
    assert kc <= c.size // 2 + 0 and kr <= (rlo.size - 1) // 2 + 1  # the swap halves the LP
    red = reduce_lp(Ms, c, lo, hi, rlo, rhi, part)
    robj, z, w, _ = solve_lp(red.matrix, red.cost, red.col_lower, red.col_upper, red.row_lower,
                             red.row_upper, dict(_HIGHS))
    assert abs(robj - obj) < 1e-9 * max(1.0, abs(obj))
    xl, yl = lift(part, red, z, w)
    assert np.all(M @ xl <= rhi + 1e-9) and np.all(xl >= -1e-12)
    assert abs(c @ xl - obj) < 1e-9 * max(1.0, abs(obj))
    # the lifted dual is dual feasible with the same objective (strong duality)
    assert np.all(yl <= 1e-9) and abs(rhi @ yl - obj) < 1e-8 * max(1.0, abs(obj))
    assert np.all(c - M.T @ yl >= -1e-9)


def test_kuhn_value_by_crossover():
    # Kuhn (1950): the value of Kuhn poker for the first player is -1/18
    sol = sequence_form_lp(kuhn_poker(), method="crossover")
    assert abs(sol.value + 1 / 18) < 1e-12
    assert sol.path in ("crossover", "crossover+lp") and sol.rounds >= 1
    _check_against_lp(kuhn_poker(), sol)


def test_leduc_value_by_crossover():
    g = leduc_poker()
    sol = sequence_form_lp(g, method="crossover")
    assert abs(sol.value - LEDUC_VALUE) < 1e-9
    _check_against_lp(g, sol)
    assert abs(best_response(g, sol.policy, 0).value - sol.value) < 1e-9
    assert abs(best_response(g, sol.policy, 1).value + sol.value) < 1e-9


@pytest.mark.parametrize("name, params", [("kuhn_poker", {}), ("liars_dice", {"dice_sides": 2}),
                                          ("leduc_poker", {})])
def test_openspiel_games(name, params):
    pytest.importorskip("pyspiel", reason="OpenSpiel is the optional [openspiel] extra")
    from regretlab.games.openspiel import from_openspiel

    try:
        g = from_openspiel(name, **params)
    except ValueError as exc:  # a parameter this OpenSpiel build does not know
        pytest.skip(f"{name}{params}: {exc}")
    _check_against_lp(g, sequence_form_lp(g, method="crossover"))
    _check_against_lp(g, sequence_form_lp(g))


def test_other_zero_sum_games():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(4, 6))
    g = one_shot(a, -a)
    sol = sequence_form_lp(g, method="crossover")
    _check_against_lp(g, sol)
    from regretlab.games.normal_form import zero_sum_nash

    assert abs(sol.value - zero_sum_nash(a).value) < 1e-9  # von Neumann's minimax value of the matrix
    for seed in (0, 1, 2):
        g = _random_zero_sum_game(seed)
        _check_against_lp(g, sequence_form_lp(g, method="crossover"))
        _check_against_lp(g, sequence_form_lp(g))


def test_constant_sum_game():
    # u_0 + u_1 = 1 everywhere: the same equilibria as the zero-sum game u_0 - 1/2
    rng = np.random.default_rng(3)
    a = rng.uniform(size=(3, 3))
    g = one_shot(a, 1.0 - a)
    sol = sequence_form_lp(g, method="crossover")
    _check_against_lp(g, sol)


def test_wrong_guess_still_ends_exact():
    g = leduc_poker()
    full = sequence_form_lp(g)
    # one CFR+ iteration and a threshold no sequence but the forced ones passes: a tiny, wrong guess
    S0, S1 = support_guess(g, 1, 0.99)
    assert S0.sum() < 0.5 * S0.size and S1.sum() < 0.5 * S1.size
    out = crossover(g, options=dict(_HIGHS), warm_iterations=1, threshold=0.99)
    assert out["rounds"] > 1 and out["path"] == "crossover"
    assert abs(out["value"] - full.value) < 1e-9 and out["gap"] < 1e-9
    # no rounds to spare: after one restricted LP the crossover opens every sequence (the whole LP)
    out = crossover(g, options=dict(_HIGHS), warm_iterations=1, threshold=0.99, max_rounds=1)
    assert out["path"] == "crossover+lp" and out["rounds"] == 2
    assert abs(out["value"] - full.value) < 1e-9 and out["gap"] < 1e-9


def test_without_highspy_scipy_solves_each_lp(monkeypatch):
    from regretlab.games import sequence_crossover

    monkeypatch.setattr(sequence_crossover, "_highspy", lambda: None)
    g = kuhn_poker()
    out = crossover(g, options=dict(_HIGHS), warm_iterations=1, threshold=0.99)
    assert abs(out["value"] + 1 / 18) < 1e-12 and out["gap"] < 1e-12 and out["rounds"] > 1
    g = _random_zero_sum_game(7)
    out = crossover(g, options=dict(_HIGHS), warm_iterations=1, threshold=0.99, max_rounds=1)
    lp = sequence_form_lp(g, method="lp")  # the whole LP through scipy's linprog
    assert abs(out["value"] - lp.value) < 1e-9 and lp.nash_conv < 1e-9 and lp.gap < 1e-9
    sol = sequence_form_lp(leduc_poker())  # the reduced LP through scipy's linprog
    assert sol.path == "lifted" and abs(sol.value - LEDUC_VALUE) < 1e-9 and sol.nash_conv < 1e-9
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        sequence_form_lp(g, time_limit=-1.0)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_plan_best_response_is_the_tree_best_response(seed):
    # the sequence-form best response (one sweep over a treeplex) equals the tree's exact one
    g = kuhn_poker()
    pol = random_policy(g, seed=seed, concentration=0.5)
    x, y = realization_plan(g, pol, 0), realization_plan(g, pol, 1)
    assert abs(plan_best_response(g, y, 0)[0] - best_response(g, pol, 0).value) < 1e-12
    assert abs(plan_best_response(g, x, 1)[0] + best_response(g, pol, 1).value) < 1e-12
    lo, hi = certify(g, x, y)
    assert abs((hi - lo) - nash_conv(g, pol)) < 1e-12


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 100_000), warm=st.sampled_from([1, 5, 50]),
       threshold=st.sampled_from([0.5, 0.05, 1e-3]))
def test_random_games_match_the_whole_lp(seed, warm, threshold):
    # every guess, right or wrong, ends at the whole LP's value with a certified NashConv
    g = _random_zero_sum_game(seed)
    full = sequence_form_lp(g, method="lp")
    auto = sequence_form_lp(g)
    assert abs(auto.value - full.value) < 1e-9 and auto.gap < 1e-9 and auto.nash_conv < 1e-9
    out = crossover(g, options=dict(_HIGHS), warm_iterations=warm, threshold=threshold)
    assert abs(out["value"] - full.value) < 1e-9
    assert out["gap"] < 1e-9
    lo, hi = certify(g, out["x"], out["y"])
    assert lo - 1e-9 <= full.value <= hi + 1e-9


def test_solver_interface_and_repr():
    g = kuhn_poker()
    lp = SequenceFormLPSolver(method="crossover")
    state = lp.update(lp.init(g), g, 1)
    assert abs(state.value + 1 / 18) < 1e-12 and nash_conv(g, state.policy) < 1e-12
    assert repr(lp) == "sequence_form_lp(method='crossover')"
    assert repr(SequenceFormLPSolver()) == "sequence_form_lp()"
    assert repr(SequenceFormLPSolver(method="lp")) == "sequence_form_lp(method='lp')"


def test_time_limit_reached():
    with pytest.raises(TimeoutError, match="time_limit"):
        sequence_form_lp(leduc_poker(), time_limit=1e-4)
    with pytest.raises(TimeoutError, match="time_limit"):
        sequence_form_lp(leduc_poker(), time_limit=1e-4, method="crossover")


def test_bad_method():
    with pytest.raises(ValueError, match="method must be one of 'auto', 'lp', 'crossover'"):
        sequence_form_lp(kuhn_poker(), method="simplex")
    with pytest.raises(ValueError, match="method must be one of"):
        sequence_form_lp(kuhn_poker(), method=None)
    with pytest.raises(ValueError, match="method must be one of"):
        SequenceFormLPSolver(method="lifted")
    with pytest.raises(ValueError, match="warm_iterations must be an integer >= 1"):
        crossover(kuhn_poker(), options={}, warm_iterations=0)
    with pytest.raises(ValueError, match="threshold"):
        crossover(kuhn_poker(), options={}, threshold=1.5)
    with pytest.raises(ValueError, match="max_rounds must be an integer >= 1"):
        crossover(kuhn_poker(), options={}, max_rounds=0.5)
    with pytest.raises(ValueError, match="gap_tol must be > 0"):
        crossover(kuhn_poker(), options={}, gap_tol=0.0)


@pytest.mark.parametrize("scale", [1e-9, 1e10, 1e12, -1e12])
@pytest.mark.parametrize("method", ["auto", "lp", "crossover"])
def test_payoff_scale_does_not_matter(scale, method):
    # found in review: at payoffs of 1e10 the colour refinement's rounding (relative to max |M|)
    # merged the ±1 constraint entries with nothing and the reduced LP was infeasible; at 1e-9
    # HiGHS' absolute tolerances gave a wrong value. Block sums are now rounded relative to
    # themselves, and payoffs outside [1e-3, 1e3] are solved scaled to 1
    import dataclasses

    leduc = leduc_poker()
    unit = dataclasses.replace(leduc, utilities=leduc.utilities * np.sign(scale), meta={})
    ref = sequence_form_lp(unit, method="lp")  # a negative scale is another game (players' aims swapped)
    g = dataclasses.replace(leduc, utilities=leduc.utilities * scale, meta={})
    sol = sequence_form_lp(g, method=method)
    assert abs(sol.value / abs(scale) - ref.value) < 1e-9
    assert sol.nash_conv < 1e-9 * abs(scale) and sol.gap < 1e-9 * abs(scale)


def test_a_near_tie_is_not_merged_by_the_reduction():
    # found in review: payoffs 1000 and 1000 + 1e-8 were merged (rounded to 1e-9 of max |M|) and
    # the certificate's 1e-11 max|u| tolerance accepted an equilibrium 1e5 times worse than the LP's
    A = np.array([[1000.0, 0.0], [0.0, 1000.0 + 1e-8]])
    exact = 1000 * (1000 + 1e-8) / (2000 + 1e-8)
    for method in ("lp", "auto"):
        sol = sequence_form_lp(one_shot(A, -A), method=method)
        assert abs(sol.value - exact) < 1e-12 * 1000 and sol.nash_conv < 1e-12 * 1000
    A = 1e10 * np.array([[1.0, -1.0], [-1.0, 1.0]])
    assert sequence_form_lp(one_shot(A, -A), method="auto").value == pytest.approx(0.0, abs=1e-6)
