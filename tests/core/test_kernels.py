"""Compiled kernels agree with their NumPy references."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.core import rng
from regretlab.core.kernels import sample_rows, softmax_rows
from regretlab.core.simplex import project_simplex, softmax


@pytest.mark.parametrize("scale", [1e-9, 0.3, 1.0, 1e6])
def test_softmax_rows_matches_numpy(scale):
    x = np.random.default_rng(0).normal(size=(50, 7)) * 100
    np.testing.assert_allclose(softmax_rows(x, scale), softmax(scale * x), rtol=1e-12, atol=1e-300)


def test_sample_rows_matches_inverse_cdf_and_frequencies():
    gen = np.random.default_rng(1)
    p = gen.dirichlet(np.ones(5), size=200)
    u = gen.random(200)
    ref = np.argmax(np.cumsum(p, axis=1) > u[:, None] * p.sum(axis=1, keepdims=True), axis=1)
    np.testing.assert_array_equal(sample_rows(p, u), ref)
    probs = np.tile([0.1, 0.0, 0.6, 0.3], (100_000, 1))
    a = rng.sample_actions(rng.spawn_keys(0, 100_000), 0, probs)
    freq = np.bincount(a, minlength=4) / a.size
    assert freq[1] == 0
    np.testing.assert_allclose(freq, probs[0], atol=4 * np.sqrt(0.25 / a.size))


def test_project_simplex_is_the_euclidean_projection():
    gen = np.random.default_rng(2)
    v = gen.normal(size=(30, 4))
    p = project_simplex(v)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert (p >= 0).all()
    # optimality: no other simplex point of a random sample is closer
    cand = gen.dirichlet(np.ones(4), size=2000)
    for row, proj in zip(v[:5], p[:5]):
        assert np.linalg.norm(row - proj) <= np.linalg.norm(row - cand, axis=1).min() + 1e-12


@pytest.mark.parametrize("counter", [0, 1, 12345, 2**63 + 7])
def test_compiled_uniform_equals_numpy_reference_bit_for_bit(counter):
    keys = rng.spawn_keys(9, 64)
    np.testing.assert_array_equal(rng.uniform(keys, counter, 5), rng.uniform_reference(keys, counter, 5))


def test_sample_actions_with_per_run_counters_equals_solo_draws():
    # rng.sample_actions(keys, t [B], p): run b draws at its own round t[b], as a solo run would;
    # equal counters give the batch-wide draw exactly
    keys = rng.spawn_keys(4, 64)
    p = np.random.default_rng(3).dirichlet(np.ones(6), size=64)
    t = np.random.default_rng(5).integers(0, 2**40, size=64)
    got = rng.sample_actions(keys, t, p)
    want = [rng.sample_actions(keys[b:b + 1], int(t[b]), p[b:b + 1])[0] for b in range(64)]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(rng.sample_actions(keys, np.full(64, 17), p), rng.sample_actions(keys, 17, p))
