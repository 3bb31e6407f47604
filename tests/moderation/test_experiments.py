"""The registered moderation experiments at a tiny size: rows, summaries, plots (spec §5.5)."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.experiments import get_experiment


@pytest.mark.parametrize("name", ["moderation_regimes", "moderation_scarcity", "moderation_categories"])
def test_experiment_demo_runs_and_plots(name, tmp_path):
    exp = get_experiment(name)
    cfg = exp.make_config(T=1500, runs=2)
    rows = exp.run(cfg, 0)
    lengths = {len(v) for v in rows.values()}
    assert len(lengths) == 1
    assert any(k.startswith("weight_") for k in rows)
    weights = np.stack([rows[k] for k in sorted(rows) if k.startswith("weight_")], 1)
    np.testing.assert_allclose(weights.sum(1), 1.0, atol=1e-9)
    summary = dict(exp.summarize(rows))
    assert summary
    paths = exp.plot(rows, tmp_path)
    assert paths and all(p.exists() and p.stat().st_size > 0 for p in paths)
    # every final regret within its bound (spec §5.5 targets 1-3)
    for key in rows:
        if key == "final_regret":
            ok = ~np.isnan(rows[key])
            assert (rows[key][ok] <= rows["bound"][ok]).all()
        if key.startswith("regret_"):
            cat = key[len("regret_"):]
            sel = rows["algorithm"] == "category_aware"
            assert (rows[key][sel] <= rows[f"bound_{cat}"][sel]).all()
