"""Bad input to the agent and preference commands: agent run, agent train, preference nash/train."""

from __future__ import annotations

import json
import pickle
from pathlib import Path


class _RunsCode:
    """Unpickling this would write a marker file: a crafted checkpoint."""

    def __reduce__(self):
        return (exec, ("open('MARKER', 'w').write('ran')",))


def _crafted_zip(tmp: Path) -> None:
    import torch

    torch.save({"config": {}, "model": _RunsCode(), "optimizer": {}, "generator": None, "losses": [], "step": 0},
               tmp / "crafted.pt")


def _crafted_pickle(tmp: Path) -> None:
    (tmp / "crafted.pt").write_bytes(pickle.dumps(_RunsCode()))


def _text(name: str, text: str):
    def setup(tmp: Path) -> None:
        (tmp / name).write_text(text)
    return setup


def _matrix(tmp: Path) -> None:
    (tmp / "P.json").write_text(json.dumps([[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]]))


def _lm_folder(tmp: Path) -> None:
    (tmp / "lm").mkdir()
    (tmp / "lm" / "config.json").write_text("{}")  # never loaded: the option checks come first
    (tmp / "ok.txt").write_text("hi there\n")


def _lm_and(name: str, text: str):
    def setup(tmp: Path) -> None:
        _lm_folder(tmp)
        (tmp / name).write_text(text)
    return setup


_RUN = ["agent", "run", "--agent", "hedge", "--no-progress"]
_TRAIN = ["agent", "train", "--checkpoint", "ck.pt"]
_PTRAIN = ["preference", "train", "--model", "lm", "--output", "out", "--reward-model", "lm"]

