"""Conformance of every registered learner of the ``contextual`` family (DESIGN.md, Tests §1).

Each case comes from the registry with its ``test_params`` (nothing here names a learner, so a new
registered contextual learner is checked as it lands) and is played with features shared by the
arms ``[B, D]`` (``D = learner.dim``, the dimension it was made for) and with per-arm features
``[B, K, D]`` (a pooled learner, one parameter vector for every arm, only with the latter). Checked: shapes and the simplex, the per-run round counter
``t [B]``, purity (the state argument is never changed; the same update twice gives the same
state), batch row = solo run, seed determinism through the driver, rewards at the ends of the
declared range and a hair above its bottom over many rounds, clear errors on bad feedback, and a
context of the wrong dimension (or none) is a one-line ``ValueError`` naming ``context``.
"""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.core import Bandit, FullInfo, learners, rng
from regretlab.run import run
from regretlab.testing import pure_update

K = 3
CASES = [(e.name, p) for e in learners.entries("contextual") for p in e.test_params]


def _modes(name, params):
    return ["per_arm"] if params.get("pooled") else ["shared", "per_arm"]


FULL = [(n, p, m) for n, p in CASES for m in _modes(n, p)]
IDS = [f"{n}-{i}-{m}" for i, (n, p, m) in enumerate(FULL)]


def test_the_family_is_populated():
    names = {n for n, _ in CASES}
    assert len(names) >= 7, names


def _context(mode, keys, t, dim):
    """The round's features, a function of (run key, t): unit-norm Gaussian rows."""
    width = dim if mode == "shared" else K * dim
    g = rng.normal(rng.derive(keys, "data"), t, width)
    x = g.reshape((keys.size, dim) if mode == "shared" else (keys.size, K, dim))
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _range(learner):
    return getattr(learner, "reward_range", (0.0, 1.0))


def _rewards(kind, lo, hi, keys, t):
    u = rng.uniform(rng.derive(keys, "env"), t, K)
    x = {"uniform": u, "low": np.zeros_like(u), "high": np.ones_like(u), "tiny": 1e-12 * u}[kind]
    return np.clip(lo + (hi - lo) * x, lo, hi)


def _play(learner, keys, rounds, mode, kind="uniform", purity=False):
    """The driver's protocol by hand: strategies ``[T, B, K]`` and the last state."""
    lo, hi = _range(learner)
    state = learner.init(keys, K)
    act = rng.derive(keys, "action")
    rows = np.arange(keys.size)
    out = []
    for t in range(rounds):
        x = _context(mode, keys, t, learner.dim)
        p = learner.strategy(state, x)
        out.append(np.array(p, copy=True))
        u = _rewards(kind, lo, hi, keys, t)
        a = rng.sample_actions(act, t, p)
        fb = Bandit(a, u[rows, a], p[rows, a], context=x)
        state = pure_update(learner, state, fb) if purity else learner.update(state, fb)
    return np.stack(out), state


def _on_simplex(p):
    assert p.shape[-1] == K and np.isfinite(p).all() and (p >= -1e-12).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-9)


@pytest.mark.parametrize("name,params,mode", FULL, ids=IDS)
def test_shapes_simplex_round_counter_and_purity(name, params, mode):
    learner = learners.make(name, **params)
    assert learner.feedback is Bandit and learner.needs_context is True
    strategies, state = _play(learner, rng.spawn_keys(1, 4), 20, mode, purity=True)
    assert strategies.shape == (20, 4, K)
    _on_simplex(strategies)
    assert np.shape(state.t) == (4,) and (state.t == 20).all()


@pytest.mark.parametrize("name,params,mode", FULL, ids=IDS)
def test_batch_row_equals_solo_run(name, params, mode):
    learner = learners.make(name, **params)
    keys = rng.spawn_keys(7, 3)
    batched, _ = _play(learner, keys, 20, mode)
    for b in (0, 2):
        solo, _ = _play(learner, keys[b:b + 1], 20, mode)
        np.testing.assert_allclose(batched[:, b], solo[:, 0], rtol=1e-12, atol=1e-12)


