"""Bad input to ``regretlab subgame solve --checkpoint``: a file that is not a checkpoint, a
checkpoint of other settings, and a checkpoint with a learner whose state is not saved."""

from __future__ import annotations

from pathlib import Path

_BASE = ["subgame", "solve", "--board", "Ks7h2d3c8s", "--pot", "10", "--stacks", "20", "--oop-range", "AA",
         "--ip-range", "KK", "--iterations", "5", "--every", "5", "--no-progress"]


def _text_file(tmp: Path) -> None:
    (tmp / "ck.npz").write_text("not a checkpoint\n")


def _other_settings(tmp: Path) -> None:
    from regretlab.cli import main

    main(_BASE + ["--checkpoint", str(tmp / "ck.npz")])


CASES = [
    {"id": "subgame-checkpoint-not-npz", "setup": _text_file, "argv": _BASE + ["--checkpoint", "ck.npz"],
     "expect": "is not a .npz file", "note": "--checkpoint names a text file"},
    {"id": "subgame-checkpoint-other-settings", "setup": _other_settings,
     "argv": [x if x != "20" else "30" for x in _BASE] + ["--checkpoint", "ck.npz"],
     "expect": "was written with stacks=20.0, not 30.0", "note": "a checkpoint of another subgame"},
    {"id": "subgame-checkpoint-local", "argv": _BASE + ["--local", "hedge(lr=0.5)", "--checkpoint", "ck.npz"],
     "expect": "cannot be combined with --local", "note": "--checkpoint with a learner as the local rule"},
]
