"""Differential tests: ONS and KT equal their textbook recursions written out plainly here (to
1e-12), the universal portfolio equals direct numerical integration, the comparators equal SciPy's
and scikit-learn's solutions, and on a seeded market ONS's regret against the best constant-
rebalanced portfolio grows logarithmically while OGD's keeps growing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from regretlab.core import Gradient, rng
from regretlab.metrics.oco import best_fixed
from regretlab.oco import (
    Ball,
    Box,
    Reals,
    Simplex,
    from_sequence,
    kt_scalar,
    kt_vector,
    logistic_losses,
    oco_ogd,
    ons,
    portfolio,
    universal_portfolio,
)
from regretlab.run import run


def _gradients(seed, T, d, scale=1.0):
    gen = np.random.default_rng(seed)
    g = gen.uniform(-1, 1, (T, d))
    return scale * g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1.0)


def _learn(learner, grads):
    """The learner's points ``[T, D]`` on a fixed sequence of loss gradients (one run)."""
    state = learner.init(rng.spawn_keys(0, 1), grads.shape[1])
    out = []
    for g in grads:
        out.append(learner.strategy(state)[0])
        state = learner.update(state, Gradient(-g[None]))
    return np.array(out)


def test_ons_equals_its_textbook_recursion():
    """Hazan, Agarwal & Kale 2007, Algorithm 2 written plainly: A_t = eps I + sum g g^T,
    x_{t+1} = x_t - A_t^{-1} g_t / gamma (inside a ball the projection never binds)."""
    T, d, gamma, eps = 40, 3, 0.7, 1.5
    grads = _gradients(1, T, d)
    got = _learn(ons(Ball(100.0), gamma=gamma, eps=eps), grads)
    x, a = np.zeros(d), eps * np.eye(d)
    for t in range(T):
        np.testing.assert_allclose(got[t], x, rtol=0, atol=1e-12)
        a = a + np.outer(grads[t], grads[t])
        x = x - np.linalg.solve(a, grads[t]) / gamma
    assert np.linalg.norm(got, axis=1).max() < 100.0


def test_ons_equals_its_textbook_recursion_with_the_projection_binding():
    """In one dimension the A-norm projection is the clip: x_{t+1} = clip(x_t - g_t / (gamma A_t))."""
    T = 60
    grads = _gradients(2, T, 1, scale=3.0)
    default = ons(Box(-0.3, 0.4), G=3.0)  # Thm 2's constants: gamma = min(1/(4GD), alpha)/2, eps = 1/(gamma D)^2
    assert default.gamma(1) == 0.5 * min(1 / (4 * 3.0 * 0.7), 1.0)
    assert default.eps(1) == pytest.approx(1 / (default.gamma(1) ** 2 * 0.49))
    gamma, eps = 0.2, 0.05  # larger steps, so that the projection binds
    got = _learn(ons(Box(-0.3, 0.4), gamma=gamma, eps=eps), grads)
    x, a, binding = 0.05, eps, 0
    for t in range(T):
        assert abs(got[t, 0] - x) <= 1e-12
        a += grads[t, 0] ** 2
        y = x - grads[t, 0] / (gamma * a)
        binding += not (-0.3 <= y <= 0.4)
        x = min(max(y, -0.3), 0.4)
    assert binding > 5  # the projection really acted


