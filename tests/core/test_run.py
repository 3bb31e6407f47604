"""The runner: batch independence through run(), feedback routing, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.core import FullInfo, rng
from regretlab.envs import adaptive, alternating, from_array, from_callable, gaussian, sinusoidal
from regretlab.experts import ftl, hedge
from regretlab.run import make_learner, run


def test_row_of_batched_run_equals_solo_run():
    keys = rng.spawn_keys(3, 6)
    batched = run(hedge(lr=0.3), sinusoidal(4), T=200, keys=keys)
    for b in (0, 5):
        solo = run(hedge(lr=0.3), sinusoidal(4), T=200, keys=keys[b:b + 1])
        np.testing.assert_array_equal(batched.regret[:, b], solo.regret[:, 0])
        np.testing.assert_array_equal(batched.metrics["realized_regret"][:, b], solo.metrics["realized_regret"][:, 0])


def test_seed_determines_everything():
    a = run("adahedge", gaussian(3), T=100, batch=4, seed=1, every=10)
    b = run("adahedge", gaussian(3), T=100, batch=4, seed=1, every=10)
    for name in a.metrics:
        np.testing.assert_array_equal(a.metrics[name], b.metrics[name])
    assert a.rounds.tolist() == list(range(10, 101, 10))


def test_realized_regret_is_unbiased_for_expected_regret():
    tr = run(hedge(lr=0.05), gaussian(3, sigma=0.2), T=300, batch=4000, seed=0, every=300)
    diff = tr.final("realized_regret") - tr.final()
    assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(diff.size)


def test_tidy_rows():
    tr = run(ftl(), alternating(), T=10, batch=3, every=5)
    rows = tr.to_rows()
    assert len(rows["run"]) == 6
    assert set(rows) >= {"learner", "env", "run", "round", "regret", "realized_regret"}


def test_history_and_adaptive_adversary():
    tr = run(ftl(), adaptive(3), T=30, history=True)
    assert tr.strategies.shape == (30, 1, 3)
    # FTL is deterministic: the adversary hits its choice every round, regret grows linearly
    assert tr.final()[0] >= 30 - 30 / 3 - 1


def test_make_learner_tunes_horizon():
    assert make_learner("hedge", 100).horizon == 100
    with pytest.raises(ValueError, match="no parameter"):
        make_learner("hedge", 100, learning_rate=0.1)


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: run(hedge(lr=0.1), gaussian(2), T=0), ValueError, "T must be an integer >= 1"),
        (lambda: run(hedge(lr=0.1), gaussian(2), T=5, batch=0), ValueError, "batch must be"),
        (lambda: hedge(lr=-1.0), ValueError, "lr must be > 0"),
        (lambda: hedge(lr=0.0), ValueError, "lr must be > 0"),
        (lambda: hedge(lr=float("nan")), ValueError, "lr must be a finite number"),
        (lambda: hedge(), ValueError, "needs lr > 0 or horizon"),
        (lambda: run("no_such_learner", gaussian(2), T=5), ValueError, "unknown learner 'no_such_learner'"),
        (lambda: run(hedge(lr=0.1), from_array(np.array([[0.1, np.nan]])), T=1), ValueError, "finite"),
        (lambda: run(hedge(lr=0.1), from_array(np.zeros((3, 2))), T=4), ValueError, "cannot play round 4"),
        (lambda: run(hedge(lr=0.1), from_callable(lambda t, p: np.full(p.shape, np.inf), 2), T=2),
         ValueError, "finite"),
    ],
)
def test_bad_input_names_the_argument(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_update_rejects_wrong_shapes_and_nan():
    h = hedge(lr=0.1)
    s = h.init(rng.spawn_keys(0, 2), 3)
    with pytest.raises(ValueError, match=r"feedback.utility must have shape \[2, 3\]"):
        h.update(s, FullInfo(np.zeros((2, 4))))
    with pytest.raises(ValueError, match="feedback.utility must be finite"):
        h.update(s, FullInfo(np.array([[0, np.inf, 0], [0, 0, 0]])))
    with pytest.raises(TypeError, match="FullInfo"):
        h.update(s, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="num_actions"):
        h.init(rng.spawn_keys(0, 2), 0)


def test_bandit_learners_get_the_environments_utility_range():
    # stochastic bandit learners declare rewards in [0, 1]; loss environments give -loss in [-1, 0]
    learner = make_learner("ucb1", 500, utility_range=gaussian(3).utility_range)
    assert learner.reward_range == (-1.0, 0.0)
    tr = run(learner, gaussian(3), T=500, batch=4)
    assert np.isfinite(tr.regret).all()
    env = from_array(np.zeros((5, 2)))
    tr = run(make_learner("exp3", 5, utility_range=env.utility_range), env, T=5)
    assert tr.final()[0] == 0.0


def test_a_learner_by_name_is_tuned_to_the_horizon():
    tr = run("hedge", "gaussian", T=100, batch=2)
    assert tr.final().shape == (2,)
    with pytest.raises(ValueError, match="T must be an integer >= 1"):
        run("hedge", gaussian(2), T=0)
