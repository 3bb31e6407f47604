"""Multi-process preference training through ``accelerate`` (CPU, gloo): 2 processes = 1 process.

Sampling and judging are data-parallel: each process samples and judges its shard of the prompts
(``rank, rank + N, ...``; here 3 prompts split 2 + 1), every prompt from its own random stream
``(seed, iteration, prompt)``, and the shards are gathered in prompt order. So a 2-process run has the same
sampled responses (``samples.jsonl``) and the same pairs (``pairs.jsonl``) as one process, exactly. The
optimisation is data-parallel with the same global batch (``--batch-size 3``: each batch of 3 pairs splits
2 + 1 across the processes, each loss weighted by its share; a batch of 1 leaves process 2 a zero-weight
step), so the per-step loss curve equals the 1-process one up to float rounding (the all-reduce sums
gradients in another order). Tolerance: rel 5e-5 on every step loss, 1e-4 abs on the weights
(measured: 3.3e-6 and 9.9e-7).
"""

import json
import math
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="multi-process training needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="multi-process training needs the [llm] extra (transformers)")
pytest.importorskip("accelerate", reason="multi-process training needs the optional 'accelerate' package ([llm] extra)")

from regretlab.cli import main  # noqa: E402

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _files(tmp_path, oracle=None):
    from transformers import LlamaConfig, LlamaForSequenceClassification

    from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer

    tok = word_tokenizer(["hi", "there", "x", "y", "z"])
    tiny_causal_lm(len(tok), hidden=16, layers=1, seed=0).save_pretrained(tmp_path / "lm")
    tok.save_pretrained(tmp_path / "lm")
    if oracle is None:
        cfg = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                          num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=0)
        torch.manual_seed(1)
        LlamaForSequenceClassification(cfg).save_pretrained(tmp_path / "rm")
        tok.save_pretrained(tmp_path / "rm")
        oracle = ["--reward-model", str(tmp_path / "rm")]
    (tmp_path / "prompts.txt").write_text("hi there\nhi x\nthere y\n")
    return ["preference", "train", "--model", str(tmp_path / "lm"), "--prompts", str(tmp_path / "prompts.txt"),
            *oracle, "--samples", "4", "--max-new-tokens", "3", "--seed", "2",
            "--learning-rate", "1e-2", "--pairs", "random", "--batch-size", "3", "--epochs", "2",
            "--method", "inpo", "--iterations", "2"]


def _two_processes(args, output, timeout=180):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "REGRETLAB_PROGRESS": "0", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("WORLD_SIZE", None)
    return subprocess.run([sys.executable, "-m", "regretlab.cli", *args, "--output", str(output), "--processes", "2"],
                          capture_output=True, text=True, env=env, timeout=timeout)


def _history(run, last=3):
    return json.loads((run / f"iter_{last:03d}" / "state.json").read_text())["history"]


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def _same_run(a, b, iterations):
    """The same responses and pairs (exactly) and step losses (float tolerance) in these iterations; same weights."""
    for t in iterations:
        it = f"iter_{t:03d}"
        assert (a / it / "samples.jsonl").read_text() == (b / it / "samples.jsonl").read_text(), it
        assert (a / it / "pairs.jsonl").read_text() == (b / it / "pairs.jsonl").read_text(), it
    ha, hb = _history(a), _history(b)
    assert [h["pairs"] for h in ha] == [h["pairs"] for h in hb]
    assert [h["discarded_empty"] for h in ha] == [h["discarded_empty"] for h in hb]
    for x, y in zip(ha, hb):
        assert y["extra"]["losses"] == pytest.approx(x["extra"]["losses"], rel=5e-5, abs=1e-7)
        assert y["train_tokens"] == x["train_tokens"] and y["generated_tokens"] == x["generated_tokens"]
    w1, w2 = _weights(a / "iter_003"), _weights(b / "iter_003")
    assert w1.keys() == w2.keys()
    assert max(float((w1[k] - w2[k]).abs().max()) for k in w1) < 1e-4


def test_two_processes_sample_judge_and_train_like_one_process_and_resume_across(tmp_path):
    args = _files(tmp_path) + ["--iterations", "3"]
    main(args + ["--output", str(tmp_path / "one")])  # in this process, no accelerator
    # 2 processes resume from the 1-process iteration 1, then sample, judge and train iterations 2 and 3
    shutil.copytree(tmp_path / "one" / "iter_001", tmp_path / "two" / "iter_001")
    r = _two_processes(args, tmp_path / "two")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "resuming after iteration 1" in r.stdout and "iteration 1:" not in r.stdout
    assert "on 2 processes (gloo)" in r.stdout and r.stdout.count("iteration 3:") == 1  # only the main process prints
    one, two = _history(tmp_path / "one"), _history(tmp_path / "two")
    # empty responses dropped; 4 pairs = batches of 3 (split 2 + 1) and 1 (process 2: a zero-weight step)
    assert [h["pairs"] for h in one] == [4, 5, 4] and [h["discarded_empty"] for h in one] == [3, 1, 2]
    assert [h["extra"]["processes"] for h in two] == [1, 2, 2]
    for h in one:
        assert len(h["extra"]["losses"]) == 2 * math.ceil(h["pairs"] / 3)
    _same_run(tmp_path / "one", tmp_path / "two", (2, 3))
    samples = [json.loads(line) for line in (tmp_path / "two" / "iter_002" / "samples.jsonl").read_text().splitlines()]
    assert [s["prompt"] for s in samples] == ["hi there", "hi x", "there y"]
    assert all(len(s["responses"]) == 4 for s in samples)
    assert json.loads((tmp_path / "two" / "iter_003" / "state.json").read_text())["format"] == 2
    # and 1 process resumes from the 2-process iteration 2, to the same iteration 3
    shutil.copytree(tmp_path / "two" / "iter_002", tmp_path / "one_from_two" / "iter_002")
    main(args + ["--output", str(tmp_path / "one_from_two")])
    _same_run(tmp_path / "one", tmp_path / "one_from_two", (3,))


class _NonsenseForOnePrompt(BaseHTTPRequestHandler):
    """A judge that answers 'A' or 'B', except 'maybe' on the prompt 'hi x' (sampled by process 2 of 2)."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = body["messages"][0]["content"]
        answer = "maybe" if "\nhi x\n" in text else "A"
        data = json.dumps({"choices": [{"message": {"content": answer}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_a_judge_answering_nonsense_on_one_process_stops_every_process_with_its_error(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _NonsenseForOnePrompt)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        args = _files(tmp_path, oracle=["--judge-url", url])
        r = _two_processes(args, tmp_path / "two", timeout=120)  # no process waits forever for the other
    finally:
        server.shutdown()
        server.server_close()
    out = r.stdout + r.stderr
    assert r.returncode == 2, out  # the CLI's code for a user error
    assert out.count("answered 'MAYBE'; expected 'A' or 'B'") == 1, out  # one error line, from the main process
    assert "Traceback" not in out, out
    assert not (tmp_path / "two" / "iter_001" / "state.json").exists()
