"""normal_form.support_homotopy: the compiled (Numba) path tracker against the NumPy reference
tracker, and the deadline (an expired one gives the uncertified fallback, never a hang)."""

import time

import numpy as np
import pytest

from regretlab.games.normal_form import NormalFormGame
from regretlab.games.normal_form import support_homotopy as sh
from regretlab.games.normal_form.nplayer import enumerate_supports
from regretlab.games.normal_form.support_homotopy import solve_by_homotopy
from regretlab.games.normal_form.support_systems import solve_support


def _system(tens):
    """The support system of ``tens`` as solve_by_homotopy builds it (every player mixes)."""
    from regretlab.games.normal_form.support_systems import _first_action_gap

    ks = list(tens.shape[1:])
    P = len(ks)
    blocks = [(tuple(j for j in range(P) if j != q), _first_action_gap(tens[q], q)) for q in range(P)]
    sys_ = sh._Multilinear(blocks, ks)
    return sys_, sh._assignments(sys_.allowed, ks)


@pytest.mark.parametrize("shape", [(4, 3, 2), (3, 2, 2, 2), (2, 2, 2, 2, 2), (4, 3, 3)])
def test_compiled_tracker_has_the_reference_endpoints(shape):
    # same seeded start system, chart and gamma: every path ends at the same point (up to
    # rounding: LU here, LAPACK there) and the same paths arrive
    rng = np.random.default_rng(3 * sum(shape) + len(shape))
    for _ in range(2):
        sys_, assigns = _system(rng.standard_normal((len(shape),) + shape))
        hom = sh._Homotopy(sys_, np.random.default_rng([5, 18]))
        Y0 = hom.start_solutions(assigns)
        Yc, okc = sh._track_compiled(hom, Y0)
        Yr, okr = sh._track(hom, Y0)
        assert okc.all() and okr.all() and len(Y0) == sh.bezout_number(shape)
        np.testing.assert_allclose(Yc, Yr, rtol=0, atol=1e-8 * (1 + np.abs(Yr).max()))
        Yc2, _ = sh._track_compiled(hom, Y0)
        assert np.array_equal(Yc, Yc2)  # deterministic


@pytest.mark.parametrize("shape", [(4, 3, 2), (3, 2, 2, 2), (2, 2, 2, 2, 2), (4, 4, 3), (5, 2, 2, 2)])
def test_compiled_and_reference_certify_the_same_solutions(shape):
    # (5, 2, 2, 2): Bezout number 0, the no-common-zero certificate
    rng = np.random.default_rng(11 * sum(shape))
    for _ in range(2):
        tens = rng.standard_normal((len(shape),) + shape)
        a = solve_by_homotopy(tens)
        b = solve_by_homotopy(tens, compiled=False)
        assert a is not None and b is not None and a.status == b.status == "exact"
        assert a.points.shape == b.points.shape
        np.testing.assert_allclose(np.sort(a.points, 0), np.sort(b.points, 0), atol=1e-9)


def test_a_passed_deadline_gives_the_uncertified_fallback():
    tens = np.random.default_rng(2).standard_normal((3, 4, 3, 2))
    assert solve_by_homotopy(tens) is not None
    past = time.monotonic() - 1.0
    assert solve_by_homotopy(tens, deadline=past) is None
    assert solve_by_homotopy(tens, deadline=past, compiled=False) is None
    token = sh.DEADLINE.set(past)  # the context enumerate_supports sets
    try:
        assert solve_support(tens).status == "unsupported"
    finally:
        sh.DEADLINE.reset(token)
    assert solve_support(tens).status == "exact"
    # a deadline far off: the paths are tracked in blocks, with the same result
    a, b = solve_by_homotopy(tens), solve_by_homotopy(tens, deadline=time.monotonic() + 3600)
    assert np.array_equal(a.points, b.points)


def test_a_deadline_stops_tracking_early():
    tens = np.random.default_rng(4).standard_normal((6,) + (2,) * 6)  # 265 paths
    t0 = time.monotonic()
    assert solve_by_homotopy(tens, deadline=t0 + 0.02) is None
    assert time.monotonic() - t0 < 5.0  # a block of 8 paths past the deadline at most


def test_enumerate_supports_passes_its_time_limit_to_the_homotopy(monkeypatch):
    seen = []
    real = sh.solve_by_homotopy

    def spy(tens, **kw):
        seen.append(sh.DEADLINE.get())
        return real(tens, **kw)

    monkeypatch.setattr(sh, "solve_by_homotopy", spy)
    g = NormalFormGame(np.random.default_rng(1).standard_normal((3, 4, 3, 2)))
    t0 = time.monotonic()
    res = enumerate_supports(g, time_limit=50)
    assert res.certified and seen
    assert all(d is not None and t0 + 49 < d < time.monotonic() + 50 for d in seen)
    assert sh.DEADLINE.get() is None  # reset after the scan
