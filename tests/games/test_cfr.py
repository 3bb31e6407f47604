"""The CFR family: compiled sweep vs NumPy reference, reference values, convergence bounds."""

import numpy as np
import pytest

from regretlab.games.cfr import (
    cfr, cfr_plus, dcfr, delayed, discounted, linear, linear_cfr, make_solver, pcfr_plus,
    polynomial, predictive, regret_matching, regret_matching_plus, uniform, vanilla_cfr,
)
from regretlab.games.evaluation import expected_value, nash_conv
from regretlab.games.poker import kuhn_poker, leduc_poker

PRESETS = [vanilla_cfr, cfr_plus, linear_cfr, dcfr, pcfr_plus]


@pytest.mark.parametrize("make", PRESETS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("updates", ["alternating", "simultaneous"])
@pytest.mark.parametrize("game", [kuhn_poker(), kuhn_poker(3), leduc_poker()], ids=lambda g: g.name)
def test_numba_matches_numpy_reference(make, updates, game):
    # The NumPy reference sums in another order; CFR's dynamics amplify rounding (Leduc's DCFR
    # reaches 1e-6 after 60 iterations), so Leduc is compared after 3 iterations only. The
    # fused kernels against the general path on the same sweep: tests/games/test_local_rules.py.
    its = 3 if game.num_infosets > 100 else 20
    solver = make(updates=updates, backend="numpy")
    b = solver.to_arrays(solver.solve(game, its), game)
    for backend in ("numba", "numba_nodes"):
        solver = make(updates=updates, backend=backend)
        a = solver.to_arrays(solver.solve(game, its), game)
        for k in a:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-9, atol=1e-9, err_msg=k)
        assert a["t"] == b["t"] == its


def test_kuhn_value_minus_one_eighteenth():
    # OpenSpiel cfr_test.py (spec §9.3.1): average policies of CFR after 300 iterations and
    # CFR+ after 200 iterations have value -1/18 for player 1 within 1e-3.
    g = kuhn_poker()
    for solver, its in [(vanilla_cfr(), 300), (cfr_plus(), 200)]:
        st = solver.solve(g, its)
        v = expected_value(g, solver.average_policy(st, g))
        assert abs(v[0] + 1 / 18) < 1e-3
        assert v.sum() == pytest.approx(0.0, abs=1e-12)


def test_kuhn_cfr_convergence_curve():
    # Spec §9.3.2 targets: NashConv(CFR, 1e4) < 6e-3 and the log-log slope over the last two
    # decades in [-0.65, -0.4] (O(1/sqrt(T)) bound, Zinkevich et al. 2007). The spec's curve
    # (0.131/0.0467/0.0130/0.00427) is reproduced by *simultaneous* updates (we measure
    # 0.192/0.0513/0.0145/0.00464); alternating updates (OpenSpiel's CFRSolver, which we match
    # exactly) converge faster, slope about -0.93, so for them only the upper bound is asserted.
    g = kuhn_poker()
    for updates, lo in [("simultaneous", -0.65), ("alternating", -2.0)]:
        s = vanilla_cfr(updates=updates)
        st = s.init(g)
        curve = {}
        for T in [100, 1000, 10000]:
            st = s.update(st, g, T - st.t)
            curve[T] = nash_conv(g, s.average_policy(st, g))
        assert curve[10000] < 6e-3
        slope = np.polyfit(np.log10(list(curve)), np.log10(list(curve.values())), 1)[0]
        assert lo <= slope <= -0.4, (updates, curve)
        assert abs(expected_value(g, s.average_policy(st, g))[0] + 1 / 18) < 1e-3


def test_leduc_cfr_plus_1000_iterations():
    # Spec §9.3.3 target: NashConv after 1,000 CFR+ iterations < 0.05.
    g = leduc_poker()
    s = cfr_plus()
    st = s.solve(g, 1000)
    assert nash_conv(g, s.average_policy(st, g)) < 0.05


@pytest.mark.parametrize("make", PRESETS, ids=lambda f: f.__name__)
def test_every_preset_converges_on_leduc(make):
    # All members of the family are no-regret (CFR bound R^T <= Delta |I| sqrt(A) sqrt(T)), so
    # the average's NashConv falls well below the uniform policy's 4.747 in 300 iterations.
    g = leduc_poker()
    s = make()
    st = s.solve(g, 300)
    assert nash_conv(g, s.average_policy(st, g)) < 0.1


def test_three_player_kuhn_regret_per_iteration_vanishes():
    # Spec §9.3.4: with 3 players CFR only guarantees vanishing average regret. Measured as each
    # player's best-response gain against the average of the others: it must shrink with T.
    g = kuhn_poker(3)
    s = vanilla_cfr()
    st = s.solve(g, 100)
    early = nash_conv(g, s.average_policy(st, g))
    st = s.update(st, g, 900)
    late = nash_conv(g, s.average_policy(st, g))
    assert late < early / 2


def test_update_is_pure_and_resumable():
    g = leduc_poker()
    s = cfr_plus()
    st0 = s.init(g)
    st1 = s.update(st0, g, 5)
    assert st0.t == 0 and not s.to_arrays(st0, g)["regret"].any() and not st0.cumulative.any()
    both = s.to_arrays(s.update(st1, g, 7), g)
    once = s.to_arrays(s.update(st0, g, 12), g)
    for k in both:
        np.testing.assert_array_equal(both[k], once[k])


def test_composition_and_bad_arguments():
    s = cfr(local=predictive(discounted(1.5, 0.0)), averaging=delayed(10), updates="simultaneous")
    rule = s.fused_rule  # a built-in rule: the fused kernel runs it
    assert rule.predictive and not rule.floor and rule.scales(np.array([2.0]))[0][0] == 2**1.5 / (2**1.5 + 1)
    assert s.averaging.weights(np.array([5.0, 15.0])).tolist() == [0, 5]
    assert polynomial(2).weights(np.array([3.0]))[0] == 9.0
    assert linear().weights(np.array([4.0]))[0] == 4.0 and uniform().weights(np.array([4.0]))[0] == 1.0
    assert cfr(local=regret_matching_plus()).fused_rule.floor and not cfr().fused_rule.floor
    with pytest.raises(ValueError, match="updates"):
        cfr(updates="both")
    with pytest.raises(TypeError, match="local"):
        cfr(local="rm+")
    from regretlab.core.types import Bandit

    class BanditLearner:  # a bandit learner cannot be a local rule (CFR sees every action's value)
        feedback = Bandit
        init = strategy = update = staticmethod(lambda *a: None)

    with pytest.raises(TypeError, match="local must be a full-information"):
        cfr(local=BanditLearner())
    with pytest.raises(ValueError, match="algo"):
        make_solver("cfr++")
    with pytest.raises(ValueError, match="iterations"):
        vanilla_cfr().solve(kuhn_poker(), -1)
    with pytest.raises(ValueError, match="another game"):
        cfr_plus().update(cfr_plus().init(kuhn_poker()), leduc_poker(), 1)
