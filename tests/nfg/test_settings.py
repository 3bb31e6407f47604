"""Games as settings of the one driver: NormalFormSetting, MarkovSetting, the dynamics players."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.core import learners
from regretlab.experts import hedge
from regretlab.games.markov import (
    MarkovSetting, independent_hedge, mixture_gaps, random_markov_game, repeated_game,
)
from regretlab.games.normal_form import (
    cce_gap, fictitious_play, nash_conv, play, random_game, rock_paper_scissors, shapley_game,
)
from regretlab.games.normal_form.players import fictitious_player
from regretlab.games.normal_form.setting import NormalFormSetting, action_frequencies, pure_utilities
from regretlab.metrics import ledger as ledger_metrics
from regretlab.run import run


@pytest.mark.parametrize("mode", ["expected", "realized"])
def test_play_is_run_with_a_normal_form_setting(mode):
    game = random_game([3, 2, 2], seed=2)
    res = play(game, hedge(horizon=120), 120, batch=3, seed=4, mode=mode, every=30)
    tr = run(hedge(horizon=120), NormalFormSetting(game, mode), 120, batch=3, seed=4, every=30, joint=True)
    np.testing.assert_array_equal(res.cce_gap, tr.metrics["cce_gap"])
    np.testing.assert_array_equal(res.nash_conv, tr.metrics["nash_conv"])
    np.testing.assert_array_equal(res.joint, tr.ledger.joint_distribution())
    regret = ledger_metrics.realized if mode == "realized" else ledger_metrics.external
    for i in range(3):
        np.testing.assert_array_equal(res.regret[..., i], regret(tr.ledger, i))
    # the ledger's max_i R^i_T / T is the CCE gap of the joint distribution it kept (Hart & Mas-Colell)
    np.testing.assert_allclose(tr.metrics["cce_gap"][-1], cce_gap(game, tr.ledger.joint_distribution()),
                               atol=1e-12)


def test_last_strategies_are_those_of_the_last_round():
    # round 50's strategy is the strategy after 49 updates (the final strategy of a 49-round run)
    game = random_game([3, 3], seed=0)
    full = play(game, hedge(horizon=50), 50, every=50)
    tr = run(hedge(horizon=50), NormalFormSetting(game), 49)
    for i in range(2):
        np.testing.assert_array_equal(full.last_strategies[i], tr.final_strategies[i])


def test_nash_conv_of_action_frequencies_needs_the_joint_counts():
    game = shapley_game()
    setting = NormalFormSetting(game, "realized", average="actions")
    tr = run(fictitious_player(), setting, 60, batch=2, every=20, joint=True)
    freq = [action_frequencies(tr.ledger, i) for i in range(2)]
    np.testing.assert_allclose([f.sum(axis=1) for f in freq], 1.0)
    np.testing.assert_array_equal(tr.metrics["nash_conv"][-1], nash_conv(game, freq))
    with pytest.raises(ValueError, match="joint=True"):
        run(fictitious_player(), setting, 5)
    with pytest.raises(ValueError, match="average must be 'strategies' or 'actions', got 'mixed'"):
        NormalFormSetting(game, average="mixed")
    with pytest.raises(ValueError, match="mode must be"):
        NormalFormSetting(game, mode="sampled")
    with pytest.raises(TypeError, match="NormalFormGame"):
        NormalFormSetting(np.eye(2))


def test_pure_utilities_index_the_payoffs():
    game = random_game([2, 3, 4], seed=1)
    acts = [np.array([1, 0]), np.array([2, 1]), np.array([3, 0])]
    u = pure_utilities(game, acts, 1)
    assert u.shape == (2, 3)
    np.testing.assert_array_equal(u[0], game.payoffs[1][1, :, 3])
    np.testing.assert_array_equal(u[1], game.payoffs[1][0, :, 0])


def test_fictitious_play_is_a_registered_dynamics_learner():
    assert "fictitious_play" in learners.names("dynamics")
    p = learners.make("fictitious_play")
    state = p.init(np.arange(3, dtype=np.uint64), 4)
    np.testing.assert_array_equal(p.strategy(state), np.full((3, 4), 0.25))  # round 1: uniform
    state = p.update(state, p.feedback(np.array([[0.0, 1, 1, 0], [2, 0, 0, 0], [0, 0, 0, 0]])))
    np.testing.assert_array_equal(p.strategy(state).argmax(axis=1), [1, 0, 0])  # leader, lowest tie
    # the driver's fictitious play is this learner in realized play
    res = fictitious_play(rock_paper_scissors(), 300, batch=2, seed=5, every=300)
    tr = run("fictitious_play", NormalFormSetting(rock_paper_scissors(), "realized", average="actions"), 300,
             batch=2, seed=5, every=300, joint=True)
    np.testing.assert_array_equal(res.joint, tr.ledger.joint_distribution())
    np.testing.assert_array_equal(res.cce_gap, tr.metrics["cce_gap"])


def test_markov_setting_one_step_gap_is_the_ledger_cce_gap():
    # H = 1 and one state: every player has one learner whose Q feedback is u_i(·, x_{-i}^t), so the
    # verifier's gap of the T-policy mixture is the ledger's R^i_T / T exactly (both are
    # max_a (1/T) Σ_t u_i(a, x_{-i}^t) - (1/T) Σ_t u_i(x^t)).
    nf = random_game([3, 2, 2], seed=8)
    game = repeated_game(nf, 1)
    setting = MarkovSetting(game)
    tr = run(hedge(horizon=80), setting, 80, keys=setting.keys(seed=2, batch=1), every=80, history=True)
    res = independent_hedge(game, 80, batch=1, seed=2, learner=hedge(horizon=80))
    gaps = mixture_gaps(game, [p[:, 0] for p in res.policies])
    per_player = [ledger_metrics.external(tr.ledger, i)[-1, 0] / 80 for i in range(3)]
    np.testing.assert_allclose(gaps.gap_markov, per_player, atol=1e-12)
    np.testing.assert_allclose(tr.metrics["cce_gap"][-1, 0], gaps.gap_markov.max(), atol=1e-12)
    # and both equal the normal-form CCE gap of (1/T) Σ_t ⊗ x^t from repeated play of nf
    nfres = play(nf, hedge(horizon=80), 80, every=80)
    np.testing.assert_allclose(cce_gap(nf, nfres.joint, per_player=True)[0], gaps.gap_markov, atol=1e-10)


def test_markov_setting_values_and_errors():
    game = random_markov_game(2, 2, 3, 2, seed=0)
    setting = MarkovSetting(game)
    keys = setting.keys(seed=0, batch=2)
    assert keys.shape == (12,) and len(set(keys.tolist())) == 12
    res = independent_hedge(game, 20, batch=2, seed=0)
    tr = run(hedge(horizon=20), setting, 20, keys=keys)
    np.testing.assert_array_equal(res.values[..., 1], tr.metrics["value_1"].reshape(20, 2, 6)[:, :, 0])
    with pytest.raises(ValueError, match="H \\* S = 6 rows per run"):
        run(hedge(horizon=20), setting, 5, batch=4)
    with pytest.raises(TypeError, match="MarkovGame"):
        MarkovSetting(random_game([2, 2]))
    with pytest.raises(TypeError, match="full-information"):
        independent_hedge(game, 3, learner=learners.make("exp3", horizon=3))
