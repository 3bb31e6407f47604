"""The harness on the one driver gives the numbers its own loops gave (pinned before the change).

``pinned_values.json`` holds fingerprints (size, NaN count, sum, position-weighted sum, sum of
squares) of every ``agents_*`` experiment's demo rows and of harness traces, computed with the
loops of ``harness.play`` / ``harness.play_game`` as they were before ``run`` drove them.
Equal to 1e-12 (relative, per element).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from regretlab.agents import CallableAgent, LearnerAgent, play, play_game
from regretlab.agents.settings import exp3
from regretlab.envs import adaptive, alternating, gaussian
from regretlab.experiments import get_experiment
from regretlab.experts import ftl, hedge
from regretlab.games.normal_form import random_game

PINNED = json.loads((Path(__file__).parent / "pinned_values.json").read_text())


def _fp(values):
    v = np.asarray(values, dtype=np.float64).ravel()
    w = np.arange(1, v.size + 1) / max(v.size, 1)
    nan = np.isnan(v)
    z = np.where(nan, 0.0, v)
    return [int(v.size), int(nan.sum()), float(z.sum()), float((z * w).sum()), float((z * z).sum())]


def _same(got, want, what):
    assert got[:2] == want[:2], f"{what}: size/NaNs {got[:2]} != {want[:2]}"
    scale = max(1.0, abs(want[4]) ** 0.5)
    assert np.allclose(got[2:], want[2:], rtol=1e-12, atol=1e-12 * got[0] * scale), f"{what}: {got} != {want}"


@pytest.mark.parametrize("name", sorted(PINNED["experiments"]))
def test_agent_experiment_demo_rows_are_unchanged(name):
    if name == "agents_transformer":
        pytest.importorskip("torch", reason="the [llm] extra provides torch")
    exp = get_experiment(name)
    rows = exp.run(exp.make_config(**exp.demo), 0)
    sel = slice(None)
    if name == "agents_transformer":  # the trained model's rows depend on torch; the baselines' must not change
        sel = np.asarray(rows["learner"]) != "transformer"
    for col, want in PINNED["experiments"][name].items():
        _same(_fp(np.asarray(rows[col])[sel]), want, f"{name}.{col}")


def _traces():
    from regretlab.core import learners

    yield "hedge_gauss", play(hedge(horizon=50), gaussian(num_actions=3), T=50, batch=3, seed=4)
    yield "exp3_bandit", play(exp3(60, 3), gaussian(num_actions=3), T=60, batch=3, seed=1, feedback="bandit")
    yield "hedge_adaptive_bandit", play("hedge", adaptive(), T=40, batch=2, feedback="bandit", seed=3)
    yield "exp3ix_bandit", play(LearnerAgent(learners.make("exp3_ix", horizon=40, reward_range=(-1.0, 0.0))),
                                gaussian(num_actions=2), T=40, batch=2, feedback="bandit", seed=2)
    yield "callable", play(CallableAgent(lambda h: np.full(2, 0.5) if h.t == 0 else np.array([0.3, 0.7])),
                           alternating(), T=10, batch=2)
    g = random_game([3, 3], seed=3)
    for fb in ("realized", "expected"):
        yield f"game_{fb}", play_game(["hedge", "hedge"], g, T=40, batch=2, feedback=fb, every=7, seed=2)
    yield "game3", play_game(["hedge", "regret_matching", LearnerAgent(ftl())], random_game(2, num_players=3, seed=0),
                             T=30, batch=2, seed=1)
    yield "game_bandit", play_game([LearnerAgent(learners.make("exp3_ix", horizon=50, reward_range=(0.0, 1.0))),
                                    LearnerAgent(learners.make("ucb1", reward_range=(0.0, 1.0)))],
                                   random_game(3, num_players=2, seed=1), T=50, batch=2, seed=0)


def test_harness_traces_are_unchanged():
    for name, tr in _traces():
        want = PINNED["traces"][name]
        if name.startswith("game"):
            got = {"regret": tr.regret, "cce": tr.cce_gap, "joint": tr.joint,
                   "strategies": np.concatenate([s.ravel() for s in tr.strategies]),
                   "rr": tr.realized_regret, "actions": tr.actions}
        else:
            got = {"regret": tr.regret, "strategies": tr.strategies, "losses": tr.losses, "actions": tr.actions}
        for key, fp in want.items():
            _same(_fp(got[key]), fp, f"{name}.{key}")
