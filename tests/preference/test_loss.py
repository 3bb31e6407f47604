"""INPO loss (NumPy and torch), lambda_P sampling, tournament selection, spec §1.5 target 2."""

import math

import numpy as np
import pytest

from regretlab.preference import CYCLIC_P, CYCLIC_REF, PreferenceGame, omd_step
from regretlab.preference.loss import (
    dpo_loss, fit_tabular_inpo, from_code_params, inpo_loss, inpo_margin, ipo_loss, sample_pairs,
    tournament_pair,
)

# one pair, by hand: logp diff = -1 - (-2) = 1; ref diff = -1.5 - (-1) = -0.5; last diff = -1.2 - (-1.4) = 0.2
# eta = 2, tau = 0.1 -> r = 0.2: h = 1 - 0.2*(-0.5) - 0.8*0.2 = 0.94; (h - 1)^2 = 0.0036
PAIR = dict(logp_w=[-1.0], logp_l=[-2.0], ref_w=[-1.5], ref_l=[-1.0], last_w=[-1.2], last_l=[-1.4])


def test_inpo_loss_hand_value():
    assert inpo_margin(**PAIR, eta=2.0, tau=0.1)[0] == pytest.approx(0.94)
    assert inpo_loss(**PAIR, eta=2.0, tau=0.1) == pytest.approx(0.0036)
    # tau = 0 ("no KL" ablation, ratio = 0): h = 1 - 0.2 = 0.8; (0.8 - 1)^2 = 0.04
    assert inpo_loss(**PAIR, eta=2.0, tau=0.0) == pytest.approx(0.04)


def test_dpo_ipo_hand_values():
    # z = (1) - (-0.5) = 1.5
    assert dpo_loss([-1.0], [-2.0], [-1.5], [-1.0], beta=0.5) == pytest.approx(math.log1p(math.exp(-0.75)))
    assert ipo_loss([-1.0], [-2.0], [-1.5], [-1.0], beta=0.5) == pytest.approx((1.5 - 1.0) ** 2)


def test_code_parameter_mapping():
    # the authors' shipped eta = 0.005, ratio = 1/3 is eta = 200, tau = 1/600 (spec §1.2)
    eta, tau = from_code_params(0.005, 1 / 3)
    assert eta == pytest.approx(200) and tau == pytest.approx(1 / 600)
    # their logits - 1/(2 eta_code) equals h - eta/2
    assert 1 / (2 * 0.005) == pytest.approx(eta / 2)


def test_torch_loss_equals_numpy_loss():
    torch = pytest.importorskip("torch", reason="torch is the [llm] extra")
    from regretlab.preference import torch_loss

    rng = np.random.default_rng(0)
    arrs = {k: rng.normal(-3, 1, 64) for k in ["logp_w", "logp_l", "ref_w", "ref_l", "last_w", "last_l"]}
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in arrs.items()}
    for eta, tau in [(2.0, 0.1), (200.0, 1 / 600), (0.5, 0.0)]:
        assert float(torch_loss.inpo_loss(**t, eta=eta, tau=tau)) == pytest.approx(inpo_loss(**arrs, eta=eta, tau=tau), rel=1e-12)
    four = {k: arrs[k] for k in ["logp_w", "logp_l", "ref_w", "ref_l"]}
    t4 = {k: t[k] for k in four}
    assert float(torch_loss.dpo_loss(**t4, beta=0.1)) == pytest.approx(dpo_loss(**four, beta=0.1), rel=1e-12)
    assert float(torch_loss.ipo_loss(**t4, beta=0.1)) == pytest.approx(ipo_loss(**four, beta=0.1), rel=1e-12)
    with pytest.raises(ValueError, match="eta \\* tau"):
        torch_loss.inpo_loss(**t, eta=20.0, tau=0.1)


def test_loss_minimiser_is_closed_form_update():
    # spec §1.5 target 2: eta=2, tau=0.1, pi_t=(.5,.3,.2), 4e5 pairs -> L1 < 5e-3 to (★);
    # closed form (0.57834, 0.21548, 0.20618)
    game = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=0.1)
    last = np.array([0.5, 0.3, 0.2])
    closed = omd_step(game, last, 2.0)[0]
    np.testing.assert_allclose(closed, [0.57834, 0.21548, 0.20618], atol=1e-5)
    w, lo = sample_pairs(np.random.default_rng(0), CYCLIC_P, last, 400_000)
    fit = fit_tabular_inpo(w, lo, 3, last, CYCLIC_REF, 2.0, 0.1)
    assert np.abs(fit - closed).sum() < 5e-3


