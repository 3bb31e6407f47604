"""Gambit ``.nfg`` and ``.efg`` files: read and write, validated, data only (never executed).

Formats as documented in the Gambit manual ("Game representation formats"):

* ``.nfg``, payoff version::

      NFG 1 R "title" { "Player 1" "Player 2" } { 2 3 }
      "optional comment"
      u1(1,1) u2(1,1) u1(2,1) u2(2,1) u1(1,2) ...

  (profiles with the *first* player's strategy changing fastest; the counts ``{ 2 3 }`` may be
  strategy names ``{ { "U" "D" } { "L" "M" "R" } }``). Outcome version: after the header a list
  of outcomes ``{ { "name" u1 u2 } ... }`` then, per profile in the same order, an outcome
  number (1-based; 0 = the null outcome, all zeros).
* ``.efg``: ``EFG 2 R "title" { "Player 1" ... }`` ``"comment"``, then the tree in prefix
  order, one node per line::

      c "name" infoset "infoset name" { "a" 1/2 "b" 1/2 } outcome       chance node
      p "name" player infoset "infoset name" { "a" "b" } outcome        decision node
      t "name" outcome "outcome name" { u1 u2 }                         terminal node

  an outcome number other than 0 may be followed by its name and payoffs (its first time it
  must); payoffs of outcomes met on the way to a leaf add up. Infoset names and action lists
  may be left out on later members of an information set.

Numbers are read exactly (integers, decimals, ``p/q`` rationals) as Fractions. Errors name the
file, the line and what was expected: a malformed token, a count that does not match, a
probability that is negative or does not sum to 1, an information set whose members disagree
(player, action count, labels, chance probabilities), an outcome used before it is defined, a
tree cut short or trailing data. (The prefix-order format cannot express a cycle: every node has
exactly one parent by construction, so there is no node reference to break.)

Example:
    >>> text = 'NFG 1 R "MP" { "1" "2" } { 2 2 }\\n1 -1 -1 1 -1 1 1 -1\\n'
    >>> g = parse_nfg(text).game
    >>> g.payoffs[0].tolist(), g.payoffs[1].tolist()
    ([[1.0, -1.0], [-1.0, 1.0]], [[-1.0, 1.0], [1.0, -1.0]])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.games.normal_form.game import NormalFormGame

_TOKEN = re.compile(r'\s+|,|(?P<str>"(?:[^"\\]|\\.)*")|(?P<br>[{}])|(?P<word>[^\s{}",]+)')
MAX_FILE_BYTES = 200 * 2**20


class _Tokens:
    def __init__(self, text: str, what: str) -> None:
        self.what = what
        self.items: list[tuple[str, str, int]] = []  # (kind, value, line)
        pos, line = 0, 1
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise ValueError(f"{what}, line {line}: cannot read {text[pos:pos + 20]!r}")
            if m.group("str") is not None:
                raw = m.group("str")[1:-1]
                self.items.append(("str", re.sub(r"\\(.)", r"\1", raw), line))
            elif m.group("br") is not None:
                self.items.append((m.group("br"), m.group("br"), line))
            elif m.group("word") is not None:
                self.items.append(("word", m.group("word"), line))
            line += m.group(0).count("\n")
            pos = m.end()
        self.i = 0

    def line(self) -> int:
        return self.items[min(self.i, len(self.items) - 1)][2] if self.items else 1

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.i][:2] if self.i < len(self.items) else None

    def fail(self, expected: str) -> ValueError:
        got = self.peek()
        shown = "the end of the file" if got is None else repr(got[1])
        return ValueError(f"{self.what}, line {self.line()}: expected {expected}, got {shown}")

    def take(self, kind: str, expected: str) -> str:
        got = self.peek()
        if got is None or got[0] != kind:
            raise self.fail(expected)
        self.i += 1
        return got[1]

    def number(self, expected: str = "a number") -> Fraction:
        got = self.peek()
        if got is None or got[0] != "word":
            raise self.fail(expected)
        try:
            value = Fraction(got[1])
        except (ValueError, ZeroDivisionError):
            raise self.fail(expected) from None
        self.i += 1
        return value

    def integer(self, expected: str) -> int:
        v = self.number(expected)
        if v.denominator != 1:
            self.i -= 1
            raise self.fail(expected)
        return int(v)

    def strings(self, expected: str) -> list[str]:
        self.take("{", "'{' opening " + expected)
        out = []
        while self.peek() is not None and self.peek()[0] == "str":
            out.append(self.take("str", expected))
        self.take("}", "'}' closing " + expected)
        return out


def _read_text(path: str | Path, what: str, suffix: str) -> str:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} {str(path)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"{what} {str(path)!r} is a folder, expected a {suffix} file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{what} {str(path)!r} is larger than {MAX_FILE_BYTES // 2**20} MiB")
    raw = path.read_bytes()
    if b"\0" in raw[:4096]:
        raise ValueError(f"{what} {str(path)!r} is a binary file, expected a Gambit {suffix} text file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _q(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _num(v: float) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 2**53 else repr(f)


def _probs(ps: Sequence[float]) -> list[str]:
    """Chance probabilities as exact rationals that sum to exactly 1, as Gambit requires: each is
    the simplest positive fraction (denominator ≤ 10⁹) within a relative 1e-15 of the float, else
    the float's exact binary value; if they do not sum to 1 (the library accepts sums off by up
    to 1e-9), all are divided by their exact sum.

    >>> _probs([1 / 3, 1 / 3, 1 / 3])
    ['1/3', '1/3', '1/3']
    >>> _probs([0.25, 0.75])
    ['1/4', '3/4']
    >>> _probs([1e-20, 1 - 1e-20])[0] != '0'
    True
    """
    fr = []
    for p in map(float, ps):
        f = Fraction(p).limit_denominator(10**9)
        fr.append(f if f > 0 and abs(float(f) - p) <= 1e-15 * abs(p) else Fraction(p))
    total = sum(fr, Fraction(0))
    if fr and total != 1 and total > 0:
        fr = [f / total for f in fr]
    return [str(f) for f in fr]


# -- .nfg ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NfgFile:
    """A parsed ``.nfg``: the game plus the file's labels."""

    game: NormalFormGame
    players: list
    strategies: list
    comment: str = ""


