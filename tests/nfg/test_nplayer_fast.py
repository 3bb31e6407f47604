"""The compiled n-player paths against the slower ones they replace, on seeded generic games.

* support enumeration: the compiled scan (``_enumerate_compiled``: ``_kernels.enumerate_fast``
  for the linear and 2x2x2 cases, ``solve_support`` for the rest) against the Python loop over
  every support profile (``_enumerate_python``): the same equilibria in the same order, the same
  ``certified`` and counts; the compiled 2x2x2 resultant and linear blocks against
  ``solve_support``; the compiled ``(k, k, 3)`` / ``(k, k, 2, 2)`` matrices against the einsum
  form (``_contract_except``);
* gnm: the adaptive step-length trace against the fixed-schedule trace (``_GNM_ADAPTIVE_STEPS
  = 0``): the same equilibrium, in fewer steps;
* ipa: the compiled loop against the Python loop it replaced (``_ipa_reference`` below):
  the same iterations and the same equilibrium.
"""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.games.normal_form import NormalFormGame, _kernels, nash_conv
from regretlab.games.normal_form import nplayer as N
from regretlab.games.normal_form import support_systems as S


def _game(shape, seed):
    P = np.round(np.random.default_rng(seed).uniform(-1, 1, size=(len(shape), *shape)), 6)
    return NormalFormGame(P)


def _same_list(a, b, atol=1e-9):
    return len(a) == len(b) and all(N._same(x, y, atol) for x, y in zip(a, b))


@pytest.mark.parametrize("shape", [(2, 2, 2), (3, 3), (3, 2, 2), (3, 3, 3), (2, 2, 2, 2), (2, 3, 4)])
def test_compiled_enumeration_equals_the_python_loop(shape):
    for seed in range(3 if shape in ((3, 3, 3), (2, 3, 4)) else 6):
        g = _game(shape, seed)
        fast = N.enumerate_supports(g)
        ref = N._enumerate_python(g, 60.0, 10**7, None, 0, 1e-9, False, False)
        assert _same_list(fast.equilibria, ref.equilibria), (shape, seed)
        assert fast.certified == ref.certified and fast.info == ref.info and fast.complete == ref.complete
        assert fast.iterations == ref.iterations
        assert all(nash_conv(g, p) < 1e-9 for p in fast.equilibria)


def test_support_candidates_match_solve_support():
    rng = np.random.default_rng(5)
    for shape in [(2, 2, 2), (1, 2, 2), (2, 2), (3, 3), (1, 3, 3), (2, 1, 2, 1), (2, 2, 2, 1), (3, 2, 2), (2, 2, 3),
                  (2, 3, 2, 1), (4, 2, 2)]:
        for _ in range(20):
            tens = np.round(rng.uniform(-1, 1, size=(len(shape), *shape)), 3)
            ref = S.solve_support(tens)
            code, pts = _kernels.support_candidates(*_kernels.flat_payoffs(tens))
            if code == 1:  # left to solve_support (a continuum, an LP or another shape): always safe
                assert sum(k > 1 for k in shape) != 3 or max(shape) > 2
                continue
            assert ref.status == "exact"
            a = ref.points[np.argsort(ref.points[:, 0])] if ref.points.size else ref.points
            b = pts[np.argsort(pts[:, 0])] if pts.size else pts
            assert a.shape == b.shape, (shape, tens)
            np.testing.assert_allclose(a, b, atol=1e-8)


def test_compiled_hidden_matrices_match_the_einsum_form():
    rng = np.random.default_rng(2)
    for shape, a, b, hidden in [((3, 3, 3), 0, 1, [2]), ((2, 2, 2, 2), 0, 1, [2, 3]),
                                ((3, 3, 2, 2), 0, 1, [2, 3]), ((3, 2, 3), 2, 0, [1])]:
        tens = rng.uniform(-1, 1, size=(len(shape), *shape))
        mixers = list(range(len(shape)))
        k = shape[a]
        T, ks = _kernels.flat_payoffs(tens)
        for s_, t_ in rng.uniform(0, 1, size=(4, 2)):
            if len(hidden) == 1 and shape[hidden[0]] == 2:
                continue
            fixed = S._hidden_mixtures(hidden, s_, t_)
            Ma = np.vstack([S._contract_except(tens[a], a, mixers, [b], fixed), np.ones((1, k))])
            Mb = np.vstack([S._contract_except(tens[b], b, mixers, [a], fixed), np.ones((1, k))])
            Gs = [row for h in hidden for row in S._contract_except(tens[h], h, mixers, [a, b], fixed)]
            ma, mb, gs = _kernels.hidden_parts(T, ks, a, b, np.asarray(hidden), s_, t_)
            np.testing.assert_allclose(ma, Ma, atol=1e-13)
            np.testing.assert_allclose(mb, Mb, atol=1e-13)
            np.testing.assert_allclose(gs, np.array(Gs), atol=1e-13)
            np.testing.assert_allclose(_kernels.cofactor_column(ma), S._cofactor_column(Ma), atol=1e-12)


