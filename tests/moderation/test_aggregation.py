"""The moderation ensemble against its theory (spec §5.3 and §5.5; Cesa-Bianchi & Lugosi 2006)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regretlab.moderation import (
    Aggregator,
    CategoryAware,
    best_switching_loss,
    ewa,
    fixed_share,
    fixed_share_bound,
    fixed_share_lr,
    loss_values,
    regret_bound,
    run_stream,
    simulate_pool,
)
from regretlab.experts import hedge

T, N, SEEDS = 30_000, 4, 6


@pytest.fixture(scope="module")
def pool():
    # spec §5.5 target 1: N = 4, T = 30,000 in 3 regimes of 10,000, a different best expert per regime
    return simulate_pool(rounds=T, batch=SEEDS, seed=2024)


def _regret(out):
    return np.nansum(out["ensemble_loss"], 1) - np.nansum(out["expert_loss"], 1).min(1)


def test_spec_bound_value():
    # spec §5.5: sqrt(T ln N / 2) = 144.2 at N = 4, T = 30,000
    assert regret_bound("absolute", 4, 30_000) == pytest.approx(144.2, abs=0.05)


def test_ewa_regret_below_bound_every_seed(pool):
    # spec §5.5 target 1 (hard assertion, deterministic bound, CBL06 Thm 2.2)
    out = run_stream(ewa("absolute", horizon=T, num_experts=N), pool.scores, pool.labels)
    regret = _regret(out)
    assert regret.shape == (SEEDS,)
    assert (regret <= math.sqrt(T * math.log(N) / 2)).all(), regret
    # the regret is not trivially negative: the per-regime best experts differ
    assert (regret > 0).all()


def test_fixed_share_beats_best_fixed_and_tracking_bound(pool):
    lr, alpha = fixed_share_lr(N, T, 2)
    out = run_stream(fixed_share(lr, alpha), pool.scores, pool.labels)
    ens = np.nansum(out["ensemble_loss"], 1)
    best_fixed = np.nansum(out["expert_loss"], 1).min(1)
    # spec §5.5: Fixed-Share ends below the best fixed expert; margin calibrated on the first run
    # (measured ≈ 3,570 below on seed 0; each regime's best expert is ~0.2 more accurate there)
    assert (best_fixed - ens > 1_000).all(), best_fixed - ens
    tracking = ens - best_switching_loss(out["expert_loss"], 2)
    spec_bound = 3 * math.sqrt(T * (2 * math.log(4) + 2 * math.log(T / 2)))
    assert spec_bound == pytest.approx(2.44e3, rel=0.01)
    assert (tracking <= spec_bound).all()
    # the sharper Herbster–Warmuth bound for the tuned (η, α)
    assert (tracking <= fixed_share_bound(N, T, 2, lr, alpha)).all(), tracking
    assert alpha == pytest.approx(2 / T, rel=1e-4)  # the spec's α = 2/T (here 2/(T-1))


def test_label_scarcity_bound_on_labelled_rounds():
    # spec §5.5 target 2: 10 % of rounds labelled; bound with T -> T_labelled
    s = simulate_pool(rounds=T, label_rate=0.1, batch=SEEDS, seed=7)
    labels = np.where(s.labelled, s.labels, np.nan)
    t_lab = int(s.labelled[0].sum())
    assert abs(t_lab / T - 0.1) < 0.01
    out = run_stream(ewa("absolute", horizon=t_lab, num_experts=N), s.scores, labels)
    assert (_regret(out) <= regret_bound("absolute", N, t_lab)).all()
    # anytime schedule: no horizon needed, CBL06 Thm 2.3 bound
    out = run_stream(ewa("absolute"), s.scores, labels)
    assert (_regret(out) <= regret_bound("absolute", N, t_lab, "anytime")).all()


def test_unlabelled_rounds_leave_state_unchanged():
    agg = ewa("absolute", horizon=10, num_experts=3)
    state = agg.init(3, batch=2)
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.5]])
    after = agg.update(state, scores, [np.nan, np.nan])
    assert after is state
    solo = agg.init(3, batch=1)
    assert agg.update(solo, scores[:1], [np.nan]) is solo
    moved = agg.update(solo, scores[:1], [1.0])
    assert moved.learner.t == 1 and agg.weights(moved)[0, 0] > agg.weights(moved)[0, 1]
    # runs of one batch labelled on different rounds: a clear error (the round counter is shared)
    with pytest.raises(ValueError, match="labelled on the same rounds"):
        agg.update(state, scores, [1.0, np.nan])


def test_category_aware_per_category_bound():
    # spec §5.5 target 3: with regime = category known, per-category regret <= sqrt(T_c ln N / 2)
    s = simulate_pool(rounds=12_000, batch=3, seed=11)
    cats = np.broadcast_to(s.regime, s.labels.shape)
    t_c = np.bincount(s.regime)
    ens = CategoryAware(tuple(ewa("absolute", horizon=int(k), num_experts=N) for k in t_c))
    out = run_stream(ens, s.scores, s.labels, cats)
    for c, tc in enumerate(t_c):
        rows = s.regime == c
        reg = out["ensemble_loss"][:, rows].sum(1) - out["expert_loss"][:, rows].sum(1).min(1)
        assert (reg <= math.sqrt(tc * math.log(N) / 2)).all(), (c, reg)
    # and it beats plain EWA's total loss: each category keeps its own best expert
    plain = run_stream(ewa("absolute", horizon=12_000, num_experts=N), s.scores, s.labels)
    assert (out["ensemble_loss"].sum(1) < plain["ensemble_loss"].sum(1) - 200).all()


@pytest.mark.parametrize("loss", ["square", "log"])
def test_exp_concave_losses_constant_regret(pool, loss):
    # exp-concave losses with the mixture forecaster: regret <= ln N / η (CBL06 Prop 3.1):
    # square loss on [0,1] is 1/2-exp-concave (bound 2 ln N), log loss 1-exp-concave (ln N)
    out = run_stream(ewa(loss), pool.scores[:2, :5000], pool.labels[:2, :5000])
    assert (_regret(out) <= regret_bound(loss, N, 5000) + 1e-9).all()


def test_zero_one_loss_expected_regret(pool):
    # randomised vote: expected 0/1 loss is linear in the weights, so the Hedge bound holds exactly
    out = run_stream(ewa("zero_one", horizon=10_000, num_experts=N), pool.scores[:2, :10_000], pool.labels[:2, :10_000])
    assert (_regret(out) <= regret_bound("zero_one", N, 10_000)).all()


def test_step_loop_matches_closed_form(pool):
    # fixed-η EWA in closed form: w_t ∝ exp(-η L_{t-1}) (Littlestone–Warmuth)
    s, y = pool.scores[:2, :500], pool.labels[:2, :500]
    eta = 0.3
    out = run_stream(Aggregator(hedge(lr=eta)), s, y, record_every=1)
    lo = loss_values(s, y[:, :, None], "absolute")
    cum = np.concatenate([np.zeros((2, 1, N)), np.cumsum(lo, 1)[:, :-1]], 1)
    w = np.exp(-eta * (cum - cum.min(2, keepdims=True)))
    w /= w.sum(2, keepdims=True)
    np.testing.assert_allclose(out["weights"], w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["prediction"], (w * s).sum(2), rtol=1e-10)


def test_batch_rows_equal_solo_runs_and_seed_determinism():
    a = simulate_pool(rounds=300, batch=3, seed=5)
    b = simulate_pool(rounds=300, batch=1, seed=5)
    np.testing.assert_array_equal(a.scores[:1], b.scores)
    agg = fixed_share(0.5, 0.01)
    full = run_stream(agg, a.scores, a.labels)
    solo = run_stream(agg, a.scores[2:], a.labels[2:])
    np.testing.assert_allclose(full["prediction"][2:], solo["prediction"])


def test_best_switching_loss_brute_force():
    rng = np.random.default_rng(0)
    lo = rng.random((1, 6, 3))
    import itertools

    best = min(
        sum(lo[0, t, seq[t]] for t in range(6))
        for seq in itertools.product(range(3), repeat=6)
        if sum(seq[t] != seq[t - 1] for t in range(1, 6)) <= 2
    )
    assert best_switching_loss(lo, 2)[0] == pytest.approx(best)
    assert best_switching_loss(lo, 0)[0] == pytest.approx(lo[0].sum(0).min())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.floats(0, 1), min_size=3, max_size=3), min_size=1, max_size=60),
    st.lists(st.integers(0, 1), min_size=60, max_size=60),
)
def test_ewa_bound_adversarial(scores, labels):
    # arbitrary (adversarial) score/label sequences: R_T <= sqrt(T ln N / 2) (CBL06 Thm 2.2)
    p = np.asarray(scores)[None]
    y = np.asarray(labels[: p.shape[1]], dtype=float)[None]
    t = p.shape[1]
    out = run_stream(ewa("absolute", horizon=t, num_experts=3), p, y)
    assert _regret(out)[0] <= math.sqrt(t * math.log(3) / 2) + 1e-9


def test_bad_input_messages():
    with pytest.raises(ValueError, match="loss must be one of"):
        ewa("hinge")
    with pytest.raises(ValueError, match="label must be 0, 1 or NaN"):
        ewa().update(ewa().init(2), [[0.1, 0.2]], [2])
    with pytest.raises(ValueError, match=r"scores must have shape \[1, 2\]"):
        ewa().predict(ewa().init(2), [[0.1, 0.2, 0.3]])
    with pytest.raises(ValueError, match="scores must be probabilities"):
        ewa().predict(ewa().init(2), [[0.1, 1.2]])
    with pytest.raises(ValueError, match="alpha must be in"):
        fixed_share(0.1, 1.0)
    with pytest.raises(ValueError, match="num_experts must be given"):
        ewa(horizon=100)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.lists(st.floats(0, 1), min_size=3, max_size=3), min_size=3, max_size=40),
    st.lists(st.integers(0, 1), min_size=40, max_size=40),
    st.integers(1, 3),
)
def test_fixed_share_tracking_bound_adversarial(scores, labels, switches):
    # arbitrary sequences: tracking regret vs the best m-switch sequence <= the Herbster–Warmuth
    # bound ((m+1) ln N + m ln(1/α) + (T-m-1) ln(1/(1-α)))/η + ηT/8 (CBL06 Thm 5.2)
    p = np.asarray(scores)[None]
    t = p.shape[1]
    y = np.asarray(labels[:t], dtype=float)[None]
    m = min(switches, t - 2)
    lr, alpha = fixed_share_lr(3, t, m)
    out = run_stream(fixed_share(lr, alpha), p, y)
    tracking = np.nansum(out["ensemble_loss"]) - best_switching_loss(out["expert_loss"], m)[0]
    assert tracking <= fixed_share_bound(3, t, m, lr, alpha) + 1e-9
