"""Theory as tests (DESIGN.md, Tests §2): on arbitrary (Hypothesis-drawn) loss sequences the regret
of each OCO learner stays under its proven bound, each bound cited where it is asserted."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings, target
from hypothesis import strategies as st

from regretlab.core import Gradient, rng
from regretlab.metrics.oco import best_fixed, path_length
from regretlab.oco import (
    Ball,
    Box,
    Simplex,
    ader,
    from_sequence,
    kt_scalar,
    kt_vector,
    oco_adagrad,
    oco_adagrad_full,
    oco_ogd,
    ons,
    optimistic_omd,
)
from regretlab.oco.losses import family
from regretlab.run import run

PROPS = settings(max_examples=25, deadline=None)
DOMAINS = [Simplex(), Ball(1.0), Box(-1.0, 0.5)]


def _vectors(draw, rounds, d, norm):
    """``[T, D]`` vectors with ``||v_t||_2 <= norm`` (any direction, any size up to the bound)."""
    raw = np.array(draw(st.lists(st.lists(st.floats(-1, 1), min_size=d, max_size=d), min_size=rounds,
                                 max_size=rounds)), dtype=float)
    scale = np.array(draw(st.lists(st.floats(0, 1), min_size=rounds, max_size=rounds)))
    n = np.linalg.norm(raw, axis=1, keepdims=True)
    return norm * scale[:, None] * np.where(n > 0, raw / np.maximum(n, 1e-300), 0.0)


@st.composite
def linear_sequence(draw, max_rounds=40, d_range=(1, 4)):
    rounds = draw(st.integers(1, max_rounds))
    d = draw(st.integers(*d_range))
    return _vectors(draw, rounds, d, 1.0)


def _play(learner, loss, data, d):
    """Play one run by hand: ``(points [T, D], losses [T])`` (the driver's protocol, no ledger)."""
    fam = family(loss)
    state = learner.init(rng.spawn_keys(0, 1), d)
    points, losses = [], []
    t_len = next(iter(data.values())).shape[0]
    for t in range(t_len):
        x = learner.strategy(state)
        row = {k: np.asarray(v[t], dtype=float)[None] for k, v in data.items()}
        points.append(x[0])
        losses.append(fam.value(row, x)[0])
        state = learner.update(state, Gradient(-fam.grad(row, x)))
    return np.array(points), np.array(losses)


@PROPS
@given(linear_sequence(), st.sampled_from(range(3)), st.booleans())
def test_projected_ogd_regret_bound(c, which, fixed):
    """Zinkevich 2003, Thm 1 (Hazan's OCO book, Thm 3.1): eta_t = D/(G sqrt t) gives
    R_T <= (3/2) D G sqrt T; the fixed eta = D/(G sqrt T) gives R_T <= D G sqrt T (G = 1 here)."""
    domain = DOMAINS[which]
    T, d = c.shape
    learner = oco_ogd(domain, schedule="fixed", horizon=T) if fixed else oco_ogd(domain)
    tr = run(learner, from_sequence("linear", {"c": c}, domain), T=T)
    diam = domain.diameter(d)
    bound = (1.0 if fixed else 1.5) * diam * math.sqrt(T)
    target(float(tr.final()[0] / max(bound, 1e-12)))  # steer the search to the sequences that come closest
    assert tr.final()[0] <= bound + 1e-9


@PROPS
@given(st.integers(2, 30), st.integers(1, 3), st.data())
def test_projected_ogd_on_quadratic_losses(T, d, data):
    """The same bound on (non-linear) convex losses: f_t = ||x - z_t||^2 / 2 on the unit ball with
    ||z_t|| <= 1, so ||∇f_t|| <= 2 = G."""
    z = _vectors(data.draw, T, d, 1.0)
    tr = run(oco_ogd("ball", G=2.0), from_sequence("quadratic", {"z": z}, "ball"), T=T)
    target(float(tr.final()[0] / (6.0 * math.sqrt(T))))
    assert tr.final()[0] <= 1.5 * 2.0 * 2.0 * math.sqrt(T) + 1e-9


@PROPS
@given(linear_sequence(), st.sampled_from(range(3)), st.booleans())
def test_adagrad_regret_bound(c, which, full):
    """Duchi, Hazan & Singer 2011, Thm 5 (diagonal) / Thm 7 (full), with the delta term of the
    proof: eta = D/sqrt 2 gives R_T <= sqrt2 D_inf sum_i ||g_{1:T,i}|| + n delta D_inf / sqrt2
    (diagonal), R_T <= sqrt2 D_2 tr(G_T^{1/2}) + n delta D_2 / sqrt2 (full)."""
    domain = DOMAINS[which]
    d = c.shape[1]
    delta = 1e-6
    learner = (oco_adagrad_full if full else oco_adagrad)(domain, delta=delta)
    _, losses = _play(learner, "linear", {"c": c}, d)
    best, _ = best_fixed("linear", {"c": c[:, None, :]}, domain)
    regret = losses.sum() - best[0]
    if full:
        w = np.linalg.eigvalsh(c.T @ c)
        diam = domain.diameter(d)
        bound = math.sqrt(2) * diam * np.sqrt(np.maximum(w, 0)).sum() + d * delta * diam / math.sqrt(2)
    else:
        diam = domain.diameter_inf(d)
        bound = math.sqrt(2) * diam * np.linalg.norm(c, axis=0).sum() + d * delta * diam / math.sqrt(2)
    target(float(regret / max(bound, 1e-12)))
    assert regret <= bound + 1e-9


@PROPS
@given(st.integers(5, 40), st.integers(2, 4), st.data())
def test_ons_logarithmic_regret_on_log_loss_portfolios(T, d, data):
    """Hazan, Agarwal & Kale 2007, Thm 2: for alpha-exp-concave losses with ||∇f|| <= G on a
    domain of diameter D in R^n, ONS has R_T <= 5 (1/alpha + G D) n log T (T > 4). Log-loss
    portfolios are 1-exp-concave; with price relatives in [1/2, 1], ||∇f|| <= 2 sqrt(n) = G."""
    r = np.array(data.draw(st.lists(st.lists(st.floats(0.5, 1.0), min_size=d, max_size=d), min_size=T, max_size=T)))
    G = 2.0 * math.sqrt(d)
    tr = run(ons("simplex", alpha=1.0, G=G), from_sequence("portfolio", {"r": r}, "simplex"), T=T)
    bound = 5.0 * (1.0 + G * math.sqrt(2)) * d * math.log(T)
    target(float(tr.final()[0] / max(bound, 1e-12)))
    assert tr.final()[0] <= bound


@PROPS
@given(st.integers(5, 40), st.integers(1, 3), st.data())
def test_ons_logarithmic_regret_on_quadratic_losses(T, d, data):
    """The same theorem on f_t = ||x - z_t||^2 / 2 over the unit ball with ||z_t|| <= 1: ||∇f|| <= 2
    and ∇²f = I >= (1/4) ∇f ∇f^T, so the losses are 1/4-exp-concave (Hazan et al. 2007, Lemma 2)."""
    z = _vectors(data.draw, T, d, 1.0)
    tr = run(ons("ball", alpha=0.25, G=2.0), from_sequence("quadratic", {"z": z}, "ball"), T=T)
    assert tr.final()[0] <= 5.0 * (4.0 + 2.0 * 2.0) * d * math.log(T)


def _kt_bound(u_norm, T, eps, vector):
    """Orabona & Pál 2016: Cor. 5 (1-d KT bettor) and Cor. 6 (Hilbert space), per unit of G."""
    last = eps * (1.0 - 1.0 / (math.e * math.sqrt((math.pi if vector else 1.0) * T)))
    return u_norm * math.sqrt(T * math.log(1.0 + 24.0 * T**2 * u_norm**2 / eps**2)) + last


COMPARATORS = [0.0, 0.1, 1.0, 3.0, 10.0, 100.0, 1e4]


@PROPS
@given(linear_sequence(max_rounds=60, d_range=(1, 1)), st.sampled_from([0.5, 1.0, 4.0]))
def test_kt_scalar_parameter_free_bound(c, eps):
    """Orabona & Pál, "Coin betting and parameter-free online learning", NeurIPS 2016, Cor. 5: for
    every u in R (no rate tuned to it), R_T(u) <= |u| sqrt(T ln(1 + 24 T^2 u^2 / eps^2)) + eps (1 - 1/(e sqrt T))."""
    T = c.shape[0]
    _, losses = _play(kt_scalar(eps=eps), "linear", {"c": c}, 1)
    worst = 0.0
    for u in COMPARATORS:
        for sign in (1.0, -1.0):
            regret = losses.sum() - sign * u * c[:, 0].sum()
            worst = max(worst, regret / max(_kt_bound(u, T, eps, vector=False), 1e-12))
            assert regret <= _kt_bound(u, T, eps, vector=False) + 1e-9, (u, sign)
    target(worst)


@PROPS
@given(linear_sequence(max_rounds=60, d_range=(2, 4)), st.sampled_from([0.5, 1.0, 4.0]), st.integers(0, 2**16))
def test_kt_vector_parameter_free_bound(c, eps, seed):
    """Orabona & Pál 2016, Cor. 6 (KT bettor in Hilbert space): for every u in R^D,
    R_T(u) <= ||u|| sqrt(T ln(1 + 24 T^2 ||u||^2 / eps^2)) + eps (1 - 1/(e sqrt(pi T)))."""
    T, d = c.shape
    _, losses = _play(kt_vector(eps=eps), "linear", {"c": c}, d)
    gen = np.random.default_rng(seed)
    dirs = gen.standard_normal((8, d))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    total = c.sum(axis=0)
    dirs = np.vstack([dirs, -total / max(np.linalg.norm(total), 1e-300)])  # the worst direction too
    for u in COMPARATORS:
        for direction in dirs:
            regret = losses.sum() - (u * direction) @ total
            assert regret <= _kt_bound(u, T, eps, vector=True) + 1e-9


@PROPS
@given(linear_sequence(max_rounds=40, d_range=(1, 3)), st.booleans(), st.integers(0, 2**16))
def test_kt_on_a_ball_keeps_twice_the_unconstrained_bound(c, vector, seed):
    """Cutkosky & Orabona 2018, Thm 3: playing x_t = Π_K(w_t) and betting on the surrogate coin
    (g - ||g|| ∇dist(w, K)) / (2G) gives R_T(u) <= 2G * (the bettor's bound at u) for u in K."""
    T, d = c.shape
    learner = (kt_vector if vector else kt_scalar)(Ball(1.0))
    points, losses = _play(learner, "linear", {"c": c}, d)
    assert Ball(1.0).contains(points).all()
    gen = np.random.default_rng(seed)
    us = Ball(1.0).project(gen.standard_normal((10, d)))
    for u in us:
        regret = losses.sum() - c.sum(axis=0) @ u
        per_coordinate = np.abs(u) if not vector else np.array([np.linalg.norm(u)])
        bound = 2.0 * sum(_kt_bound(float(v), T, 1.0, vector) for v in per_coordinate)
        assert regret <= bound + 1e-9


@PROPS
@given(linear_sequence(max_rounds=40, d_range=(1, 3)), st.sampled_from(range(3)), st.sampled_from([0.05, 0.3, 1.0]))
def test_optimistic_omd_bound_with_last_gradient_hints(c, which, lr):
    """Rakhlin & Sridharan 2013, Lemma 1 (Euclidean regulariser): R_T <= D^2/(2 eta) + eta sum_t
    ||g_t - M_t||^2 with the hints M_t = g_{t-1} (M_1 = 0); small when the losses vary slowly."""
    domain = DOMAINS[which]
    d = c.shape[1]
    _, losses = _play(optimistic_omd(domain, lr=lr), "linear", {"c": c}, d)
    best, _ = best_fixed("linear", {"c": c[:, None, :]}, domain)
    hints = np.vstack([np.zeros((1, d)), c[:-1]])
    bound = domain.diameter(d) ** 2 / (2 * lr) + lr * ((c - hints) ** 2).sum()
    target(float((losses.sum() - best[0]) / max(bound, 1e-12)))
    assert losses.sum() - best[0] <= bound + 1e-9


@settings(max_examples=15, deadline=None)
@given(st.integers(4, 40), st.integers(1, 3), st.integers(1, 4), st.data())
def test_ader_dynamic_regret_bound(T, d, segments, data):
    """Zhang, Lu & Zhou 2018, Thm 3: against any comparator sequence of path length P_T,
    sum f_t(x_t) - f_t(u_t) <= (3/4) G sqrt(2T(7D^2 + 8 D P_T)) + (sqrt(2T)/4) G D (1 + 2 ln(k+1)),
    k = floor(log2 sqrt(1 + 4 P_T / (7D))) + 1. Here: linear losses with ||c|| <= 1 on the unit
    ball and a piecewise-constant comparator sequence (the best point of each segment)."""
    c = _vectors(data.draw, T, d, 1.0)
    domain = Ball(1.0)
    cuts = np.linspace(0, T, segments + 1).astype(int)
    u = np.zeros((T, d))
    for a, b in itertools.pairwise(cuts):
        if b > a:
            u[a:b] = domain.argmin_linear(c[a:b].sum(axis=0, keepdims=True))
    tr = run(ader(domain, horizon=T), from_sequence("linear", {"c": c}, domain), T=T, comparators=u)
    P = float(path_length(u)[0])
    D = domain.diameter(d)
    k = math.floor(math.log2(math.sqrt(1.0 + 4.0 * P / (7.0 * D)))) + 1
    bound = 0.75 * math.sqrt(2 * T * (7 * D**2 + 8 * D * P)) + math.sqrt(2 * T) / 4 * D * (1 + 2 * math.log(k + 1))
    assert tr.metrics["dynamic_regret"][-1, 0] <= bound + 1e-9


def test_ogd_bound_against_the_adaptive_adversary():
    """The same theorem against the adversary that pushes each run away from the centre along its own
    point (``adversarial_linear``, ||c_t|| = 1): the sequences that come closest to the bound."""
    from regretlab.oco import adversarial_linear

    for domain in DOMAINS:
        for T in (10, 100, 1000):
            for fixed in (False, True):
                learner = oco_ogd(domain, schedule="fixed", horizon=T) if fixed else oco_ogd(domain)
                tr = run(learner, adversarial_linear(2, domain), T=T, batch=3, every=T)
                bound = (1.0 if fixed else 1.5) * domain.diameter(2) * math.sqrt(T)
                assert (tr.final() <= bound + 1e-9).all(), (domain, T, fixed, tr.final(), bound)
                assert (tr.final() >= 0.05 * bound).all()  # and the adversary does make it pay


def test_kt_bounds_on_the_sequences_that_nearly_attain_them():
    """Alternating coins bring KT's regret against u = 0 to within 4% of Cor. 5/6's bound (the
    wealth then barely grows), and a run of +1 then -1 punishes a bettor that overbets; the bound
    holds on both, for comparators u over 11 decades."""
    us = np.concatenate([[0.0], np.geomspace(1e-3, 1e8, 120)])
    gen = np.random.default_rng(0)
    direction = gen.standard_normal(3)
    direction /= np.linalg.norm(direction)
    for T in (10, 200):
        coins = {"alternating": np.array([(-1.0) ** t for t in range(T)]),
                 "half and half": np.r_[np.ones(T // 2), -np.ones(T - T // 2)],
                 "random signs": np.sign(gen.standard_normal(T))}
        for name, c in coins.items():
            for vector in (False, True):
                seq = np.outer(c, direction) if vector else c[:, None]
                _, losses = _play(kt_vector() if vector else kt_scalar(), "linear", {"c": seq}, seq.shape[1])
                total = seq.sum(axis=0)
                unit = -total / np.linalg.norm(total) if np.linalg.norm(total) > 0 else direction[: seq.shape[1]]
                for u in us:
                    for comparator in (u * unit, -u * unit):
                        regret = losses.sum() - comparator @ total
                        assert regret <= _kt_bound(u, T, 1.0, vector) + 1e-9, (name, T, vector, u)
