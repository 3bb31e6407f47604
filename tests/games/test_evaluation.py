"""Exact best response, NashConv, exploitability against reference values and brute force."""

import itertools

import numpy as np
import pytest

from regretlab.games.evaluation import (
    best_response, expected_value, exploitability, head_to_head, nash_conv, random_policy,
)
from regretlab.games.poker import kuhn_poker, leduc_poker


def test_uniform_nash_conv_reference_values():
    # Spec §9.3 / DESIGN.md, from OpenSpiel's exploitability tests: NashConv(uniform) is
    # 11/12 = 0.916667 in Kuhn poker and 4.747222 in Leduc poker.
    assert nash_conv(kuhn_poker(), kuhn_poker().uniform_policy()) == pytest.approx(11 / 12, abs=1e-12)
    assert nash_conv(leduc_poker(), leduc_poker().uniform_policy()) == pytest.approx(4.747222222, abs=1e-8)
    assert exploitability(kuhn_poker(), kuhn_poker().uniform_policy()) == pytest.approx(11 / 24, abs=1e-12)


def test_kuhn_equilibrium_value_and_zero_nash_conv():
    # Kuhn's (1950) equilibrium family with alpha = 1/3: player 1 bets J w.p. 1/3, K w.p. 1 (as
    # alpha*3), calls with K, with Q w.p. alpha+1/3; player 2 bets K, bets J w.p. 1/3 after a pass,
    # calls Q w.p. 1/3, calls K. The game value for player 1 is -1/18.
    g = kuhn_poker()
    pol = g.uniform_policy()
    a = 1 / 3
    table = {"0": a, "1": 0.0, "2": 3 * a, "0pb": 0.0, "1pb": a + 1 / 3, "2pb": 1.0,
             "0p": 1 / 3, "1p": 0.0, "2p": 1.0, "0b": 0.0, "1b": 1 / 3, "2b": 1.0}
    for key, bet in table.items():
        pol[g.infoset_index(key)] = [1 - bet, bet]
    np.testing.assert_allclose(expected_value(g, pol), [-1 / 18, 1 / 18], atol=1e-12)
    assert nash_conv(g, pol) == pytest.approx(0.0, abs=1e-12)


def _pure_strategies(g, player):
    rows = np.flatnonzero(g.infoset_player == player)
    for choice in itertools.product(*[range(g.infoset_num_actions[s]) for s in rows]):
        yield rows, choice


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_best_response_equals_brute_force_over_pure_strategies(seed):
    # Spec §9.3 item 2 computes NashConv by enumerating the 64 pure strategies per player of
    # Kuhn poker; the sweep's best response must equal the best of them.
    g = kuhn_poker()
    pol = random_policy(g, seed)
    for player in range(2):
        best = -np.inf
        for rows, choice in _pure_strategies(g, player):
            trial = pol.copy()
            trial[rows] = 0.0
            trial[rows, choice] = 1.0
            best = max(best, expected_value(g, trial)[player])
        br = best_response(g, pol, player)
        assert br.value == pytest.approx(best, abs=1e-12)
        assert expected_value(g, br.policy(g, pol))[player] == pytest.approx(best, abs=1e-12)


def test_three_player_best_response_brute_force():
    g = kuhn_poker(3)
    pol = random_policy(g, 7)
    player = 1
    rows = np.flatnonzero(g.infoset_player == player)
    best = -np.inf
    for choice in itertools.product(range(2), repeat=len(rows)):
        trial = pol.copy()
        trial[rows] = 0.0
        trial[rows, choice] = 1.0
        best = max(best, expected_value(g, trial)[player])
    assert best_response(g, pol, player).value == pytest.approx(best, abs=1e-12)


def test_head_to_head_combines_rows_and_zero_sum():
    g = leduc_poker()
    a, b = random_policy(g, 1), random_policy(g, 2)
    v = head_to_head(g, [a, b])
    mixed = np.where((g.infoset_player == 0)[:, None], a, b)
    np.testing.assert_allclose(v, expected_value(g, mixed))
    assert v.sum() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="one policy per player"):
        head_to_head(g, [a])
    with pytest.raises(ValueError, match="player must be"):
        best_response(g, a, 2)
