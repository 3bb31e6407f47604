"""One library (issue "One library", Show): a new experts learner written in a temporary module
of about 30 lines, with no registration edit anywhere else, is picked up by the experts
conformance suite, runs as a CFR local rule on Kuhn and Leduc (NashConv falls with iterations)
and plays normal-form self-play through the one driver."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).parents[2]

MODULE = textwrap.dedent('''
    """A new experts learner: softmax of cumulative utility at temperature sqrt(t + 1)."""
    from typing import NamedTuple

    import numpy as np

    from regretlab.core import FullInfo, register
    from regretlab.core.simplex import softmax


    class TemperedState(NamedTuple):
        t: np.ndarray  # [B] rounds seen
        total: np.ndarray  # [B, K] cumulative utilities


    class Tempered:
        feedback = FullInfo
        name = "tmp_tempered"

        def __init__(self, scale: float = 1.0) -> None:
            self.scale = float(scale)

        def init(self, keys, num_actions):
            b = len(keys)
            return TemperedState(np.zeros(b, dtype=np.int64), np.zeros((b, num_actions)))

        def strategy(self, state, context=None):
            return softmax(self.scale * state.total / np.sqrt(state.t + 1.0)[:, None])

        def update(self, state, feedback):  # a run with every expert asleep does not move
            awake = feedback.awake if feedback.awake is not None else np.ones(state.total.shape, bool)
            live = awake.any(axis=1)
            gain = np.where(awake, feedback.utility, 0.0)
            return TemperedState(state.t + live, state.total + gain)


    @register("tmp_tempered", family="experts", test_params=[{}, {"scale": 3.0}])
    def tmp_tempered(scale: float = 1.0) -> Tempered:
        """Softmax of cumulative utility at temperature sqrt(t + 1) / scale."""
        return Tempered(scale)
''')

USE = textwrap.dedent('''
    import numpy as np
    import tmp_tempered_rule  # noqa: F401  (importing it is the whole registration)
    import regretlab.games as G
    from regretlab.core import learners
    from regretlab.games.normal_form.generators import random_game
    from regretlab.games.normal_form.setting import NormalFormSetting
    from regretlab.run import run

    assert "tmp_tempered" in learners.names("experts")
    for game in (G.kuhn_poker(), G.leduc_poker()):
        solver = G.cfr(local=learners.make("tmp_tempered", scale=3.0))
        state = solver.init(game)
        conv = []
        for _ in range(3):
            state = solver.update(state, game, 100)
            conv.append(G.nash_conv(game, solver.average_policy(state, game)))
        print(game.name, [round(c, 4) for c in conv])
        assert conv[-1] < conv[0] and conv[-1] < 0.5 * G.nash_conv(game, game.uniform_policy())
    trace = run("tmp_tempered", NormalFormSetting(random_game(3, num_players=2, seed=0)), T=2000, batch=3)
    gap = trace.metrics["cce_gap"]
    print("self-play cce gap", gap[99].max(), gap[-1].max())
    assert gap[-1].max() < gap[99].max() and gap[-1].max() < 0.05
    print("ok")
''')


def _env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "tmp_tempered_rule.py").write_text(MODULE)
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "REGRETLAB_PROGRESS": "0"}


def test_new_learner_is_picked_up_by_the_experts_conformance_suite(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tmp_tempered_rule",
                        str(ROOT / "tests" / "core" / "test_conformance.py"), "-k", "tmp_tempered"],
                       cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    tail = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr
    assert r.returncode == 0, r.stdout + r.stderr
    passed = int(tail.split(" passed")[0].split()[-1])
    assert passed >= 10 and "failed" not in tail, tail


def test_new_learner_is_a_cfr_local_rule_and_a_game_player(tmp_path):
    r = subprocess.run([sys.executable, "-c", USE], cwd=tmp_path, env=_env(tmp_path), capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stdout + r.stderr
