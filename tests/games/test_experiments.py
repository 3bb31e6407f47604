"""Smoke test of the registered games experiment at its demo config."""

import numpy as np

from regretlab.experiments import get_experiment
from regretlab.summary import Verdict


def test_games_cfr_convergence_demo(tmp_path):
    exp = get_experiment("games_cfr_convergence")
    cfg = exp.make_config(**exp.demo)
    rows = exp.run(cfg, 0)
    n = len(rows["iteration"])
    assert n == len(rows["exploitability"]) > 0
    # every algorithm improves on the first iterate's exploitability on every game
    for g in set(rows["game"]):
        for a in set(rows["algo"]):
            ex = [e for gg, aa, e in zip(rows["game"], rows["algo"], rows["exploitability"]) if (gg, aa) == (g, a)]
            assert ex[-1] < ex[0]
    paths = exp.plot(rows, tmp_path)
    assert paths[0].exists() and paths[0].stat().st_size > 0
    summary = exp.summarize(rows)
    assert all(np.isfinite(v.value if isinstance(v, Verdict) else v) for _, v in summary)


def test_pokergpt_standin_demo(tmp_path):
    # Spec §9.3.5: the text-imitated policy sits between the CFR+ teacher and uniform play
    # once it has seen a few thousand prompts (demo: 2,000).
    exp = get_experiment("games_pokergpt_standin")
    rows = exp.run(exp.make_config(**exp.demo), 0)
    k = int(np.argmax(rows["samples"]))
    assert rows["exploitability_teacher"][k] < 0.01
    assert rows["exploitability_teacher"][k] < rows["exploitability_imitation"][k] < rows["exploitability_uniform"][k]
    assert exp.plot(rows, tmp_path)[0].exists()
