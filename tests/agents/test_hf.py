"""The local Hugging Face adapter on a tiny randomly initialised GPT-2 (built from a config; no downloads)."""

from __future__ import annotations

import numpy as np
import pytest

transformers = pytest.importorskip("transformers", reason="the [llm] extra provides transformers")
torch = pytest.importorskip("torch", reason="the [llm] extra provides torch")


def _tiny_model(path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {c: i for i, c in enumerate(alphabet)}
    vocab["<eos>"] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", pad_token="<eos>")
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=len(vocab), n_positions=4096, n_embd=16, n_layer=1, n_head=2)
    model = GPT2LMHeadModel(cfg)
    model.save_pretrained(path)
    hf_tok.save_pretrained(path)
    return path


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: threads only contend on a shared machine
    yield
    torch.set_num_threads(before)


def test_local_lm_runs_records_and_falls_back(tmp_path):
    from regretlab.agents import HFAgent, play
    from regretlab.envs import alternating

    path = _tiny_model(tmp_path / "tiny")
    agent = HFAgent(str(path), max_new_tokens=8, max_retries=1)
    tr = play(agent, alternating(), T=3, batch=2)
    # an untrained model answers noise: every round falls back to uniform, and it is all recorded
    assert tr.rounds == 3 and tr.fallbacks == 6
    assert np.allclose(tr.strategies, 0.5)
    attempts = [r for r in tr.records if not r["fallback"]]
    assert len(attempts) == 3 * 2 * 2 and all(r["prompt"].startswith("[system]") for r in attempts)
    assert all(isinstance(r["reply"], str) for r in attempts)
    again = play(HFAgent(str(path), max_new_tokens=8, max_retries=1), alternating(), T=3, batch=2)
    assert [r["reply"] for r in again.records] == [r["reply"] for r in tr.records]  # greedy: reproducible


def test_local_lm_bad_path():
    from regretlab.agents import HFAgent

    with pytest.raises(ValueError, match="must be a folder holding a saved Hugging Face model"):
        HFAgent("/nonexistent/model")


def test_local_lm_through_the_cli(tmp_path):
    from typer.testing import CliRunner

    from regretlab.cli import _load_plugins, app

    _load_plugins()
    path = _tiny_model(tmp_path / "tiny")
    res = CliRunner().invoke(app, ["agent", "run", "--local", str(path), "--setting", "alternating", "-T", "2",
                                   "--retries", "0", "--store", str(tmp_path / "r.duckdb"), "--out", str(tmp_path),
                                   "--no-progress"])
    assert res.exit_code == 0, res.output
    from regretlab.store import Store

    with Store(tmp_path / "r.duckdb") as db:  # per round: one reply (noise), then the fallback
        import json

        rows = db.rows("agents_run").to_pydict()
        attempts = [a for t in rows["transcript"] for a in json.loads(t)]
        assert sum(rows["fallback"]) == 2 and len(attempts) == 4 and rows["asks"] == [1, 1]
