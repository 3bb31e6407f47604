"""Every registered experiment runs at its demo size, its rows go through the store, and its
analysis draws figures and a summary (DESIGN.md, Tests §4)."""

from __future__ import annotations

import pytest

from regretlab.experiments import load_all
from regretlab.store import Store

NAMES = [n for n in load_all() if not n.startswith("test_")]


@pytest.mark.parametrize("name", NAMES)
def test_demo_config_runs_stores_and_plots(name, tmp_path):
    exp = load_all()[name]
    reason = exp.unavailable()
    if reason is not None:
        pytest.skip(f"{name}: {reason}")
    config = exp.make_config(**exp.demo)
    rows = exp.run(config, 0)
    with Store(tmp_path / "s.duckdb") as db:
        db.put(name, config, 0, rows)
        stored = db.rows(name)
    assert stored.num_rows > 0
    if exp.plot is not None:
        paths = exp.plot(stored, tmp_path / "fig")
        assert paths and all(p.exists() and p.stat().st_size > 1000 for p in paths)
    if exp.summarize is not None:
        assert exp.summarize(stored)
