"""Bad input to ``regretlab preference train --processes N``: refused before any model loads or process starts."""

from __future__ import annotations

from pathlib import Path


def _lm(tmp: Path) -> None:
    (tmp / "lm").mkdir()
    (tmp / "lm" / "config.json").write_text("{}")  # never loaded: the option checks come first
    (tmp / "ok.txt").write_text("hi there\n")


_P = ["preference", "train", "--model", "lm", "--output", "out", "--reward-model", "lm", "--prompts", "ok.txt"]

CASES = [
    dict(id="preference-train-processes-zero", argv=[*_P, "--processes", "0"], setup=_lm,
         expect="--processes must be an integer >= 1, got 0"),
    dict(id="preference-train-processes-negative", argv=[*_P, "--processes", "-2"], setup=_lm,
         expect="--processes must be an integer >= 1, got -2"),
]
