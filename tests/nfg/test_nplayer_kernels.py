"""The compiled kernels of the n-player solvers equal the einsum reference formulas.

``regretlab.games.normal_form._kernels`` replaced the per-step NumPy code of the solvers; the
NumPy formulas (``_contract``, ``_system`` and ``_nash_map_label`` of ``nplayer``, which the
solvers still use; the logit and global-Newton systems and the dominance check below, which they
no longer do) pin the kernels, to round-off, on seeded games of 1 to 4 players.
"""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.games.normal_form import NormalFormGame
from regretlab.games.normal_form import _kernels as K
from regretlab.games.normal_form.gaps import nash_conv
from regretlab.games.normal_form.nplayer import (
    _contract,
    _face_projection,
    _nash_map_label,
    _system,
    polish,
)

SHAPES = [(3,), (2, 3), (3, 2, 2), (2, 3, 2, 2)]


# -- the NumPy formulas the compiled kernels replaced (references only) ------------------------

def _dominated(pay_i: np.ndarray, i: int, supports: list) -> bool:
    """Some action of player i's support is strictly dominated given the others' supports."""
    idx = [np.arange(pay_i.shape[j]) if j == i else s for j, s in enumerate(supports)]
    sub = np.moveaxis(pay_i[np.ix_(*idx)], i, 0).reshape(pay_i.shape[i], -1)  # [K_i, |S_-i|]
    own = sub[supports[i]]  # [k_i, R]
    return bool((own[:, None, :] < sub[None, :, :]).all(-1).any())