def _header(tk: _Tokens, kind: str, version: str, form: str, what: str) -> tuple[str, list[str]]:
    """The header both file kinds share: ``KIND version R|D "title" { "player" ... }``."""
    if tk.take("word", f"'{kind}'") != kind:
        tk.i -= 1
        raise tk.fail(f"'{kind}' (a Gambit {form} file starts with it)")
    if tk.take("word", f"the version number {version}") != version:
        tk.i -= 1
        raise tk.fail(f"the version number {version}")
    if tk.take("word", "'R' or 'D'") not in ("R", "D"):
        tk.i -= 1
        raise tk.fail("'R' or 'D'")
    title = tk.take("str", "the game's title (a quoted string)")
    players = tk.strings("the player names")
    if not players:
        raise ValueError(f"{what}: the game needs at least one player")
    return title, players


def parse_nfg(text: str, what: str = "nfg file") -> NfgFile:
    """Parse the text of a Gambit ``.nfg`` file (payoff or outcome version)."""
    tk = _Tokens(text, what)
    title, players = _header(tk, "NFG", "1", "normal-form", what)
    tk.take("{", "'{' opening the strategy counts or names")
    strategies: list[list[str]] = []
    if tk.peek() is not None and tk.peek()[0] == "{":
        for i in range(len(players)):
            names = tk.strings(f"player {i + 1}'s strategy names")
            strategies.append(names)
    else:
        for i in range(len(players)):
            k = tk.integer(f"player {i + 1}'s number of strategies")
            if k < 1:
                raise ValueError(f"{what}, line {tk.line()}: player {i + 1} needs >= 1 strategy, got {k}")
            strategies.append([str(a + 1) for a in range(k)])
    tk.take("}", f"'}}' closing the strategies of {len(players)} players")
    if any(not s for s in strategies):
        raise ValueError(f"{what}: every player needs at least one strategy")
    comment = tk.take("str", "") if tk.peek() is not None and tk.peek()[0] == "str" else ""
    shape = tuple(len(s) for s in strategies)
    n, cells = len(players), int(np.prod(shape))
    if tk.peek() is not None and tk.peek()[0] == "{":  # outcome version
        tk.take("{", "'{'")
        outcomes: list[list[Fraction]] = []
        while tk.peek() is not None and tk.peek()[0] == "{":
            tk.take("{", "'{'")
            tk.take("str", f"outcome {len(outcomes) + 1}'s name")
            pay = [tk.number(f"outcome {len(outcomes) + 1}'s payoff to player {i + 1}") for i in range(n)]
            tk.take("}", f"'}}' after outcome {len(outcomes) + 1}'s {n} payoffs")
            outcomes.append(pay)
        tk.take("}", "'}' closing the outcome list")
        flat = np.zeros((cells, n))
        for c in range(cells):
            k = tk.integer(f"the outcome number of profile {c + 1} of {cells}")
            if not 0 <= k <= len(outcomes):
                tk.i -= 1
                raise ValueError(f"{what}, line {tk.line()}: profile {c + 1} names outcome {k}, but the "
                                 f"file defines outcomes 1..{len(outcomes)} (0 = none)")
            if k:
                flat[c] = [float(v) for v in outcomes[k - 1]]
    else:
        flat = np.zeros((cells, n))
        for c in range(cells):
            for i in range(n):
                flat[c, i] = float(tk.number(f"payoff {c * n + i + 1} of {cells * n} "
                                             f"({cells} profiles x {n} players)"))
    if tk.peek() is not None:
        raise ValueError(f"{what}, line {tk.line()}: unexpected data after the {cells} profiles: "
                         f"{tk.peek()[1]!r}")
    # profile c has the first player's strategy changing fastest: Fortran order
    payoffs = np.stack([flat[:, i].reshape(shape, order="F") for i in range(n)])
    try:
        game = NormalFormGame(payoffs, name=title)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what}: {exc}") from None
    return NfgFile(game, players, strategies, comment)


