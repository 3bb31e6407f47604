"""``regretlab preference train --method ...`` on tiny local models: every method through the one CLI."""

import pytest

from regretlab.cli import main

torch = pytest.importorskip("torch", reason="the train command needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="the train command needs the [llm] extra (transformers)")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    from transformers import LlamaConfig, LlamaForSequenceClassification

    from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer

    root = tmp_path_factory.mktemp("models")
    tok = word_tokenizer(["hi", "there", "x", "y", "z"])
    tiny_causal_lm(len(tok), seed=0).save_pretrained(root / "lm")
    tok.save_pretrained(root / "lm")
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=0)
    LlamaForSequenceClassification(cfg).save_pretrained(root / "rm")
    tok.save_pretrained(root / "rm")
    (root / "prompts.txt").write_text("hi there\nhi x\n")
    (root / "demos.txt").write_text("x y\ny z\n")
    return root


@pytest.mark.parametrize("method", ["nash-md", "sppo", "online-ipo", "xpo", "spin"])
def test_train_each_method(method, models, tmp_path, capsys):
    args = ["preference", "train", "--model", str(models / "lm"), "--prompts", str(models / "prompts.txt"),
            "--output", str(tmp_path / "run"), "--reward-model", str(models / "rm"), "--samples", "4",
            "--max-new-tokens", "3", "--learning-rate", "1e-3", "--pairs", "random", "--iterations", "1",
            "--method", method, "--eta", "1.0", "--mixture", "0.3"]
    if method == "spin":
        args += ["--demonstrations", str(models / "demos.txt")]
    main(args)
    out = capsys.readouterr().out
    assert "iteration 1:" in out and f"done: {method}, 1 iterations" in out
    assert (tmp_path / "run" / "iter_001" / "state.json").exists()
