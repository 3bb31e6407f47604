"""Sequence-form LP (issue 18): exact values of Kuhn and Leduc poker, NashConv of the LP
equilibrium by the exact best response, agreement with OpenSpiel, CFR+ bracketing the value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regretlab.games import cfr_plus, kuhn_poker, leduc_poker
from regretlab.games.evaluation import best_response, expected_value, nash_conv, random_policy
from regretlab.games.io import game_from_dict
from regretlab.games.sequence_form import (
    SequenceFormLPSolver, behavioural, realization_plan, sequence_form, sequence_form_lp,
)
from regretlab.games.solve import SolveConfig, solve

# Leduc poker's value for player 0: Lanctot et al. 2017, "A unified game-theoretic approach to
# multiagent reinforcement learning", Appendix E.2 (also OpenSpiel's sequence_form_lp_test.py)
LEDUC_VALUE = -0.085606424078


def _general_sum_game():
    """Sequential battle of the sexes: player 1 sees player 0's choice (utilities do not sum to a constant)."""
    def leaf(a, b):
        return {"type": "terminal", "utilities": [a, b]}
    def p1(key, u):
        return {"type": "decision", "player": 1, "infoset": key, "actions": [0, 1],
                "children": [leaf(*u[0]), leaf(*u[1])]}
    root = {"type": "decision", "player": 0, "infoset": "P0", "actions": [0, 1],
            "children": [p1("P1a", [(2, 1), (0, 0)]), p1("P1b", [(0, 0), (1, 2)])]}
    return game_from_dict({"format": "regretlab.efg/1", "name": "bos_seq", "num_players": 2, "root": root})


def test_kuhn_value_is_minus_one_eighteenth():
    # Kuhn (1950): the value of Kuhn poker for the first player is -1/18
    sol = sequence_form_lp(kuhn_poker())
    assert abs(sol.value + 1 / 18) < 1e-12
    assert sol.nash_conv < 1e-9
    assert abs(expected_value(kuhn_poker(), sol.policy)[0] + 1 / 18) < 1e-12


def test_leduc_value_and_nash_conv():
    g = leduc_poker()
    sol = sequence_form_lp(g)
    assert abs(sol.value - LEDUC_VALUE) < 1e-9
    assert sol.nash_conv < 1e-9
    # each player's best response gains nothing: v = u_0(BR_0, y) = -u_1(x, BR_1)
    assert abs(best_response(g, sol.policy, 0).value - sol.value) < 1e-9
    assert abs(best_response(g, sol.policy, 1).value + sol.value) < 1e-9


def test_openspiel_import_has_the_same_value():
    from regretlab.games.openspiel import from_openspiel

    assert abs(sequence_form_lp(from_openspiel("kuhn_poker")).value + 1 / 18) < 1e-12


def test_equals_openspiel_sequence_form_lp():
    pytest.importorskip("cvxpy", reason="OpenSpiel's sequence_form_lp needs cvxpy (not a regretlab dependency)")
    import pyspiel
    from open_spiel.python.algorithms import sequence_form_lp as os_lp

    v0, v1, _, _ = os_lp.solve_zero_sum_game(pyspiel.load_game("leduc_poker"))
    ours = sequence_form_lp(leduc_poker()).value
    assert abs(ours - v0) < 1e-9 and abs(ours + v1) < 1e-9


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), concentration=st.sampled_from([0.3, 1.0, 5.0]))
def test_plan_roundtrip_and_bilinear_payoff(seed, concentration):
    # von Stengel 1996: u_0(sigma) = x^T A y for the realization plans x, y of a behaviour profile
    g = kuhn_poker()
    pol = random_policy(g, seed=seed, concentration=concentration)
    x, y = realization_plan(g, pol, 0), realization_plan(g, pol, 1)
    E, F = sequence_form(g).constraints
    e = np.zeros(E.shape[0]); e[0] = 1.0
    f = np.zeros(F.shape[0]); f[0] = 1.0
    np.testing.assert_allclose(E @ x, e, atol=1e-12)
    np.testing.assert_allclose(F @ y, f, atol=1e-12)
    assert abs(x @ (sequence_form(g).payoff @ y) - expected_value(g, pol)[0]) < 1e-12
    np.testing.assert_allclose(behavioural(g, (x, y)), pol, atol=1e-12)


