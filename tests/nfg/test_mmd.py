"""Magnetic mirror descent: last-iterate convergence to the logit QRE (Sokota et al. 2023)."""

import numpy as np
import pytest

from regretlab.games.normal_form import rescale, zero_sum_game
from regretlab.games.normal_form.mmd import mmd_self_play


def _qre_residual(game, xs, alpha):
    # the QRE with temperature α: x_i ∝ exp(u_i(·, x_-i) / α) (McKelvey & Palfrey 1995)
    out = 0.0
    for i in range(game.num_players):
        u = game.deviation_utilities(xs, i) / alpha
        q = np.exp(u - u.max())
        out = max(out, float(np.abs(q / q.sum() - xs[i]).max()))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_last_iterate_reaches_the_qre_and_plain_mirror_descent_does_not_settle(seed):
    g = rescale(zero_sum_game(4, seed=seed))
    alpha = 0.2
    # Sokota et al. 2023, Thm 3.4: linear last-iterate convergence, rate 1/(1+ηα), for
    # η <= α / L² (payoffs in [0, 1], 4 actions: L <= 2, so η = 0.05)
    res = mmd_self_play(g, 4000, lr=0.05, temperature=alpha, every=1000)
    assert _qre_residual(g, res.strategies, alpha) < 1e-8
    assert res.nash_conv[-1] == pytest.approx(res.nash_conv[-2], abs=1e-9)  # settled
    plain = mmd_self_play(g, 4000, lr=0.05, temperature=0.0, every=1000)
    assert np.ptp(plain.nash_conv) > 1e-3 or plain.nash_conv[-1] > 10 * res.nash_conv[-1]


def test_smaller_temperature_gives_smaller_nash_conv():
    g = rescale(zero_sum_game(5, seed=1))
    convs = [mmd_self_play(g, 6000, lr=0.5, temperature=a, every=6000).nash_conv[-1] for a in (0.1, 0.03, 0.01)]
    assert convs[0] > convs[1] > convs[2]


def test_bad_arguments():
    g = rescale(zero_sum_game(3, seed=0))
    with pytest.raises(ValueError, match="lr"):
        mmd_self_play(g, 10, lr=0.0)
    with pytest.raises(ValueError, match="temperature"):
        mmd_self_play(g, 10, temperature=-1.0)
    with pytest.raises(ValueError, match="T"):
        mmd_self_play(g, 0)


def test_mmd_as_a_cfr_local_rule_has_a_settling_last_iterate_on_kuhn():
    # any experts learner is a CFR local rule (games/local.py); with MMD the *current* policy
    # settles near a regularised equilibrium, while regret matching's current policy does not
    from regretlab.games import kuhn_poker, nash_conv
    from regretlab.games.cfr import cfr, regret_matching
    from regretlab.games.normal_form.mmd import mmd

    game = kuhn_poker()
    solver = cfr(local=mmd(lr=1.0, temperature=0.02), updates="simultaneous")
    state = solver.update(solver.init(game), game, 600)
    first = nash_conv(game, solver.current_policy(state))
    state = solver.update(state, game, 400)
    last = nash_conv(game, solver.current_policy(state))
    assert abs(last - first) < 1e-3 and last < 0.05
    rm = cfr(local=regret_matching(), updates="simultaneous")
    rm_state = rm.update(rm.init(game), game, 1000)
    assert nash_conv(game, rm.current_policy(rm_state)) > 4 * last
