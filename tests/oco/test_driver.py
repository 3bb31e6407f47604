"""The one driver with Gradient learners on OCO settings: batch independence, seeds, the ledger's
regret against a direct computation, dynamic regret, every setting, and one-line bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.core import FullInfo, rng
from regretlab.envs import gaussian
from regretlab.experts import hedge
from regretlab.metrics.oco import best_fixed, path_length
from regretlab.oco import (
    Ball,
    Simplex,
    ader,
    adversarial_linear,
    from_sequence,
    kt_vector,
    linear_losses,
    logistic_losses,
    oco_adagrad,
    oco_ogd,
    ons,
    optimistic_omd,
    portfolio,
    quadratic_losses,
    synthetic_classification,
    synthetic_price_relatives,
)
from regretlab.oco.settings import OCOSetting
from regretlab.run import run


def test_row_of_batched_run_equals_solo_run_and_seed_repeats():
    keys = rng.spawn_keys(3, 5)
    setting = quadratic_losses(3, "ball", noise=0.5)
    batched = run(oco_adagrad("ball"), setting, T=60, keys=keys, every=20)
    for b in (0, 4):
        solo = run(oco_adagrad("ball"), setting, T=60, keys=keys[b:b + 1], every=20)
        for name in batched.metrics:
            np.testing.assert_allclose(batched.metrics[name][:, b], solo.metrics[name][:, 0], rtol=1e-12, atol=1e-12)
    again = run(oco_adagrad("ball"), setting, T=60, keys=keys, every=20)
    for name in batched.metrics:
        np.testing.assert_array_equal(again.metrics[name], batched.metrics[name])
    assert batched.rounds.tolist() == [20, 40, 60]


@pytest.mark.parametrize("loss", ["linear", "quadratic", "logistic", "portfolio"])
def test_regret_equals_a_direct_computation(loss):
    """The ledger's regret is sum_t f_t(x_t) - min_u sum_t f_t(u), recomputed here from the played
    points (history) and the loss data the setting replays."""
    T, d = 30, 3
    gen = np.random.default_rng(1)
    if loss == "portfolio":
        data, domain, learner = {"r": gen.uniform(0.5, 1.5, (T, d))}, Simplex(), ons("simplex", G=6.0)
    elif loss == "logistic":
        a, y = synthetic_classification(T, d, seed=2)
        data, domain, learner = {"features": a, "label": y}, Ball(2.0), oco_ogd(Ball(2.0), G=3.0)
    elif loss == "quadratic":
        data, domain, learner = {"z": gen.normal(size=(T, d))}, Ball(1.0), oco_ogd("ball", G=4.0)
    else:
        data, domain, learner = {"c": gen.uniform(-1, 1, (T, d))}, Simplex(), oco_ogd("simplex", G=2.0)
    tr = run(learner, from_sequence(loss, data, domain), T=T, every=1, history=True)
    x = tr.strategies[:, 0]
    from regretlab.oco.losses import family

    fam = family(loss)
    rows = [{k: np.asarray(v[t], dtype=float)[None] if k not in ("a",) else np.ones(1) for k, v in data.items()}
            for t in range(T)]
    if loss == "quadratic":
        rows = [{**r, "a": np.ones(1)} for r in rows]
    played = np.cumsum([fam.value(r, x[t:t + 1])[0] for t, r in enumerate(rows)])
    np.testing.assert_allclose(tr.metrics["loss"][:, 0], played, rtol=1e-12, atol=1e-12)
    best, point = best_fixed(loss, rows, domain)
    np.testing.assert_allclose(tr.regret[-1, 0], played[-1] - best[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(tr.info["best_point"], point, atol=1e-7)


def test_dynamic_regret_against_the_settings_own_comparators_and_a_given_sequence():
    setting = quadratic_losses(2, "ball", noise=0.1, switch_every=25)
    tr = run(ader("ball", G=3.0, horizon=100), setting, T=100, batch=3, every=50)
    assert "dynamic_regret" in tr.metrics
    # the comparator sequence is the moving target: far better than the best fixed point
    assert (tr.metrics["best_loss"][-1] > tr.metrics["loss"][-1] - tr.metrics["dynamic_regret"][-1]).all()
    u = np.zeros((100, 2))
    given = run(ader("ball", G=3.0, horizon=100), setting, T=100, batch=3, every=50, comparators=u)
    z_loss = given.metrics["loss"][-1] - given.metrics["dynamic_regret"][-1]  # sum_t f_t(0)
    st = setting.init(rng.spawn_keys(0, 3))
    total = np.zeros(3)
    for _ in range(100):
        st, data = setting.step(st, np.zeros((3, 2)))
        total += setting.loss.value(data, np.zeros((3, 2)))
    np.testing.assert_allclose(z_loss, total, rtol=1e-12)
    assert path_length(np.zeros((5, 3, 2))).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "learner, setting",
    [
        (oco_ogd("ball"), linear_losses(3, "ball")),
        (oco_ogd("ball"), adversarial_linear(3, "ball")),
        (ons("simplex", G=4.0), portfolio(3)),
        (ons("simplex", G=4.0), portfolio(price_relatives=synthetic_price_relatives(50, 3, seed=1))),
        (oco_ogd("ball", G=2.0), logistic_losses(*synthetic_classification(40, 3), domain="ball")),
        (optimistic_omd("box", horizon=50), linear_losses(2, "box")),
        ("oco_ogd", quadratic_losses(2, "ball")),
    ],
    ids=["linear", "adversarial", "portfolio", "portfolio-replay", "logistic", "box", "by-name"],
)
def test_every_setting_runs_with_sublinear_average_regret(learner, setting):
    tr = run(learner, setting, T=50, batch=2, every=10)
    assert tr.regret.shape == (5, 2) and np.isfinite(tr.regret).all()
    assert tr.final_strategy.shape == (2, setting.dim)
    assert (tr.final() <= 1.5 * setting.domain.diameter(setting.dim) * 6.0 * 50 ** 0.5).all()
    rows = tr.to_rows()
    assert len(rows["regret"]) == 10 and {"loss", "best_loss"} <= set(rows)


def test_the_adversary_makes_ogd_pay_but_not_linearly():
    tr = run(oco_ogd("ball"), adversarial_linear(3, "ball"), T=400, batch=2, every=100)
    assert (tr.final() > 0).all() and (tr.final() <= 1.5 * 2.0 * 400 ** 0.5).all()


class _BrokenGradients(OCOSetting):
    """A setting whose gradient goes NaN in round 3."""

    name = "broken"

    def __init__(self):
        self.domain, self.dim = Ball(1.0), 2
        from regretlab.oco.losses import LINEAR

        self.loss = LINEAR

    def round_data(self, state, x):
        value = np.nan if state.t == 2 else 0.5
        return {"c": np.full(x.shape, value)}


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: run(oco_ogd("ball"), portfolio(3), T=5), ValueError,
         r"domain mismatch: learner 'oco_ogd' plays in Ball\(radius=1\), but the setting's losses are on Simplex\(\)"),
        (lambda: run(ons(Simplex(4)), portfolio(3), T=5), ValueError, "domain mismatch"),
        (lambda: run(oco_ogd("ball"), gaussian(2), T=5), TypeError, "takes Gradient feedback, which"),
        (lambda: run(hedge(lr=0.1), linear_losses(2), T=5), TypeError,
         "is an OCO setting .it gives Gradient feedback.; learner .* takes FullInfo"),
        (lambda: run("oco_ogd", gaussian(2), T=5), TypeError, "takes Gradient feedback, which"),
        (lambda: run([oco_ogd(), oco_ogd()], linear_losses(2), T=5), ValueError, "has one player"),
        (lambda: run(oco_ogd(), linear_losses(2), T=5, swap=True), ValueError, "an OCO run has none"),
        (lambda: run(oco_ogd(), linear_losses(2), T=5, comparators=np.zeros((4, 2))), ValueError,
         r"comparators must be finite, shape \[T, D\] = \[5, 2\]"),
        (lambda: run(hedge(lr=0.1), gaussian(2), T=5, comparators=np.zeros((5, 2))), ValueError,
         "comparators .* needs an OCO setting"),
        (lambda: run(oco_ogd(), _BrokenGradients(), T=5), ValueError,
         "returned an invalid loss or gradient at round 3"),
        (lambda: run(kt_vector("ball"), linear_losses(3, "ball"), T=5), ValueError,
         r"\|\|feedback.grad\|\|_2 must be <= G = 1 .*make the learner with a larger G"),
        (lambda: oco_ogd("ball", lr=-1.0), ValueError, "lr must be > 0"),
        (lambda: oco_ogd("ball", G=0.0), ValueError, "G must be > 0"),
        (lambda: oco_ogd("ball", schedule="fixed"), ValueError, "needs lr > 0 or horizon"),
        (lambda: oco_ogd("reals"), ValueError, "oco_ogd needs a bounded domain"),
        (lambda: ons("reals"), ValueError, "ons needs a bounded domain"),
        (lambda: oco_ogd(Ball(0.0)), ValueError, "radius must be > 0, got 0.0"),
        (lambda: linear_losses(3, Ball(-2.0)), ValueError, "radius must be > 0"),
        (lambda: optimistic_omd("ball", regularizer="entropy", lr=0.1), ValueError, "needs the simplex as domain"),
        (lambda: from_sequence("hinge", {"c": np.zeros((2, 2))}), ValueError, "loss must be one of"),
        (lambda: from_sequence("linear", {"z": np.zeros((2, 2))}), ValueError, "needs the key 'c'"),
        (lambda: from_sequence("linear", {"c": [[0.0, np.inf]]}), ValueError, r"data\['c'\] must be finite"),
        (lambda: run(oco_ogd(), from_sequence("linear", {"c": np.zeros((2, 2))}), T=3), ValueError,
         "the sequence has 2 rounds; cannot play round 3"),
        (lambda: logistic_losses(np.zeros((3, 2)), [0, 1, 2]), ValueError, "labels must be 0/1 or -1/"),
        (lambda: logistic_losses(np.zeros((3, 2)), [0, 1]), ValueError, r"labels must have shape \[3\]"),
        (lambda: portfolio(price_relatives=[[1.0, 0.0]]), ValueError, "price_relatives must be positive"),
        (lambda: quadratic_losses(2, switch_every=0), ValueError, "switch_every must be an integer >= 1"),
    ],
)
def test_bad_input_is_a_one_line_error_naming_the_argument(call, err, match):
    with pytest.raises(err, match=match) as info:
        call()
    assert "\n" not in str(info.value)


def test_hints_of_the_wrong_dimension_are_refused():
    learner = optimistic_omd("ball", lr=0.1)
    state = learner.init(rng.spawn_keys(0, 2), 3)
    with pytest.raises(ValueError, match=r"context \(the hint M_t\) must have shape \[B, D\] = \[2, 3\], got shape \[2, 2\]"):
        learner.strategy(state, np.zeros((2, 2)))
    exact = learner.strategy(state, np.ones((2, 3)))
    assert Ball(1.0).contains(exact).all() and exact[0, 0] > 0


def test_existing_settings_are_untouched_by_the_oco_path():
    tr = run(hedge(lr=0.3), gaussian(3), T=50, batch=2, every=25)
    assert set(tr.metrics) == {"regret", "realized_regret", "utility", "best_utility"}
    assert FullInfo is not None
