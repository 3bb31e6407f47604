"""Regret-loss training (spec §2.4, §2.6 target 3) at a CPU-sized budget."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the [llm] extra provides torch")

from regretlab.agents import play  # noqa: E402
from regretlab.agents.regret_loss import (  # noqa: E402
    LinearSelfAttention,
    ModelAgent,
    TrainConfig,
    affine_fit,
    baseline_regret,
    load,
    regret_loss,
    sequence_regret,
    train,
    tuned_baseline,
    uniform_sampler,
)
from regretlab.envs import alternating  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_sequence_regret_and_loss_formula():
    losses = torch.tensor([[[0.5, 0.0], [0.0, 1.0], [1.0, 0.0]]], dtype=torch.float64)
    ftl_like = torch.tensor([[[0.5, 0.5], [0.0, 1.0], [1.0, 0.0]]], dtype=torch.float64)
    # paid 0.25 + 1 + 1 = 2.25, best action (A2) total 1.0
    assert float(sequence_regret(losses, ftl_like)[0]) == pytest.approx(1.25)
    r = torch.tensor([[1.0, -2.0, 3.0]], dtype=torch.float64)
    # k = 0: plain mean of h; k -> inf: h of the worst sequence; h = identity: softmax-weighted mean
    assert float(regret_loss(r, k=0.0)) == pytest.approx((1 + 0 + 9) / 3)
    assert float(regret_loss(r, k=200.0)) == pytest.approx(9.0)
    w = np.exp([1.0, -2.0, 3.0]) / np.exp([1.0, -2.0, 3.0]).sum()
    assert float(regret_loss(r, k=1.0, h="identity")) == pytest.approx(float(w @ [1.0, -2.0, 3.0]))
    with pytest.raises(ValueError, match="h must be"):
        regret_loss(r, h="cube")


def test_lsa_is_causal_and_a_strategy_sum():
    m = LinearSelfAttention(3).double()
    x = torch.rand(4, 10, 3, dtype=torch.float64)
    y = x.clone()
    y[:, 6:] = torch.rand(4, 4, 3, dtype=torch.float64)
    with torch.no_grad():
        a, b = m(x), m(y)
    assert torch.allclose(a[:, :7], b[:, :7])  # pi_t depends on l_{<t} only
    assert torch.allclose(a.sum(-1), torch.ones(4, 10, dtype=torch.float64))
    assert torch.allclose(a[:, 0], torch.full((4, 3), 1 / 3, dtype=torch.float64))


def test_lsa_target_3_at_cpu_budget():
    # spec §2.6 target 3 (d = 2, T = 25, U[0,1] losses, N = 8, k = 1, h = max(.,0)^2), at a CPU
    # budget of 300 Adam steps (lr 1e-2, batch 32) instead of 5k steps at lr 1e-3 (same optimum).
    # Calibrated: at the full spec budget the LSA's mean regret on 1,000 held-out sequences is
    # 0.832 vs 0.803 for the best eta-tuned Hedge/FTRL-L2 (3.7% above; tuned on the test set itself),
    # R^2 = 0.9999, slope -0.208; at this budget 0.833 (3.7%), R^2 = 0.999, slope -0.20.
    res = train(TrainConfig(steps=300, lr=1e-2, batch=32, seed=0))
    assert np.mean(res.losses[-30:]) < 0.6 * np.mean(res.losses[:10])
    test = uniform_sampler(torch.Generator().manual_seed(123), (1000, 25, 2)).numpy()
    from regretlab.agents.regret_loss import model_regret

    lsa = model_regret(res.model, test).mean()
    best = tuned_baseline(test)
    assert lsa <= 1.15 * best["mean_regret"]
    fit = affine_fit(res.model, test)
    assert fit["r2"] > 0.95  # affine in the cumulative loss (the FTRL-L2 form)
    assert fit["slope"] < -0.05 and fit["cross"] == pytest.approx(-fit["slope"], abs=0.02)  # centred: -c, +c


def test_checkpoint_resume_is_exact(tmp_path):
    cfg = TrainConfig(steps=20, batch=8, N=4, lr=1e-2, checkpoint_every=5)
    straight = train(cfg)
    ck = tmp_path / "ck.pt"
    first = train(cfg, ck, stop_after=12)
    assert len(first.losses) == 12
    resumed = train(cfg, ck)
    assert resumed.resumed_from == 12 and resumed.losses == straight.losses
    for p, q in zip(straight.model.parameters(), load(ck).parameters()):
        assert torch.equal(p, q)
    with pytest.raises(ValueError, match="written for another config"):
        train(TrainConfig(steps=20, batch=8, N=4, lr=2e-2), ck)
    with pytest.raises(ValueError, match="data must be one of"):
        train(TrainConfig(data="nope"))


def test_model_agent_through_the_harness():
    # the trained LSA played through the harness equals its raw regret where it stays on the simplex
    res = train(TrainConfig(steps=100, lr=1e-2, batch=16, seed=1))
    tr = play(ModelAgent(res.model), alternating(), T=25)
    assert tr.rounds == 25 and np.allclose(tr.strategies.sum(-1), 1.0)
    seq = tr.losses.transpose(1, 0, 2)
    with torch.no_grad():
        raw = res.model(torch.as_tensor(seq))[0].numpy()
    on = (raw >= 0).all(axis=1)
    assert np.allclose(tr.strategies[on, 0], raw[on])
    # FTRL-L2 baseline helper agrees with a direct computation at eta = 0 (uniform play)
    x = uniform_sampler(torch.Generator().manual_seed(0), (5, 25, 2)).numpy()
    assert np.allclose(baseline_regret(x, "l2_raw", 0.0), 0.5 * x.sum(axis=(1, 2)) - x.sum(axis=1).min(axis=1))


def test_transformer_fixes_alternating():
    # a small softmax transformer trained with the regret-loss on regrettable sequences has far less
    # regret than FTL on the alternating sequence (measured 0.24 vs FTL 12.5, Hedge 1.66 at T=25)
    res = train(TrainConfig(model="transformer", data="regrettable", steps=400, lr=1e-2, batch=16, N=4,
                            width=16, layers=1))
    tf = play(ModelAgent(res.model), alternating(), T=25, batch=4).regret[-1].mean()
    ftl = play("ftl", alternating(), T=25).regret[-1].mean()
    hedge = play("hedge", alternating(), T=25).regret[-1].mean()
    assert tf < 0.25 * ftl and tf < hedge


class _RunsCode:
    """Unpickling this writes a marker file: what a crafted checkpoint would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def _crafted(tmp_path):
    import pickle

    marker = tmp_path / "MARKER"
    zipped = tmp_path / "crafted.pt"  # a torch zip archive, as torch.save writes it
    torch.save({"config": {}, "model": _RunsCode(marker), "optimizer": {}, "generator": None, "losses": [], "step": 0},
               zipped)
    plain = tmp_path / "crafted.pkl"  # a bare pickle
    plain.write_bytes(pickle.dumps(_RunsCode(marker)))
    return marker, zipped, plain


