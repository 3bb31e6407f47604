"""Proven regret bounds as property tests on arbitrary loss sequences in [0, 1] (DESIGN Tests §2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from regretlab.envs import alternating, from_array
from regretlab.experts import (
    adahedge,
    fixed_share,
    ftl,
    ftpl,
    ftrl,
    hedge,
    ogd,
    optimistic,
    regret_matching,
    regret_matching_plus,
    swap,
)
from regretlab.metrics import slope_test, tracking_regret
from regretlab.run import run

losses = st.integers(2, 5).flatmap(
    lambda k: st.integers(1, 120).flatmap(
        lambda t: arrays(np.float64, (t, k), elements=st.floats(0.0, 1.0, allow_nan=False))
    )
)
PROPS = settings(max_examples=40, deadline=None)
TOL = 1e-9


def _final_regret(learner, seq, **kw):
    return float(run(learner, from_array(seq), T=seq.shape[0], **kw).final()[0])


@PROPS
@given(losses)
def test_hedge_tuned_rate(seq):
    # Cesa-Bianchi & Lugosi (2006), Thm 2.2: eta = sqrt(8 ln K / T) => R_T <= sqrt(T ln K / 2).
    t, k = seq.shape
    assert _final_regret(hedge(horizon=t), seq) <= math.sqrt(t * math.log(k) / 2) + TOL


@PROPS
@given(losses)
def test_hedge_anytime_rate(seq):
    # Cesa-Bianchi & Lugosi (2006), Thm 2.3: eta_t = sqrt(8 ln K / t) => R_T <= sqrt(2 T ln K) + sqrt(ln K / 8).
    t, k = seq.shape
    bound = math.sqrt(2 * t * math.log(k)) + math.sqrt(math.log(k) / 8)
    assert _final_regret(hedge(schedule="anytime"), seq) <= bound + TOL


@PROPS
@given(losses)
def test_hedge_doubling_trick(seq):
    # Doubling trick (Cesa-Bianchi & Lugosi 2006, Ex. 2.8): R_T <= sqrt(2)/(sqrt(2)-1) sqrt(T ln K / 2).
    t, k = seq.shape
    bound = math.sqrt(2) / (math.sqrt(2) - 1) * math.sqrt(t * math.log(k) / 2)
    assert _final_regret(hedge(schedule="doubling"), seq) <= bound + TOL


def _regret_on_own_rounds(learner, seq, learns):
    """Each run's regret over the rounds it learned from: runs of one batch fed the same losses,
    run ``b`` asleep (``awake`` all False: no feedback) where ``learns[:, b]`` is False."""
    from regretlab.core import FullInfo, rng

    t, k = seq.shape
    b = learns.shape[1]
    state = learner.init(rng.spawn_keys(0, b), k)
    gain = np.zeros(b)
    for s in range(t):
        p = learner.strategy(state)
        gain += np.where(learns[s], p @ -seq[s], 0.0)
        awake = np.repeat(learns[s][:, None], k, axis=1)
        state = learner.update(state, FullInfo(np.tile(-seq[s], (b, 1)), awake))
    np.testing.assert_array_equal(state.t, learns.sum(axis=0))
    best = np.array([-(seq[learns[:, r]].sum(axis=0)).min() if learns[:, r].any() else 0.0 for r in range(b)])
    return best - gain, learns.sum(axis=0)


@PROPS
@given(losses, st.integers(0, 2**32 - 1))
def test_per_run_clocks_keep_each_runs_bound(seq, seed):
    # With t [B], a run that sleeps through rounds is at its own round: anytime Hedge's
    # sqrt(2 T_b ln K) + sqrt(ln K / 8) and the doubling trick's bound hold with T_b = the run's
    # own rounds (Cesa-Bianchi & Lugosi 2006, Thm 2.3 and Ex. 2.8), in one batch.
    t, k = seq.shape
    gen = np.random.default_rng(seed)
    learns = np.column_stack([np.ones(t, dtype=bool), gen.random(t) < 0.5, gen.random(t) < 0.2])
    anytime, own = _regret_on_own_rounds(hedge(schedule="anytime"), seq, learns)
    assert (anytime <= np.sqrt(2 * own * math.log(k)) + math.sqrt(math.log(k) / 8) + TOL).all()
    doubling, _ = _regret_on_own_rounds(hedge(schedule="doubling"), seq, learns)
    assert (doubling <= math.sqrt(2) / (math.sqrt(2) - 1) * np.sqrt(own * math.log(k) / 2) + TOL).all()


@PROPS
@given(losses)
def test_regret_matching(seq):
    # Blackwell approachability: max_k R_k <= ||R_+||_2 <= sqrt(K T) for utilities in [0, 1]
    # (Hart & Mas-Colell 2000; Cesa-Bianchi & Lugosi 2006, Thm 7.3 / §7.2).
    t, k = seq.shape
    assert _final_regret(regret_matching(), seq) <= math.sqrt(k * t) + TOL
    assert _final_regret(regret_matching_plus(), seq) <= math.sqrt(k * t) + TOL


@PROPS
@given(losses)
def test_adahedge(seq):
    # de Rooij et al. (JMLR 2014), Thm 6: R <= 2 sqrt(L*(T-L*)/T ln K) + 16/3 ln K + 2 <= sqrt(T ln K) + 16/3 ln K + 2.
    t, k = seq.shape
    lstar = seq.sum(axis=0).min()
    bound = 2 * math.sqrt(max(lstar * (t - lstar) / t, 0.0) * math.log(k)) + 16 / 3 * math.log(k) + 2
    assert _final_regret(adahedge(), seq) <= bound + TOL


@PROPS
@given(losses)
def test_ogd_on_simplex(seq):
    # Zinkevich (2003), Thm 1 with D^2 = 2, G^2 = K, eta_t = sqrt(2/K)/sqrt(t): R_T <= 1.5 sqrt(2 K T).
    t, k = seq.shape
    assert _final_regret(ogd(), seq) <= 1.5 * math.sqrt(2 * k * t) + TOL


@PROPS
@given(losses)
def test_ftrl_euclidean(seq):
    # Orabona (2019), Cor. 7.9: R <= (1/2)/eta_T + (K/2) sum_t eta_{t-1} with eta_t = sqrt(2/(K t))
    # => R_T <= (sqrt(2) + 1/sqrt(8)) sqrt(K T).
    t, k = seq.shape
    bound = (math.sqrt(2) + 1 / math.sqrt(8)) * math.sqrt(k * t)
    assert _final_regret(ftrl(regularizer="euclidean"), seq) <= bound + TOL
    assert _final_regret(ftrl(), seq) <= math.sqrt(2 * t * math.log(k)) + math.sqrt(math.log(k) / 8) + TOL


@PROPS
@given(losses)
def test_swap_regret_of_blum_mansour(seq):
    # Blum & Mansour (JMLR 2007), Thm 5: swap regret <= sum of the K copies' external regrets,
    # each an anytime Hedge on utilities in [0, 1].
    t, k = seq.shape
    tr = run(swap(hedge(schedule="anytime")), from_array(seq), T=t, swap=True)
    bound = k * (math.sqrt(2 * t * math.log(k)) + math.sqrt(math.log(k) / 8))
    assert tr.final("swap_regret")[0] <= bound + TOL
    assert tr.final("swap_regret")[0] >= tr.final("regret")[0] - TOL


@pytest.mark.parametrize("T", [64, 1024, 8192])
def test_ftl_alternating_is_exactly_half_T(T):
    # spec §2.6 target 1 [V-run]: FTL's regret on alternating losses is exactly T/2 for even T.
    assert run(ftl(), alternating(), T=T).final()[0] == T / 2


def test_hedge_alternating_values_and_slopes():
    # spec §2.6 target 1 [V-run]: Hedge with eta = sqrt(8 ln 2 / T) on alternating losses.
    expected = [2.56, 3.55, 4.94, 6.90, 9.66, 13.56, 19.08, 26.89, 37.93]
    ts = [2**e for e in range(6, 15)]
    hedge_r = [run(hedge(horizon=t), alternating(), T=t).final()[0] for t in ts]
    ftl_r = [run(ftl(), alternating(), T=t).final()[0] for t in ts]
    np.testing.assert_allclose(hedge_r, expected, atol=0.006)
    assert all(r <= math.sqrt(t * math.log(2) / 2) for r, t in zip(hedge_r, ts))
    assert 0.45 <= slope_test(np.array(hedge_r), np.array(ts, float)).slope <= 0.52
    assert 0.98 <= slope_test(np.array(ftl_r), np.array(ts, float)).slope <= 1.02


def test_gumbel_ftpl_equals_hedge_in_distribution():
    # Gumbel-max trick: argmax(eta U + G) ~ softmax(eta U). 40,000 runs share one history.
    from regretlab.core import FullInfo, rng
    from regretlab.core.simplex import softmax

    eta, b = 0.7, 40_000
    learner = ftpl(noise="gumbel", scale=1 / eta, schedule="fixed")
    state = learner.init(rng.spawn_keys(5, b), 3)
    for u in ([0.2, 0.9, 0.5], [1.0, 0.1, 0.6]):
        state = learner.update(state, FullInfo(np.tile(u, (b, 1))))
    freq = learner.strategy(state).mean(axis=0)
    want = softmax(eta * state.signal[:1])[0]
    sigma = np.sqrt(want * (1 - want) / b)
    assert (np.abs(freq - want) <= 4 * sigma).all(), (freq, want)


def test_fixed_share_tracks_switching_target():
    # Herbster & Warmuth (1998): with alpha = k/(T-1) Fixed-Share's tracking regret against the
    # best k-switch sequence is O(sqrt(T (k ln K + k ln(T/k)))); spec §5.5 gives 3*sqrt(...).
    T, k, K = 3000, 2, 4
    seq = np.ones((T, K))
    seq[:1000, 0] = 0.1
    seq[1000:2000, 1] = 0.1
    seq[2000:, 2] = 0.1
    fs = run(fixed_share(alpha=k / (T - 1), horizon=T), from_array(seq), T=T, history=True)
    hd = run(hedge(horizon=T), from_array(seq), T=T, history=True)
    track_fs = tracking_regret(fs.utilities, fs.strategies, k)[0]
    track_hd = tracking_regret(hd.utilities, hd.strategies, k)[0]
    assert track_fs <= 3 * math.sqrt(T * (k * math.log(K) + k * math.log(T / k)))
    assert track_fs < 0.25 * track_hd


def test_optimistic_hedge_beats_hedge_on_predictable_sequence():
    # Rakhlin & Sridharan (2013): regret O(sqrt(sum ||u_t - u_{t-1}||^2)); on a constant loss
    # vector the optimistic learner's regret is smaller than Hedge's.
    seq = np.tile([0.3, 0.6, 0.9], (2000, 1))
    r_opt = _final_regret(optimistic(hedge(schedule="anytime")), seq)
    r_hedge = _final_regret(hedge(schedule="anytime"), seq)
    assert r_opt < r_hedge
