"""Bad input to ``nfg solve`` with the n-player methods and Gambit files: a time limit <= 0, a
Gambit file with too few payoffs or a NaN, a two-player method on three players."""

from pathlib import Path


def _text(name: str, text: str):
    def setup(tmp: Path) -> None:
        (tmp / name).write_text(text)
    return setup


_HEAD = 'NFG 1 R "g" { "1" "2" "3" } { 2 2 2 }\n'

CASES = [
    dict(id="nplayer-time-limit-zero", argv=["nfg", "solve", "random", "--players", "3", "--method", "gnm",
                                             "--time-limit", "0"],
         expect="time_limit must be > 0 seconds", note="no solver runs without a time budget"),
    dict(id="nplayer-nfg-too-few-payoffs", argv=["nfg", "solve", "g.nfg", "--method", "enumerate"],
         setup=_text("g.nfg", _HEAD + " ".join(["1"] * 23) + "\n"),
         expect="expected payoff 24 of 24 (8 profiles x 3 players), got the end of the file"),
    dict(id="nplayer-nfg-nan-payoff", argv=["nfg", "solve", "g.nfg", "--method", "ipa"],
         setup=_text("g.nfg", _HEAD + "nan " + " ".join(["1"] * 23) + "\n"),
         expect="expected payoff 1 of 24", note="payoffs are read as exact numbers: NaN is not one"),
    dict(id="nplayer-vertex-on-three-players", argv=["nfg", "solve", "random", "--players", "3",
                                                     "--method", "vertex"],
         expect="--method vertex needs a 2-player game, this one has 3 players"),
]
