"""Conformance of every registered regressor (family ``"regression"``) to the one contract.

``init(keys [B], D) -> state`` with ``t [B]``; ``predict(state, context) -> [B]`` (or a
distribution with a ``mean``); ``update(state, Label(x, y, mask)) -> state``, pure. A new
regressor registered with ``test_params`` is checked here without any edit (DESIGN.md, Tests §1).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from regretlab.core import learners, rng
from regretlab.regression import Grouped, Label, point, run_predictor
from regretlab.regression.driver import ArrayStream

CASES = [(e.name, p) for e in learners.entries("regression") for p in e.test_params]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
D = 3  # one test_params set carries a 3x3 preconditioner


def _stream(seed, batch, rounds, x_scale=1.0, y_scale=1.0, groups=3):
    """x in [0, 1] (non-negative: valid precision features too), y linear plus noise, 3 groups."""
    g = np.random.default_rng(seed)
    X = g.uniform(0.0, 1.0, (batch, rounds, D)) * x_scale
    y = (X @ np.array([0.8, -0.5, 0.3]) / x_scale + 0.1 * g.standard_normal((batch, rounds))) * y_scale
    A = g.uniform(size=(batch, rounds, groups)) < 0.6
    return X, y, A


def _context(learner, x, awake):
    return Grouped(x, awake) if hasattr(learner, "num_groups") else x


def _play(learner, keys, X, y, A, mask=None):
    state = learner.init(keys, D)
    preds = []
    for t in range(X.shape[1]):
        ctx = _context(learner, X[:, t], A[:, t])
        preds.append(point(learner.predict(state, ctx)))
        state = learner.update(state, Label(ctx, y[:, t], None if mask is None else mask[:, t]))
    return np.stack(preds), state


def _equal(a, b):
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_equal(u, v) for u, v in zip(a, b))
    return np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_shapes_and_round_counter(name, params):
    learner = learners.make(name, **params)
    assert learner.feedback is Label
    X, y, A = _stream(1, 5, 30)
    preds, state = _play(learner, rng.spawn_keys(1, 5), X, y, A)
    assert preds.shape == (30, 5) and np.isfinite(preds).all()
    assert state.t.shape == (5,) and (state.t == 30).all()


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_batch_row_equals_solo_run(name, params):
    learner = learners.make(name, **params)
    keys = rng.spawn_keys(7, 4)
    X, y, A = _stream(2, 4, 25)
    batched, _ = _play(learner, keys, X, y, A)
    for b in (0, 3):
        solo, _ = _play(learner, keys[b:b + 1], X[b:b + 1], y[b:b + 1], A[b:b + 1])
        np.testing.assert_allclose(batched[:, b], solo[:, 0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_same_seed_same_numbers_through_the_driver(name, params):
    X, y, A = _stream(3, 3, 40)
    groups = hasattr(learners.make(name, **params), "num_groups")
    make = lambda: ArrayStream(X[0], y[0], groups=A[0] if groups else None)  # noqa: E731
    a = run_predictor(learners.make(name, **params), make(), batch=3, seed=11, history=True)
    b = run_predictor(learners.make(name, **params), make(), batch=3, seed=11, history=True)
    for key in a.metrics:
        np.testing.assert_array_equal(a.metrics[key], b.metrics[key])
    np.testing.assert_array_equal(a.predictions, b.predictions)
    assert a.metrics["loss"].shape == (40, 3) and np.isfinite(a.regret).all()


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_pure_predict_and_update(name, params):
    learner = learners.make(name, **params)
    X, y, A = _stream(4, 3, 6)
    _, state = _play(learner, rng.spawn_keys(0, 3), X[:, :5], y[:, :5], A[:, :5])
    before = copy.deepcopy(state)
    ctx = _context(learner, X[:, 5], A[:, 5])
    learner.predict(state, ctx)
    after = learner.update(state, Label(ctx, y[:, 5]))
    assert _equal(state, before), "predict/update mutated the state they were given"
    assert not _equal(after, before)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_masked_rounds_change_nothing(name, params):
    learner = learners.make(name, **params)
    X, y, A = _stream(5, 3, 12)
    _, state = _play(learner, rng.spawn_keys(0, 3), X[:, :10], y[:, :10], A[:, :10])
    ctx = _context(learner, X[:, 10], A[:, 10])
    assert _equal(learner.update(state, Label(ctx, y[:, 10], np.zeros(3, bool))), state)
    # a partly masked batch: the masked run is exactly as it was, the others learned
    part = learner.update(state, Label(ctx, y[:, 10], np.array([True, False, True])))
    assert part.t.tolist() == (state.t + [1, 0, 1]).tolist()
    solo = learner.update(state, Label(ctx, y[:, 10]))
    nxt = _context(learner, X[:, 11], A[:, 11])
    np.testing.assert_array_equal(point(learner.predict(part, nxt))[1], point(learner.predict(state, nxt))[1])
    np.testing.assert_array_equal(point(learner.predict(part, nxt))[[0, 2]], point(learner.predict(solo, nxt))[[0, 2]])
    # masked rounds of a stream: a run masked everywhere never moves from its initial prediction
    mask = np.ones((3, 12), bool)
    mask[2] = False
    preds, _ = _play(learner, rng.spawn_keys(0, 3), X, y, A, mask)
    fresh = learner.init(rng.spawn_keys(0, 3), D)
    for t in range(12):
        np.testing.assert_array_equal(preds[t, 2], point(learner.predict(fresh, _context(learner, X[:, t], A[:, t])))[2])


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
@pytest.mark.parametrize("x_scale,y_scale", [(1.0, 1e6), (1.0, 1e-9), (1e-9, 1.0)])
def test_no_nan_on_extreme_inputs(name, params, x_scale, y_scale):
    learner = learners.make(name, **params)
    X, y, A = _stream(6, 2, 40, x_scale=x_scale, y_scale=y_scale)
    preds, _ = _play(learner, rng.spawn_keys(3, 2), X, y, A)
    assert np.isfinite(preds).all()


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_huge_inputs_give_numbers_or_a_clear_error(name, params):
    # x of size 1e6 with a fixed rate is outside every gradient method's stable range: the
    # learner must either stay finite or say so in one line (never a silent NaN)
    learner = learners.make(name, **params)
    X, y, A = _stream(7, 2, 20, x_scale=1e6)
    try:
        preds, _ = _play(learner, rng.spawn_keys(3, 2), X, y, A)
    except ValueError as exc:
        assert "lr" in str(exc) and "overflow" in str(exc)
    else:
        assert np.isfinite(preds).all()


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_clear_errors(name, params):
    learner = learners.make(name, **params)
    with pytest.raises(ValueError, match="keys must be a 1-d integer array"):
        learner.init(3, D)
    state = learner.init(rng.spawn_keys(0, 2), D)
    X, y, A = _stream(8, 2, 1)
    ctx = _context(learner, X[:, 0], A[:, 0])
    with pytest.raises(TypeError, match="feedback must be Label"):
        learner.update(state, (X[:, 0], y[:, 0]))
    with pytest.raises(ValueError, match="y must have shape \\[2\\]"):
        learner.update(state, Label(ctx, y[:1, 0]))
    with pytest.raises(ValueError, match="y must be finite"):
        learner.update(state, Label(ctx, np.array([0.0, np.nan])))
    with pytest.raises(ValueError, match="mask must be a bool array of shape \\[2\\]"):
        learner.update(state, Label(ctx, y[:, 0], np.array([1, 0])))
    with pytest.raises(ValueError, match="must have shape \\[2, "):
        learner.predict(state, _context(learner, np.zeros((2, D + 1)), A[:, 0]))