CASES = [
    # agent run
    dict(id="agent-run-crafted-checkpoint", argv=["agent", "run", "--checkpoint", "crafted.pt", "--no-progress"],
         setup=_crafted_zip, expect="--checkpoint 'crafted.pt' refused: it holds a Python object (exec)",
         note="a torch file whose unpickling would run code"),
    dict(id="agent-run-crafted-pickle", argv=["agent", "run", "--checkpoint", "crafted.pt", "--no-progress"],
         setup=_crafted_pickle, expect="is not a checkpoint written by agent train",
         note="a bare pickle that would run code"),
    dict(id="agent-run-garbage-checkpoint", argv=["agent", "run", "--checkpoint", "g.pt", "--no-progress"],
         setup=_text("g.pt", "not a checkpoint"), expect="--checkpoint 'g.pt' is not a checkpoint"),
    dict(id="agent-run-missing-checkpoint", argv=["agent", "run", "--checkpoint", "nope.pt", "--no-progress"],
         expect="--checkpoint 'nope.pt' does not exist"),
    dict(id="agent-run-runs-zero", argv=[*_RUN, "--runs", "0"], expect="--runs must be an integer >= 1, got 0"),
    dict(id="agent-run-T-one", argv=[*_RUN, "-T", "1"], expect="--T must be >= 2"),
    dict(id="agent-run-K-one", argv=[*_RUN, "--K", "1"], expect="--K must be an integer >= 2, got 1"),
    dict(id="agent-run-timeout-nan", argv=[*_RUN, "--timeout", "nan"], expect="--timeout must be a finite number"),
    dict(id="agent-run-timeout-zero", argv=[*_RUN, "--timeout", "0"], expect="--timeout must be > 0"),
    dict(id="agent-run-retries-negative", argv=[*_RUN, "--retries", "-1"], expect="--retries must be an integer >= 0"),
    dict(id="agent-run-request-retries-negative", argv=[*_RUN, "--request-retries", "-1"],
         expect="--request-retries must be an integer >= 0"),
    dict(id="agent-run-seed-negative", argv=[*_RUN, "--seed", "-1"], expect="--seed must be an integer >= 0"),
    dict(id="agent-run-fallback", argv=[*_RUN, "--fallback", "random"], expect="--fallback must be 'uniform' or 'previous'"),
    dict(id="agent-run-setting", argv=[*_RUN, "--setting", "nope"], expect="--setting: unknown setting 'nope'"),
    dict(id="agent-run-feedback", argv=[*_RUN, "--feedback", "partial"], expect="--feedback for an online setting"),
    dict(id="agent-run-empty-agent", argv=["agent", "run", "--agent", "", "--no-progress"],
         expect="--agent must name a learner"),
    dict(id="agent-run-endpoint-url", argv=["agent", "run", "--endpoint", "localhost:8000", "--model", "m"],
         expect="--endpoint must be an http(s) URL"),
    dict(id="agent-run-model-without-endpoint", argv=[*_RUN, "--model", "m"], expect="--model names the model served by --endpoint"),
    dict(id="agent-run-missing-local", argv=["agent", "run", "--local", "nolm"], expect="--local folder 'nolm' does not exist"),
    dict(id="agent-run-out-is-a-file", argv=[*_RUN, "--out", "f.txt"], setup=_text("f.txt", "x"),
         expect="--out must be a folder"),
    dict(id="agent-run-cannot-fit", argv=[*_RUN, "-T", "100000000000", "--runs", "1000"],
         expect="agent run -T 100000000000 --runs 1000 on gaussian needs about", note="refused before any round"),
    # agent train
    dict(id="agent-train-cannot-fit", argv=[*_TRAIN, "--batch", "100000000", "--N", "1000", "-T", "1000"],
         expect="agent train --batch 100000000 --N 1000 -T 1000 --K 2 --model lsa needs about"),
    dict(id="agent-train-steps-zero", argv=[*_TRAIN, "--steps", "0"], expect="--steps must be an integer >= 1, got 0",
         note="trained nothing and reported a nan loss"),
    dict(id="agent-train-crafted-checkpoint", argv=[*_TRAIN[:2], "--checkpoint", "crafted.pt", "--steps", "5"],
         setup=_crafted_zip, expect="--checkpoint 'crafted.pt' refused"),
    dict(id="agent-train-k-nan", argv=[*_TRAIN, "--k", "nan"], expect="--k must be a finite number, got nan"),
    dict(id="agent-train-k-negative", argv=[*_TRAIN, "--k", "-1"], expect="--k must be >= 0"),
    dict(id="agent-train-lr-zero", argv=[*_TRAIN, "--lr", "0"], expect="--lr must be > 0"),
    dict(id="agent-train-batch-zero", argv=[*_TRAIN, "--batch", "0"], expect="--batch must be an integer >= 1"),
    dict(id="agent-train-N-zero", argv=[*_TRAIN, "--N", "0"], expect="--N must be an integer >= 1"),
    dict(id="agent-train-T-one", argv=[*_TRAIN, "-T", "1"], expect="--T must be an integer >= 2"),
    dict(id="agent-train-model", argv=[*_TRAIN, "--model", "gru"], expect="--model must be 'lsa' or 'transformer'"),
    dict(id="agent-train-data", argv=[*_TRAIN, "--data", "nope"], expect="--data must be 'uniform' or 'regrettable'"),
    dict(id="agent-train-regrettable-K3", argv=[*_TRAIN, "--data", "regrettable", "--K", "3"],
         expect="--data regrettable needs --K 2"),
    dict(id="agent-train-h", argv=[*_TRAIN, "--h", "cube"], expect="--h must be 'square' or 'identity'"),
    dict(id="agent-train-checkpoint-folder", argv=[*_TRAIN[:2], "--checkpoint", "."],
         expect="--checkpoint must be a file, got the folder"),
    # preference nash
    dict(id="preference-nash-ref-not-a-number", argv=["preference", "nash", "P.json", "--ref", "1,2,x"], setup=_matrix,
         expect="--ref entry 3 of 3 is 'x', not a number"),
    dict(id="preference-nash-ref-empty-entry", argv=["preference", "nash", "P.json", "--ref", "0.5,,0.5"],
         setup=_matrix, expect="--ref entry 2 of 3 is empty"),
    dict(id="preference-nash-ref-length", argv=["preference", "nash", "P.json", "--ref", "0.6,0.4"], setup=_matrix,
         expect="--ref has 2 entries but the matrix has 3 responses"),
    dict(id="preference-nash-ref-sum", argv=["preference", "nash", "P.json", "--ref", "0.3,0.3,0.3"], setup=_matrix,
         expect="--ref entries must sum to 1"),
    dict(id="preference-nash-tau-nan", argv=["preference", "nash", "P.json", "--tau", "nan"], setup=_matrix,
         expect="--tau must be a finite number"),
    dict(id="preference-nash-garbage-json", argv=["preference", "nash", "bad.json"],
         setup=_text("bad.json", "[[0.5, 0.5],\n [0.5 0.5]]\n"),
         expect="MATRIX file 'bad.json' is not valid JSON: Expecting ',' delimiter at line 2, column 7"),
    dict(id="preference-nash-empty-file", argv=["preference", "nash", "e.json"], setup=_text("e.json", ""),
         expect="MATRIX file 'e.json' is empty"),
    dict(id="preference-nash-missing-file", argv=["preference", "nash", "nope.json"],
         expect="MATRIX file 'nope.json' does not exist"),
    dict(id="preference-nash-not-numbers", argv=["preference", "nash", "s.json"],
         setup=_text("s.json", '[[0.5, "a"], [0.5, 0.5]]'), expect="the matrix in MATRIX file 's.json' must be an array of numbers"),
    # preference train
    dict(id="preference-train-samples", argv=[*_PTRAIN, "--prompts", "ok.txt", "--samples", "1"], setup=_lm_folder,
         expect="--samples must be an integer >= 2, got 1"),
    dict(id="preference-train-batch-size", argv=[*_PTRAIN, "--prompts", "ok.txt", "--batch-size", "0"],
         setup=_lm_folder, expect="--batch-size must be an integer >= 1"),
    dict(id="preference-train-learning-rate", argv=[*_PTRAIN, "--prompts", "ok.txt", "--learning-rate", "nan"],
         setup=_lm_folder, expect="--learning-rate must be a finite number"),
    dict(id="preference-train-eta-tau", argv=[*_PTRAIN, "--prompts", "ok.txt", "--eta", "5", "--tau", "0.5"],
         setup=_lm_folder, expect="--eta times --tau must be < 1"),
    dict(id="preference-train-pairs", argv=[*_PTRAIN, "--prompts", "ok.txt", "--pairs", "best"], setup=_lm_folder,
         expect="--pairs must be 'tournament', 'random' or 'all'"),
    dict(id="preference-train-garbage-jsonl", argv=[*_PTRAIN, "--prompts", "p.jsonl"],
         setup=_lm_and("p.jsonl", '{"prompt": "a"}\n{"prompt": "b"\n'),
         expect="--prompts file 'p.jsonl' line 2 is not valid JSON"),
    dict(id="preference-train-empty-prompts", argv=[*_PTRAIN, "--prompts", "e.txt"], setup=_lm_and("e.txt", "\n\n"),
         expect="--prompts file 'e.txt' has no prompts"),
    dict(id="preference-train-missing-prompts", argv=[*_PTRAIN, "--prompts", "nope.txt"], setup=_lm_folder,
         expect="--prompts file 'nope.txt' does not exist"),
    dict(id="preference-train-missing-model", argv=["preference", "train", "--model", "nolm", "--output", "out",
                                                    "--reward-model", "lm", "--prompts", "ok.txt"],
         setup=_lm_folder, expect="--model folder 'nolm' does not exist"),
    dict(id="preference-train-judge-url", argv=["preference", "train", "--model", "lm", "--output", "out",
                                                "--judge-url", "ftp://x", "--prompts", "ok.txt"],
         setup=_lm_folder, expect="--judge-url must be an http(s) URL"),
]