def read_nfg(path: str | Path, what: str = "nfg file") -> NormalFormGame:
    """Read a Gambit ``.nfg`` file into a :class:`NormalFormGame` (labels: :func:`parse_nfg`)."""
    return parse_nfg(_read_text(path, what, ".nfg"), f"{what} {str(path)!r}").game


def nfg_text(game: NormalFormGame, *, outcomes: bool = False, players: Sequence[str] | None = None,
             strategies: Sequence[Sequence[str]] | None = None, comment: str = "") -> str:
    """The ``.nfg`` text of a game (payoff version, or the outcome version with ``outcomes``)."""
    if not isinstance(game, NormalFormGame):
        raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
    n, shape = game.num_players, game.num_actions
    players = list(players) if players is not None else [f"Player {i + 1}" for i in range(n)]
    if len(players) != n:
        raise ValueError(f"players must have {n} names, got {len(players)}")
    head = f"NFG 1 R {_q(game.name)} {{ {' '.join(_q(p) for p in players)} }} "
    if strategies is not None:
        if len(strategies) != n or any(len(s) != k for s, k in zip(strategies, shape)):
            raise ValueError(f"strategies must list {list(shape)} names per player")
        head += "{ " + " ".join("{ " + " ".join(_q(s) for s in ss) + " }" for ss in strategies) + " }"
    else:
        head += "{ " + " ".join(str(k) for k in shape) + " }"
    lines = [head, _q(comment), ""]
    flat = np.stack([game.payoffs[i].reshape(-1, order="F") for i in range(n)], axis=1)  # [cells, n]
    if outcomes:
        lines.append("{")
        for c, row in enumerate(flat):
            lines.append(f'{{ "" {" ".join(_num(v) for v in row)} }}')
        lines.append("}")
        lines.append(" ".join(str(c + 1) for c in range(len(flat))))
    else:
        lines.append(" ".join(_num(v) for v in flat.reshape(-1)))
    return "\n".join(lines) + "\n"


def write_nfg(game: NormalFormGame, path: str | Path, **kwargs: Any) -> Path:
    """Write ``game`` as a Gambit ``.nfg`` file (keyword arguments as :func:`nfg_text`)."""
    path = Path(path)
    path.write_text(nfg_text(game, **kwargs))
    return path


# -- .efg ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EfgFile:
    """A parsed ``.efg``: the regretlab game document (``regretlab.efg/1``) and the labels."""

    doc: dict
    players: list
    comment: str = ""

    def treeplex(self):
        """The flat-array game (:class:`regretlab.games.treeplex.Treeplex`)."""
        from regretlab.games.io import game_from_dict

        return game_from_dict(self.doc)


