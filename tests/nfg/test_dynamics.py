"""No-regret dynamics, fictitious play and replicator dynamics against their theorems."""

import numpy as np
import pytest

from regretlab.core.types import Bandit
from regretlab.experts import hedge
from regretlab.games.normal_form import (
    cce_gap, fictitious_play, matching_pennies, nash_conv, optimistic_hedge_self_play, play,
    prisoners_dilemma, random_game, replicator_dynamics, rescale, rock_paper_scissors,
    self_play, shapley_game, zero_sum_game,
)


@pytest.mark.parametrize("shape", [[3, 3], [3, 3, 3], [2, 4]])
@pytest.mark.parametrize("T", [64, 1000])
def test_hedge_self_play_cce_gap_below_regret_bound(shape, T):
    # Hedge with η = sqrt(8 ln K / T) has regret <= sqrt(T ln K / 2) on utilities in [0, 1]
    # (Cesa-Bianchi & Lugosi 2006, Thm 2.2), so the empirical joint distribution is a
    # sqrt(ln K / (2T))-CCE (spec §2.6 target 4, §4.3 target 3), player by player.
    g = random_game(shape, seed=sum(shape) + T)
    res = play(g, hedge(horizon=T), T, batch=3, every=T)
    bound = np.sqrt(np.log(np.array(shape)) / (2 * T))  # [P]
    assert (res.regret[-1] / T <= bound[None, :] + 1e-12).all()
    gap = cce_gap(g, res.joint, per_player=True)
    assert (gap <= bound[None, :] + 1e-12).all()
    # the recorded gap is exactly max_i Reg_i / T, the CCE gap of the recorded joint distribution
    np.testing.assert_allclose(res.cce_gap[-1], cce_gap(g, res.joint), atol=1e-12)


def test_realized_play_and_batch_independence():
    g = random_game([3, 2, 2], seed=1)
    res = play(g, hedge(horizon=200), 200, batch=4, seed=3, mode="realized", every=50)
    np.testing.assert_allclose(res.cce_gap[-1], cce_gap(g, res.joint), atol=1e-12)
    assert np.allclose(res.joint.sum(axis=(1, 2, 3)), 1.0)
    # run b of a batch equals a solo run with the same seed's key b (counter-based streams)
    solo = play(g, hedge(horizon=200), 200, batch=1, seed=3, mode="realized", every=50)
    np.testing.assert_allclose(solo.joint[0], res.joint[0])
    again = play(g, hedge(horizon=200), 200, batch=4, seed=3, mode="realized", every=50)
    np.testing.assert_array_equal(again.joint, res.joint)


class _Exp3:
    """A minimal EXP3 (Auer et al. 2002) to exercise bandit feedback; utilities in [0, 1]."""

    feedback = Bandit

    def __init__(self, lr):
        self.lr = lr

    def init(self, keys, k):
        return (0, np.zeros((len(keys), k)))

    def strategy(self, state, context=None):
        s = self.lr * state[1]
        e = np.exp(s - s.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        return 0.95 * p + 0.05 / p.shape[1]

    def update(self, state, fb):
        est = state[1].copy()
        rows = np.arange(len(fb.action))
        est[rows, fb.action] += fb.reward / fb.prob
        return (state[0] + 1, est)


def test_bandit_feedback_learns_dominant_strategy():
    # prisoner's dilemma (rescaled to [0,1]): defection strictly dominates, so a bandit learner
    # ends up defecting most of the time
    g = rescale(prisoners_dilemma())
    res = play(g, _Exp3(0.05), 3000, batch=4, seed=0, every=3000)
    assert (res.average_strategies[0][:, 1] > 0.8).all()
    with pytest.raises(ValueError, match="bandit"):
        play(g, _Exp3(0.05), 10, mode="expected")


def test_optimistic_hedge_sum_of_regrets_is_bounded():
    # RVU (Syrgkanis et al. NeurIPS 2015, Thm 4 + Prop 7): η = 1/(2(P-1)) gives
    # Σ_i Reg_i(T) <= P ln K / η for all T, while Hedge's grows like sqrt(T)
    for shape in ([3, 3], [3, 3, 3]):
        g = random_game(shape, seed=7)
        p = len(shape)
        eta = 1 / (2 * (p - 1))
        res = optimistic_hedge_self_play(g, 1500, batch=1, every=100)
        assert (res.regret.sum(axis=2) <= p * np.log(3) / eta + 1e-9).all()


def test_self_play_by_name_and_errors():
    g = matching_pennies()
    res = self_play(rescale(g), "hedge", T=300, learner_params={"horizon": 300}, every=300)
    assert nash_conv(g, res.average_strategies) < 0.3
    with pytest.raises(ValueError, match="learners must be one learner or a list of 2"):
        play(g, [hedge(lr=0.1)] * 3, 10)
    with pytest.raises(ValueError, match="mode"):
        play(g, hedge(lr=0.1), 10, mode="mixed")
    with pytest.raises(TypeError, match="NormalFormGame"):
        play(np.zeros((2, 2)), hedge(lr=0.1), 10)


def test_fictitious_play_converges_in_zero_sum_and_cycles_in_shapley():
    # Robinson (1951): empirical frequencies of FP converge to equilibrium in zero-sum games
    f = fictitious_play(rock_paper_scissors(), 5000, batch=3, every=1000)
    assert (f.nash_conv[-1] < 0.05).all() and (f.nash_conv[-1] < f.nash_conv[0]).all()
    f = fictitious_play(zero_sum_game([3, 4], seed=2), 8000, batch=2, every=8000)
    assert (f.nash_conv[-1] < 0.05).all()
    # Shapley (1964): in Shapley's game FP frequencies cycle and stay away from the uniform NE
    f = fictitious_play(shapley_game(), 5000, batch=3, every=1000)
    assert (f.nash_conv[1:] > 0.2).all()


def test_replicator_conserves_the_constant_of_motion():
    # Zero-sum with interior NE (uniform in RPS): Σ x*_k log x_k + Σ y*_k log y_k is constant
    # (Hofbauer & Sigmund 1998 §11.2), and the time average approaches the NE.
    res = replicator_dynamics(rock_paper_scissors(), 1500, dt=0.02, batch=3, every=300)
    x, y = res.strategies
    h = np.log(x).mean(-1) + np.log(y).mean(-1)
    assert np.abs(h - h[0]).max() < 1e-8
    # prisoner's dilemma: the dominated action dies out
    pd = replicator_dynamics(rescale(prisoners_dilemma()), 1000, dt=0.04, batch=2)
    assert (pd.strategies[0][-1][:, 1] > 0.99).all()
