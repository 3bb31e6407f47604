"""The iterative INPO trainer on tiny random Hugging Face models (CPU), oracles, data, checkpoints."""

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the trainer needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="the trainer needs the [llm] extra (transformers)")

from regretlab.preference.data import PreferenceExample, load_jsonl, load_prompts, save_jsonl  # noqa: E402
from regretlab.preference.oracles import (  # noqa: E402
    CallableOracle, HTTPJudgeOracle, PairwiseModelOracle, RewardModelOracle, check_preference_value,
)
from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer  # noqa: E402
from regretlab.preference.toy import make_toy, toy_policy  # noqa: E402
from regretlab.preference.trainer import PreferenceTrainer, TrainerConfig, sequence_logprobs  # noqa: E402

WORDS = ["c0", "c1", "c2", "a", "b", "c"]


def _setup(tmp_path=None, **cfg):
    tok = word_tokenizer(WORDS)
    model = tiny_causal_lm(len(tok), seed=0)
    allowed = tuple(tok.convert_tokens_to_ids(w) for w in "abc")
    base = dict(iterations=2, num_samples=4, max_new_tokens=2, min_new_tokens=2, allowed_tokens=allowed,
                learning_rate=5e-2, lr_schedule="constant", batch_size=4, pair_selection="random")
    base.update(cfg)

    def prefer_earlier_letters(prompt, a, b):  # a transitive toy preference: "a" < "b" < "c"
        return 0.5 if a == b else (0.9 if a < b else 0.1)

    return model, tok, CallableOracle(prefer_earlier_letters), TrainerConfig(**base)


def _params(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_two_iterations_checkpoint_and_resume_to_identical_weights(tmp_path):
    model, tok, oracle, cfg = _setup()
    tr = PreferenceTrainer(model, tok, oracle, WORDS[:3], cfg, tmp_path / "a")
    hist = tr.train(resume=False)
    assert [h.iteration for h in hist] == [1, 2]
    assert all(h.pairs == 3 * 2 for h in hist)  # K/2 pairs per prompt
    assert (tmp_path / "a" / "iter_002" / "state.json").exists()
    rows = load_jsonl(tmp_path / "a" / "iter_001" / "pairs.jsonl")
    assert len(rows) == 6 and all(r.chosen and r.rejected for r in rows)
    full = _params(model)
    # the weights moved, and iteration 1 starts from h = 0, so the first INPO loss is (eta/2)^2
    assert hist[0].loss_first == pytest.approx((cfg.eta / 2) ** 2, rel=1e-5)

    # interrupted after iteration 1: copy only iter_001, plus a half-written iter_002 (no state.json)
    import shutil
    shutil.copytree(tmp_path / "a" / "iter_001", tmp_path / "b" / "iter_001")
    (tmp_path / "b" / "iter_002").mkdir()
    (tmp_path / "b" / "iter_002" / "model.safetensors").write_bytes(b"garbage")
    model2, tok2, oracle2, _ = _setup()
    tr2 = PreferenceTrainer(model2, tok2, oracle2, WORDS[:3], cfg, tmp_path / "b")
    assert tr2.resume() == 1
    tr2.train(resume=True)
    assert tr2.iteration == 2 and len(tr2.history) == 2
    resumed = _params(model2)
    for k in full:
        assert torch.equal(full[k], resumed[k]), k
    # same seed -> same numbers
    model3, tok3, oracle3, _ = _setup()
    PreferenceTrainer(model3, tok3, oracle3, WORDS[:3], cfg).train()
    assert all(torch.equal(full[k], v) for k, v in _params(model3).items())


@pytest.mark.parametrize("loss", ["inpo", "dpo", "ipo"])
def test_losses_move_policy_toward_preferred_responses(loss):
    # "a a" is the Condorcet winner of the transitive oracle: its probability must grow
    model, tok, oracle, cfg = _setup(loss=loss, iterations=3, num_samples=8, pair_selection="all", beta=0.5)
    toy = make_toy(num_contexts=3)
    p0 = toy_policy(toy, model)[:, 0].mean()
    PreferenceTrainer(model, tok, oracle, WORDS[:3], cfg).train()
    assert toy.texts[0] == "a a"
    assert toy_policy(toy, model)[:, 0].mean() > p0 + 0.05


def test_tournament_selection_in_trainer():
    model, tok, oracle, cfg = _setup(pair_selection="tournament", num_samples=6, iterations=1)
    tr = PreferenceTrainer(model, tok, oracle, WORDS[:3], cfg)
    samples = tr.sample(1)
    pairs, _ = tr.build_pairs(samples, 1)
    assert 1 <= len(pairs) <= 3
    for x, w, lo, *_ in pairs:  # (prompt, chosen, rejected, target, from_ref_w)
        # the tournament winner is the best sampled response (ties of equal text allowed)
        texts = sorted(tr._text(r) for r in samples[x])
        assert tr._text(w) == texts[0] and tr._text(lo) == texts[-1]


def test_sequence_logprobs_normalised_over_enumerated_responses():
    toy = make_toy(num_contexts=3)
    model = tiny_causal_lm(len(toy.tokenizer), seed=1)
    pi = toy_policy(toy, model)
    # toy_policy renormalises; the raw exponentiated log-probs must already sum to 1 per prompt
    mask = torch.zeros(len(toy.tokenizer), dtype=torch.bool)
    mask[list(toy.allowed)] = True
    ids = toy.tokenizer("c1")["input_ids"]
    with torch.no_grad():
        lp = sequence_logprobs(model, [ids] * len(toy.responses), [list(r) for r in toy.responses],
                               toy.tokenizer.pad_token_id, mask)
    assert float(lp.exp().sum()) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(lp.exp().numpy(), pi[1], atol=1e-6)
    # and equals the chain rule computed token by token without padding
    r = list(toy.responses[4])
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids + r])).logits[0].masked_fill(~mask, float("-inf"))
    manual = sum(float(torch.log_softmax(logits[len(ids) - 1 + k], -1)[r[k]]) for k in range(len(r)))
    assert float(lp[4]) == pytest.approx(manual, abs=1e-5)