def parse_efg(text: str, what: str = "efg file", max_nodes: int = 5_000_000) -> EfgFile:
    """Parse the text of a Gambit ``.efg`` file into a validated game document."""
    tk = _Tokens(text, what)
    title, players = _header(tk, "EFG", "2", "extensive-form", what)
    n = len(players)
    comment = tk.take("str", "") if tk.peek() is not None and tk.peek()[0] == "str" else ""
    names: list[str] = []
    name_id: dict[str, int] = {}
    infosets: dict[tuple[int, int], dict] = {}  # (player or 0 for chance, number) -> info
    outcomes: dict[int, list[Fraction]] = {}
    key_names: dict[str, tuple[int, int]] = {}  # infoset name -> the (player, number) it labels
    count = [0]

    def action_id(label: str) -> int:
        if label not in name_id:
            name_id[label] = len(names)
            names.append(label)
        return name_id[label]

    def outcome(where: str) -> list[Fraction]:
        k = tk.integer(f"the outcome number of {where}")
        if k < 0:
            tk.i -= 1
            raise tk.fail(f"an outcome number >= 0 at {where}")
        if k == 0:
            return [Fraction(0)] * n
        if tk.peek() is not None and tk.peek()[0] == "str":
            tk.take("str", "the outcome's name")
            tk.take("{", f"'{{' opening outcome {k}'s {n} payoffs")
            pay = [tk.number(f"outcome {k}'s payoff to player {i + 1}") for i in range(n)]
            tk.take("}", f"'}}' after outcome {k}'s {n} payoffs")
            if k in outcomes and outcomes[k] != pay:
                raise ValueError(f"{what}, line {tk.line()}: outcome {k} is defined twice with different payoffs")
            outcomes[k] = pay
        elif k not in outcomes:
            raise ValueError(f"{what}, line {tk.line()}: {where} uses outcome {k} before it is defined "
                             "(its first use must give its name and payoffs)")
        return outcomes[k]

    def labels(raw: list[str]) -> list[str]:
        out = []
        for k, lab in enumerate(raw):
            lab = lab if lab else f"action {k + 1}"
            out.append(lab if raw.count(raw[k]) == 1 else f"{lab} #{k + 1}")
        return out

    def node(path: str, acc: list[Fraction]) -> dict:
        count[0] += 1
        if count[0] > max_nodes:
            raise ValueError(f"{what}: more than {max_nodes:,} nodes")
        got = tk.peek()
        if got is None:
            raise ValueError(f"{what}: the file ends inside the tree: {path} is missing (a node "
                             "above it has more actions than nodes follow)")
        kind = tk.take("word", "a node type 'c', 'p' or 't'")
        if kind not in ("c", "p", "t"):
            tk.i -= 1
            raise tk.fail(f"a node type 'c', 'p' or 't' for {path}")
        line = tk.line()
        tk.take("str", f"the node name of {path}")
        if kind == "t":
            pay = outcome(f"terminal node {path}")
            return {"type": "terminal", "utilities": [float(a + b) for a, b in zip(acc, pay)]}
        player = 0
        if kind == "p":
            player = tk.integer(f"the player number of {path}")
            if not 1 <= player <= n:
                raise ValueError(f"{what}, line {line}: {path} names player {player}, the game has players 1..{n}")
        num = tk.integer(f"the information set number of {path}")
        iname = tk.take("str", "") if tk.peek() is not None and tk.peek()[0] == "str" else None
        acts: list[str] | None = None
        probs: list[Fraction] | None = None
        if tk.peek() is not None and tk.peek()[0] == "{":
            tk.take("{", "'{'")
            acts, probs = [], []
            while tk.peek() is not None and tk.peek()[0] == "str":
                acts.append(tk.take("str", "an action name"))
                if kind == "c":
                    probs.append(tk.number(f"the probability of chance action {acts[-1]!r} at {path}"))
            tk.take("}", f"'}}' closing the actions of {path}")
            if not acts:
                raise ValueError(f"{what}, line {line}: {path} has no actions")
        key = (player, num)
        info = infosets.get(key)
        if info is None:
            if acts is None:
                raise ValueError(f"{what}, line {line}: {path} is the first node of information set {num}"
                                 f"{'' if kind == 'c' else f' of player {player}'} but lists no actions")
            info = {"name": iname or "", "actions": acts, "probs": probs}
            infosets[key] = info
        elif acts is not None and (len(acts) != len(info["actions"]) or acts != info["actions"]
                                   or (kind == "c" and probs != info["probs"])):
            raise ValueError(f"{what}, line {line}: {path} is in information set {num}"
                             f"{'' if kind == 'c' else f' of player {player}'} but its actions"
                             f"{' or probabilities' if kind == 'c' else ''} differ from that set's first node: "
                             f"{acts} vs {info['actions']}")
        pay = outcome(f"node {path}")
        acc = [a + b for a, b in zip(acc, pay)]
        k = len(info["actions"])
        if kind == "c":
            ps = info["probs"]
            if any(p < 0 for p in ps):
                raise ValueError(f"{what}, line {line}: chance node {path} has a negative probability: "
                                 f"{[str(p) for p in ps]}")
            if abs(float(sum(ps)) - 1.0) > 1e-9:
                raise ValueError(f"{what}, line {line}: chance probabilities at {path} must sum to 1, got "
                                 f"{[str(p) for p in ps]} (sum {float(sum(ps)):.9g})")
            if any(p == 0 for p in ps):
                raise ValueError(f"{what}, line {line}: chance node {path} has a zero-probability action "
                                 "(regretlab's games keep positive chance probabilities only)")
            total = float(sum(ps))
            kids = [node(f"{path}.{k2}", acc) for k2 in range(k)]
            return {"type": "chance", "outcomes": [
                {"action": k2, "prob": float(ps[k2]) / total, "child": kids[k2]} for k2 in range(k)]}
        acts_l = labels(info["actions"])
        kids = [node(f"{path}.{k2}", acc) for k2 in range(k)]
        key_s = info["name"] if info["name"] and key_names.setdefault(info["name"], key) == key \
            else f"P{player}:{num}" + (f" {info['name']}" if info["name"] else "")
        return {"type": "decision", "player": player - 1, "infoset": key_s,
                "actions": [action_id(a) for a in acts_l], "children": kids}

    import sys

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20000))
    try:
        root = node("root", [Fraction(0)] * n)
    except RecursionError:
        raise ValueError(f"{what}: the tree is too deep to read") from None
    finally:
        sys.setrecursionlimit(old)
    if tk.peek() is not None:
        raise ValueError(f"{what}, line {tk.line()}: unexpected data after the tree is complete: "
                         f"{tk.peek()[1]!r} (a node lists fewer actions than nodes follow)")
    doc = {"format": "regretlab.efg/1", "name": title, "num_players": n, "action_names": names,
           "root": root}
    return EfgFile(doc, players, comment)


