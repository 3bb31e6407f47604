"""Contextual toy (INPO vs iterative DPO, exact duality gap) and the registered INPO experiments."""

import numpy as np
import pytest

from regretlab.experiments import get_experiment


@pytest.mark.parametrize("name", ["inpo_omd", "inpo_loss"])
def test_numpy_experiments_demo_and_plot(name, tmp_path):
    exp = get_experiment(name)
    rows = exp.run(exp.make_config(**exp.demo), 0)
    lengths = {len(v) for v in rows.values()}
    assert len(lengths) == 1
    # round trip through the results store (DuckDB folds column-name case)
    from regretlab.store import Store

    store = Store(tmp_path / "s.duckdb")
    store.put(name, exp.make_config(**exp.demo), 0, rows)
    rows = store.rows(name)
    paths = exp.plot(rows, tmp_path)
    assert all(p.exists() and p.stat().st_size > 1000 for p in paths)
    summary = dict(exp.summarize(rows))
    if name == "inpo_omd":
        # spec §1.5 target 1 values
        assert summary["average-iterate gap T=100 (bound 1.5/sqrt(T)=0.1500)"] == pytest.approx(0.0926, abs=1e-4)
        assert summary["pi*_tau"] == pytest.approx([0.45348, 0.14884, 0.39767], abs=1e-5)
    else:
        assert summary["log-log slope of L1 vs N (theory -0.5)"] < -0.2


def test_toy_experiment_demo(tmp_path):
    pytest.importorskip("torch", reason="inpo_toy needs the [llm] extra (torch)")
    pytest.importorskip("transformers", reason="inpo_toy needs the [llm] extra (transformers)")
    exp = get_experiment("inpo_toy")
    rows = exp.run(exp.make_config(**exp.demo), 0)
    assert set(rows["method"].tolist()) == {"inpo", "dpo"}
    assert np.all(rows["gap"] >= 0)
    # iteration 0 is pi_ref for both methods: same gap
    g0 = rows["gap"][rows["iteration"] == 0]
    assert g0[0] == pytest.approx(g0[1])
    assert exp.plot(rows, tmp_path)[0].exists()


@pytest.mark.slow
def test_inpo_beats_iterative_dpo_on_intransitive_toy():
    """Spec §1.5 target 3. 8 prompts, |Y| = 9 (two letters over a, b, c), blade-chest scale 1,
    tau = 0.1, eta = 2, K = 32 samples/prompt (all pairs, lambda_P), 4 Adam epochs per iteration.

    Calibrated on the first runs (seed 0): gap(pi_ref) = 0.077; after 10 iterations INPO 0.0315
    and iterative DPO (beta = tau) 0.763. Exact tabular (★) reaches 0.0036 on the same game;
    the network's floor is the sampling noise of 3,968 pairs per iteration. Thresholds: INPO
    below 0.05 and below gap(pi_ref); DPO above 5x INPO.
    """
    pytest.importorskip("torch", reason="the toy needs the [llm] extra (torch)")
    pytest.importorskip("transformers", reason="the toy needs the [llm] extra (transformers)")
    from regretlab.preference.toy import make_toy, run_toy

    toy = make_toy()
    inpo = run_toy("inpo", iterations=10, toy=toy)
    dpo = run_toy("dpo", iterations=10, toy=toy)
    print(f"INPO gap {inpo['gap'][-1]:.4f}, iterative DPO gap {dpo['gap'][-1]:.4f}, ref {inpo['gap'][0]:.4f}")
    assert inpo["gap"][-1] < 0.05
    assert inpo["gap"][-1] < inpo["gap"][0]
    assert dpo["gap"][-1] > 5 * inpo["gap"][-1]