def _logit_system(game: NormalFormGame, w: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Residual ``[N]`` and Jacobian ``[N, N+1]`` (last column ∂/∂λ) in ``w = log x``."""
    ks = game.num_actions
    p = len(ks)
    off = np.concatenate([[0], np.cumsum(ks)])
    xs = [np.exp(w[off[i]:off[i + 1]])[None] for i in range(p)]
    n = int(off[-1])
    F = np.empty(n)
    J = np.zeros((n, n + 1))
    for i in range(p):
        r0, k = off[i], ks[i]
        dev = _contract(game.payoffs[i], xs, [i])[0] if p > 1 else game.payoffs[0]
        wi = w[off[i]:off[i + 1]]
        F[r0:r0 + k - 1] = wi[1:] - wi[0] - lam * (dev[1:] - dev[0])
        F[r0 + k - 1] = xs[i][0].sum() - 1.0
        J[r0 + k - 1, off[i]:off[i + 1]] = xs[i][0]
        for a in range(1, k):
            J[r0 + a - 1, off[i] + a] = 1.0
            J[r0 + a - 1, off[i]] = -1.0
        J[r0:r0 + k - 1, n] = -(dev[1:] - dev[0])
        for j in range(p):
            if j == i or k == 1:
                continue
            blk = _contract(game.payoffs[i], xs, sorted([i, j]))[0]
            if j < i:
                blk = blk.T
            d = (blk[1:, :] - blk[:1, :]) * xs[j][0][None, :]
            J[r0:r0 + k - 1, off[j]:off[j + 1]] -= lam * d
    return F, J

def _gnm_system(game: NormalFormGame, z: np.ndarray, lam: float, g: np.ndarray, off: np.ndarray,
                active: list[np.ndarray] | None = None):
    """``H(z, λ) = z - r(z) - V(r(z)) - λ g`` and its Jacobian ``[N, N+1]`` (last column ∂/∂λ).

    ``r`` projects each block on its simplex (on the given active faces when ``active``),
    ``V_ia(x) = u_i(a, x_-i)``; ``x = r(z)`` with ``H = 0`` is an equilibrium of the game with
    bonus ``λ g`` (Kohlberg & Mertens 1986; Govindan & Wilson 2003).
    """
    p = game.num_players
    n = int(off[-1])
    xs, act = _face_projection(z, off, active)
    xb = [x[None] for x in xs]
    V = np.concatenate([(_contract(game.payoffs[i], xb, [i])[0] if p > 1 else game.payoffs[0])
                        for i in range(p)])
    H = z - np.concatenate(xs) - V - lam * g
    R = np.zeros((n, n))
    for i in range(p):
        s = np.flatnonzero(act[i]) + off[i]
        R[np.ix_(s, s)] = np.eye(s.size) - 1.0 / s.size
    JV = np.zeros((n, n))
    for i in range(p):
        for j in range(p):
            if i != j:
                blk = _contract(game.payoffs[i], xb, sorted([i, j]))[0]
                JV[off[i]:off[i + 1], off[j]:off[j + 1]] = blk if i < j else blk.T
    J = np.zeros((n, n + 1))
    J[:, :n] = np.eye(n) - R - JV @ R
    J[:, n] = -g
    return H, J, xs, act


def _case(shape, seed):
    rng = np.random.default_rng(seed)
    P = rng.uniform(-1, 1, size=(len(shape), *shape))
    xs = [rng.dirichlet(np.ones(k)) for k in shape]
    return P, xs


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", [0, 1])
def test_payoff_jacobian_matches_einsum(shape, seed):
    P, xs = _case(shape, seed)
    T, ks = K.flat_payoffs(P)
    V, JV = K.payoff_jacobian(T, ks, np.concatenate(xs))
    off = np.concatenate([[0], np.cumsum(shape)])
    xb = [x[None] for x in xs]
    p = len(shape)
    for i in range(p):
        ref = _contract(P[i], xb, [i])[0] if p > 1 else P[0]
        np.testing.assert_allclose(V[off[i]:off[i + 1]], ref, atol=1e-13)
        for j in range(p):
            blk = JV[off[i]:off[i + 1], off[j]:off[j + 1]]
            if j == i:
                assert not blk.any()
                continue
            ref = _contract(P[i], xb, sorted([i, j]))[0]
            np.testing.assert_allclose(blk, ref if i < j else ref.T, atol=1e-13)
    np.testing.assert_allclose(K.payoff_vectors(T, ks, np.concatenate(xs)), V, atol=1e-14)
    assert abs(K.nash_conv(T, ks, np.concatenate(xs)) - nash_conv(NormalFormGame(P), xs)) < 1e-13


@pytest.mark.parametrize("shape", SHAPES[1:])
def test_support_and_path_systems_match_numpy(shape):
    P, xs = _case(shape, 3)
    game = NormalFormGame(P)
    T, ks = K.flat_payoffs(P)
    z = np.concatenate(xs)
    F, J = K.support_system(T, ks, z)
    F0, J0 = _system(P, [x[None] for x in xs])
    np.testing.assert_allclose(F, F0[0], atol=1e-13)
    np.testing.assert_allclose(J, J0[0], atol=1e-13)
    # logit system at w = log x
    F, J = K.logit_system(T, ks, np.log(z), 2.5)
    F0, J0 = _logit_system(game, np.log(z), 2.5)
    np.testing.assert_allclose(F, F0, atol=1e-12)
    np.testing.assert_allclose(J, J0, atol=1e-12)
    # global Newton system, free projection and on given faces
    rng = np.random.default_rng(4)
    off = np.concatenate([[0], np.cumsum(shape)])
    g = rng.uniform(size=z.size)
    zz = z + rng.normal(scale=0.3, size=z.size)
    none = np.zeros(z.size, dtype=bool)
    H, J, x, act = K.gnm_system(T, ks, g, zz, 0.7, none, False)
    H0, J0, xs0, act0 = _gnm_system(game, zz, 0.7, g, off)
    np.testing.assert_allclose(H, H0, atol=1e-13)
    np.testing.assert_allclose(J, J0, atol=1e-13)
    np.testing.assert_allclose(x, np.concatenate(xs0), atol=1e-14)
    assert (act == np.concatenate(act0)).all()
    faces = np.ones(z.size, dtype=bool)
    faces[off[1]] = False
    H, J, _, _ = K.gnm_system(T, ks, g, zz, 0.7, faces, True)
    H0, J0, _, _ = _gnm_system(game, zz, 0.7, g, off, [faces[off[i]:off[i + 1]] for i in range(len(shape))])
    np.testing.assert_allclose(H, H0, atol=1e-13)
    np.testing.assert_allclose(J, J0, atol=1e-13)


@pytest.mark.parametrize("shape", SHAPES[1:])
def test_sperner_labels_match_numpy(shape):
    P, _ = _case(shape, 5)
    game = NormalFormGame(P)
    T, ks = K.flat_payoffs(P)
    off = np.concatenate([[0], np.cumsum(shape)])
    rng = np.random.default_rng(6)
    for _ in range(50):
        v = rng.multinomial(16, np.ones(off[-1]) / off[-1]).astype(np.int64)
        assert K.nash_map_label(T, ks, v, 0.5) == _nash_map_label(game, v, off, 0.5)


def test_solve_dense_and_det_sign_match_lapack():
    rng = np.random.default_rng(7)
    for n in (1, 3, 8):
        A, b = rng.normal(size=(n, n)), rng.normal(size=n)
        ok, x = K.solve_dense(A, b)
        assert ok
        np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-10, atol=1e-12)
        assert K.det_sign(A) == np.sign(np.linalg.det(A))
    ok, _ = K.solve_dense(np.zeros((2, 2)), np.ones(2))
    assert not ok


def test_polish_rejects_a_profile_of_the_wrong_shape():
    game = NormalFormGame(_case((2, 2, 2), 8)[0])
    with pytest.raises(ValueError):
        polish(game, [np.array([0.5, 0.5]), np.array([0.5, 0.5])])


@pytest.mark.parametrize("shape", SHAPES[1:])
def test_dominance_pruning_matches_numpy(shape):
    from itertools import product


    P = np.round(np.random.default_rng(9).uniform(-1, 1, size=(len(shape), *shape)), 1)  # ties too
    T, ks = K.flat_payoffs(P)
    off = np.concatenate([[0], np.cumsum(shape)])
    for bits in product(*[range(1, 2 ** k) for k in shape]):
        supports = [np.flatnonzero([(b >> a) & 1 for a in range(k)]) for b, k in zip(bits, shape)]
        mask = np.zeros(off[-1], dtype=bool)
        for s, o in zip(supports, off[:-1]):
            mask[s + o] = True
        for i in range(len(shape)):
            assert K.dominated(T, ks, i, mask) == _dominated(P[i], i, supports)


@pytest.mark.parametrize("shape", SHAPES[1:])
def test_ipa_direction_matches_polymatrix_lemke(shape):
    from regretlab.games.normal_form.nplayer import (
        _solve_polymatrix,
        polymatrix_approximation,
    )

    P, xs = _case(shape, 10)
    game = NormalFormGame(P)
    T, ks = K.flat_payoffs(P)
    ok, y = K.ipa_direction(T, ks, np.concatenate(xs), 10_000)
    ref = _solve_polymatrix(polymatrix_approximation(game, xs), list(shape))
    assert ok and ref is not None
    np.testing.assert_allclose(y, np.concatenate(ref), atol=1e-10)
