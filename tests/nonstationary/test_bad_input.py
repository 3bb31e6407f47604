"""Bad input to the non-stationary learners and environments: a one-line ValueError that names the
argument and what was expected (issue 17: "a window <= 0, a discount outside (0, 1]")."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.bandits.change_detection import glr_kl_ucb, m_ucb
from regretlab.bandits.nonstationary import d_ucb, drifting_bandit, piecewise_bandit, sw_ucb
from regretlab.bandits.nonstationary_adversarial import exp3_restart, exp3_s, rexp3
from regretlab.core import learners
from regretlab.metrics.dynamic import dynamic_regret

CASES = [
    (lambda: sw_ucb(window=0), r"^window must be an integer >= 1, got 0$"),
    (lambda: sw_ucb(window=-5), r"^window must be an integer >= 1, got -5$"),
    (lambda: sw_ucb(window=2.5), r"^window must be an integer >= 1, got 2\.5$"),
    (lambda: sw_ucb(), r"^sw_ucb needs window >= 1 or horizon"),
    (lambda: d_ucb(discount=0.0), r"^discount must be a number in \(0, 1\], got 0\.0$"),
    (lambda: d_ucb(discount=1.5), r"^discount must be a number in \(0, 1\], got 1\.5$"),
    (lambda: d_ucb(discount=-0.1), r"^discount must be a number in \(0, 1\], got -0\.1$"),
    (lambda: d_ucb(discount=float("nan")), r"^discount must be a number in \(0, 1\], got nan$"),
    (lambda: d_ucb(discount="0.9"), r"^discount must be a number in \(0, 1\], got '0\.9'$"),
    (lambda: m_ucb(horizon=100, window=7), r"^window must be an even integer >= 2, got 7$"),
    (lambda: m_ucb(horizon=100, window=0), r"^window must be an integer >= 2, got 0$"),
    (lambda: glr_kl_ucb(horizon=100, delta=0.0), r"^delta must be in \(0, 1\], got 0\.0$"),
    (lambda: glr_kl_ucb(horizon=100, restart="sometimes"), r"^restart must be 'local' or 'global'"),
    (lambda: exp3_s(gamma=0.0, alpha=0.1), r"^gamma must be in \(0, 1\], got 0\.0$"),
    (lambda: exp3_restart(period=0, gamma=0.1), r"^period must be an integer >= 1, got 0$"),
    (lambda: rexp3(horizon=100, variation=0.0), r"^variation must be > 0, got 0\.0$"),
    (lambda: piecewise_bandit(means=[[0.5, 0.5]], change_points=[10]), r"^means must have one row per segment"),
    (lambda: piecewise_bandit(change_points=[10, 5]), r"^change_points must be increasing integer rounds >= 1"),
    (lambda: piecewise_bandit(means=[[1.5, 0.2]], change_points=[]), r"^means of Bernoulli arms must be in \[0, 1\]"),
    (lambda: piecewise_bandit(num_changes=20, horizon=10), r"^num_changes must be < horizon \(10\), got 20$"),
    (lambda: drifting_bandit(center=0.9, amplitude=0.3), r"^center ± amplitude must lie in \[0, 1\]"),
    (lambda: drifting_bandit(period=0.0), r"^period must be > 0, got 0\.0$"),
]


@pytest.mark.parametrize("make,message", CASES, ids=[m[1:30] for _, m in CASES])
def test_one_line_error_naming_the_argument(make, message):
    with pytest.raises(ValueError, match=message) as info:
        make()
    assert "\n" not in str(info.value)


def test_registered_names_reject_a_bad_window_too():
    with pytest.raises(ValueError, match=r"^window must be an integer >= 1, got 0$"):
        learners.make("sw_ucb", window=0)
    with pytest.raises(ValueError, match=r"^discount must be a number in \(0, 1\]"):
        learners.make("d_ucb", discount=2)


def test_reward_outside_the_declared_range_names_it():
    from regretlab.core import Bandit, rng

    learner = sw_ucb(window=5)
    state = learner.init(rng.spawn_keys(0, 2), 2)
    with pytest.raises(ValueError, match="reward_range"):
        learner.update(state, Bandit(np.array([0, 1]), np.array([0.5, 3.0]), np.array([1.0, 1.0])))


def test_dynamic_regret_rejects_a_bad_benchmark_name():
    from regretlab.run import run

    env = piecewise_bandit(means=[[0.5, 0.4]], change_points=[])
    tr = run(sw_ucb(window=5), env, T=10)
    with pytest.raises(ValueError, match="^against must be 'round' or 'segment', got 'ever'$"):
        dynamic_regret(tr, env, "ever")