def test_ons_on_the_simplex_equals_the_recursion_with_scipy_projections():
    """The generalised projection argmin_{y in simplex} (y - x)^T A (y - x) solved by SciPy."""
    T, d = 25, 3
    r = np.random.default_rng(3).uniform(0.5, 1.5, (T, d))
    learner = ons("simplex", G=3.0)
    state = learner.init(rng.spawn_keys(0, 1), d)
    gamma, eps = learner.gamma(d), learner.eps(d)
    x, a = np.full(d, 1 / d), eps * np.eye(d)
    cons = [{"type": "eq", "fun": lambda y: y.sum() - 1.0}]
    for t in range(T):
        np.testing.assert_allclose(learner.strategy(state)[0], x, atol=2e-6)
        g = -r[t] / (r[t] @ x)
        state = learner.update(state, Gradient(-g[None]))
        a = a + np.outer(g, g)
        y = x - np.linalg.solve(a, g) / gamma
        res = minimize(lambda z, a=a, y=y: (z - y) @ a @ (z - y), np.full(d, 1 / d),
                       jac=lambda z, a=a, y=y: 2 * a @ (z - y),
                       bounds=[(0, None)] * d, constraints=cons, method="SLSQP", options={"ftol": 1e-15})
        x = res.x


@pytest.mark.parametrize("eps", [0.5, 1.0, 3.0])
def test_kt_scalar_equals_the_krichevsky_trofimov_recursion(eps):
    """Orabona & Pál 2016, Alg. 1 with the KT bettor, one coordinate at a time:
    w_t = (sum_{s<t} c_s / t) Wealth_{t-1}, Wealth_t = Wealth_{t-1} + c_t w_t, Wealth_0 = eps."""
    T, d = 80, 2
    grads = _gradients(4, T, d)
    got = _learn(kt_scalar(eps=eps), grads)
    coins = -grads  # the utility gradient (the driver's sign convention)
    for i in range(d):
        wealth, total = eps, 0.0
        for t in range(T):
            w = total / (t + 1) * wealth
            assert abs(got[t, i] - w) <= 1e-12 * max(1.0, abs(w))
            wealth += coins[t, i] * w
            total += coins[t, i]


def test_kt_vector_equals_the_hilbert_space_recursion():
    """Orabona & Pál 2016, Alg. 2 (KT in Hilbert space): w_t = (sum_{s<t} c_s / t) Wealth_{t-1},
    Wealth_t = Wealth_{t-1} + <c_t, w_t>; and on a ball, the constrained reduction of Cutkosky &
    Orabona 2018 written out (surrogate coin (c - ||c|| (w - x)/||w - x||) / 2)."""
    T, d, eps = 80, 3, 1.0
    grads = _gradients(5, T, d)
    got = _learn(kt_vector(eps=eps), grads)
    wealth, total = eps, np.zeros(d)
    for t in range(T):
        w = total / (t + 1) * wealth
        np.testing.assert_allclose(got[t], w, rtol=1e-12, atol=1e-12)
        wealth += -grads[t] @ w
        total += -grads[t]
    grads = 0.4 * grads + np.array([0.5, -0.2, 0.0])  # a drift, so that the wealth grows past the ball
    got = _learn(kt_vector(Ball(0.5), eps=eps), grads)
    wealth, total, w, outside = eps, np.zeros(d), np.zeros(d), 0
    for t in range(T):
        x = w if np.linalg.norm(w) <= 0.5 else 0.5 * w / np.linalg.norm(w)
        np.testing.assert_allclose(got[t], x, rtol=1e-12, atol=1e-12)
        c = -grads[t]
        gap = w - x
        outside += np.linalg.norm(gap) > 1e-12
        coin = (c - np.linalg.norm(c) * (gap / np.linalg.norm(gap) if np.linalg.norm(gap) > 1e-12 else 0.0)) / 2
        wealth += coin @ w
        total += coin
        w = total / (t + 2) * wealth
    assert outside > 5


