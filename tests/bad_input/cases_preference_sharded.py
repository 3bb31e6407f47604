"""Bad input to ``regretlab preference train --processes 2``: refused once, before any process starts.

The issue's bad-input list on the multi-process path: an empty prompt file and a mixture weight outside
[0, 1] are checked by the launching command (one error line, no launcher output); a judge that answers
nonsense on one process is ``tests/preference/test_accelerate.py`` (it needs a running judge).
"""

from __future__ import annotations

from pathlib import Path


def _lm(tmp: Path) -> None:
    (tmp / "lm").mkdir()
    (tmp / "lm" / "config.json").write_text("{}")  # never loaded: the option checks come first
    (tmp / "ok.txt").write_text("hi there\n")
    (tmp / "empty.txt").write_text("\n  \n")


_P = ["preference", "train", "--model", "lm", "--output", "out", "--reward-model", "lm", "--processes", "2"]

CASES = [
    dict(id="preference-train-processes-empty-prompts", argv=[*_P, "--prompts", "empty.txt"], setup=_lm,
         expect="has no prompts (expected one per line"),
    dict(id="preference-train-processes-mixture-above-one",
         argv=[*_P, "--prompts", "ok.txt", "--method", "online-ipo", "--mixture", "1.5"], setup=_lm,
         expect="--mixture must be in [0, 1], got 1.5"),
]
