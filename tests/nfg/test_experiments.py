"""Smoke tests of the registered nfg experiments at their demo configs, with their targets."""

import numpy as np

from regretlab.experiments import get_experiment, load_all


def test_nfg_experiments_registered():
    names = set(load_all())
    assert {"nfg_cce_gap", "nfg_markov_gaps", "nfg_markov_separation"} <= names


def test_cce_gap_demo_meets_bound_and_slope(tmp_path):
    e = get_experiment("nfg_cce_gap")
    rows = e.run(e.make_config(**e.demo), 0)
    cols = {k: np.asarray(v) for k, v in rows.items()}
    # spec §4.3 target 3: gap <= sqrt(ln 3 / (2T)) (Hedge's regret bound), slope <= -0.5 + 0.05
    assert (cols["cce_gap"] <= cols["bound"] + 1e-12).all()
    np.testing.assert_allclose(cols["cce_gap"], cols["max_regret_over_T"], atol=1e-12)
    (verdict,) = [v for label, v in e.summarize(rows) if label.startswith("log-log slope of the CCE gap in T")]
    assert verdict.holds and float(verdict.value) <= -0.45 and verdict.target == (None, -0.45)
    assert all(p.exists() for p in e.plot(rows, tmp_path))


def test_markov_experiments_demo(tmp_path):
    e = get_experiment("nfg_markov_gaps")
    rows = e.run(e.make_config(**e.demo), 0)
    assert (np.asarray(rows["gap_general"]) >= np.asarray(rows["gap_markov"]) - 1e-12).all()
    assert all(p.exists() for p in e.plot(rows, tmp_path))
    s = get_experiment("nfg_markov_separation")
    rows = s.run(s.make_config(**s.demo), 0)
    np.testing.assert_allclose(rows["gap_markov"], [0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(rows["gap_general"], [0.5, 0.5], atol=1e-15)
    assert all(p.exists() for p in s.plot(rows, tmp_path))
