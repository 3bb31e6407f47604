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

    The network's floor is the sampling noise of 3,968 pairs per iteration (exact tabular INPO
    reaches 0.0036 on the same game), so one seed's last iterate moves by about +-0.01 from run to
    run and from machine to machine (one fresh machine measured 0.0578 on seed 0). The claim is
    therefore tested on what the noise averages out of: the mean over seeds 0-3 of each run's last
    three iterates. Measured (torch 2.13.0 CPU, from the lock; per-prompt seeded sampling): per-seed
    last-3 means 0.0291, 0.0396, 0.0212, 0.0246, gap(pi_ref) 0.073-0.082; mean of the statistic 0.029
    (0.029 with the earlier sampler too). Thresholds: the mean below 0.05 (1.7x margin) and below
    0.65 x the mean gap(pi_ref); iterative DPO (beta = tau, seed 0; measured 0.825) above 5x that mean.
    """
    pytest.importorskip("torch", reason="the toy needs the [llm] extra (torch)")
    pytest.importorskip("transformers", reason="the toy needs the [llm] extra (transformers)")
    from regretlab.preference.toy import make_toy, run_toy

    toy = make_toy()
    runs = [run_toy("inpo", iterations=10, toy=toy, seed=s) for s in range(4)]
    tail = np.array([r["gap"][-3:].mean() for r in runs])
    ref = np.array([r["gap"][0] for r in runs])
    dpo = run_toy("dpo", iterations=10, toy=toy, seed=0)
    print(f"INPO last-3 mean per seed {np.round(tail, 4)}, ref {np.round(ref, 4)}, DPO {dpo['gap'][-1]:.4f}")
    assert tail.mean() < 0.05
    assert tail.mean() < 0.65 * ref.mean()
    assert dpo["gap"][-1] > 5 * tail.mean()


def test_trainer_reaches_exact_tabular_minimiser_of_inpo_loss_on_its_pairs():
    """The network trained by the INPO trainer converges to the least-squares minimiser of the
    INPO loss over tabular policies on the very pairs it sampled (spec §1.2: argmin L_t). The
    transformer can represent any table over 4 prompts x 9 responses, so only the optimiser stands
    between them. Calibrated: max-over-prompts L1 0.0308 after 40 epochs (lr 5e-3, cosine), vs 0.2228
    between pi_ref and the minimiser; thresholds 0.06 and 0.3x."""
    pytest.importorskip("torch", reason="the trainer needs the [llm] extra (torch)")
    pytest.importorskip("transformers", reason="the trainer needs the [llm] extra (transformers)")
    from regretlab.preference.loss import fit_tabular_inpo
    from regretlab.preference.tiny import tiny_causal_lm
    from regretlab.preference.toy import make_toy, toy_policy
    from regretlab.preference.trainer import PreferenceTrainer, TrainerConfig

    toy = make_toy(num_contexts=4)
    model = tiny_causal_lm(len(toy.tokenizer), hidden=32, layers=1, heads=2, seed=0)
    ref = toy_policy(toy, model)
    cfg = TrainerConfig(loss="inpo", eta=2.0, tau=0.1, iterations=1, num_samples=32, pair_selection="all",
                        max_new_tokens=2, min_new_tokens=2, allowed_tokens=toy.allowed, learning_rate=5e-3,
                        epochs=40, batch_size=256, lr_schedule="cosine")
    trainer = PreferenceTrainer(model, toy.tokenizer, toy.oracle, toy.prompts, cfg)
    pairs, _ = trainer.build_pairs(trainer.sample(1), 1)
    trainer.optimize(pairs, 1)
    policy = toy_policy(toy, model)
    index = {r: i for i, r in enumerate(toy.responses)}
    Y = len(toy.responses)
    gap_net = gap_ref = 0.0
    for x in range(len(toy.prompts)):
        w = [index[tuple(a)] for xx, a, *_ in pairs if xx == x]
        lo = [index[tuple(b)] for xx, _, b, *_ in pairs if xx == x]
        # responses never sampled carry no loss term: compare the conditionals on the sampled ones
        seen = sorted(set(w) | set(lo))
        assert len(seen) >= Y - 2
        pos = {y: k for k, y in enumerate(seen)}
        r = ref[x, seen] / ref[x, seen].sum()
        fit = fit_tabular_inpo([pos[y] for y in w], [pos[y] for y in lo], len(seen), r, r, 2.0, 0.1)
        net = policy[x, seen] / policy[x, seen].sum()
        gap_net = max(gap_net, np.abs(net - fit).sum())
        gap_ref = max(gap_ref, np.abs(r - fit).sum())
    print(f"network vs tabular minimiser L1 {gap_net:.4f}; pi_ref vs minimiser {gap_ref:.4f}")
    assert gap_net < 0.06 and gap_net < 0.3 * gap_ref, (gap_net, gap_ref)
