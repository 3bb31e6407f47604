"""normal_form.support_systems: the batched helpers of the (k, k, 2) Cramer/Chebyshev path give
the same numbers as the one-at-a-time numpy calls they replace (so solve_support's points and
statuses, and enumerate_supports' list, do not change)."""

import numpy as np
import pytest
from numpy.polynomial import chebyshev as C

from regretlab.games.normal_form import support_systems as ss


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_batched_cofactor_columns_equal_one_matrix_at_a_time(k):
    rng = np.random.default_rng(k)
    Ms = rng.standard_normal((7, k, k))
    Ms[3, :-1] = 0.0  # a singular stack member
    got = ss._cofactor_columns(Ms)
    want = np.array([ss._cofactor_column(M) for M in Ms])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("degree", [1, 2, 3, 4, 6])
def test_cached_chebfit_and_roots_equal_numpys_chebyshev_class(degree):
    rng = np.random.default_rng(degree)
    nodes = ss._cheb_nodes(degree + 1)[0]
    np.testing.assert_array_equal(nodes, 0.5 + 0.5 * np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1)))
    for trial in range(20):
        # a polynomial with some roots in [0, 1], sampled at the nodes
        roots = rng.uniform(-0.5, 1.5, degree)
        vals = np.prod(nodes[:, None] - roots[None], axis=1) * rng.uniform(0.5, 2.0)
        if trial % 5 == 0:
            vals[:] = 0.0  # identically zero: reported as not finite
        series = C.Chebyshev.fit(nodes, vals, degree, domain=[0.0, 1.0])
        np.testing.assert_array_equal(ss._chebfit(vals), series.coef)
        got, finite = ss._roots01_values(vals, degree, 1e-12)
        if trial % 5 == 0:
            assert not finite and got.size == 0
            continue
        assert finite
        coef = np.trim_zeros(np.where(np.abs(series.coef) <= 1e-15, 0.0, series.coef), "b")
        r = C.Chebyshev(coef, domain=[0.0, 1.0]).roots()
        r = r[np.abs(r.imag) <= 1e-7].real
        want = np.sort(r[(r >= -1e-9) & (r <= 1 + 1e-9)])
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", [(3, 3, 2), (2, 3, 3), (3, 2, 3), (4, 4, 2)])
def test_kk2_points_solve_the_system(shape):  # (k, k, 2): every returned point is a root (regular systems)
    rng = np.random.default_rng(len(shape) * 11 + sum(shape))
    from regretlab.games.normal_form.nplayer import _system

    ks = list(shape)
    off = np.concatenate([[0], np.cumsum(ks)])
    for _ in range(6):
        tens = np.round(rng.uniform(-1, 1, (len(shape),) + shape), 6)
        sol = ss.solve_support(tens)
        assert sol.status == "exact"
        for z in sol.points:
            F, _ = _system(tens, [z[None, off[i]:off[i + 1]] for i in range(len(ks))])
            assert np.abs(F).max() < 1e-6
