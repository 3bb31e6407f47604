"""Bad input to ``regretlab preference train --method ...``: each refused before any model loads."""

from __future__ import annotations

from pathlib import Path


def _lm(tmp: Path, **files: str) -> None:
    (tmp / "lm").mkdir()
    (tmp / "lm" / "config.json").write_text("{}")  # never loaded: the option checks come first
    (tmp / "ok.txt").write_text("hi there\n")
    for name, text in files.items():
        (tmp / name.replace("__", ".")).write_text(text)


def _with(**files: str):
    return lambda tmp: _lm(tmp, **files)


_P = ["preference", "train", "--model", "lm", "--output", "out", "--reward-model", "lm", "--prompts", "ok.txt"]

CASES = [
    dict(id="preference-train-method-unknown", argv=[*_P, "--method", "ppo"], setup=_lm,
         expect="--method must be one of inpo | nash-md | online-ipo | ipo | sppo | dno | spin | dpo | xpo, got 'ppo'"),
    dict(id="preference-train-method-and-loss", argv=[*_P, "--method", "sppo", "--loss", "dpo"], setup=_lm,
         expect="give --method or its older name --loss, not both"),
    dict(id="preference-train-mixture-above-one", argv=[*_P, "--method", "online-ipo", "--mixture", "1.5"],
         setup=_lm, expect="--mixture must be in [0, 1], got 1.5"),
    dict(id="preference-train-mixture-negative", argv=[*_P, "--method", "online-ipo", "--mixture", "-0.1"],
         setup=_lm, expect="--mixture must be in [0, 1], got -0.1"),
    dict(id="preference-train-nash-md-mixture", argv=[*_P, "--method", "nash-md", "--eta", "20", "--tau", "0.1"],
         setup=_lm, expect="--eta times --tau is Nash-MD's mixture weight and must be in [0, 1]"),
    dict(id="preference-train-sppo-samples", argv=[*_P, "--method", "sppo", "--samples", "2"], setup=_lm,
         expect="--samples must be >= 3 for --method sppo"),
    dict(id="preference-train-spin-no-demos", argv=[*_P, "--method", "spin"], setup=_lm,
         expect="--demonstrations is required by --method spin and used by it only"),
    dict(id="preference-train-spin-empty-demos", argv=[*_P, "--method", "spin", "--demonstrations", "d.txt"],
         setup=_with(d__txt="\n\n"), expect="--demonstrations file 'd.txt' is empty"),
    dict(id="preference-train-xpo-alpha", argv=[*_P, "--method", "xpo", "--alpha", "-1"], setup=_lm,
         expect="--alpha must be >= 0"),
]