def test_enumeration_limits_still_stop_the_compiled_scan():
    g = _game((3, 3, 3), 1)
    res = N.enumerate_supports(g, time_limit=1e-9)
    assert not res.complete and not res.certified and res.iterations == 0


@pytest.mark.parametrize("shape", [(2, 2, 2), (3, 3, 3), (2, 2, 2, 2), (4, 3, 2)])
def test_adaptive_gnm_reaches_the_fixed_schedule_equilibrium(shape, monkeypatch):
    fewer = 0
    for seed in range(4):
        g = _game(shape, seed)
        fast = N.global_newton(g)
        monkeypatch.setattr(N, "_GNM_ADAPTIVE_STEPS", 0)
        ref = N.global_newton(g)
        monkeypatch.undo()
        assert len(fast.equilibria) == len(ref.equilibria) == 1
        assert N._same(fast.equilibria[0], ref.equilibria[0], 1e-9), (shape, seed)
        assert fast.nash_conv[0] < 1e-9
        fewer += fast.iterations < ref.iterations
    assert fewer >= 3


def _ipa_reference(game, max_iter=1000, seed=0, tol=1e-9):
    """The Python IPA loop that ``_kernels.ipa_run`` replaced (same steps as
    ``nplayer.iterated_polymatrix`` before it was compiled)."""
    ks = game.num_actions
    T, karr = _kernels.flat_payoffs(game.payoffs)
    off = np.concatenate([[0], np.cumsum(ks)])
    x = [np.full(k, 1.0 / k) for k in ks]

    def nc(prof):
        return float(_kernels.nash_conv(T, karr, np.concatenate(prof)))

    alpha, conv, it, stall = 1.0, nc(x), 0, 0
    rng = np.random.default_rng(seed)
    while it < max_iter:
        it += 1
        got = N.polish(game, x, tol)
        if got is not None:
            return got[0], it
        ok, yc = _kernels.ipa_direction(T, karr, np.concatenate(x), 10_000)
        if not ok:
            return None, it
        y = [yc[off[i]:off[i + 1]] for i in range(len(ks))]
        got = N.polish(game, y, tol)
        if got is not None:
            return got[0], it
        while alpha >= 1.0 / 64:
            cand = [(1 - alpha) * a + alpha * b for a, b in zip(x, y)]
            c = nc(cand)
            if c < conv:
                x, conv = cand, c
                alpha = min(1.0, 2 * alpha)
                stall = 0
                break
            alpha *= 0.5
        else:
            stall += 1
            alpha = 1.0
            x = [rng.dirichlet(np.ones(k)) for k in ks] if stall % 8 == 0 else [0.5 * a + 0.5 * b for a, b in zip(x, y)]
            conv = nc(x)
    return None, it


@pytest.mark.parametrize("shape", [(2, 2, 2), (3, 3, 3), (2, 2, 2, 2), (4, 3, 2)])
def test_compiled_ipa_equals_the_python_loop(shape):
    for seed in range(5):
        g = _game(shape, seed)
        res = N.iterated_polymatrix(g)
        prof, it = _ipa_reference(g)
        assert res.iterations == it
        assert (prof is None) == (not res.equilibria)
        if prof is not None:
            assert N._same(res.equilibria[0], prof, 1e-12)
            assert res.nash_conv[0] < 1e-9