def test_bad_oracle_values_raise():
    for bad in (1.5, -0.1, float("nan")):
        model, tok, _, cfg = _setup(iterations=1)
        tr = PreferenceTrainer(model, tok, lambda p, a, b, v=bad: v, WORDS[:3], cfg)
        with pytest.raises(ValueError, match="P\\(a > b\\) in \\[0, 1\\]"):
            tr.train()
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        CallableOracle(lambda p, a, b: 2.0)("x", "a", "b")
    with pytest.raises(TypeError, match="probability"):
        check_preference_value("yes")


def test_bad_config_raises():
    with pytest.raises(ValueError, match="eta must be > 0"):
        TrainerConfig(eta=0.0)
    with pytest.raises(ValueError, match="eta must be > 0"):
        TrainerConfig(eta=-2.0)
    with pytest.raises(ValueError, match="eta \\* tau must be < 1"):
        TrainerConfig(eta=20.0, tau=0.1)
    with pytest.raises(ValueError, match="loss must be"):
        TrainerConfig(loss="ppo")
    with pytest.raises(ValueError, match="pair_selection"):
        TrainerConfig(pair_selection="best")


def test_empty_responses_in_pairs_raise(tmp_path):
    model, tok, oracle, cfg = _setup(iterations=1)
    tr = PreferenceTrainer(model, tok, oracle, WORDS[:3], cfg)
    with pytest.raises(ValueError, match="empty response"):
        tr.train_offline([{"prompt": "c0", "chosen": "a b", "rejected": "  "}])
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"prompt": "c0", "chosen": "", "rejected": "a"}) + "\n")
    with pytest.raises(ValueError, match="line 1.*empty response"):
        load_jsonl(path)


def test_offline_jsonl_training_and_prompts(tmp_path):
    model, tok, oracle, cfg = _setup(loss="dpo", beta=0.5, epochs=20)
    rows = [PreferenceExample(f"c{i}", "a a", "c c") for i in range(3)]
    path = save_jsonl(rows, tmp_path / "pairs.jsonl")
    assert load_jsonl(path) == rows
    (tmp_path / "p.txt").write_text("c0\nc1\n\n")
    assert load_prompts(tmp_path / "p.txt") == ["c0", "c1"]
    assert load_prompts(path) == ["c0", "c1", "c2"]
    tr = PreferenceTrainer(model, tok, oracle, WORDS[:3], cfg)
    first, last, _ = tr.train_offline(load_jsonl(path))
    assert first == pytest.approx(math.log(2), rel=1e-4)  # DPO starts at -log sigmoid(0)
    assert last < 0.5 * first


def test_pairwise_and_reward_model_oracles_from_local_path(tmp_path):
    from transformers import LlamaConfig, LlamaForSequenceClassification

    tok = word_tokenizer(["[CONTEXT]", "[RESPONSE", "A]", "B]", "A", "B", "x", "y"])
    lm = tiny_causal_lm(len(tok), seed=3)
    lm.save_pretrained(tmp_path / "pm")
    tok.save_pretrained(tmp_path / "pm")
    oracle = PairwiseModelOracle(str(tmp_path / "pm"))
    p = oracle("x", "x y", "y")
    assert 0 <= p <= 1
    # averaging both orders makes the oracle exactly antisymmetric
    assert p + oracle("x", "y", "x y") == pytest.approx(1.0, abs=1e-6)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=0)
    torch.manual_seed(0)
    LlamaForSequenceClassification(cfg).save_pretrained(tmp_path / "rm")
    tok.save_pretrained(tmp_path / "rm")
    rm = RewardModelOracle(str(tmp_path / "rm"))
    d = rm.reward("x", "x y") - rm.reward("x", "y")
    assert rm("x", "x y", "y") == pytest.approx(1 / (1 + math.exp(-d)))


