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


def _cli(args, cwd):
    import os
    import subprocess
    import sys

    env = {**os.environ, "REGRETLAB_PROGRESS": "0", "COLUMNS": "200", "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", "regretlab.cli", *args], cwd=cwd, capture_output=True, text=True,
                       env=env, timeout=240)
    return r.returncode, r.stdout + r.stderr


def _one_error(out):
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert "Traceback" not in out and len(lines) == 1 and lines[0].startswith("error: "), out
    return lines[0]


def test_nash_bad_ref_and_bad_files_name_the_option_file_and_problem(tmp_path):
    # issue "Hardening" 5: '--ref 1,2,x' said "could not convert string to float: 'x'"; garbage JSON named no file
    (tmp_path / "P.json").write_text(json.dumps([[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]]))
    (tmp_path / "bad.json").write_text("[[0.5, 0.5],\n [0.5 0.5]]\n")
    cases = [
        (["P.json", "--ref", "1,2,x"], "--ref entry 3 of 3 is 'x', not a number"),
        (["P.json", "--ref", "0.6,,0.4"], "--ref entry 2 of 3 is empty"),
        (["P.json", "--ref", "0.3,0.3,0.3"], "--ref entries must sum to 1, got 0.9"),
        (["P.json", "--ref", "0.6,0.4"], "--ref has 2 entries but the matrix has 3 responses"),
        (["P.json", "--tau", "nan"], "--tau must be a finite number, got nan"),
        (["bad.json"], "MATRIX file 'bad.json' is not valid JSON: Expecting ',' delimiter at line 2, column 7"),
        (["missing.json"], "MATRIX file 'missing.json' does not exist"),
    ]
    for args, message in cases:
        rc, out = _cli(["preference", "nash", *args], tmp_path)
        assert rc == 2 and message in _one_error(out), out


def test_train_options_and_files_are_named_before_any_model_loads(tmp_path):
    # internal names (num_samples, batch_size, learning_rate) and unnamed JSONL errors, all before loading
    lm = tmp_path / "lm"
    lm.mkdir()
    (lm / "config.json").write_text("{}")  # never loaded: the checks come first
    (tmp_path / "ok.txt").write_text("hi there\n")
    (tmp_path / "p.jsonl").write_text('{"prompt": "a"}\n{"prompt": "b"\n')
    base = ["preference", "train", "--model", "lm", "--output", "out", "--reward-model", "lm"]
    cases = [
        (["--prompts", "ok.txt", "--samples", "1"], "--samples must be an integer >= 2, got 1"),
        (["--prompts", "ok.txt", "--batch-size", "0"], "--batch-size must be an integer >= 1, got 0"),
        (["--prompts", "ok.txt", "--learning-rate", "nan"], "--learning-rate must be a finite number, got nan"),
        (["--prompts", "ok.txt", "--eta", "5", "--tau", "0.5"], "--eta times --tau must be < 1"),
        (["--prompts", "p.jsonl"], "--prompts file 'p.jsonl' line 2 is not valid JSON"),
        (["--prompts", "nope.txt"], "--prompts file 'nope.txt' does not exist"),
    ]
    for args, message in cases:
        rc, out = _cli(base + args, tmp_path)
        assert rc == 2 and message in _one_error(out), out
    rc, out = _cli(["preference", "train", "--model", "nolm", "--output", "out", "--reward-model", "lm",
                    "--prompts", "ok.txt"], tmp_path)
    assert rc == 2 and "--model folder 'nolm' does not exist" in _one_error(out)
