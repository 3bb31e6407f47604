"""Conformance of every registered learner to the batched contract (DESIGN.md, Tests §1)."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.core import Bandit, FullInfo, learners, rng
from regretlab.envs import gaussian
from regretlab.run import run

# The families whose learners take FullInfo or Bandit feedback over K actions; the other
# families (regression, semi-bandits, switching, ...) have their own suites beside their tests.
FAMILIES = ("experts", "bandits", "dynamics")
CASES = [(e.name, p) for e in learners.entries() if e.family in FAMILIES for p in e.test_params]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
# Full-information learners over K actions: a per-run round counter t [B] and awake masks.
FULL_INFO = [(n, p) for (n, p), i in zip(CASES, IDS) if learners.get(n).family in ("experts", "dynamics")]
FULL_INFO_IDS = [i for (n, _), i in zip(CASES, IDS) if learners.get(n).family in ("experts", "dynamics")]


def _feedback(learner, u, p, t, keys):
    if learner.feedback is FullInfo:
        return FullInfo(u)
    a = rng.sample_actions(keys, t, p)
    rows = np.arange(u.shape[0])
    return Bandit(a, u[rows, a], p[rows, a])


def _play(learner, keys, k, rounds, scale=1.0):
    state = learner.init(keys, k)
    env_keys = rng.derive(keys, "env")
    out = []
    for t in range(rounds):
        p = learner.strategy(state)
        out.append(p)
        u = scale * (rng.uniform(env_keys, t, k) - 1.0)
        state = learner.update(state, _feedback(learner, u, p, t, rng.derive(keys, "action")))
    return np.stack(out), state


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_strategy_on_simplex_with_shapes(name, params):
    learner = learners.make(name, **params)
    strategies, state = _play(learner, rng.spawn_keys(1, 5), 4, 30)
    assert strategies.shape == (30, 5, 4)
    assert np.isfinite(strategies).all()
    assert (strategies >= -1e-12).all()
    np.testing.assert_allclose(strategies.sum(axis=2), 1.0, atol=1e-9)
    assert np.all(np.asarray(state.t) == 30)  # an int, or [B] counters for per-run clocks


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_batch_row_equals_solo_run(name, params):
    learner = learners.make(name, **params)
    keys = rng.spawn_keys(7, 4)
    batched, _ = _play(learner, keys, 3, 25)
    for b in (0, 3):
        solo, _ = _play(learner, keys[b:b + 1], 3, 25)
        np.testing.assert_allclose(batched[:, b], solo[:, 0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,params", FULL_INFO, ids=FULL_INFO_IDS)
def test_round_counter_is_per_run(name, params):
    learner = learners.make(name, **params)
    state = learner.init(rng.spawn_keys(2, 5), 3)
    for _ in range(2):
        assert isinstance(state.t, np.ndarray) and state.t.shape == (5,), state.t
        assert np.issubdtype(state.t.dtype, np.integer), state.t.dtype
        state = learner.update(state, FullInfo(-np.ones((5, 3))))
    np.testing.assert_array_equal(state.t, 2)


def _schedule(rounds, k):
    """Utilities ``[T, 3, K]`` and awake masks for 3 runs: run 0 always fully awake, run 1 all
    asleep every third round, run 2 random partial masks (an expert awake) and all asleep every
    fourth round. An all-asleep row is a round without feedback for that run."""
    gen = np.random.default_rng(5)
    utility = -gen.random((rounds, 3, k))
    awake = np.ones((rounds, 3, k), dtype=bool)
    partial = gen.random((rounds, k)) < 0.6
    partial[np.arange(rounds), gen.integers(0, k, rounds)] = True
    awake[:, 2] = partial
    awake[::3, 1] = False
    awake[1::4, 2] = False
    return utility, awake


@pytest.mark.parametrize("name,params", FULL_INFO, ids=FULL_INFO_IDS)
def test_all_asleep_rounds_leave_the_run_unchanged(name, params):
    """A run that gets ``FullInfo(u, awake=all False)`` does not learn (``t`` included); a batch
    whose runs learned from different numbers of rounds equals the solo runs row by row."""
    learner = learners.make(name, **params)
    keys = rng.spawn_keys(8, 3)
    rounds, k = 24, 4
    utility, awake = _schedule(rounds, k)
    batch = learner.init(keys, k)
    solo = [learner.init(keys[b:b + 1], k) for b in range(3)]
    for t in range(rounds):
        p = learner.strategy(batch)
        for b in range(3):
            np.testing.assert_allclose(p[b], learner.strategy(solo[b])[0], rtol=1e-12, atol=1e-12,
                                       err_msg=f"run {b}, round {t}")
        before = batch
        batch = learner.update(batch, FullInfo(utility[t], awake[t]))
        for b in range(3):
            if awake[t, b].any():
                solo[b] = learner.update(solo[b], FullInfo(utility[t, b:b + 1], awake[t, b:b + 1]))
        asleep = ~awake[t].any(axis=1)
        np.testing.assert_array_equal(batch.t[asleep], before.t[asleep])
    np.testing.assert_array_equal(batch.t, awake.any(axis=2).sum(axis=0))
    assert len(set(batch.t.tolist())) == 3  # the runs really are at different rounds
    for b in range(3):
        np.testing.assert_array_equal(batch.t[b:b + 1], solo[b].t)
        np.testing.assert_allclose(learner.strategy(batch)[b], learner.strategy(solo[b])[0], rtol=1e-12, atol=1e-12)


def test_an_all_asleep_batch_is_left_as_it_was():
    learner = learners.make("hedge", schedule="anytime")
    state = learner.update(learner.init(rng.spawn_keys(0, 2), 3), FullInfo(-np.ones((2, 3))))
    after = learner.update(state, FullInfo(np.full((2, 3), np.nan), awake=np.zeros((2, 3), dtype=bool)))
    np.testing.assert_array_equal(after.t, state.t)
    np.testing.assert_array_equal(after.signal, state.signal)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_same_seed_same_numbers(name, params):
    if learners.make(name, **params).feedback not in (FullInfo, Bandit):
        pytest.skip("run() drives FullInfo and Bandit learners only")
    a = run(learners.make(name, **params), gaussian(3), T=40, batch=3, seed=11)
    b = run(learners.make(name, **params), gaussian(3), T=40, batch=3, seed=11)
    np.testing.assert_array_equal(a.regret, b.regret)
    c = run(learners.make(name, **params), gaussian(3), T=40, batch=3, seed=12)
    assert not np.array_equal(a.metrics["best_utility"], c.metrics["best_utility"])


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
@pytest.mark.parametrize("scale", [1e6, 1e-9])
def test_no_nan_on_extreme_utilities(name, params, scale):
    learner = learners.make(name, **params)
    strategies, _ = _play(learner, rng.spawn_keys(3, 2), 3, 40, scale=scale)
    assert np.isfinite(strategies).all()
    np.testing.assert_allclose(strategies.sum(axis=2), 1.0, atol=1e-9)


@pytest.mark.parametrize("lr", [1e-12, 1e6])
@pytest.mark.parametrize("name", ["hedge", "ftrl", "fixed_share", "optimistic_hedge"])
def test_no_nan_with_extreme_learning_rates(name, lr):
    kwargs = {"lr": lr} if name != "ftrl" else {"lr": lr, "schedule": "fixed"}
    learner = learners.make(name, **kwargs)
    strategies, _ = _play(learner, rng.spawn_keys(0, 2), 3, 40)
    assert np.isfinite(strategies).all()
    np.testing.assert_allclose(strategies.sum(axis=2), 1.0, atol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("name, rounds", [("hedge", 1_000_000), ("regret_matching_plus", 1_000_000),
                                          ("adahedge", 200_000), ("ada_normal_hedge", 200_000)])
def test_a_million_rounds_of_loss_one(name, rounds):
    """1e6 rounds (2e5 for the costlier adaptive learners) where the first expert always loses 1
    and the others 0 (run 0), or every expert loses 1 (run 1)."""
    learner = learners.make(name, **({"schedule": "anytime"} if name == "hedge" else {}))
    state = learner.init(rng.spawn_keys(0, 2), 3)
    u = np.array([[-1.0, 0.0, 0.0], [-1.0, -1.0, -1.0]])
    fb = FullInfo(u)
    for _ in range(rounds):
        state = learner.update(state, fb)
    p = learner.strategy(state)
    assert np.isfinite(p).all()
    assert p[0, 0] < 1e-6
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