def read_efg(path: str | Path, what: str = "efg file"):
    """Read a Gambit ``.efg`` file into a :class:`~regretlab.games.treeplex.Treeplex`."""
    shown = f"{what} {str(path)!r}"
    parsed = parse_efg(_read_text(path, what, ".efg"), shown)
    try:
        return parsed.treeplex()
    except ValueError as exc:
        raise ValueError(f"{shown}: {exc}") from None


def efg_text(game: Any, *, players: Sequence[str] | None = None, comment: str = "") -> str:
    """The ``.efg`` text of a treeplex game (each leaf gets its own outcome)."""
    from regretlab.games.io import game_to_dict

    doc = game_to_dict(game)
    n = doc["num_players"]
    players = list(players) if players is not None else [f"Player {i + 1}" for i in range(n)]
    if len(players) != n:
        raise ValueError(f"players must have {n} names, got {len(players)}")
    names = doc["action_names"]
    lines = [f"EFG 2 R {_q(doc['name'])} {{ {' '.join(_q(p) for p in players)} }}", _q(comment), ""]
    iset_num: dict[str, int] = {}
    per_player = [0] * n
    counters = {"outcome": 0, "chance": 0}
    stack = [doc["root"]]
    while stack:
        nd = stack.pop()
        if nd["type"] == "terminal":
            counters["outcome"] += 1
            lines.append(f't "" {counters["outcome"]} "" {{ {" ".join(_num(u) for u in nd["utilities"])} }}')
            continue
        if nd["type"] == "chance":
            counters["chance"] += 1
            probs = _probs([o["prob"] for o in nd["outcomes"]])
            acts = " ".join(f'{_q(str(o["action"]))} {p}' for o, p in zip(nd["outcomes"], probs))
            lines.append(f'c "" {counters["chance"]} "" {{ {acts} }} 0')
            stack.extend(o["child"] for o in reversed(nd["outcomes"]))
            continue
        pl = nd["player"]
        key = nd["infoset"]
        first = key not in iset_num
        if first:
            per_player[pl] += 1
            iset_num[key] = per_player[pl]
        acts = " ".join(_q(names[a] if a < len(names) else str(a)) for a in nd["actions"])
        lines.append(f'p "" {pl + 1} {iset_num[key]} {_q(key)} {{ {acts} }} 0')
        stack.extend(reversed(nd["children"]))
    return "\n".join(lines) + "\n"


def write_efg(game: Any, path: str | Path, **kwargs: Any) -> Path:
    """Write a treeplex game as a Gambit ``.efg`` file."""
    path = Path(path)
    path.write_text(efg_text(game, **kwargs))
    return path