def test_cfr_plus_brackets_and_approaches_the_lp_value():
    g = kuhn_poker()
    value = sequence_form_lp(g).value
    solver = cfr_plus()
    state = solver.init(g)
    gaps = []
    for t in (20, 200, 2000):
        state = solver.update(state, g, t - state.t)
        avg = solver.average_policy(state, g)
        upper = best_response(g, avg, 0).value  # player 0 best-responds to player 1's average
        lower = -best_response(g, avg, 1).value
        assert lower - 1e-12 <= value <= upper + 1e-12
        assert abs(expected_value(g, avg)[0] - value) <= nash_conv(g, avg) + 1e-12
        gaps.append(upper - lower)
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-3


def test_solve_path_and_solver_interface():
    g = kuhn_poker()
    solver, state, curve = solve(SolveConfig("kuhn", 2, "sequence-form-lp", 1000, 100), g)
    assert isinstance(solver, SequenceFormLPSolver) and state.t == 1
    assert curve["iteration"] == [1] and curve["nash_conv"][0] < 1e-9
    assert abs(state.value + 1 / 18) < 1e-12
    np.testing.assert_array_equal(solver.average_policy(state, g), state.policy)


def test_bad_input():
    with pytest.raises(ValueError, match="general-sum"):
        sequence_form_lp(_general_sum_game())
    with pytest.raises(ValueError, match="2-player"):
        sequence_form_lp(kuhn_poker(3))
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        sequence_form_lp(kuhn_poker(), time_limit=0)
    with pytest.raises(ValueError, match="time_limit must be a finite number"):
        sequence_form_lp(kuhn_poker(), time_limit=float("nan"))
    with pytest.raises(TypeError, match="Treeplex"):
        sequence_form_lp("kuhn")
    with pytest.raises(ValueError, match="local does not apply"):
        solve(SolveConfig("kuhn", 2, "sequence-form-lp", 10, 10, local="hedge"), kuhn_poker())


def _random_zero_sum_kuhn(seed):
    """Kuhn poker's tree with random zero-sum terminal payoffs (a different game per seed)."""
    from regretlab.games.io import game_from_dict, game_to_dict

    rng = np.random.default_rng(seed)
    doc = game_to_dict(kuhn_poker())
    stack = [doc["root"]]
    while stack:
        node = stack.pop()
        if node["type"] == "terminal":
            u = float(rng.normal())
            node["utilities"] = [u, -u]
        stack.extend(node.get("children", []))
        stack.extend(o["child"] for o in node.get("outcomes", []))
    return game_from_dict(doc)


def _pure_policies(g, player):
    """Every pure behavioural policy of ``player`` (others' rows uniform)."""
    import itertools

    rows = np.flatnonzero(g.infoset_player == player)
    for choice in itertools.product(*(range(g.infoset_num_actions[r]) for r in rows)):
        pol = g.uniform_policy()
        pol[rows] = 0.0
        pol[rows, list(choice)] = 1.0
        yield pol


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_value_equals_the_normal_form_minimax(seed):
    # von Neumann: the value over all pure-strategy pairs of the induced normal form, each payoff by
    # the exact tree evaluation (no sequence form), equals the sequence-form LP's value
    from regretlab.games.evaluation import head_to_head
    from regretlab.games.normal_form import zero_sum_nash

    g = _random_zero_sum_kuhn(seed)
    p0, p1 = list(_pure_policies(g, 0)), list(_pure_policies(g, 1))
    matrix = np.array([[head_to_head(g, [a, b])[0] for b in p1] for a in p0])  # 64 x 64
    sol = sequence_form_lp(g)
    assert abs(sol.value - zero_sum_nash(matrix).value) < 1e-9
    assert sol.nash_conv < 1e-9
