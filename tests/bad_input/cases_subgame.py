"""Bad input to ``regretlab subgame solve`` and ``regretlab subgame show``."""

from __future__ import annotations

_BASE = ["subgame", "solve", "--board", "Ks7h2d", "--pot", "10", "--stacks", "95", "--iterations", "5",
         "--no-progress"]


def _solve(*extra: str, board: str = "Ks7h2d") -> list[str]:
    argv = list(_BASE)
    argv[argv.index("Ks7h2d")] = board
    return argv + list(extra)


CASES = [
    {"id": "subgame-bad-range", "argv": _solve("--oop-range", "AA,KX"), "expect": "is not a hand class",
     "note": "a range item that is no hand class"},
    {"id": "subgame-range-weight", "argv": _solve("--ip-range", "AA:1.5"), "expect": "must be in [0, 1]",
     "note": "a range weight above 1"},
    {"id": "subgame-range-board-conflict", "argv": _solve("--oop-range", "KsKh", board="Ks7h2d"),
     "expect": "conflicts with the board", "note": "a range combination that uses a board card"},
    {"id": "subgame-board-twice", "argv": _solve(board="Ks7hKs"), "expect": "twice",
     "note": "a board with the same card twice"},
    {"id": "subgame-board-size", "argv": _solve(board="Ks7h"), "expect": "3, 4 or 5 cards",
     "note": "a board of two cards"},
    {"id": "subgame-threads", "argv": _solve("--threads", "0"), "expect": "--threads must be an integer >= 1",
     "note": "no cores for the sweeps"},
    {"id": "subgame-dtype", "argv": _solve("--dtype", "float16"), "expect": "--dtype must be float64 or float32",
     "note": "a storage type the solver does not have"},
    {"id": "subgame-bet-size", "argv": _solve("--bets", "0,0.75"), "expect": "> 0",
     "note": "a bet size <= 0"},
    {"id": "subgame-bet-text", "argv": _solve("--bets", "half,allin"), "expect": "not a fraction of the pot",
     "note": "a bet size that is no number"},
    {"id": "subgame-stack", "argv": ["subgame", "solve", "--board", "Ks7h2d", "--pot", "10", "--stacks", "-5"],
     "expect": "stacks must be >= 0", "note": "a stack below zero (smaller than the chips already in the pot)"},
    {"id": "subgame-pot", "argv": ["subgame", "solve", "--board", "Ks7h2d", "--pot", "0", "--stacks", "5"],
     "expect": "pot must be > 0", "note": "an empty pot"},
    {"id": "subgame-target", "argv": _solve("--target-exploitability", "low"),
     "expect": "percentage of the pot", "note": "a target that is no percentage"},
    {"id": "subgame-algo", "argv": _solve("--algo", "mccfr-external"), "expect": "--algo must be one of",
     "note": "a solver the range-vector CFR does not run"},
    {"id": "subgame-show-missing", "argv": ["subgame", "show", "nothing.parquet"], "expect": "no strategy file",
     "note": "show without a strategy file"},
]
