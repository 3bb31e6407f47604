"""Multi-process preference training through ``accelerate`` (CPU, gloo): 2 processes = 1 process.

The optimisation is data-parallel with the same global batch (``--batch-size 3``: each batch of 3 pairs
splits 2 + 1 across the processes, each loss weighted by its share), and the pairs come from the main
process, so the per-step loss curve of a 2-process run equals the 1-process one up to float rounding
(the all-reduce sums gradients in another order). Tolerance: rel 5e-5 on every step loss, 1e-4 abs on the
weights (measured: 2.9e-6 and 7.9e-7).
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="multi-process training needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="multi-process training needs the [llm] extra (transformers)")
pytest.importorskip("accelerate", reason="multi-process training needs the optional 'accelerate' package ([llm] extra)")

from regretlab.cli import main  # noqa: E402

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _files(tmp_path):
    from transformers import LlamaConfig, LlamaForSequenceClassification

    from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer

    tok = word_tokenizer(["hi", "there", "x", "y", "z"])
    tiny_causal_lm(len(tok), hidden=16, layers=1, seed=0).save_pretrained(tmp_path / "lm")
    tok.save_pretrained(tmp_path / "lm")
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=0)
    torch.manual_seed(1)
    LlamaForSequenceClassification(cfg).save_pretrained(tmp_path / "rm")
    tok.save_pretrained(tmp_path / "rm")
    (tmp_path / "prompts.txt").write_text("hi there\nhi x\nthere y\n")
    return ["preference", "train", "--model", str(tmp_path / "lm"), "--prompts", str(tmp_path / "prompts.txt"),
            "--reward-model", str(tmp_path / "rm"), "--samples", "4", "--max-new-tokens", "3",
            "--learning-rate", "1e-2", "--pairs", "random", "--batch-size", "3", "--epochs", "2",
            "--method", "inpo", "--iterations", "2"]


def _history(run):
    return json.loads((run / "iter_002" / "state.json").read_text())["history"]


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def test_two_processes_follow_the_one_process_loss_curve(tmp_path):
    args = _files(tmp_path)
    main(args + ["--output", str(tmp_path / "one")])  # in this process, no accelerator
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "REGRETLAB_PROGRESS": "0", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("WORLD_SIZE", None)
    r = subprocess.run([sys.executable, "-m", "regretlab.cli", *args, "--output", str(tmp_path / "two"),
                        "--processes", "2"], capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "on 2 processes (gloo)" in r.stdout and r.stdout.count("iteration 2:") == 1  # only the main process prints
    one, two = _history(tmp_path / "one"), _history(tmp_path / "two")
    assert [h["pairs"] for h in one] == [h["pairs"] for h in two] == [4, 3]  # empty responses dropped
    for a, b in zip(one, two):
        # 2 epochs x batches of 3 + 1 (the batch of 1 leaves process 2 a zero-weight step) and of 3
        assert len(a["extra"]["losses"]) == len(b["extra"]["losses"]) == 2 * math.ceil(a["pairs"] / 3)
        assert b["extra"]["losses"] == pytest.approx(a["extra"]["losses"], rel=5e-5, abs=1e-7)
        assert b["train_tokens"] == a["train_tokens"]
    assert (tmp_path / "one" / "iter_001" / "pairs.jsonl").read_text() == \
        (tmp_path / "two" / "iter_001" / "pairs.jsonl").read_text()
    w1, w2 = _weights(tmp_path / "one" / "iter_002"), _weights(tmp_path / "two" / "iter_002")
    assert w1.keys() == w2.keys()
    assert max(float((w1[k] - w2[k]).abs().max()) for k in w1) < 1e-4
    # the 2-process checkpoint is a normal one: a 1-process run resumes from it, to the same iteration 2
    import shutil

    shutil.copytree(tmp_path / "two" / "iter_001", tmp_path / "resumed" / "iter_001")
    main(args + ["--output", str(tmp_path / "resumed")])
    again = _history(tmp_path / "resumed")
    assert again[1]["extra"]["losses"] == pytest.approx(two[1]["extra"]["losses"], rel=5e-5, abs=1e-7)
