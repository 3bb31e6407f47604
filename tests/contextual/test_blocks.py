"""LinUCB's persistent inverses (regretlab.bandits.contextual._blocks): an update writes only the
played arm's block into a shared pool, yet every state keeps showing its own values, whatever is
done with the others (kept old states, branches, states dropped and reused rows)."""

from __future__ import annotations

import numpy as np

from regretlab.bandits.contextual import linucb
from regretlab.bandits.contextual._base import sherman_morrison_reference
from regretlab.core import Bandit, rng

B, K, D = 4, 3, 2


def _feedback(t, gen):
    a = gen.integers(0, K, size=B)
    x = gen.standard_normal((B, D))
    return a, x, Bandit(a, gen.random(B), np.ones(B), context=x)


def test_every_kept_state_shows_its_own_inverse():
    lin = linucb(dim=D)
    gen = np.random.default_rng(0)
    state = lin.init(rng.spawn_keys(0, B), K)
    kept = [(state, np.asarray(state.inverse).copy(), state.theta.copy())]
    want = np.asarray(state.inverse).copy()
    moment, theta = state.moment.copy(), state.theta.copy()
    for t in range(40):
        a, x, fb = _feedback(t, gen)
        new = lin.update(state, fb)
        # the same step on full arrays (NumPy reference, copied each round)
        want, moment, theta = sherman_morrison_reference(want, moment, theta, a, x, fb.reward)
        np.testing.assert_allclose(np.asarray(new.inverse), want, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(new.theta, theta, rtol=1e-12, atol=1e-14)
        if t % 3 == 0:  # keep some states alive: their rows must not be reused under them
            kept.append((new, np.asarray(new.inverse).copy(), new.theta.copy()))
        if t % 7 == 0:  # a branch from an older kept state
            old = kept[len(kept) // 2][0]
            lin.update(old, fb)
        state = new
    for s, inv, th in kept:
        np.testing.assert_array_equal(np.asarray(s.inverse), inv)
        np.testing.assert_array_equal(s.theta, th)


def test_branches_equal_and_updates_of_old_states_are_the_same_step():
    lin = linucb(dim=D)
    gen = np.random.default_rng(1)
    state = lin.init(rng.spawn_keys(3, B), K)
    history = [state]
    fbs = []
    for t in range(12):
        fbs.append(_feedback(t, gen)[2])
        history.append(lin.update(history[-1], fbs[-1]))
    # updating each old state again (a branch) gives the same next state as the first time
    for t in range(12):
        again = lin.update(history[t], fbs[t])
        assert again.inverse == history[t + 1].inverse
        np.testing.assert_array_equal(again.theta, history[t + 1].theta)
        p = lin.strategy(again, fbs[t].context)
        np.testing.assert_array_equal(p, lin.strategy(history[t + 1], fbs[t].context))
    assert np.asarray(history[0].inverse).shape == (B, K, D, D)
    np.testing.assert_array_equal(np.asarray(history[0].inverse), np.broadcast_to(np.eye(D), (B, K, D, D)))


def test_blocks_pickle_and_deepcopy_keep_the_values():
    import copy
    import pickle

    lin = linucb(dim=D)
    gen = np.random.default_rng(2)
    state = lin.init(rng.spawn_keys(1, B), K)
    for t in range(5):
        state = lin.update(state, _feedback(t, gen)[2])
    for other in (pickle.loads(pickle.dumps(state)), copy.deepcopy(state)):
        assert other.inverse == state.inverse
        x = gen.standard_normal((B, D))
        np.testing.assert_array_equal(lin.strategy(other, x), lin.strategy(state, x))


def test_screened_arm_choice_is_the_argmax_of_the_index():
    """LinUCB.strategy screens the arms on int16 shadows of the inverses with a rigorous error
    bound and scores exactly only the arms it cannot separate: its arm is np.argmax of index()
    (the first maximum) on random states, exact ties (arms given the same pulls), near ties, and
    ridges so large or small that the shadows are not used (scale outside their range), and
    contexts too small or large for the float32 screen."""
    gen = np.random.default_rng(5)
    b, k, d = 6, 4, 3
    for lam, alpha in ((1.0, 1.0), (0.3, 0.0), (2.0, 5.0), (1e-200, 1.0), (1e160, 1.0)):
        lin = linucb(dim=d, alpha=alpha, lam=lam)
        state = lin.init(rng.spawn_keys(4, b), k)
        for t in range(60):
            shared = t % 2 == 0
            x = gen.standard_normal((b, d) if shared else (b, k, d))
            want = np.argmax(lin.index(state, x), axis=1)
            np.testing.assert_array_equal(lin.strategy(state, x).argmax(axis=1), want, err_msg=f"lam={lam} t={t}")
            if t < 20:  # arms 0 and 1 get identical pulls: their scores tie exactly on shared features
                a = np.where(np.arange(b) % 2 == 0, t % 2, gen.integers(0, k, size=b))
                xs = np.broadcast_to(gen.standard_normal(d), (b, d)).copy()
                for arm in (0, 1):
                    fb = Bandit(np.where(a < 2, arm, a), np.full(b, 0.5), np.ones(b), context=xs)
                    state = lin.update(state, fb)
            else:
                a = gen.integers(0, k, size=b)
                state = lin.update(state, Bandit(a, gen.random(b), np.ones(b), context=x))
        for size in (1.0, 1e-20, 1e20):  # contexts so small or large that the float32 screen is skipped
            x = size * np.broadcast_to(gen.standard_normal(d), (b, d))
            ucb = lin.index(state, x)
            np.testing.assert_array_equal(lin.strategy(state, x).argmax(axis=1), np.argmax(ucb, axis=1))
