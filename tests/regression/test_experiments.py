"""Smoke test: every regression experiment runs at its demo config, stores tidy rows and plots."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.experiments import load_all

NAMES = sorted(n for n in load_all() if n.startswith("regression_"))


def test_all_registered():
    assert set(NAMES) >= {
        "regression_groupwise_synthetic_mean", "regression_groupwise_synthetic_dperm", "regression_groupwise_adult",
        "regression_lsa_one_step_gd", "regression_icl_regret", "regression_hlgauss_vs_vaw",
    }


@pytest.mark.parametrize("name", NAMES)
def test_demo_runs_and_plots(name, tmp_path):
    pa = pytest.importorskip("pyarrow")
    from regretlab.datasets import DatasetUnavailable

    exp = load_all()[name]
    try:
        rows = exp.run(exp.make_config(**exp.demo), 0)
    except DatasetUnavailable as exc:
        pytest.skip(f"{name}: {exc}")
    lengths = {len(v) for v in rows.values()}
    assert len(lengths) == 1 and lengths.pop() > 0
    table = pa.table(dict(rows))
    paths = exp.plot(table, tmp_path)
    assert paths and all(p.exists() and p.stat().st_size > 1000 for p in paths)
    if exp.summarize is not None:
        assert exp.summarize(table)
    # same seed, same numbers
    again = exp.run(exp.make_config(**exp.demo), 0)
    for k, v in rows.items():
        if np.asarray(v).dtype.kind == "f":
            np.testing.assert_array_equal(np.asarray(v), np.asarray(again[k]))


def test_cli_rejects_unknown_dataset(capsys):
    pytest.importorskip("typer")
    from regretlab.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["regression", "groupwise", "--dataset", "nope"])
    assert exc.value.code == 2
    assert "dataset must be synthetic-" in capsys.readouterr().err
