"""2x2x2 games: support enumeration against an independent complete solver by elimination.

For three players with two actions each, let ``p_i`` be player i's probability of action 0 and
``D_i(p_j, p_k) = u_i(0, ·) - u_i(1, ·)``, bilinear in the other two. Pure profiles are checked
directly; with one player pure, the other two solve one linear equation each; with all mixed,
``D_1 = 0`` and ``D_2 = 0`` give ``p_2`` and ``p_1`` as rational functions of ``p_3`` and
``D_3 = 0`` becomes a quadratic in ``p_3`` — hence at most two totally mixed equilibria
(R. McKelvey, A. McLennan, "The maximal number of regular totally mixed Nash equilibria", JET
72, 1997: the bound is 2 for 2x2x2). This solver is complete for generic games and shares no
code with ``normal_form.nplayer``.
"""

import itertools
import warnings

import numpy as np
import pytest

from regretlab.games.normal_form import NormalFormGame, nash_conv, random_game
from regretlab.games.normal_form.nplayer import (
    enumerate_supports,
    global_newton,
    iterated_polymatrix,
    logit_homotopy,
    simplicial_subdivision,
)


def _bilinear(u, i):
    j, k = [x for x in range(3) if x != i]

    def d(pj, pk):
        total = 0.0
        for aj, ak in itertools.product(range(2), repeat=2):
            w = (pj if aj == 0 else 1 - pj) * (pk if ak == 0 else 1 - pk)
            hi, lo = [0, 0, 0], [0, 0, 0]
            hi[i], lo[i] = 0, 1
            hi[j] = lo[j] = aj
            hi[k] = lo[k] = ak
            total += w * (u[i][tuple(hi)] - u[i][tuple(lo)])
        return total

    a = d(0, 0)
    b, c = d(1, 0) - a, d(0, 1) - a
    return (a, b, c, d(1, 1) - a - b - c), (j, k)


def equilibria_by_elimination(u):
    forms = [_bilinear(u, i) for i in range(3)]

    def gain(i, p):
        (a, b, c, d), (j, k) = forms[i]
        return a + b * p[j] + c * p[k] + d * p[j] * p[k]

    def is_eq(p):
        for i in range(3):
            g = gain(i, p)
            if (p[i] == 1 and g < -1e-9) or (p[i] == 0 and g > 1e-9) or (0 < p[i] < 1 and abs(g) > 1e-9):
                return False
        return True

    sols = [list(p) for p in itertools.product([0.0, 1.0], repeat=3) if is_eq(list(p))]

    def solve_linear(i, other, pk, k):
        # gain(i) = 0 as a function of p_other, with p_k fixed
        (a, b, c, d), (j, _) = forms[i]
        if j == other:
            coef, const = b + d * pk, a + c * pk
        else:
            coef, const = c + d * pk, a + b * pk
        return None if abs(coef) < 1e-14 else -const / coef

    for k in range(3):
        i, j = [x for x in range(3) if x != k]
        for pk in (0.0, 1.0):
            pj, pi = solve_linear(i, j, pk, k), solve_linear(j, i, pk, k)
            if pj is None or pi is None or not (0 < pi < 1 and 0 < pj < 1):
                continue
            p = [0.0] * 3
            p[i], p[j], p[k] = pi, pj, pk
            if is_eq(p):
                sols.append(p)
    (a1, b1, c1, d1), _ = forms[0]  # in (p2, p3)
    (a2, b2, c2, d2), _ = forms[1]  # in (p1, p3)
    (a3, b3, c3, d3), _ = forms[2]  # in (p1, p2)
    P = np.polynomial.Polynomial
    n2, m2 = -P([a1, c1]), P([b1, d1])  # p2 = n2(p3) / m2(p3)
    n1, m1 = -P([a2, c2]), P([b2, d2])  # p1 = n1(p3) / m1(p3)
    quad = a3 * m1 * m2 + b3 * n1 * m2 + c3 * n2 * m1 + d3 * n1 * n2
    for r in quad.roots():
        if abs(r.imag) > 1e-12 or not 0 < r.real < 1:
            continue
        p3 = r.real
        if abs(m1(p3)) < 1e-14 or abs(m2(p3)) < 1e-14:
            continue
        p = [n1(p3) / m1(p3), n2(p3) / m2(p3), p3]
        if 0 < p[0] < 1 and 0 < p[1] < 1 and is_eq(p):
            sols.append(p)
    return sols


def _keys_elim(sols):
    return sorted(tuple(np.round(p, 6)) for p in sols)


def _keys_ours(eqs):
    return sorted(tuple(np.round([x[0] for x in e], 6)) for e in eqs)


# Found by a seeded search over integer 2x2x2 games (even-parity profiles made strict
# equilibria); it has 4 pure, 3 partially mixed and 2 totally mixed equilibria.
NINE = [[[[5, 1], [-8, 4]], [[-4, 10], [8, -4]]], [[[4, -6], [-3, 9]], [[-4, 0], [0, -7]]],
        [[[3, -1], [-1, 5]], [[-3, 2], [9, 5]]]]


def test_a_2x2x2_game_with_nine_equilibria():
    u = np.array(NINE, dtype=float)
    ref = equilibria_by_elimination(u)
    assert len(ref) == 9
    assert sum(all(0 < v < 1 for v in p) for p in ref) == 2  # McKelvey–McLennan's bound, attained
    g = NormalFormGame(u)
    res = enumerate_supports(g)
    assert _keys_ours(res.equilibria) == _keys_elim(ref)
    assert all(nash_conv(g, e) < 1e-9 for e in res.equilibria)
    found = set(_keys_ours(res.equilibria))
    for solver in (logit_homotopy, iterated_polymatrix, simplicial_subdivision, global_newton):
        one = solver(g, time_limit=20).equilibria
        assert len(one) == 1 and _keys_ours(one)[0] in found


