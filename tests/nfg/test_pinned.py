"""Pinned numbers: repeated play, fictitious play, replicator dynamics, independent Markov Hedge and
the nfg experiments give what their own loops gave before they became views of the one driver.

``pinned_dynamics.npz`` was written by the pre-driver implementation (commit 04cf63c: its own
round loops in ``dynamics.play``/``fictitious_play`` and ``markov.independent_hedge``) from
exactly the calls in ``CASES`` below and the demo configs of the experiments; every field of
every result is compared to 1e-12 (they are in fact bit-identical). One exception,
``fp_rps``: see ``test_fictitious_play_breaks_exact_ties_to_the_lowest_index``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from regretlab.core.types import Bandit
from regretlab.experts import hedge, regret_matching, swap
from regretlab.games.markov import independent_hedge, random_markov_game
from regretlab.games.normal_form import (
    fictitious_play, matching_pennies, optimistic_hedge_self_play, play, prisoners_dilemma,
    random_game, replicator_dynamics, rescale, rock_paper_scissors, self_play, shapley_game,
    zero_sum_game,
)

PINNED = np.load(Path(__file__).with_name("pinned_dynamics.npz"))


class _Exp3:
    """The minimal EXP3 the pinned bandit runs used (Auer et al. 2002)."""

    feedback = Bandit

    def __init__(self, lr):
        self.lr = lr

    def init(self, keys, k):
        return (0, np.zeros((len(keys), k)))

    def strategy(self, state, context=None):
        s = self.lr * state[1]
        e = np.exp(s - s.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        return 0.95 * p + 0.05 / p.shape[1]

    def update(self, state, fb):
        est = state[1].copy()
        est[np.arange(len(fb.action)), fb.action] += fb.reward / fb.prob
        return (state[0] + 1, est)


CASES = {
    "play_expected_3p": lambda: play(random_game([3, 2, 4], seed=11), hedge(horizon=300), 300, batch=3, seed=5,
                                     every=7),
    "play_realized_3p": lambda: play(random_game([3, 2, 2], seed=1), hedge(horizon=200), 200, batch=4, seed=3,
                                     mode="realized", every=50),
    "play_bandit": lambda: play(rescale(prisoners_dilemma()), _Exp3(0.05), 400, batch=3, seed=2, every=40),
    "play_mixed_names": lambda: play(random_game([3, 3], seed=4), ["hedge", "regret_matching"], 200, every=13),
    "play_swap": lambda: play(random_game([3, 3], seed=1), swap(hedge(horizon=200)), 200, batch=2, every=50),
    "play_realized_mixed_fb": lambda: play(random_game([2, 3], seed=9), [_Exp3(0.1), hedge(lr=0.2)], 150,
                                           batch=2, seed=1, every=30),
    "self_play": lambda: self_play(rescale(matching_pennies()), "hedge", T=300, learner_params={"horizon": 300},
                                   every=31, batch=2),
    "optimistic": lambda: optimistic_hedge_self_play(random_game([3, 3, 3], seed=7), 400, batch=2, every=100),
    "fp_zs": lambda: fictitious_play(zero_sum_game([3, 4], seed=2), 1500, batch=2, every=500),
    "fp_shapley": lambda: fictitious_play(shapley_game(), 1000, batch=3, seed=4, every=25),
    "fp_3p": lambda: fictitious_play(random_game([2, 3, 2], seed=3), 300, batch=2, seed=1, every=10),
    "rep_rps": lambda: replicator_dynamics(rock_paper_scissors(), 300, dt=0.02, batch=3, every=30),
    "rep_3p": lambda: replicator_dynamics(random_game([2, 3, 2], seed=3), 200, dt=0.05, batch=2, seed=1, every=20),
    "rep_init": lambda: replicator_dynamics(rescale(prisoners_dilemma()), 100, dt=0.04, batch=2,
                                            initial=[np.array([0.3, 0.7]), np.array([0.6, 0.4])]),
    "ih_default": lambda: independent_hedge(random_markov_game(2, 2, 3, 2, seed=0), 60, batch=2, seed=0),
    "ih_3p": lambda: independent_hedge(random_markov_game(3, 2, 2, [2, 3, 2], seed=1), 40, batch=2, seed=4,
                                       learner=hedge(schedule="anytime")),
    "ih_rm": lambda: independent_hedge(random_markov_game(2, 3, 2, 2, seed=2), 30, batch=1, seed=1,
                                       learner=regret_matching()),
}


def _fields(result) -> dict[str, np.ndarray]:
    out = {}
    for name in result._fields:
        value = getattr(result, name)
        if isinstance(value, list):
            out.update({f"{name}/{i}": np.asarray(a) for i, a in enumerate(value)})
        else:
            out[name] = np.asarray(value)
    return out


def _compare(prefix: str, got: dict[str, np.ndarray]) -> None:
    want = {k[len(prefix) + 1:]: PINNED[k] for k in PINNED.files if k.startswith(prefix + "/")}
    assert want and set(got) == set(want)
    for name, value in want.items():
        assert got[name].shape == value.shape, name
        if value.dtype.kind == "f":
            np.testing.assert_allclose(got[name], value, rtol=0, atol=1e-12, err_msg=f"{prefix}/{name}")
        else:
            np.testing.assert_array_equal(got[name], value, err_msg=f"{prefix}/{name}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_numbers_as_the_loops_before_the_driver(case):
    _compare(case, _fields(CASES[case]()))


@pytest.mark.parametrize("name", ["nfg_cce_gap", "nfg_markov_gaps", "nfg_markov_separation"])
def test_experiment_demos_give_the_pinned_rows(name):
    from regretlab.experiments import get_experiment

    e = get_experiment(name)
    rows = e.run(e.make_config(**e.demo), 0)
    _compare(f"exp:{name}", {k: np.asarray(v) for k, v in rows.items()})


def test_fictitious_play_breaks_exact_ties_to_the_lowest_index():
    # The old loop took argmax of u_i(·, counts / t) in floating point, so exact ties of a game with
    # integer payoffs were broken by rounding (e.g. RPS, round 7 of run 1: both leading values are
    # 1/6 and it picked the second), against its documented rule "ties go to the lowest index".
    # Follow-the-leader on whole-number cumulative utilities keeps every tie exact. Reference: the
    # same dynamics in integer arithmetic (first round drawn from the same key stream).
    game = rock_paper_scissors()
    res = fictitious_play(game, 2000, batch=3, every=100)
    from regretlab.core import rng

    pay = game.payoffs.astype(np.int64)  # [2, 3, 3], integers
    keys = rng.derive(rng.spawn_keys(0, 3), "action")
    acts = [rng.sample_actions(rng.derive(keys, 32 + i), 0, np.full((3, 3), 1 / 3)) for i in range(2)]
    counts = np.zeros((2, 3, 3), dtype=np.int64)  # [player, run, action]
    joint = np.zeros((3, 3, 3), dtype=np.int64)
    for _ in range(2000):
        for i in range(2):
            counts[i, np.arange(3), acts[i]] += 1
        joint[np.arange(3), acts[0], acts[1]] += 1
        acts = [np.argmax(counts[1] @ pay[0].T, axis=1), np.argmax(counts[0] @ pay[1], axis=1)]
    np.testing.assert_array_equal(res.joint, joint / 2000)
    # only the tie-breaking changed: generic games (no exact ties) keep their pinned numbers above
    assert not np.array_equal(res.joint, PINNED["fp_rps/joint"])
