"""The declared convex domains: Euclidean and generalised projections against SciPy and the KKT
conditions, diameters, membership, linear minimisation and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from regretlab.oco.domains import Ball, Box, ClassSimplex, Reals, Simplex, as_domain

DOMAINS = [Simplex(), Ball(1.3), Box(-0.5, 1.0)]


def _reference(domain, x, a):
    """``argmin_{y in K} (y - x)^T A (y - x)`` by SciPy's SLSQP (the reference)."""
    d = x.size
    cons, bounds = [], None
    if isinstance(domain, Simplex):
        cons, bounds = [{"type": "eq", "fun": lambda y: y.sum() - 1.0}], [(0.0, None)] * d
    elif isinstance(domain, Box):
        bounds = [(-0.5, 1.0)] * d
    else:
        cons = [{"type": "ineq", "fun": lambda y: domain.radius**2 - y @ y, "jac": lambda y: -2 * y}]
    res = minimize(lambda y: (y - x) @ a @ (y - x), domain.center(d), jac=lambda y: 2 * a @ (y - x),
                   bounds=bounds, constraints=cons, method="SLSQP", options={"ftol": 1e-15, "maxiter": 2000})
    return res.x


def _instances(seed, b, d, diagonal):
    gen = np.random.default_rng(seed)
    x = 2.0 * gen.standard_normal((b, d))
    if diagonal:
        return x, np.exp(gen.standard_normal((b, d)))
    m = gen.standard_normal((b, d, d))
    return x, m @ m.transpose(0, 2, 1) + 0.05 * np.eye(d)


@pytest.mark.parametrize("domain", DOMAINS, ids=repr)
@pytest.mark.parametrize("diagonal", [True, False], ids=["diagonal", "full"])
@pytest.mark.parametrize("d", [1, 2, 4, 7])
def test_generalised_projection_is_no_worse_than_scipy(domain, diagonal, d):
    x, a = _instances(d, 25, d, diagonal)
    y = domain.project(x, metric=a)
    assert domain.contains(y, atol=1e-10).all()
    for b in range(x.shape[0]):
        full = np.diag(a[b]) if diagonal else a[b]
        ref = _reference(domain, x[b], full)
        mine, theirs = (y[b] - x[b]) @ full @ (y[b] - x[b]), (ref - x[b]) @ full @ (ref - x[b])
        # the projection is unique: ours attains SciPy's objective (and usually beats its tolerance)
        assert mine <= theirs + 1e-7 * (1.0 + theirs), (b, mine, theirs)


@pytest.mark.parametrize("d", [2, 3, 6])
def test_full_metric_projection_meets_the_kkt_conditions(d):
    x, a = _instances(10 + d, 60, d, diagonal=False)
    a[:10] *= 1e4  # badly scaled metrics too
    for domain in (Simplex(), Box(-0.5, 1.0)):
        y = domain.project(x, metric=a)
        g = np.einsum("bij,bj->bi", a, y - x)  # half the objective's gradient
        scale = np.abs(a).max(axis=(1, 2)) * (1.0 + np.abs(x).max(axis=1))
        if isinstance(domain, Simplex):
            free = y > 1e-10
            nu = np.array([-g[b][free[b]].mean() for b in range(len(y))])
            r = g + nu[:, None]
            bad = np.where(free, np.abs(r), np.maximum(-r, 0.0))  # at 0: the multiplier is >= 0
        else:
            at_lo, at_hi = y <= -0.5 + 1e-10, y >= 1.0 - 1e-10
            bad = np.where(at_lo, np.maximum(-g, 0.0), np.where(at_hi, np.maximum(g, 0.0), np.abs(g)))
        assert (bad.max(axis=1) / scale).max() < 1e-8
    ball = Ball(1.0)
    y = ball.project(x, metric=a)
    g = np.einsum("bij,bj->bi", a, y - x)
    lam = -np.einsum("bi,bi->b", g, y) / np.einsum("bi,bi->b", y, y)  # a(y - x) + lam y = 0, lam >= 0
    outside = np.linalg.norm(x, axis=1) > 1.0
    assert (lam[outside] >= -1e-9).all()
    np.testing.assert_allclose(np.linalg.norm(g + lam[:, None] * y, axis=1)[outside], 0.0, atol=1e-8 * scale.max())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=6), st.sampled_from(range(3)))
