"""CFR's local rule is any experts learner (DESIGN.md, "One library"): the fused kernels of the
built-in rules equal the general path, other learners run and converge, a learner written in a
new module works as a local rule, MCCFR takes the same rules, and games stay immutable."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from regretlab.core import FullInfo, rng
from regretlab.experts import (
    adahedge, discounted_regret_matching, hedge, optimistic, regret_matching, regret_matching_plus, swap,
)
from regretlab.experts.regret_matching import RegretMatchingPlus
from regretlab.experts.sleeping import sleeping_ada_normal_hedge
from regretlab.games.cfr import (
    cfr, cfr_plus, dcfr, linear, linear_cfr, pcfr_plus, polynomial, predictive, vanilla_cfr,
)
from regretlab.games.evaluation import nash_conv
from regretlab.games.mccfr import mccfr
from regretlab.games.poker import kuhn_poker, leduc_poker

GAMES = [kuhn_poker(), leduc_poker(), kuhn_poker(3)]
PRESETS = [vanilla_cfr, cfr_plus, linear_cfr, dcfr, pcfr_plus,
           # other hyperparameters of the built-ins are fused too
           lambda **kw: dcfr(alpha=1.0, beta=0.5, gamma=1.0, **kw),
           lambda **kw: cfr(predictive(discounted_regret_matching(2.0, -1.0)), polynomial(3.0), **kw)]
PRESET_IDS = ["cfr", "cfr+", "linear_cfr", "dcfr", "pcfr+", "dcfr(1,0.5,1)", "predictive-dcfr"]


def _arrays(solver, state, game):
    return solver.to_arrays(state, game)


# -- 1. the fused kernels are compiled specialisations of the general path ---------------------


@pytest.mark.parametrize("backend", ["numba", "numba_nodes"])  # public-tree layout / per history
@pytest.mark.parametrize("updates", ["alternating", "simultaneous"])
@pytest.mark.parametrize("make", PRESETS, ids=PRESET_IDS)
@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_fused_kernel_equals_general_path(game, make, updates, backend):
    # The general path feeds regret matching FullInfo(cfv, awake=legal); its u - <sigma, u> is
    # CFR's regret. Same sweep, same sums: equal to 1e-12 (in fact bit for bit) after 60
    # iterations, where different summation orders drift apart (Leduc DCFR: 1e-6).
    fused = make(updates=updates, backend=backend)
    general = make(updates=updates, backend=backend, fused=False)
    assert fused.fused_rule is not None and general.fused_rule is None
    a = _arrays(fused, fused.solve(game, 60), game)
    b = _arrays(general, general.solve(game, 60), game)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-12, err_msg=k)


def test_fused_state_is_the_learners_state():
    # The fused kernel reads and writes the learners' own states: a run may switch paths midway.
    g = leduc_poker()
    fused, general = pcfr_plus(), pcfr_plus(fused=False)
    mixed = general.update(fused.update(fused.init(g), g, 20), g, 20)
    mixed = fused.update(mixed, g, 20)
    whole = general.solve(g, 60)
    for k, v in _arrays(fused, mixed, g).items():
        np.testing.assert_allclose(v, _arrays(fused, whole, g)[k], rtol=1e-12, atol=1e-12, err_msg=k)
    # player p's state is the learner's: signal [I_p, A] = the regrets of p's information sets
    rows = np.flatnonzero(g.infoset_player == 1)
    np.testing.assert_array_equal(whole.local[1].base.signal, _arrays(fused, whole, g)["regret"][rows])
    # t [I_p]: the per-run round counter of an experts learner, one per information set
    for st in (whole.local[1], mixed.local[1]):
        assert st.t.shape == (rows.size,) and st.t.dtype == np.int64 and (st.t == 60).all()
        assert st.base.t.shape == (rows.size,) and (st.base.t == 60).all()


def test_which_rules_are_fused():
    assert cfr(local=regret_matching_plus(), averaging=linear()).fused_rule.floor  # CFR+
    assert cfr(local=optimistic(regret_matching_plus())).fused_rule.predictive  # PCFR+
    assert cfr(local=discounted_regret_matching(1.5, 0.0)).fused_rule.discounts(2) == (
        2**1.5 / (2**1.5 + 1), 0.5)  # DCFR's alpha, beta

    class Tweaked(RegretMatchingPlus):  # a subclass may change the rule: never fused
        pass

    for rule in (hedge(lr=0.1), adahedge(), swap(regret_matching()), optimistic(hedge(lr=0.1)), Tweaked()):
        assert cfr(local=rule).fused_rule is None
    assert cfr(backend="numpy").fused_rule is None  # the reference backend is the general path
    assert mccfr().fused_rule is not None and mccfr(local=regret_matching_plus()).fused_rule is None


# -- 2. any experts learner is a local rule ------------------------------------------------------


RULES = {
    "hedge": lambda: hedge(lr=0.5),
    "adahedge": adahedge,
    "swap(regret_matching)": lambda: swap(regret_matching()),
    "optimistic(hedge)": lambda: optimistic(hedge(lr=0.5)),
    "sleeping_ada_normal_hedge": lambda: sleeping_ada_normal_hedge(),  # reads the awake mask itself
}


@pytest.mark.parametrize("name", list(RULES))
@pytest.mark.parametrize("game", GAMES[:2], ids=lambda g: g.name)
def test_other_learners_run_and_converge(game, name):
    # Measured NashConv at 30 / 300 iterations: Kuhn hedge 0.33/0.047, adahedge 0.061/0.0059,
    # swap(rm) 0.073/0.0084, optimistic hedge 0.31/0.037, sleeping AdaNormalHedge 0.12/0.021;
    # Leduc 3.9/1.3, 0.33/0.045, 0.61/0.072, 3.8/1.3, 2.0/0.36 (uniform policy: 0.917 and 4.747).
    s = cfr(local=RULES[name]())
    st = s.solve(game, 30)
    early = nash_conv(game, s.average_policy(st, game))
    st = s.update(st, game, 270)
    late = nash_conv(game, s.average_policy(st, game))
    assert late < early / 2.5
    # the strategies never leave the legal actions (the learners see K = A with an awake mask)
    assert (st.strategy[~game.legal_mask] == 0).all()
    np.testing.assert_allclose(st.strategy.sum(axis=1), 1.0, atol=1e-12)


def test_awake_mask_equals_the_learner_on_the_legal_actions():
    # A learner given K = 3 with the third action asleep plays exactly like one given K = 2
    # (AdaHedge is not in the list: its rate ln K / Delta depends on K, so it is only no-regret).
    keys = rng.spawn_keys(0, 4)
    awake = np.array([[True, True, False]] * 4)
    utility = np.random.default_rng(1).normal(size=(30, 4, 3))
    for make in (regret_matching, regret_matching_plus, lambda: discounted_regret_matching(1.5, 0.0),
                 lambda: optimistic(regret_matching_plus()), lambda: hedge(lr=0.3),
                 lambda: swap(regret_matching())):
        big, small = make(), make()
        sb, ss = big.init(keys, 3), small.init(keys, 2)
        for u in utility:
            pb, ps = big.strategy(sb, awake), small.strategy(ss)
            assert (pb[:, 2] == 0).all()
            np.testing.assert_allclose(pb[:, :2], ps, rtol=1e-12, atol=1e-14)
            sb = big.update(sb, FullInfo(u, awake=awake))
            ss = small.update(ss, FullInfo(u[:, :2]))


# -- 3. a learner written in a new module -------------------------------------------------------


GREEDY_SOFTMAX = '''
"""A new experts learner in its own module: softmax of the cumulative regret, sharpening with t."""
from typing import NamedTuple

import numpy as np

from regretlab.core.registry import register
from regretlab.core.types import FullInfo


class GreedySoftmaxState(NamedTuple):
    t: int  # rounds played
    key: np.ndarray  # [B] run keys (unused: deterministic)
    regret: np.ndarray  # [B, K] cumulative regret R = sum_t (u_t - <p_t, u_t>)


class GreedySoftmax:
    """p_t ∝ exp(lr sqrt(t) R / (1 + max|R|)): greedier as t grows. Ignores awake masks."""

    feedback = FullInfo
    name = "greedy_softmax"

    def __init__(self, lr=2.0):
        self.lr = float(lr)

    def init(self, keys, num_actions):
        keys = np.asarray(keys, dtype=np.uint64)
        return GreedySoftmaxState(0, keys, np.zeros((keys.size, num_actions)))

    def strategy(self, state, context=None):
        r = state.regret
        z = self.lr * np.sqrt(state.t + 1) * r / (1.0 + np.abs(r).max(axis=1, keepdims=True))
        w = np.exp(z - z.max(axis=1, keepdims=True))
        return w / w.sum(axis=1, keepdims=True)

    def update(self, state, feedback):
        u = np.asarray(feedback.utility, dtype=np.float64)
        p = self.strategy(state)
        r = u - (p * u).sum(axis=1, keepdims=True)
        return GreedySoftmaxState(state.t + 1, state.key, state.regret + r)


@register("greedy_softmax", family="experts", test_params=[{}, {"lr": 0.5}])
def greedy_softmax(lr=2.0):
    """Greedy softmax of cumulative regret (a test learner)."""
    return GreedySoftmax(lr)
'''


@pytest.fixture
def greedy_module(tmp_path, monkeypatch):
    from regretlab.core.registry import learners

    learners.names()  # the built-ins first, so the snapshot below holds them
    monkeypatch.setattr(learners, "_entries", dict(learners._entries))  # restored afterwards
    path = tmp_path / "greedy_softmax_rule.py"
    path.write_text(textwrap.dedent(GREEDY_SOFTMAX))
    spec = importlib.util.spec_from_file_location("greedy_softmax_rule", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "greedy_softmax_rule", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("game", GAMES[:2], ids=lambda g: g.name)
def test_a_new_learner_module_is_a_local_rule(greedy_module, game):
    from regretlab.core.registry import learners

    assert "greedy_softmax" in learners.names("experts")
    rule = learners.make("greedy_softmax")
    assert isinstance(rule, greedy_module.GreedySoftmax)
    s = cfr(local=rule, averaging=linear())
    assert s.fused_rule is None and s.name == "cfr[greedy_softmax,linear,alternating]"
    curve = []
    st = s.init(game)
    for T in (10, 100, 300):
        st = s.update(st, game, T - st.t)
        curve.append(nash_conv(game, s.average_policy(st, game)))
    # measured: Kuhn 0.199 / 0.0387 / 0.00736, Leduc 2.63 / 0.56 / 0.217 (uniform: 0.917, 4.747)
    assert curve[0] > curve[1] > curve[2] and curve[2] < curve[0] / 5, curve
    assert (st.strategy[~game.legal_mask] == 0).all()  # it ignores awake: the solver masks
    # MCCFR takes it too (measured at 50 / 1,000 iterations: Kuhn 0.256 / 0.0522, Leduc 5.11 / 2.66)
    m = mccfr("external", seed=2, local=rule)
    early = m.solve(game, 50)
    late = m.update(early, game, 950)
    assert nash_conv(game, m.average_policy(late, game)) < nash_conv(game, m.average_policy(early, game))


# -- 4. MCCFR takes the same local rules -------------------------------------------------------


@pytest.mark.parametrize("sampling", ["external", "outcome"])
@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_mccfr_fused_regret_matching_equals_general_path(game, sampling):
    # External sampling: the same numbers bit for bit; outcome sampling computes the sampled
    # regret of the sampled action as W (pi(ha->z) - pi(h->z)) in the fused loop, W pi(ha->z) -
    # sigma W pi(ha->z) in the general path: equal to rounding.
    fused, general = mccfr(sampling, seed=3), mccfr(sampling, seed=3, fused=False)
    a = fused.to_arrays(fused.solve(game, 200), game)
    b = fused.to_arrays(general.solve(game, 200), game)
    tol = 0.0 if sampling == "external" else 1e-9
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=tol, atol=tol, err_msg=k)


@pytest.mark.parametrize("sampling", ["external", "outcome"])
def test_mccfr_with_other_local_rules_converges(sampling):
    # Kuhn; measured NashConv at 200 / 4,000 iterations (seed 1): external RM+ 0.0902 / 0.0352,
    # anytime Hedge 0.142 / 0.0249; outcome RM+ 0.354 / 0.156, Hedge 0.297 / 0.0351.
    g = kuhn_poker()
    for rule in (regret_matching_plus(), hedge(schedule="anytime")):
        s = mccfr(sampling, seed=1, local=rule)
        st = s.solve(g, 200)
        early = nash_conv(g, s.average_policy(st, g))
        st = s.update(st, g, 3800)
        assert nash_conv(g, s.average_policy(st, g)) < early / 1.5, (sampling, rule)
    # resumable: blocks give the same numbers as one run
    s = mccfr(sampling, seed=4, local=hedge(lr=0.2))
    a = s.update(s.solve(g, 40), g, 60)
    b = s.solve(g, 100)
    np.testing.assert_array_equal(a.cumulative, b.cumulative)


# -- 5. games are immutable; solver scratch lives in the solver state ---------------------------


def _snapshot(game):
    return {k: v.copy() for k, v in vars(game).items() if isinstance(v, np.ndarray)}


@pytest.mark.parametrize("game", [kuhn_poker(), leduc_poker()], ids=lambda g: g.name)
def test_two_solvers_on_one_game_do_not_affect_each_other(game):
    before = _snapshot(game)
    solvers = [cfr_plus(), vanilla_cfr(updates="simultaneous"), cfr(local=hedge(lr=0.5)),
               cfr_plus(backend="numba_nodes"), mccfr("outcome", seed=1)]
    solo = [s.solve(game, 30) for s in solvers]
    states = [s.init(game) for s in solvers]
    for _ in range(3):  # interleaved blocks on the same (shared, cached) game
        states = [s.update(st, game, 10) for s, st in zip(solvers, states)]
    for s, a, b in zip(solvers, solo, states):
        np.testing.assert_array_equal(a.cumulative, b.cumulative)
        np.testing.assert_array_equal(s.average_policy(a, game), s.average_policy(b, game))
    # the game's arrays are read-only and unchanged; meta memoises read-only derived arrays only
    for k, v in before.items():
        assert not getattr(game, k).flags.writeable, k
        np.testing.assert_array_equal(getattr(game, k), v, err_msg=k)
    with pytest.raises(ValueError, match="read-only"):
        game.utilities[0, 0] = 1.0

    def arrays(x):
        if isinstance(x, np.ndarray):
            yield x
        elif isinstance(x, dict):
            for v in x.values():
                yield from arrays(v)
        elif isinstance(x, (tuple, list)):
            for v in x:
                yield from arrays(v)
        elif hasattr(x, "__dict__"):
            yield from arrays(vars(x))

    assert all(not a.flags.writeable for a in arrays(game.meta)), list(game.meta)
    # built-in games come from one cache: every caller gets this very object
    assert (kuhn_poker() if game.name == "kuhn_poker" else leduc_poker()) is game


def test_checkpoint_arrays_round_trip_and_refuse_other_rules():
    g = kuhn_poker()
    for s in (pcfr_plus(), dcfr()):
        st = s.solve(g, 25)
        again = s.from_arrays(g, **s.to_arrays(st, g))
        np.testing.assert_array_equal(s.update(again, g, 5).cumulative, s.update(st, g, 5).cumulative)
    with pytest.raises(ValueError, match="flat-array state"):
        cfr(local=hedge(lr=0.1)).to_arrays(cfr(local=hedge(lr=0.1)).init(g), g)


def test_games_package_draws_nothing():
    # figures live in regretlab.plot (the solver returns curves); games/ never imports matplotlib
    import regretlab.games

    root = Path(regretlab.games.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if "matplotlib" in p.read_text()]
    assert offenders == []
