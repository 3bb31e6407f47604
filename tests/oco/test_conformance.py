"""Conformance of every registered ``oco`` learner to the OCO contract (DESIGN.md, Tests §1).

Each learner is made with each of its ``test_params`` on each declared domain (simplex, ball,
box) and played on random utility gradients: shapes, points inside the domain, a per-run round
counter ``t [B]``, row b of a batch equal to a solo run, determinism, purity (``update`` leaves
its argument untouched), extreme and zero gradients, and one-line errors for a gradient of the
wrong dimension, a non-finite gradient, the wrong feedback type and a dimension the domain does
not have.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest

from regretlab.core import FullInfo, Gradient, learners, rng
from regretlab.oco.domains import Ball, Box, ClassSimplex, Simplex

CASES = [(e.name, p) for e in learners.entries("oco") for p in e.test_params]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
DOMAINS = {"simplex": Simplex(), "ball": Ball(1.5), "box": Box(-0.5, 1.0)}


def _make(name, params, domain, G=None):
    params = dict(params)
    if "domain" in params and params["domain"] != domain:
        pytest.skip(f"{name} {params} is made for its own domain")
    params["domain"] = DOMAINS[domain] if isinstance(domain, str) else domain
    if G is not None and "G" in inspect.signature(learners.get(name).factory).parameters:
        params["G"] = G
    return learners.make(name, **params)


def _gradients(keys, rounds, d, scale=1.0):
    """``[T, B, D]`` utility gradients of norm <= scale, a function of the run keys only."""
    k = rng.derive(keys, "env")
    g = np.stack([2.0 * rng.uniform(k, t, d) - 1.0 for t in range(rounds)])
    norm = np.maximum(np.linalg.norm(g, axis=2, keepdims=True), 1.0)
    return scale * g / norm


def _play(learner, keys, d, rounds, scale=1.0):
    state = learner.init(keys, d)
    out = []
    for g in _gradients(keys, rounds, d, scale):
        out.append(learner.strategy(state))
        state = learner.update(state, Gradient(g))
    return np.stack(out), state


@pytest.mark.parametrize("domain", list(DOMAINS))
@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_points_in_domain_with_shapes_and_per_run_clock(name, params, domain):
    learner = _make(name, params, domain)
    points, state = _play(learner, rng.spawn_keys(1, 4), 3, 25)
    assert points.shape == (25, 4, 3)
    assert np.isfinite(points).all()
    dom = learner.domain
    assert all(dom.contains(p, atol=1e-8).all() for p in points), name
    assert dom.contains(learner.strategy(state), atol=1e-8).all()
    assert isinstance(state.t, np.ndarray) and state.t.shape == (4,) and np.issubdtype(state.t.dtype, np.integer)
    np.testing.assert_array_equal(state.t, 25)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_batch_row_equals_solo_run_and_seeds_repeat(name, params):
    learner = _make(name, params, "ball")
    keys = rng.spawn_keys(7, 4)
    batched, _ = _play(learner, keys, 3, 20)
    for b in (0, 3):
        solo, _ = _play(learner, keys[b:b + 1], 3, 20)
        np.testing.assert_allclose(batched[:, b], solo[:, 0], rtol=1e-12, atol=1e-12)
    again, _ = _play(learner, keys, 3, 20)
    np.testing.assert_array_equal(again, batched)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_update_is_pure(name, params):
    learner = _make(name, params, "simplex")
    state = learner.init(rng.spawn_keys(2, 3), 4)
    state = learner.update(state, Gradient(_gradients(rng.spawn_keys(2, 3), 1, 4)[0]))
    before = copy.deepcopy(state)
    learner.update(state, Gradient(_gradients(rng.spawn_keys(3, 3), 1, 4)[0]))
    learner.strategy(state)
    for a, b in zip(state, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("domain", ["ball", "box"])
@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_extreme_and_zero_gradients_stay_finite_in_domain(name, params, domain):
    # a learner with a gradient bound is told the bound (1e6); coin betting refuses gradients above it
    learner = _make(name, params, domain, G=1e6)
    points, state = _play(learner, rng.spawn_keys(4, 3), 3, 12, scale=1e6)
    assert np.isfinite(points).all() and np.isfinite(learner.strategy(state)).all()
    assert all(learner.domain.contains(p, atol=1e-6).all() for p in points)
    zero = learner.init(rng.spawn_keys(4, 3), 3)
    for _ in range(5):
        zero = learner.update(zero, Gradient(np.zeros((3, 3))))
    assert np.isfinite(learner.strategy(zero)).all()
    assert learner.domain.contains(learner.strategy(zero), atol=1e-9).all()


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_bad_feedback_is_a_one_line_error(name, params):
    learner = _make(name, params, "ball")
    state = learner.init(rng.spawn_keys(0, 2), 3)
    with pytest.raises(ValueError, match=r"feedback.grad must have shape \[B, D\] = \[2, 3\].*got shape \[2, 4\]"):
        learner.update(state, Gradient(np.zeros((2, 4))))
    with pytest.raises(ValueError, match="feedback.grad must be finite"):
        learner.update(state, Gradient(np.array([[0.1, np.nan, 0.0], [0.0, 0.0, 0.0]])))
    with pytest.raises(TypeError, match="learns from Gradient feedback, got FullInfo"):
        learner.update(state, FullInfo(np.zeros((2, 3))))


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_a_dimension_the_domain_does_not_have_is_refused(name, params):
    if "domain" in params:
        pytest.skip("made for its own domain")
    learner = learners.make(name, **{**params, "domain": ClassSimplex(["a", "b", "c"])})
    with pytest.raises(ValueError, match=r"D = 4 does not match the domain ClassSimplex\(\['a', 'b', 'c'\]\) of dimension 3"):
        learner.init(rng.spawn_keys(0, 1), 4)
    state = learner.init(rng.spawn_keys(0, 1), 3)
    assert learner.domain.contains(learner.strategy(state)).all()


def test_every_oco_learner_states_its_bound_and_paper():
    for entry in learners.entries("oco") + learners.entries("portfolio"):
        doc = entry.factory.__doc__ or ""
        assert "Regret" in doc or "regret" in doc, entry.name
        assert any(str(year) in doc for year in range(1990, 2027)), entry.name
        assert ">>>" in doc, entry.name


def test_the_family_holds_what_the_issue_asks_for():
    names = set(learners.names("oco"))
    assert {"oco_ogd", "oco_adagrad", "oco_adagrad_full", "ons", "kt_scalar", "kt_vector", "metagrad",
            "optimistic_omd", "ader"} <= names
    assert "universal_portfolio" in learners.names("portfolio")
