"""Agent logit QRE of extensive-form games (McKelvey & Palfrey, Experimental Economics 1, 1998)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from regretlab.games import kuhn_poker
from regretlab.games.agent_qre import (
    _AgentSystem,
    action_values,
    agent_qre,
    agent_qre_branch,
    agent_qre_residual,
)
from regretlab.games.evaluation import expected_value, nash_conv
from regretlab.games.normal_form import NormalFormGame
from regretlab.games.normal_form.qre import logit_qre
from regretlab.games.small_games import beer_quiche, one_shot


@pytest.fixture(scope="module")
def kuhn_branch():
    return agent_qre_branch(kuhn_poker(), lambda_max=100.0)


def test_branch_points_are_fixed_points_and_start_uniform(kuhn_branch):
    g = kuhn_poker()
    br = kuhn_branch
    assert br.lam[0] == 0.0 and br.lam[-1] == 100.0
    assert np.abs(br.policies[0] - g.uniform_policy()).max() < 1e-15
    assert br.residual.max() < 1e-9
    # recomputed independently of the tracer at every point
    assert max(agent_qre_residual(g, p, l) for p, l in zip(br.policies, br.lam)) < 1e-9


def test_kuhn_branch_approaches_a_nash_equilibrium(kuhn_branch):
    # McKelvey & Palfrey (1998): limit points of agent QRE as λ -> ∞ are sequential equilibria,
    # so NashConv falls to 0 along the branch.
    g = kuhn_poker()
    br = kuhn_branch
    nc = [nash_conv(g, br.policies[int(np.argmin(np.abs(br.lam - l)))]) for l in (1, 3, 10, 30, 100)]
    assert all(x > y for x, y in itertools.pairwise(nc)), nc
    assert nc[-1] < 5e-3
    # Kuhn (1950): the second player's equilibrium strategy is unique: with the queen check behind
    # and call a bet with probability 1/3; with the jack fold to a bet and bet 1/3 after a check;
    # with the king always bet or call. Game value -1/18.
    p = br.policies[-1]
    want = {"1b": 1 / 3, "1p": 0.0, "0b": 0.0, "0p": 1 / 3, "2b": 1.0, "2p": 1.0}
    for key, prob in want.items():
        assert abs(p[g.infoset_index(key), 1] - prob) < 0.02, key
    assert abs(expected_value(g, p)[0] + 1 / 18) < 1e-3


def test_one_shot_efg_equals_normal_form_qre():
    rng = np.random.default_rng(7)
    a, b = rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (3, 2))
    g = one_shot(a, b)
    nf = NormalFormGame.from_bimatrix(a, b)
    for lam in (0.5, 3.0, 20.0):
        sigma = agent_qre(g, lam)
        x, y = logit_qre(nf, lam)
        assert np.abs(sigma[g.infoset_index("P0"), :3] - x).max() < 1e-9
        assert np.abs(sigma[g.infoset_index("P1"), :2] - y).max() < 1e-9
    assert np.array_equal(agent_qre(g, 0.0), g.uniform_policy())


def test_signalling_game_branch_reaches_a_pooling_equilibrium():
    # chance moves and Bayes-rule beliefs: on beer-quiche the branch's NashConv falls to 0 and its
    # limit is pooling, as every equilibrium of the game is (Cho & Kreps 1987)
    g = beer_quiche()
    br = agent_qre_branch(g, 50.0)
    assert br.residual.max() < 1e-9
    nc = [nash_conv(g, p) for p in br.policies]
    assert nc[0] > 0.5 and nc[-1] < 1e-3
    s, w = br.policies[-1][g.infoset_index("strong")], br.policies[-1][g.infoset_index("weak")]
    assert np.abs(s - w).max() < 1e-3 and s.max() > 1 - 1e-3


def test_jacobian_matches_finite_differences():
    g = kuhn_poker()
    s = _AgentSystem(g)
    rng = np.random.default_rng(0)
    w = s.uniform() + 0.3 * rng.normal(size=s.n)
    lam, eps = 1.7, 1e-6
    jw, jl = s.jacobian(w, lam)
    fd = np.column_stack([(s.residual_h(w + eps * e, lam) - s.residual_h(w - eps * e, lam)) / (2 * eps)
                          for e in np.eye(s.n)])
    assert np.abs(fd - jw).max() < 1e-7
    assert np.abs((s.residual_h(w, lam + eps) - s.residual_h(w, lam - eps)) / (2 * eps) - jl).max() < 1e-7


def test_bad_input():
    g = kuhn_poker()
    with pytest.raises(ValueError, match="lambda_max must be > 0"):
        agent_qre_branch(g, 0.0)
    with pytest.raises(TypeError, match="game must be a Treeplex"):
        agent_qre_branch(np.zeros((2, 2)), 1.0)
    pure = g.uniform_policy()
    pure[g.infoset_index("0")] = [1.0, 0.0]
    pure[g.infoset_index("1")] = [1.0, 0.0]
    pure[g.infoset_index("2")] = [1.0, 0.0]
    with pytest.raises(ValueError, match="never reaches information set"):
        action_values(g, pure)


@pytest.mark.parametrize("name,params", [("kuhn_poker", {}), ("kuhn_poker", {"players": 3}), ("leduc_poker", {})])
def test_action_values_equal_openspiel_tree_walk(name, params):
    # Q(I, a) equals OpenSpiel's TreeWalkCalculator action values (Σ_h reach(h) Q(h, a) / Σ_h reach(h))
    # under a random fully mixed profile
    pyspiel = pytest.importorskip("pyspiel")
    from open_spiel.python.algorithms.action_value import TreeWalkCalculator

    from regretlab.games.evaluation import random_policy
    from regretlab.games.openspiel import from_openspiel, to_openspiel_policy

    g = from_openspiel(name, **params)
    pol = random_policy(g, seed=3)
    tab = to_openspiel_policy(g, pol)
    theirs = np.array(TreeWalkCalculator(pyspiel.load_game(name, params))(
        policies=[tab] * g.num_players, tabular_policy=tab).action_values)
    mine = action_values(g, pol)
    err = max(abs(theirs[tab.state_lookup[key], g.infoset_actions[i, k]] - mine[i, k])
              for i, key in enumerate(g.infoset_keys) for k in range(g.infoset_num_actions[i]))
    assert err < 1e-12
