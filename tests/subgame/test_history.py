"""Tiny-deck subgames: the range-vector solver equals the treeplex built history by history.

The history-by-history game (:mod:`regretlab.games.subgame.history`) deals both hands at a
chance node, then plays the public tree with per-history payoffs from
:func:`regretlab.games.holdem.hand_rank`; it is solved by the generic treeplex CFR
(:mod:`regretlab.games.cfr`) and evaluated by :mod:`regretlab.games.evaluation`.
"""

import numpy as np
import pytest

from regretlab.experts import hedge
from regretlab.games import kernels as tk
from regretlab.games.cfr import cfr, cfr_plus, dcfr, linear, pcfr_plus
from regretlab.games.evaluation import best_response, expected_value
from regretlab.games.evaluation import exploitability as treeplex_exploitability
from regretlab.games.evaluation import random_policy
from regretlab.games.subgame import SubgameCFR, exploitability, subgame, values
from regretlab.games.subgame.history import history_treeplex, rows_of, to_treeplex_policy

RIVER_DECK = [4 * r + s for r in (8, 9, 10) for s in range(4)]  # T J Q, four suits
TURN_DECK = [4 * r + s for r in (9, 10, 11, 12) for s in range(4)][:11]
FLOP_DECK = [4 * r + s for r in (9, 10, 11) for s in range(4)][:10]


@pytest.fixture(scope="module")
def river():
    rs = np.random.default_rng(1)
    g = subgame("TsThJsJhQs", 4, 6, rs.uniform(0.1, 1, 1326), rs.uniform(0.1, 1, 1326), bets="0.5,1,allin",
                raise_cap=1, deck=RIVER_DECK)
    return g, history_treeplex(g)


@pytest.fixture(scope="module")
def turn():
    rs = np.random.default_rng(2)
    g = subgame("JsJhQsKs", 4, 6, rs.uniform(0.1, 1, 1326), rs.uniform(0.1, 1, 1326), bets="1,allin", raise_cap=1,
                deck=TURN_DECK)
    return g, history_treeplex(g)


@pytest.fixture(scope="module")
def flop():
    # two chance levels (turn, river) and all-in run-outs
    rs = np.random.default_rng(3)
    g = subgame("JsJhQs", 4, 6, rs.uniform(0.1, 1, 1326), rs.uniform(0.1, 1, 1326), bets="1,allin", raise_cap=1,
                deck=FLOP_DECK)
    return g, history_treeplex(g)


def _random_range_policy(g, tp, seed):
    """A random policy on the range-vector rows, and the same one on the treeplex."""
    pol = random_policy(tp, seed)
    full = g.legal / g.row_actions[:, None].astype(float)
    full[rows_of(g, tp)] = np.pad(pol, ((0, 0), (0, g.max_actions - tp.max_actions)))
    return full, pol


@pytest.mark.parametrize("spot", ["river", "turn", "flop"])
def test_values_best_response_and_exploitability_equal(spot, request):
    g, tp = request.getfixturevalue(spot)
    for seed in range(3):
        mine, theirs = _random_range_policy(g, tp, seed)
        ev = expected_value(tp, theirs)
        for p in range(2):
            assert abs(values(g, mine, p).sum() - ev[p]) < 1e-12
            assert abs(values(g, mine, p, best_response=True).sum() - best_response(tp, theirs, p).value) < 1e-12
        assert abs(exploitability(g, mine)["chips"] - treeplex_exploitability(tp, theirs)) < 1e-12


@pytest.mark.parametrize("spot", ["river", "turn"])
def test_counterfactual_values_equal_per_information_set(spot, request):
    g, tp = request.getfixturevalue(spot)
    mine, theirs = _random_range_policy(g, tp, 7)
    rows = rows_of(g, tp)
    for p in range(2):
        from regretlab.games.subgame import kernels as K

        opp, own, value, inst, reach = g.work()
        inst.fill(0.0)
        K.sweep(p, False, mine, *g.tree_args(), g.weights[1 - p], g.scales[p], opp, own, value, inst, reach)
        cfv = np.zeros(tp.legal_mask.shape)
        tk.counterfactual_values(p, theirs, tp.node_player, tp.node_first_child, tp.node_num_children,
                                 tp.node_infoset, tp.node_chance_prob, tp.node_terminal, tp.utilities,
                                 np.zeros(tp.num_nodes), np.zeros(tp.num_nodes), cfv)
        mask = (tp.infoset_player == p)[:, None] & tp.legal_mask
        assert np.abs(inst[rows][:, :tp.max_actions][mask] - cfv[mask]).max() < 1e-12


def _same_solve(g, tp, solver, T):
    st = solver.solve(tp, T)
    s = SubgameCFR(solver)
    mine = s.update(s.init(g), g, T)
    pol = s.average_policy(mine, g)
    ref = solver.average_policy(st, tp)
    return (np.abs(to_treeplex_policy(g, tp, pol) - ref).max(),
            abs(exploitability(g, pol)["chips"] - treeplex_exploitability(tp, ref)))


@pytest.mark.parametrize("make", [cfr_plus, dcfr, pcfr_plus, lambda: cfr_plus(updates="simultaneous"),
                                  lambda: cfr(local=hedge(lr=0.5), averaging=linear())],
                         ids=["cfr+", "dcfr", "pcfr+", "cfr+simultaneous", "cfr-hedge"])
def test_river_solves_equal(river, make):
    # every rule, whole trajectories; on this spot no two actions tie exactly (see the turn test)
    g, tp = river
    d_policy, d_expl = _same_solve(g, tp, make(), 60)
    assert d_policy < 1e-9 and d_expl < 1e-9


@pytest.mark.parametrize("make", [lambda: cfr(local=hedge(lr=0.5), averaging=linear()),
                                  lambda: cfr_plus(updates="simultaneous")],
                         ids=["cfr-hedge", "cfr+simultaneous"])
def test_turn_solves_equal(turn, make):
    # With chance nodes the two sums run in different orders; regret matching+ with alternating
    # updates turns an exact tie (an always-folding opponent makes bet and check worth the same)
    # into a sign of 1e-17 noise, so its trajectories part; values per policy stay equal (above).
    g, tp = turn
    d_policy, d_expl = _same_solve(g, tp, make(), 40)
    assert d_policy < 1e-9 and d_expl < 1e-9
