"""``regretlab preference nash`` and ``regretlab preference train`` (tiny local models)."""

import json

import pytest

from regretlab.cli import main


def test_nash_command(tmp_path, capsys):
    path = tmp_path / "P.json"
    path.write_text(json.dumps([[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]]))
    main(["preference", "nash", str(path), "--tau", "0.1", "--ref", "0.6,0.3,0.1"])
    out = capsys.readouterr().out
    assert "0.453485 0.148841 0.397674" in out  # spec §1.5 target 1
    with pytest.raises(SystemExit):
        main(["preference", "nash", str(path), "--ref", "0.6,0.4"])
    assert "ref must have shape" in capsys.readouterr().err


def test_train_command_resumes(tmp_path, capsys):
    pytest.importorskip("torch", reason="the train command needs the [llm] extra (torch)")
    pytest.importorskip("transformers", reason="the train command needs the [llm] extra (transformers)")
    from transformers import LlamaConfig, LlamaForSequenceClassification

    from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer

    tok = word_tokenizer(["hi", "there", "x", "y", "z"])
    tiny_causal_lm(len(tok), seed=0).save_pretrained(tmp_path / "lm")
    tok.save_pretrained(tmp_path / "lm")
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=0)
    LlamaForSequenceClassification(cfg).save_pretrained(tmp_path / "rm")
    tok.save_pretrained(tmp_path / "rm")
    (tmp_path / "prompts.txt").write_text("hi there\nhi x\n")
    args = ["preference", "train", "--model", str(tmp_path / "lm"), "--prompts", str(tmp_path / "prompts.txt"),
            "--output", str(tmp_path / "run"), "--reward-model", str(tmp_path / "rm"), "--samples", "4",
            "--max-new-tokens", "3", "--learning-rate", "1e-3", "--pairs", "random"]
    main(args + ["--iterations", "1"])
    assert "iteration 1:" in capsys.readouterr().out
    main(args + ["--iterations", "2"])
    out = capsys.readouterr().out
    assert "resuming after iteration 1" in out and "iteration 2:" in out
    assert (tmp_path / "run" / "iter_002" / "state.json").exists()
    with pytest.raises(SystemExit):
        main(args[:-4] + ["--iterations", "1", "--eta", "0"])
    assert "eta must be > 0" in capsys.readouterr().err