def test_crafted_checkpoint_is_refused_and_its_code_never_runs(tmp_path):
    # issue "Hardening" 1: load() and train() used torch.load(weights_only=False)
    marker, zipped, plain = _crafted(tmp_path)
    with pytest.raises(ValueError, match=r"refused: it holds a Python object \(exec\)"):
        load(zipped)
    with pytest.raises(ValueError, match="refused"):
        train(TrainConfig(steps=2, batch=2, N=2), zipped)
    with pytest.raises(ValueError, match="not a checkpoint written by agent train"):
        load(plain)
    assert not marker.exists()
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00not a checkpoint")
    with pytest.raises(ValueError, match="not a checkpoint"):
        load(garbage)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)  # safe to read, but not ours
    with pytest.raises(ValueError, match="expected keys config, model"):
        load(other)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load(tmp_path / "nope.pt")


def test_checkpoint_holds_only_tensors_and_plain_values(tmp_path):
    ck = tmp_path / "ck.pt"
    train(TrainConfig(steps=3, batch=2, N=2), ck)
    blob = torch.load(ck, weights_only=True)  # what load() does: no arbitrary objects needed
    assert blob["step"] == 3 and blob["config"]["steps"] == 3
    assert all(isinstance(v, (str, int, float, bool)) for v in blob["config"].values())


def test_steps_must_be_at_least_one():
    # issue "Hardening" 2: steps=0 trained nothing and reported a nan loss
    with pytest.raises(ValueError, match="steps must be an integer >= 1, got 0"):
        train(TrainConfig(steps=0))


def test_a_checkpoint_extends_to_more_steps_exactly(tmp_path):
    # issue "Hardening" 2: steps was part of the checkpoint's identity, so 300 steps could not go on to 600;
    # now 20 steps, then on to 40 (another checkpoint_every too), equal 40 in one go, number for number
    base = dict(batch=8, N=4, lr=1e-2, seed=3)
    straight = train(TrainConfig(steps=40, checkpoint_every=7, **base))
    ck = tmp_path / "ck.pt"
    first = train(TrainConfig(steps=20, checkpoint_every=2, **base), ck)
    assert first.resumed_from == 0 and first.step == 20
    more = train(TrainConfig(steps=40, checkpoint_every=4, **base), ck)
    assert more.resumed_from == 20 and more.step == 40
    assert more.losses == straight.losses
    for p, q in zip(straight.model.parameters(), load(ck).parameters()):
        assert torch.equal(p, q)
    again = train(TrainConfig(steps=40, **base), ck)  # already there: nothing to do, same model
    assert again.resumed_from == 40 and again.losses == straight.losses
    with pytest.raises(ValueError, match="steps=30 is fewer than the 40 steps"):
        train(TrainConfig(steps=30, **base), ck)
    with pytest.raises(ValueError, match=r"written for another config: seed=3 \(now 4\)"):
        train(TrainConfig(steps=60, **{**base, "seed": 4}), ck)
