"""Every method in the one trainer loop: its sampling rule (pi_t, geometric mixture, pi_t + pi_ref,
demonstrations) and its per-pair extras (win-rate targets, the reference-sampled side)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the trainer needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="the trainer needs the [llm] extra (transformers)")

from regretlab.preference.oracles import CallableOracle  # noqa: E402
from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer  # noqa: E402
from regretlab.preference.torch_loss import METHOD_LOSSES  # noqa: E402
from regretlab.preference.trainer import PreferenceTrainer, TrainerConfig, sequence_logprobs  # noqa: E402

WORDS = ["c0", "c1", "c2", "a", "b", "c"]
PROMPTS = WORDS[:3]


def _oracle(prompt, a, b):  # transitive: earlier letters win
    return 0.5 if a == b else (0.8 if a < b else 0.2)


def _setup(**cfg):
    tok = word_tokenizer(WORDS)
    model = tiny_causal_lm(len(tok), seed=0)
    allowed = tuple(tok.convert_tokens_to_ids(w) for w in "abc")
    base = dict(iterations=1, num_samples=4, max_new_tokens=2, min_new_tokens=2, allowed_tokens=allowed,
                learning_rate=5e-2, lr_schedule="constant", batch_size=4, pair_selection="random",
                eta=1.0, tau=0.1)
    base.update(cfg)
    return model, tok, TrainerConfig(**base)


@pytest.mark.parametrize("loss", METHOD_LOSSES)
def test_every_method_trains_in_the_same_loop(loss, tmp_path):
    model, tok, cfg = _setup(loss=loss.replace("_", "-"), mixture=0.5)
    assert cfg.loss == loss
    demos = ["a a", "a b", "b a"] if loss == "spin" else None
    before = {k: v.clone() for k, v in model.state_dict().items()}
    tr = PreferenceTrainer(model, tok, CallableOracle(_oracle), PROMPTS, cfg, tmp_path, demonstrations=demos)
    (res,) = tr.train()
    assert res.pairs > 0 and math.isfinite(res.loss_first) and math.isfinite(res.loss_last)
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert (tmp_path / "iter_001" / "state.json").exists()
    if loss in ("inpo", "nash_md"):  # iteration 1 starts at h = 0: (eta/2)^2
        assert res.loss_first == pytest.approx((cfg.eta / 2) ** 2, rel=1e-5)
    if loss == "spin":
        assert res.pairs == 3 * cfg.num_samples  # the demonstration against each sample


def _perturb(model, seed=3):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.5 * torch.randn(p.shape, generator=g))


def test_mixture_sampling_is_the_geometric_mixture():
    # one-token responses: the token-level mixture is the sequence-level pi^(1-b) ref^b exactly
    model, tok, cfg = _setup(loss="nash_md", eta=5.0, tau=0.1, num_samples=400, max_new_tokens=1, min_new_tokens=1)
    tr = PreferenceTrainer(model, tok, CallableOracle(_oracle), PROMPTS, cfg)
    _perturb(model)  # pi_t != pi_ref
    letters = [[tok.convert_tokens_to_ids(w)] for w in "abc"]
    b = cfg.eta * cfg.tau
    samples = tr.sample(1)
    for x, rows in enumerate(samples):
        pids = [tr._prompt_ids[x]] * 3
        with torch.no_grad():
            lp = sequence_logprobs(model, pids, letters, tok.pad_token_id, tr.allowed_mask).double().numpy()
            lr = sequence_logprobs(tr.ref_model, pids, letters, tok.pad_token_id, tr.allowed_mask).double().numpy()
        mix = np.exp((1 - b) * lp + b * lr)
        mix /= mix.sum()
        freq = np.array([sum(r == letters[k] for r in rows) for k in range(3)]) / len(rows)
        # 400 draws: 4 standard errors
        assert np.all(np.abs(freq - mix) < 4 * np.sqrt(mix * (1 - mix) / len(rows)) + 1e-3), (x, freq, mix)
        assert np.abs(mix - np.exp(lp)).max() > 0.05  # the mixture differs from pi_t: the test has power


def test_sppo_dno_targets_and_xpo_sides():
    model, tok, cfg = _setup(loss="sppo", eta=2.0, num_samples=6)
    tr = PreferenceTrainer(model, tok, CallableOracle(_oracle), PROMPTS, cfg)
    samples = tr.sample(1)
    pairs, _ = tr.build_pairs(samples, 1)
    for x, w, lo, target, from_ref in pairs:
        rows = [tr._text(r) for r in samples[x]]
        others = list(rows)
        others.remove(tr._text(w))
        others.remove(tr._text(lo))
        pw = np.mean([_oracle(None, tr._text(w), o) for o in others])
        pl = np.mean([_oracle(None, tr._text(lo), o) for o in others])
        assert target == pytest.approx(2.0 * (pw - pl), abs=1e-12) and not from_ref
    model, tok, cfg = _setup(loss="xpo", num_samples=6)
    tr = PreferenceTrainer(model, tok, CallableOracle(_oracle), PROMPTS, cfg)
    samples = tr.sample(1)
    pairs, _ = tr.build_pairs(samples, 1)
    assert len(pairs) == 3 * 3  # each pi_t sample against one pi_ref sample
    for x, w, lo, _, from_ref in pairs:
        mine, theirs = samples[x][:3], samples[x][3:]  # ceil(K/2) from pi_t, then floor(K/2) from pi_ref
        ref_side, own_side = (w, lo) if from_ref else (lo, w)
        assert list(ref_side) in theirs and list(own_side) in mine


def test_method_config_errors():
    with pytest.raises(ValueError, match="loss must be one of"):
        TrainerConfig(loss="ppo")
    with pytest.raises(ValueError, match="mixture must be in \\[0, 1\\]"):
        TrainerConfig(loss="online_ipo", mixture=1.2)
    with pytest.raises(ValueError, match="Nash-MD's mixture weight"):
        TrainerConfig(loss="nash_md", eta=20.0, tau=0.1)
    with pytest.raises(ValueError, match="num_samples must be >= 3"):
        TrainerConfig(loss="sppo", num_samples=2)
    model, tok, cfg = _setup(loss="spin")
    with pytest.raises(ValueError, match="demonstrations"):
        PreferenceTrainer(model, tok, CallableOracle(_oracle), PROMPTS, cfg)