@pytest.mark.parametrize("seed", range(25))
def test_enumeration_equals_elimination_on_random_2x2x2(seed):
    g = random_game(2, num_players=3, seed=100 + seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = equilibria_by_elimination(g.payoffs)
    assert _keys_ours(enumerate_supports(g).equilibria) == _keys_elim(ref)


# -- certified enumeration (normal_form.support_systems) -----------------------------------------


def _game_from_gaps(fa, fb, fc):
    """The 2x2x2 game whose payoff gaps ``u_i(0, ·) - u_i(1, ·)`` are the bilinear forms given
    (``fa(p2, p3)``, ``fb(p1, p3)``, ``fc(p1, p2)``; the second action pays 0)."""
    u = np.zeros((3, 2, 2, 2))
    for a, b, c in itertools.product(range(2), repeat=3):
        wa, wb, wc = (1.0 - s for s in (a, b, c))  # weight of action 0 at a pure profile
        u[0, 0, b, c] = fa(wb, wc)
        u[1, a, 0, c] = fb(wa, wc)
        u[2, a, b, 0] = fc(wa, wb)
    return NormalFormGame(u)


def test_a_constructed_game_attains_two_totally_mixed_equilibria_at_prescribed_points():
    # gaps (p2 - b1)(p3 - c2), (p3 - c1)(p1 - a2), (p1 - a1)(p2 - b2) vanish together exactly at
    # (a1, b1, c1) and (a2, b2, c2) in the open cube (every other choice of factors contradicts
    # itself), both regular: McKelvey–McLennan's bound of 2 totally mixed equilibria, attained
    (a1, b1, c1), (a2, b2, c2) = (1 / 3, 1 / 4, 1 / 2), (3 / 5, 2 / 3, 1 / 5)
    g = _game_from_gaps(lambda q, r: (q - b1) * (r - c2), lambda p, r: (r - c1) * (p - a2),
                        lambda p, q: (p - a1) * (q - b2))
    res = enumerate_supports(g)
    assert res.certified and res.info["continuum_supports"] == res.info["newton_supports"] == 0
    mixed = sorted(tuple(x[0] for x in e) for e in res.equilibria if all(0 < x[0] < 1 for x in e))
    assert np.allclose(mixed, [(a1, b1, c1), (a2, b2, c2)], atol=1e-12)
    # (the elimination above divides by a gap's coefficient, which vanishes at both points here,
    # so it is no reference for this game). The whole set by hand, with w = weight of action 0:
    # at a pure profile player 1 plays 0 iff w2 == w3 (the sign of (w2 - b1)(w3 - c2)), 2 iff
    # w3 == w1, 3 iff w1 == w2: the 4 profiles with an even number of 0-weights. With player 1
    # pure, 2's indifference forces w3 = c1 and 3's w2 = b2, and then 1's gap > 0: w1 = 1;
    # likewise (a1, 1, c2) and (a2, b1, 0). One player mixing alone is never indifferent.
    assert _keys_ours(res.equilibria) == sorted(
        [(0.0, 0.0, 1.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0), (1.0, 1.0, 1.0), (1.0, round(b2, 6), c1),
         (round(a1, 6), 1.0, c2), (a2, b1, 0.0), (round(a1, 6), b1, c1), (a2, round(b2, 6), c2)])
    assert all(c < 1e-9 for c in res.nash_conv)


def test_the_nine_equilibrium_game_is_certified():
    res = enumerate_supports(NormalFormGame(np.array(NINE, dtype=float)))
    assert res.certified and len(res.equilibria) == 9


@pytest.mark.parametrize("seed", range(25))
def test_random_2x2x2_enumeration_is_certified_odd_and_verified(seed):
    # generic games have an odd number of equilibria (Wilson, Econometrica 39, 1971)
    g = random_game(2, num_players=3, seed=100 + seed)
    res = enumerate_supports(g)
    assert res.certified and len(res.equilibria) % 2 == 1
    assert all(nash_conv(g, e) < 1e-9 for e in res.equilibria)
    assert sum(all(0 < x[0] < 1 for x in e) for e in res.equilibria) <= 2  # McKelvey–McLennan


def test_a_continuum_of_equilibria_is_not_certified():
    # players 1 and 2 play matching pennies, player 3 is a dummy: every (1/2, 1/2, x3) is an
    # equilibrium, a continuum that enumeration cannot list
    u = np.zeros((3, 2, 2, 2))
    for a, b, c in itertools.product(range(2), repeat=3):
        u[0, a, b, c] = 1.0 if a == b else -1.0
        u[1, a, b, c] = -u[0, a, b, c]
    g = NormalFormGame(u)
    res = enumerate_supports(g)
    assert not res.certified and res.info["continuum_supports"] > 0 and res.complete
    assert res.equilibria and all(nash_conv(g, e) < 1e-9 for e in res.equilibria)
    assert all(np.allclose([e[0][0], e[1][0]], 0.5) for e in res.equilibria)
    zero = enumerate_supports(NormalFormGame(np.zeros((3, 2, 2, 2))))  # every profile is one
    assert not zero.certified and zero.info["continuum_supports"] > 0