@pytest.mark.parametrize("shape", [(2, 3, 2), (3, 3, 3), (1, 4, 2), (2, 2, 2, 2), (4, 1, 3), (3, 2, 2, 2, 1)])
def test_lazy_support_profiles_keep_the_sorted_order(shape):
    lazy = [tuple(map(tuple, p)) for p in N.iter_support_profiles(shape)]
    assert lazy == [tuple(map(tuple, p)) for p in N.support_profiles(shape)]


def test_time_limit_holds_on_a_game_with_too_many_profiles_to_list():
    # found in review: 3x8x8x8 (1.2e8 profiles) spent 27 s listing them before the first time
    # check, and 12x12x12 (6.9e10) never returned; past LAZY_PROFILES they are generated lazily
    import time

    g = NormalFormGame(np.random.default_rng(0).normal(size=(3, 12, 12, 12)))
    t0 = time.perf_counter()
    res = N.enumerate_supports(g, time_limit=0.3)
    assert time.perf_counter() - t0 < 5.0
    assert not res.complete and not res.certified and res.info["profiles"] == 4095**3
    assert 0 < res.iterations < 4095**3
# -- the cheaper gnm/ipa kernels equal what they replace, bit for bit ----------------------------


def test_buffered_support_newton_is_support_newton():
    """polish's Newton on preallocated work arrays: the same iterates as ``support_newton``."""
    rng = np.random.default_rng(11)
    for _ in range(300):
        ks = rng.integers(1, 4, size=int(rng.integers(2, 5))).astype(np.int64)
        T = np.round(rng.uniform(-1, 1, (len(ks), int(np.prod(ks)))), int(rng.choice([1, 6])))
        z = rng.uniform(0, 1, int(ks.sum()))
        za, oka = _kernels.support_newton(T, ks, z, 40, 1e-14)
        zb, okb = _kernels._support_newton_buffered(T, ks, z, 40, 1e-14)
        assert oka == okb and np.array_equal(za, zb)


def test_projection_faces_match_the_simplex_projection():
    """gnm's face mask without np.sort: exactly ``project_simplex(z_i) > 0`` (ties included)."""
    rng = np.random.default_rng(12)
    for trial in range(500):
        ks = rng.integers(1, 5, size=int(rng.integers(1, 5))).astype(np.int64)
        z = rng.normal(size=int(ks.sum())) * rng.choice([1e-3, 1.0, 10.0])
        if trial % 3 == 0:
            z = np.round(z, 1)
        off = np.concatenate([[0], np.cumsum(ks)])
        want = np.concatenate([_kernels.project_simplex(z[off[i]:off[i + 1]]) > 0 for i in range(len(ks))])
        assert np.array_equal(_kernels._projection_faces(ks, z), want)


def test_tangent_orientation_from_the_tangent_solve():
    """``sign det [J; t]`` read off the elimination of ``[J; ref]`` (matrix determinant lemma)
    agrees with ``det_sign`` of the matrix itself."""
    rng = np.random.default_rng(13)
    for _ in range(300):
        n = int(rng.integers(2, 10))
        J = rng.normal(size=(n, n + 1))
        ref = rng.normal(size=n + 1)
        t, sign = _kernels.gnm_tangent_of(J, ref)
        assert np.allclose(J @ t, 0, atol=1e-9) and np.isclose(np.linalg.norm(t), 1)
        assert sign == _kernels.det_sign(np.vstack([J, t]))


def test_payoff_jacobian_odometer_matches_einsum():
    """The pure profiles by an odometer: ``V`` and ``JV`` against einsum on a 2x1x3 game."""
    rng = np.random.default_rng(14)
    P = rng.uniform(-1, 1, (3, 2, 1, 3))
    x = [rng.dirichlet(np.ones(k)) for k in (2, 1, 3)]
    T, ks = _kernels.flat_payoffs(P)
    V, JV = _kernels.payoff_jacobian(T, ks, np.concatenate(x))
    assert np.allclose(V[:2], np.einsum("abc,b,c->a", P[0], x[1], x[2]))
    assert np.allclose(V[3:], np.einsum("abc,a,b->c", P[2], x[0], x[1]))
    assert np.allclose(JV[:2, 3:], np.einsum("abc,b->ac", P[0], x[1]))
    assert np.allclose(JV[3:, :2], np.einsum("abc,b->ca", P[2], x[1]))
