"""The explore-then-commit principal gives the numbers it gave before its regret accounting moved
to metrics.benchmark (values computed with the previous loop, commit 04cf63c; equal to 1e-12)."""

from __future__ import annotations

import numpy as np

from regretlab.experiments import get_experiment
from regretlab.mechanisms import etc_instance, explore_then_commit

ETC_DEMO = {'regret': [298.6643113733443, 310.87032539620225, 351.9577632902641, 328.6684190316772, 316.5585960767048,
            1379.0721944905108, 1325.098960439811, 1292.4545511662918, 1328.6231449530196, 1285.172243796268,
            6145.486496188343, 6073.900015179301, 6022.736608315172, 6120.377849328346, 6738.39258405524],
 'explore_rounds': [252.0, 252.0, 252.0, 252.0, 252.0, 1165.0, 1165.0, 1165.0, 1165.0, 1165.0, 5390.0, 5390.0,
                    5390.0, 5390.0, 5390.0],
 'commit_value': [0.7796375309498198, 0.7443103063203305, 0.6949203492427076, 0.7186694725830645,
                  0.7348590754640436, 0.8175486659023863, 0.8247216408939766, 0.827352587048308,
                  0.8232588016734662, 0.8281768436832853, 0.8422065329372433, 0.8429631810823552,
                  0.8435039633132413, 0.8424719239832215, 0.8359396891800623]}

ONE_RUN = {'regret': 642.5623946758706,
 'optimum': 0.8575238095238094,
 'commit_value': 0.787560492682117,
 'explore_rounds': 526.0}


def test_mechanisms_etc_demo_rows_are_unchanged():
    exp = get_experiment("mechanisms_etc")
    rows = exp.run(exp.make_config(**exp.demo), 0)
    for key, want in ETC_DEMO.items():
        assert np.allclose(np.asarray(rows[key], dtype=float), want, rtol=1e-12, atol=1e-12), key


def test_explore_then_commit_is_unchanged():
    res = explore_then_commit(etc_instance(), 3000, np.random.default_rng(1))
    for key, want in ONE_RUN.items():
        assert np.isclose(float(getattr(res, key)), want, rtol=1e-12, atol=1e-12), key