def test_universal_portfolio_equals_direct_integration_for_two_assets():
    """Cover 1991: x_{t+1} = ∫ b W_t(b) db / ∫ W_t(b) db over the uniform prior on [0, 1]; the
    Gauss-Legendre rule is exact, checked against scipy.integrate.quad."""
    from scipy.integrate import quad

    T = 30
    r = np.random.default_rng(6).uniform(0.3, 1.5, (T, 2))
    up = universal_portfolio(horizon=T)
    state = up.init(rng.spawn_keys(0, 1), 2)
    for t in range(T):
        x = up.strategy(state)[0]
        wealth = lambda b, s=t: np.prod(r[:s] @ np.array([b, 1 - b]))
        num = quad(lambda b, w=wealth: b * w(b), 0, 1, epsabs=0, epsrel=1e-13, limit=200)[0]
        den = quad(wealth, 0, 1, epsabs=0, epsrel=1e-13, limit=200)[0]
        assert abs(x[0] - num / den) <= 1e-10, t
        state = up.update(state, Gradient((r[t] / (r[t] @ x))[None]))


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 40), st.data())
def test_universal_portfolio_regret_bound_for_two_assets(T, data):
    """Cover 1991 / Blum & Kalai 1999, Thm 1: the uniform-prior universal portfolio loses at most
    (D - 1) ln(T + 1) in log-wealth against the best constant-rebalanced portfolio in hindsight."""
    r = np.array(data.draw(st.lists(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=2), min_size=T, max_size=T)))
    tr = run(universal_portfolio(horizon=T), from_sequence("portfolio", {"r": r}, "simplex"), T=T)
    assert tr.final()[0] <= math.log(T + 1) + 1e-7


def test_best_constant_rebalanced_portfolio_equals_scipy():
    T, B, d = 200, 3, 4
    r = np.random.default_rng(7).lognormal(0.0, 0.3, (T, B, d))
    value, point = best_fixed("portfolio", {"r": r}, Simplex())
    for b in range(B):
        obj = lambda x, b=b: -np.log(r[:, b] @ x).sum()
        res = minimize(obj, np.full(d, 1 / d), jac=lambda x, b=b: -(r[:, b] / (r[:, b] @ x)[:, None]).sum(0),
                       bounds=[(0, 1)] * d, constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1}],
                       method="SLSQP", options={"ftol": 1e-14, "maxiter": 1000})
        assert value[b] <= res.fun + 1e-9
        assert abs(value[b] - res.fun) < 1e-7
    assert Simplex().contains(point).all()


def test_logistic_comparator_equals_scikit_learn():
    """The best fixed point of online logistic regression over R^D after one pass over the data
    (order="cycle") is the unpenalised maximum-likelihood fit: scikit-learn's LogisticRegression."""
    sklearn = pytest.importorskip("sklearn")
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    data = load_breast_cancer()
    x = data.data[:, :3]
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = data.target
    setting = logistic_losses(x, y, domain=Reals(), order="cycle")
    tr = run(kt_vector(G=float(np.linalg.norm(x, axis=1).max())), setting, T=len(y), every=len(y))
    fit = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(x, y)
    np.testing.assert_allclose(tr.info["best_point"][0], fit.coef_[0], rtol=1e-5, atol=1e-6)
    assert sklearn.__version__
    ours = np.logaddexp(0, -(2 * y - 1) * (x @ fit.coef_[0])).sum()
    assert tr.metrics["best_loss"][-1, 0] <= ours + 1e-8


