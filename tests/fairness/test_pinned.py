"""Fair learning gives the numbers it gave before its regret accounting moved to the ledger and
metrics.benchmark (values computed with the previous loop, commit 04cf63c; equal to 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.experiments import get_experiment
from regretlab.fairness import run_fair_learning

LENDING_DEMO = {'lagrangian_regret': [55.44523109386381, 60.88917376841471, 93.6286002369012, 117.52636474663086],
 'accuracy_regret': [18.144390220845253, 14.239238613872999, 11.992979684671354, 11.54411802702316],
 'violations': [16.0, 16.0, 90.0, 90.0],
 'errors': [456.52916674797416, 451.13520223992293, 1458.0881310397435, 1451.1575462220153],
 'best_fair_errors': [438.3847765271289, 436.89596362604993, 1446.0951513550722, 1439.6134281949921],
 'C': [4.161791450287817, 4.161791450287817, 5.623413251903491, 5.623413251903491]}

RUNS = {'exp2': {'lagrangian_regret': [38.76244342402434, 50.39646401651767, 34.240834749667656],
          'accuracy_regret': [8.4987583840296, 13.425287702716645, 5.409236272800712],
          'violations': [29.0, 16.0, 33.0],
          'errors': [215.1371731028641, 223.9420891823726, 221.91683242283767],
          'best_fair_errors': [206.6384147188345, 210.51680147965595, 216.50759615003696]},
 'ftpl': {'lagrangian_regret': [81.53125, 78.3125, 83.40625],
          'accuracy_regret': [37.9865852811655, 38.60819852034405, 39.55490384996304],
          'violations': [9.0, 6.0, 11.0],
          'errors': [244.625, 249.125, 256.0625],
          'best_fair_errors': [206.6384147188345, 210.51680147965595, 216.50759615003696]}}


# the demo config LENDING_DEMO was recorded at (the demo has since moved to T = 3000, 10000)
LENDING_DEMO_CONFIG = {"horizons": (300, 1000), "runs": 2}


def test_fairness_lending_demo_rows_are_unchanged():
    exp = get_experiment("fairness_lending")
    rows = exp.run(exp.make_config(**LENDING_DEMO_CONFIG), 0)
    for key, want in LENDING_DEMO.items():
        assert np.allclose(np.asarray(rows[key], dtype=float), want, rtol=1e-12, atol=1e-12), key


@pytest.mark.parametrize("algorithm", ["exp2", "ftpl"])
def test_fair_learning_totals_are_unchanged(algorithm):
    res = run_fair_learning(algorithm, 150, 1.5, batch=3, seed=2)
    for key, want in RUNS[algorithm].items():
        assert np.allclose(getattr(res, key), want, rtol=1e-12, atol=1e-12), key