def test_euclidean_projection_is_the_nearest_point(values, which):
    """Property: no point of the domain (sampled) is closer to x than its projection, and the
    projection of a point of the domain is itself."""
    domain = DOMAINS[which]
    x = np.array([values])
    y = domain.project(x)
    assert domain.contains(y, atol=1e-10).all()
    gen = np.random.default_rng(len(values))
    others = domain.project(3.0 * gen.standard_normal((200, x.shape[1])))
    assert (np.linalg.norm(others - x, axis=1) >= np.linalg.norm(y - x) - 1e-9).all()
    np.testing.assert_allclose(domain.project(y), y, atol=1e-12)


def test_diameters_membership_and_linear_minimisation():
    assert Simplex().diameter(4) == pytest.approx(math.sqrt(2)) and Simplex().diameter_inf(4) == 1.0
    assert Ball(2.0).diameter(3) == 4.0
    assert Box(-1.0, [1.0, 2.0, 3.0]).diameter(3) == pytest.approx(math.sqrt(4 + 9 + 16))
    assert Reals().diameter(2) == math.inf and not Reals().bounded
    gen = np.random.default_rng(0)
    c = gen.standard_normal((30, 3))
    for domain in DOMAINS:
        best = domain.argmin_linear(c)
        assert domain.contains(best).all()
        cloud = domain.project(4.0 * gen.standard_normal((2000, 3)))
        assert (np.einsum("bd,bd->b", c, best)[:, None] <= c @ cloud.T + 1e-12).all()
    assert Simplex().contains(np.array([[0.5, 0.5], [0.6, 0.6], [-0.1, 1.1]])).tolist() == [True, False, False]
    assert Ball(1.0).contains(np.array([[1.0, 0.0], [1.0, 0.1], [np.nan, 0.0]])).tolist() == [True, False, False]


def test_class_simplex_names_its_vertices():
    dom = ClassSimplex(["cat", "dog", "bird"])
    assert dom.dim == 3 and dom.vertex("bird").tolist() == [0.0, 0.0, 1.0]
    assert dom.matches(Simplex(), 3) and not dom.matches(Simplex(), 4) and not dom.matches(Ball(), 3)
    with pytest.raises(ValueError, match="label must be one of"):
        dom.vertex("fish")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: Ball(0.0), "radius must be > 0, got 0.0"),
        (lambda: Ball(-1.0), "radius must be > 0"),
        (lambda: Ball(float("nan")), "radius must be a finite number"),
        (lambda: Box(1.0, 1.0), "upper must exceed lower"),
        (lambda: Box([0.0, 0.0], [1.0, 1.0, 1.0]), "lower and upper must be numbers or"),
        (lambda: ClassSimplex([]), "classes must name at least one class"),
        (lambda: ClassSimplex(["a", "a"]), "classes must be distinct"),
        (lambda: Simplex(0), "dim must be an integer >= 1"),
        (lambda: as_domain("sphere"), "domain must be a Domain"),
        (lambda: Simplex().project(np.zeros(3)), r"x must have shape \[B, D\]"),
        (lambda: Box(-1.0, [1.0, 1.0]).project(np.zeros((1, 3))), r"x.shape\[1\] = 3 does not match the domain"),
        (lambda: Ball().project(np.zeros((2, 3)), metric=np.eye(3)), r"metric must have shape \[2, 3\]"),
        (lambda: Reals().argmin_linear(np.zeros((1, 2))), "does not exist"),
    ],
)
def test_bad_input_is_a_one_line_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match) as info:
        call()
    assert "\n" not in str(info.value)