class _FakeJudge(BaseHTTPRequestHandler):
    """An OpenAI-compatible /chat/completions that prefers the longer response (test double)."""

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = body["messages"][0]["content"]
        a = text.split("[RESPONSE A]\n")[1].split("\n\n[RESPONSE B]")[0]
        b = text.split("[RESPONSE B]\n")[1].rstrip("\n")
        if self.server.mode == "logprobs":
            la, lb = (math.log(0.8), math.log(0.2)) if len(a) > len(b) else (math.log(0.3), math.log(0.7))
            choice = {"message": {"content": "A"}, "logprobs": {"content": [{"token": "A", "logprob": la, "top_logprobs": [
                {"token": "A", "logprob": la}, {"token": "B", "logprob": lb}]}]}}
        else:
            choice = {"message": {"content": "A" if len(a) > len(b) else "B"}}
        data = json.dumps({"choices": [choice]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def judge_server():
    server = HTTPServer(("127.0.0.1", 0), _FakeJudge)
    server.mode = "text"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_http_judge_oracle_against_local_fake_server(judge_server):
    url = f"http://127.0.0.1:{judge_server.server_address[1]}/v1"
    judge = HTTPJudgeOracle(url, model="fake")
    assert judge("q", "long answer", "short") == 1.0
    assert judge("q", "short", "long answer") == 0.0
    judge_server.mode = "logprobs"
    # P(long first) = 0.8, P(short first wins) = 0.3 -> (0.8 + 1 - 0.3) / 2
    assert judge("q", "long answer", "short") == pytest.approx(0.75)
    # the trainer accepts it as its oracle
    model, tok, _, cfg = _setup(iterations=1)
    res = PreferenceTrainer(model, tok, judge, WORDS[:3], cfg).train()
    assert res[0].pairs == 6
    with pytest.raises(ValueError, match="base_url"):
        HTTPJudgeOracle("127.0.0.1:1", model="fake")


def test_trainer_leaves_global_torch_rng_alone():
    model, tok, oracle, cfg = _setup(iterations=1)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    PreferenceTrainer(model, tok, oracle, WORDS[:3], cfg).train()
    assert torch.equal(torch.rand(3), expected)


def test_load_hf_reads_prompt_chosen_rejected_and_chat_columns(monkeypatch):
    # a stand-in for the optional `datasets` package (load_dataset returns an iterable of rows)
    import sys
    import types

    from regretlab.preference.data import load_hf

    rows = [
        {"prompt": "q1", "chosen": "good", "rejected": "bad"},
        {"prompt": "q2", "chosen": [{"role": "user", "content": "q2"}, {"role": "assistant", "content": "yes"}],
         "rejected": [{"role": "user", "content": "q2"}, {"role": "assistant", "content": "no"}]},
    ]
    fake = types.ModuleType("datasets")
    fake.load_dataset = lambda name, split: rows if (name, split) == ("local/prefs", "train") else None
    monkeypatch.setitem(sys.modules, "datasets", fake)
    assert load_hf("local/prefs") == [PreferenceExample("q1", "good", "bad"), PreferenceExample("q2", "yes", "no")]
    rows.append({"prompt": "q3", "chosen": "ok", "rejected": ""})
    with pytest.raises(ValueError, match="local/prefs row 3.*empty response"):
        load_hf("local/prefs")


def test_gpt2_tied_embeddings_checkpoint_resume(tmp_path):
    tok = word_tokenizer(WORDS)
    cfg = TrainerConfig(iterations=1, num_samples=4, max_new_tokens=3, learning_rate=1e-2, pair_selection="random",
                        lr_schedule="constant")
    oracle = CallableOracle(lambda p, a, b: 0.5 if a == b else (0.8 if len(a) > len(b) else 0.3))
    model = tiny_causal_lm(len(tok), arch="gpt2", seed=0)
    PreferenceTrainer(model, tok, oracle, WORDS[:3], cfg, tmp_path).train()
    fresh = tiny_causal_lm(len(tok), arch="gpt2", seed=0)
    tr = PreferenceTrainer(fresh, tok, oracle, WORDS[:3], cfg, tmp_path)
    assert tr.resume() == 1
    for (k, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        assert torch.equal(a, b), k
    assert fresh.lm_head.weight.data_ptr() == fresh.transformer.wte.weight.data_ptr()