def test_ons_regret_is_logarithmic_and_below_ogds_on_a_seeded_market():
    """Log-loss portfolio (Hazan, Agarwal & Kale 2007, Thm 2 vs Zinkevich 2003): on a seeded
    drifting market ONS's regret against the best constant-rebalanced portfolio flattens (it grows
    by less than its log T bound's share between T/4 and T) while OGD's keeps growing like sqrt T,
    and ONS ends below OGD."""
    T, runs = 3072, 6
    setting = portfolio(3, volatility=0.05, drift=0.05)
    G = setting.gradient_bound()
    ons_tr = run(ons("simplex", G=G), setting, T=T, batch=runs, seed=11, every=T // 4)
    ogd_tr = run(oco_ogd("simplex", G=G), setting, T=T, batch=runs, seed=11, every=T // 4)
    np.testing.assert_allclose(ons_tr.metrics["best_loss"], ogd_tr.metrics["best_loss"])  # one market per run
    ons_r, ogd_r = ons_tr.regret.mean(axis=1), ogd_tr.regret.mean(axis=1)
    assert ons_r[-1] < ogd_r[-1] - 1.0
    ons_growth, ogd_growth = ons_r[-1] - ons_r[0], ogd_r[-1] - ogd_r[0]
    assert ons_growth < 0.5 * ogd_growth
    # OGD's growth from T/4 to T is sqrt-like (doubling: sqrt 4 = 2), ONS's is log-like (ln T / ln(T/4) ~ 1.2)
    assert ogd_r[-1] / ogd_r[0] > 1.5 and ons_r[-1] / ons_r[0] < 1.35


def test_metagrad_equals_algorithm_1_written_per_slave():
    """van Erven & Koolen 2016, Alg. 1 (full version), one run, one slave at a time; the projections
    in the Sigma^{-1}-norm by the domain (tested in test_domains.py)."""
    from regretlab.oco import metagrad

    T, d, G = 40, 2, 1.0
    domain = Ball(1.0)
    grads = _gradients(8, T, d)
    got = _learn(metagrad(domain, G=G, horizon=T), grads)
    D = 2.0
    count = math.ceil(0.5 * math.log2(T)) + 1
    etas = [2.0**-i / (5 * D * G) for i in range(count)]
    prior = np.array([1.0 / ((i + 1) * (i + 2)) for i in range(count)])
    pi = prior / prior.sum()
    slaves = [np.zeros(d) for _ in etas]
    precisions = [np.eye(d) / D**2 for _ in etas]
    x = np.zeros(d)
    for t in range(T):
        np.testing.assert_allclose(got[t], x, rtol=1e-10, atol=1e-12)
        g = grads[t]
        new_pi = np.empty(count)
        for i, eta in enumerate(etas):
            r = (slaves[i] - x) @ g
            new_pi[i] = pi[i] * math.exp(-(eta * r + eta**2 * r**2))  # exp(-surrogate loss at the slave)
            precisions[i] = precisions[i] + 2 * eta**2 * np.outer(g, g)
            raw = slaves[i] - eta * np.linalg.solve(precisions[i], g) * (1 + 2 * eta * r)
            slaves[i] = domain.project(raw[None], metric=precisions[i][None])[0]
        pi = new_pi / new_pi.sum()
        x = sum(p * eta * s for p, eta, s in zip(pi, etas, slaves)) / sum(p * eta for p, eta in zip(pi, etas))


def test_ader_equals_its_algorithm_written_out():
    """Zhang, Lu & Zhou 2018, Alg. 1-2 (the surrogate-loss version), one run: OGD experts with
    eta_i = 2^{i-1} (D/G) sqrt(7/(2T)), Hedge with alpha = sqrt(8/T)/(GD) on <g_t, x^i - x_t>."""
    from regretlab.oco import ader

    T, d, G = 60, 2, 1.0
    domain = Ball(1.0)
    grads = _gradients(9, T, d)
    got = _learn(ader(domain, G=G, horizon=T), grads)
    D = 2.0
    n = math.ceil(0.5 * math.log2(1 + 4 * T / 7)) + 1
    steps = [2.0 ** (i - 1) * D / G * math.sqrt(7 / (2 * T)) for i in range(1, n + 1)]
    w = np.array([(n + 1) / (n * i * (i + 1)) for i in range(1, n + 1)])
    w /= w.sum()
    experts = [np.zeros(d) for _ in steps]
    alpha = math.sqrt(8 / T) / (G * D)
    x = np.zeros(d)
    for t in range(T):
        np.testing.assert_allclose(got[t], x, rtol=1e-10, atol=1e-12)
        g = grads[t]
        w = w * np.exp(-alpha * np.array([g @ (e - x) for e in experts]))
        w /= w.sum()
        experts = [domain.project((e - eta * g)[None])[0] for e, eta in zip(experts, steps)]
        x = sum(wi * e for wi, e in zip(w, experts))