def test_loss_minimiser_error_shrinks_like_inverse_sqrt_n():
    game = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=0.1)
    last = np.array([0.5, 0.3, 0.2])
    closed = omd_step(game, last, 2.0)[0]
    err = {}
    for n in (4_000, 64_000):
        errs = [np.abs(fit_tabular_inpo(*sample_pairs(np.random.default_rng(s), CYCLIC_P, last, n), 3, last, CYCLIC_REF, 2.0, 0.1) - closed).sum() for s in range(30)]
        err[n] = np.sqrt(np.mean(np.square(errs)))
    # 16x the data -> error / 4 for a 1/sqrt(N) rate; allow a factor in [2.5, 6.5] for 30 seeds
    assert 2.5 < err[4_000] / err[64_000] < 6.5


def test_exact_expected_loss_minimiser_is_closed_form():
    # infinite data: weight each ordered pair by pi_t(y) pi_t(y') P[y, y'] (the IPO identity, spec §1.2)
    game = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=0.1)
    last = np.array([0.2, 0.5, 0.3])
    Y = 3
    w, lo, wt = [], [], []
    for a in range(Y):
        for b in range(Y):
            w.append(a), lo.append(b), wt.append(last[a] * last[b] * CYCLIC_P[a, b])
    # integer weights as repeated pairs
    reps = np.round(np.array(wt) * 1e6).astype(int)
    fit = fit_tabular_inpo(np.repeat(w, reps), np.repeat(lo, reps), Y, last, CYCLIC_REF, 2.0, 0.1)
    np.testing.assert_allclose(fit, omd_step(game, last, 2.0)[0], atol=1e-5)


def test_lambda_p_sampling_frequencies():
    P = np.array([[0.5, 0.9], [0.1, 0.5]])
    w, lo = sample_pairs(np.random.default_rng(1), P, [0.5, 0.5], 200_000)
    mixed = w != lo
    # among distinct pairs, response 0 wins with probability 0.9
    assert np.mean(w[mixed] == 0) == pytest.approx(0.9, abs=5e-3)


def test_tournament_pair_selection():
    # transitive strengths: the best and worst responses are chosen
    s = np.array([0.3, 2.0, -1.0, 0.5, 1.0, -2.0, 0.0, 1.5])
    M = 1 / (1 + np.exp(-(s[:, None] - s[None, :])))
    assert tournament_pair(8, M) == (1, 5)
    assert tournament_pair(8, lambda i, j: M[i, j]) == (1, 5)
    # odd K: byes; three responses 0 > 1 > 2
    M3 = np.array([[0.5, 0.8, 0.9], [0.2, 0.5, 0.7], [0.1, 0.3, 0.5]])
    assert tournament_pair(3, M3) == (0, 1)
    # a full tie has no strict winner over the loser: pair dropped
    assert tournament_pair(4, np.full((4, 4), 0.5)) is None
    with pytest.raises(TypeError, match="prefer"):
        tournament_pair(3, "abc")


def test_bad_eta_tau():
    with pytest.raises(ValueError, match="eta must be > 0"):
        inpo_loss(**PAIR, eta=0.0, tau=0.1)
    with pytest.raises(ValueError, match="eta must be > 0"):
        inpo_loss(**PAIR, eta=-1.0, tau=0.1)
    with pytest.raises(ValueError, match="eta \\* tau must be < 1"):
        inpo_loss(**PAIR, eta=10.0, tau=0.1)


def test_numpy_modules_do_not_import_torch():
    # the [llm] extra is optional: only the torch modules may import torch/transformers
    import subprocess
    import sys

    code = ("import sys; import regretlab.preference, regretlab.preference.loss, regretlab.preference.oracles, "
            "regretlab.preference.data, regretlab.preference.methods, regretlab.cli.preference, "
            "regretlab.experiments.inpo_omd, regretlab.experiments.preference_testbed, "
            "regretlab.experiments.inpo_loss, regretlab.experiments.inpo_toy; "
            "bad = [m for m in ('torch', 'transformers') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
