"""The prediction driver and its loss accounting (regretlab.regression.driver, regretlab.metrics.prediction)."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.core import rng
from regretlab.metrics.prediction import PredictionLedger, ridge_hindsight_loss, ridge_loss
from regretlab.regression import ArrayStream, Label, online_ridge, run_predictor, vaw, vaw_bound
from regretlab.regression.groupwise import groupwise
from regretlab.regression.online import heteroscedastic_gaussian


def _data(seed=0, T=300, d=4, batch=None):
    g = np.random.default_rng(seed)
    shape = (T, d) if batch is None else (batch, T, d)
    X = g.standard_normal(shape)
    y = X @ np.array([1.0, -0.5, 0.25, 0.0][:d]) + 0.3 * g.standard_normal(shape[:-1])
    return X, y


def test_vaw_regret_against_the_best_ridge_is_within_its_bound():
    # Vovk (2001): Σ(ŷ−y)² − min_u[Σ(uᵀx−y)² + λ‖u‖²] ≤ Y² Σ ln(1 + λ_i/λ), at every prefix
    X, y = _data()
    tr = run_predictor(vaw(2.0), (X, y), ridge=2.0, every=50)
    assert tr.rounds.tolist() == [50, 100, 150, 200, 250, 300]
    for i, t in enumerate(tr.rounds):
        assert tr.metrics["comparator_loss"][i, 0] == pytest.approx(ridge_hindsight_loss(X[:t], y[:t], 2.0), rel=1e-9)
        assert 0 < tr.regret[i, 0] <= vaw_bound(X[:t], y[:t], 2.0)
    np.testing.assert_allclose(tr.regret, tr.metrics["loss"] - tr.metrics["comparator_loss"])


def test_least_squares_comparator_and_history():
    X, y = _data(1, T=120)
    tr = run_predictor("online_ridge", (X, y), ridge=0.0, history=True)
    theta = np.linalg.lstsq(X, y, rcond=None)[0]
    assert tr.final("comparator_loss")[0] == pytest.approx(np.sum((X @ theta - y) ** 2), rel=1e-9)
    assert tr.predictions.shape == tr.losses.shape == (120, 1)
    np.testing.assert_allclose(tr.losses[:, 0], (tr.predictions[:, 0] - y) ** 2)
    np.testing.assert_allclose(tr.metrics["loss"][:, 0], np.cumsum(tr.losses[:, 0]), rtol=1e-12)
    assert tr.learner == "online_ridge" and tr.state.t.tolist() == [120]
    rows = tr.to_rows()
    assert len(rows["regret"]) == len(rows["round"]) == 120


def test_batch_rows_equal_solo_runs_and_seeds():
    X, y = _data(2, T=80, batch=3)
    keys = rng.spawn_keys(5, 3)
    full = run_predictor(vaw(), ArrayStream(X, y), keys=keys, history=True)
    solo = run_predictor(vaw(), ArrayStream(X[1:2], y[1:2]), keys=keys[1:2], history=True)
    np.testing.assert_array_equal(full.predictions[:, 1], solo.predictions[:, 0])
    np.testing.assert_allclose(full.regret[:, 1], solo.regret[:, 0], rtol=1e-12)
    # one shared stream played by B runs: every row the same numbers
    X2, y2 = _data(3, T=50)
    tr = run_predictor(online_ridge(), (X2, y2), batch=4, seed=9, history=True)
    assert (tr.predictions == tr.predictions[:, :1]).all()


def test_masked_rounds_are_neither_scored_nor_learned():
    X, y = _data(4, T=100)
    mask = np.random.default_rng(0).uniform(size=100) < 0.5
    tr = run_predictor(vaw(), ArrayStream(X, y, mask=mask), history=True)
    only = run_predictor(vaw(), (X[mask], y[mask]), history=True)
    np.testing.assert_allclose(tr.predictions[mask, 0], only.predictions[:, 0], rtol=1e-12)
    assert tr.final("loss")[0] == pytest.approx(only.final("loss")[0], rel=1e-12)
    assert tr.final("comparator_loss")[0] == pytest.approx(only.final("comparator_loss")[0], rel=1e-12)
    assert tr.ledger.t.tolist() == [int(mask.sum())] and tr.state.t.tolist() == [int(mask.sum())]


def test_distributions_mixtures_and_adaptive_streams():
    # the Gaussian's NLL is accounted beside the square loss of its mean
    g = np.random.default_rng(5)
    X = g.uniform(0, 1, (200, 3))
    X /= X.sum(1, keepdims=True)
    y = X @ [1.0, 2.0, -1.0] + 0.1 * g.standard_normal(200)
    tr = run_predictor(heteroscedastic_gaussian(), (X, y), history=True)
    assert {"loss", "nll", "regret"} <= set(tr.metrics) and np.isfinite(tr.metrics["nll"]).all()
    # a groupwise mixture is charged its expected loss Σ_g p_g (ŷ_g − y)²
    A = g.uniform(size=(200, 2)) < 0.7
    tr = run_predictor(groupwise(2), ArrayStream(X, y, groups=A), history=True)
    assert (tr.losses >= 0).all() and np.isfinite(tr.regret).all()

    class Adversary:  # reveals y = −sign(ŷ): the target moves away from the prediction
        num_features, horizon, name = 1, 30, "adversary"

        def init(self, keys):
            return 0

        def context(self, state):
            return np.ones((1, 1))

        def step(self, state, prediction):
            return state + 1, np.where(prediction >= 0, -1.0, 1.0), None

    tr = run_predictor(online_ridge(), Adversary(), history=True)
    assert tr.env == "adversary" and (tr.losses[:, 0] >= 1.0 - 1e-12).all()


def test_progress_callback_and_bad_input():
    X, y = _data(6, T=40)
    seen = []
    run_predictor(vaw(), (X, y), progress=seen.append)
    assert seen and seen[-1] == 40
    from regretlab.experts import hedge

    with pytest.raises(TypeError, match="regressor"):
        run_predictor(hedge(lr=0.1), (X, y))
    with pytest.raises(ValueError, match="T must be at most the stream's 40 rounds"):
        run_predictor(vaw(), (X, y), T=41)
    with pytest.raises(ValueError, match="batch must be 2"):
        run_predictor(vaw(), ArrayStream(*_data(7, T=10, batch=2)), batch=3)
    with pytest.raises(TypeError, match="stream must be a prediction stream"):
        run_predictor(vaw(), X)
    with pytest.raises(ValueError, match="y must be finite"):
        ArrayStream(X, np.where(np.arange(40) == 3, np.nan, y))
    with pytest.raises(ValueError, match="orders must index rows 0..39"):
        ArrayStream(X, y, orders=np.array([[0, 40]]))
    with pytest.raises(ValueError, match="T must be given"):
        class Open:
            num_features, horizon = 1, None

            def init(self, keys):
                return 0

            def context(self, state):
                return np.ones((1, 1))

            def step(self, state, prediction):
                return state, np.zeros(1), None

        run_predictor(vaw(), Open())


def test_ledger_closed_form_and_rank_deficient_least_squares():
    # a rank-deficient design (two equal columns): the pseudo-inverse value equals lstsq's
    g = np.random.default_rng(8)
    x = g.standard_normal((60, 1))
    X = np.hstack([x, x, g.standard_normal((60, 1))])
    y = X @ [0.5, 0.5, -1.0] + 0.2 * g.standard_normal(60)
    led = PredictionLedger(1, dim=3, ridge=0.0)
    for t in range(60):
        led.record(np.zeros(1), X[t:t + 1], y[t:t + 1])
    led.snapshot()
    theta = np.linalg.lstsq(X, y, rcond=None)[0]
    assert led.curve("comparator")[0, 0] == pytest.approx(np.sum((X @ theta - y) ** 2), rel=1e-9)
    assert ridge_loss(np.zeros((1, 2, 2)), np.zeros((1, 2)), np.array([3.0]), 0.0).tolist() == [3.0]
    with pytest.raises(KeyError, match="ridge=None"):
        PredictionLedger(1).curve("comparator")


def test_label_is_frozen():
    label = Label(np.zeros((1, 1)), np.zeros(1))
    with pytest.raises(AttributeError):
        label.y = np.ones(1)