class _Setting:
    """A one-player contextual setting for the driver: the suite's contexts, uniform rewards."""

    num_players = 1

    def __init__(self, mode, reward_range, dim):
        self.mode, self.num_actions, self.utility_range, self.dim = mode, (K,), reward_range, dim

    def init(self, keys):
        return (0, np.asarray(keys, dtype=np.uint64))

    def context(self, state, player):
        return _context(self.mode, state[1], state[0], self.dim)

    def step(self, state, strategies, actions):
        t, keys = state
        return (t + 1, keys), (_rewards("uniform", *self.utility_range, keys, t),)


@pytest.mark.parametrize("name,params,mode", FULL, ids=IDS)
def test_same_seed_same_numbers_through_run(name, params, mode):
    def go(seed):
        learner = learners.make(name, **params)
        return run(learner, _Setting(mode, _range(learner), learner.dim), T=30, batch=3, seed=seed, progress=False)

    a, b, c = go(11), go(11), go(12)
    np.testing.assert_array_equal(a.metrics["utility"], b.metrics["utility"])
    np.testing.assert_array_equal(a.metrics["realized_regret"], b.metrics["realized_regret"])
    assert not np.array_equal(a.metrics["best_utility"], c.metrics["best_utility"])


@pytest.mark.parametrize("kind", ["low", "high", "tiny", "uniform"])
@pytest.mark.parametrize("name,params,mode", FULL, ids=IDS)
def test_extreme_rewards_over_many_rounds(name, params, mode, kind):
    rounds = 300 if kind == "uniform" else 100
    learner = learners.make(name, **params)
    strategies, state = _play(learner, rng.spawn_keys(3, 2), rounds, mode, kind)
    _on_simplex(strategies)
    assert (state.t == rounds).all()


@pytest.mark.parametrize("name,params,mode", FULL, ids=IDS)
def test_bad_feedback_raises_clear_errors(name, params, mode):
    learner = learners.make(name, **params)
    keys = rng.spawn_keys(0, 2)
    state = learner.init(keys, K)
    d = learner.dim
    x = _context(mode, keys, 0, d)
    p = learner.strategy(state, x)
    a = rng.sample_actions(rng.derive(keys, "action"), 0, p)
    lo, hi = _range(learner)
    good, pa = np.full(2, 0.5 * (lo + hi)), p[np.arange(2), a]
    cases = [
        (FullInfo(np.zeros((2, K))), TypeError, "Bandit"),
        (Bandit(a, good + 2 * (hi - lo), pa, context=x), ValueError, "reward_range"),
        (Bandit(a, np.array([np.nan, good[1]]), pa, context=x), ValueError, "finite"),
        (Bandit(np.array([0, K]), good, np.full(2, 0.5), context=x), ValueError, "action"),
        (Bandit(a[:1], good[:1], pa[:1], context=x), ValueError, r"shape \[2\]"),
        (Bandit(a.astype(float), good, pa, context=x), ValueError, "integer"),
        (Bandit(a, good, pa, context=None), ValueError, "context"),
        (Bandit(a, good, pa, context=np.ones(x.shape[:-1] + (d + 1,))), ValueError, "context"),
    ]
    for fb, exc, match in cases:
        with pytest.raises(exc, match=match):
            learner.update(state, fb)


@pytest.mark.parametrize("name,params,mode", FULL, ids=IDS)
def test_wrong_context_dimension_is_a_clear_error(name, params, mode):
    learner = learners.make(name, **params)
    keys = rng.spawn_keys(0, 2)
    state = learner.init(keys, K)
    d = learner.dim
    for bad in (_context(mode, keys, 0, d + 2), _context(mode, keys, 0, d + 1), np.ones((3, 2, 2, d))):
        with pytest.raises(ValueError, match="context") as info:
            learner.strategy(state, bad)
        assert "\n" not in str(info.value)
        assert f"{d}" in str(info.value)  # names the dimension it expected
    with pytest.raises(ValueError, match="context"):
        learner.strategy(state, None)
    nan = _context(mode, keys, 0, d)
    nan[0, ...] = np.nan
    with pytest.raises(ValueError, match="finite"):
        learner.strategy(state, nan)
