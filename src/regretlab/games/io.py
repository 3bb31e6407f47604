"""Game and policy files.

**Game JSON** (``"format": "regretlab.efg/1"``), a nested tree read with ``json`` only (loading
never executes code)::

    {"format": "regretlab.efg/1", "name": "matching_pennies_seq", "num_players": 2,
     "action_names": ["Heads", "Tails"],                     # optional
     "root": NODE}
    NODE = {"type": "chance", "outcomes": [{"prob": 0.5, "child": NODE, "action": 0}, ...]}
         | {"type": "decision", "player": 0, "infoset": "P0", "actions": [0, 1],
            "children": [NODE, NODE]}
         | {"type": "terminal", "utilities": [1.0, -1.0]}

``actions`` are game action ids (indices into ``action_names``); every node of one
information set must have the same player and action list, and chance probabilities must be
positive and sum to 1. Errors name the path of the offending node (``root.children[1]``).

**Policy files**: JSON ``{"format": "regretlab.policy/1", "game": name, "policy": {infoset key:
{action id: prob}}}`` or NPZ (arrays ``policy [I, A]``, ``keys [I]``, ``actions [I, A]``).
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from regretlab.games.treeplex import CHANCE, TERMINAL, GameDefinition, Treeplex, build_treeplex

GAME_FORMAT = "regretlab.efg/1"
POLICY_FORMAT = "regretlab.policy/1"
MAX_JSON_DEPTH = 5000  # nesting levels a JSON file may have (a game tree of depth ~2,500)


# -- reading files safely ---------------------------------------------------------------------


def _existing_file(path: str | Path, what: str) -> Path:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} {str(path)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"{what} {str(path)!r} is a folder, expected a file")
    return path


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(512)
    return bool(head) and b"\0" not in head and all(b >= 9 for b in head)


def read_npz(path: str | Path, what: str = "file", required: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` file, with one clear error for anything that is not a sound one.

    Errors name ``what`` (e.g. ``"--checkpoint"``) and the path: missing, a folder, empty, not a
    zip archive (a text file, a truncated download), a damaged member, pickled objects (never
    loaded), missing ``required`` arrays. Arrays are read eagerly, so a damaged file fails here.
    """
    from regretlab.games.sizes import check_fits

    path = _existing_file(path, what)
    shown = str(path)
    size = path.stat().st_size
    if size == 0:
        raise ValueError(f"{what} {shown!r} is empty (0 bytes), expected a .npz file of NumPy arrays")
    if not zipfile.is_zipfile(path):
        kind = ("it looks like a text file" if _looks_like_text(path)
                else "no zip directory was found: the file is truncated or of another kind")
        raise ValueError(f"{what} {shown!r} is not a .npz file (a zip of NumPy arrays): {kind}")
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
        check_fits(f"{what} {shown!r} ({unpacked:,} bytes unpacked): reading it", unpacked)
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
        raise ValueError(f"{what} {shown!r} is damaged or truncated ({type(exc).__name__}: {exc})") from None
    except ValueError as exc:
        if str(exc).startswith(what):
            raise
        if "pickle" in str(exc):
            raise ValueError(f"{what} {shown!r} holds Python objects (pickles), which are never loaded; "
                             "expected plain numeric arrays") from None
        raise ValueError(f"{what} {shown!r} is damaged or truncated ({exc})") from None
    missing = [k for k in required if k not in arrays]
    if missing:
        has = ", ".join(sorted(arrays)) or "none"
        raise ValueError(f"{what} {shown!r} lacks the arrays {', '.join(missing)} (it has: {has})")
    return arrays


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in JSON text (strings skipped), without recursion."""
    stripped = re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*"', "", text)
    depth = best = 0
    chunk = 1 << 22
    for start in range(0, len(stripped), chunk):
        raw = np.frombuffer(stripped[start:start + chunk].encode("utf-8", "replace"), dtype=np.uint8)
        step = ((raw == 91) | (raw == 123)).astype(np.int64) - ((raw == 93) | (raw == 125))
        if step.size:
            run = depth + np.cumsum(step)
            best = max(best, int(run.max()))
            depth = int(run[-1])
    return best


def read_json(path: str | Path, what: str = "JSON file", max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a JSON file with one clear error for anything wrong (never executes anything).

    Errors name ``what`` and the path: missing, a folder, not UTF-8 text, nested deeper than
    ``max_depth`` levels (checked before parsing, so no ``RecursionError``), invalid JSON
    (with line, column and character position).
    """
    from regretlab.games.sizes import check_fits

    path = _existing_file(path, what)
    shown = str(path)
    check_fits(f"{what} {shown!r} ({path.stat().st_size:,} bytes): reading it", 12 * path.stat().st_size)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} {shown!r} is not JSON text: byte {data[exc.start]:#04x} at position "
                         f"{exc.start} is not UTF-8") from None
    depth = json_depth(text)
    if depth > max_depth:
        raise ValueError(f"{what} {shown!r} nests {depth:,} levels deep; at most {max_depth:,} are supported")
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(old, depth + 2000))
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} {shown!r} is not valid JSON: {exc.msg} at line {exc.lineno} column "
                         f"{exc.colno} (character {exc.pos})") from None
    except RecursionError:
        raise ValueError(f"{what} {shown!r} nests too deeply to be read ({depth:,} levels)") from None
    finally:
        sys.setrecursionlimit(old)


class _JsonGame(GameDefinition):
    """A parsed JSON tree; states are ``(path, node_dict)`` pairs."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.name = str(doc.get("name", "json_game"))
        self.num_players = doc["num_players"]
        names = doc.get("action_names")
        self._names = list(names) if names is not None else None

    @property
    def num_actions(self) -> int:
        if self._names is not None:
            return len(self._names)
        raise NotImplementedError

    def action_name(self, action: int) -> str:
        if self._names is not None and 0 <= action < len(self._names):
            return str(self._names[action])
        return str(action)

    def initial_state(self) -> Any:
        return ("root", self.doc["root"])

    def current_player(self, state: Any) -> int:
        path, node = state
        kind = _field(node, "type", path, str)
        if kind == "terminal":
            return TERMINAL
        if kind == "chance":
            return CHANCE
        if kind == "decision":
            p = _field(node, "player", path, int)
            if not 0 <= p < self.num_players:
                raise ValueError(f"{path}: player must be in [0, {self.num_players}), got {p}")
            return p
        raise ValueError(f"{path}: type must be 'chance', 'decision' or 'terminal', got {kind!r}")

    def legal_actions(self, state: Any) -> list[int]:
        path, node = state
        acts = _field(node, "actions", path, list)
        children = _field(node, "children", path, list)
        if len(acts) != len(children) or not acts:
            raise ValueError(
                f"{path}: 'actions' and 'children' must be non-empty lists of equal length, got "
                f"{len(acts)} and {len(children)}"
            )
        for a in acts:
            if isinstance(a, bool) or not isinstance(a, int) or a < 0:
                raise ValueError(f"{path}: actions must be non-negative integers, got {a!r}")
        if len(set(acts)) != len(acts):
            raise ValueError(f"{path}: actions must be distinct, got {acts}")
        if self._names is not None and max(acts) >= len(self._names):
            raise ValueError(f"{path}: action {max(acts)} has no entry in action_names")
        return acts

    def chance_outcomes(self, state: Any) -> list[tuple[int, float]]:
        path, node = state
        outs = _field(node, "outcomes", path, list)
        result = []
        for k, o in enumerate(outs):
            p = _field(o, "prob", f"{path}.outcomes[{k}]", (int, float))
            _field(o, "child", f"{path}.outcomes[{k}]", dict)
            result.append((k, float(p)))
        if not result:
            raise ValueError(f"{path}: a chance node needs at least one outcome")
        probs = np.array([p for _, p in result])
        if (probs <= 0).any() or abs(probs.sum() - 1.0) > 1e-9:
            raise ValueError(
                f"{path}: chance probabilities must be positive and sum to 1, got {probs.tolist()}"
            )
        return result

    def apply(self, state: Any, action: int) -> Any:
        path, node = state
        if node["type"] == "chance":
            return (f"{path}.outcomes[{action}].child", node["outcomes"][action]["child"])
        k = node["actions"].index(action)
        child = node["children"][k]
        if not isinstance(child, dict):
            raise ValueError(f"{path}.children[{k}] must be an object, got {type(child).__name__}")
        return (f"{path}.children[{k}]", child)

    def returns(self, state: Any) -> list[float]:
        path, node = state
        u = _field(node, "utilities", path, list)
        if len(u) != self.num_players or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x) for x in u
        ):
            raise ValueError(
                f"{path}: utilities must be {self.num_players} finite numbers, got {u!r}"
            )
        return u

    def infoset_key(self, state: Any) -> str:
        path, node = state
        return _field(node, "infoset", path, str)


def _field(node: Any, name: str, path: str, types: Any) -> Any:
    if not isinstance(node, dict):
        raise ValueError(f"{path} must be an object, got {type(node).__name__}")
    if name not in node:
        raise ValueError(f"{path}: missing field {name!r}")
    value = node[name]
    ok = isinstance(value, types) and not (isinstance(value, bool) and types in (int, (int, float)))
    if not ok:
        want = types.__name__ if isinstance(types, type) else "/".join(t.__name__ for t in types)
        raise ValueError(f"{path}.{name} must be {want}, got {value!r}")
    return value


def game_from_dict(doc: Any) -> Treeplex:
    """Validate a game document (see module docstring) and build its treeplex."""
    if not isinstance(doc, dict):
        raise ValueError(f"a game document must be a JSON object, got {type(doc).__name__}")
    fmt = doc.get("format")
    if fmt != GAME_FORMAT:
        raise ValueError(f"format must be {GAME_FORMAT!r}, got {fmt!r}")
    P = doc.get("num_players")
    if isinstance(P, bool) or not isinstance(P, int) or P < 1:
        raise ValueError(f"num_players must be an integer >= 1, got {P!r}")
    if "root" not in doc:
        raise ValueError("missing field 'root'")
    names = doc.get("action_names")
    if names is not None and not (isinstance(names, list) and all(isinstance(x, str) for x in names)):
        raise ValueError(f"action_names must be a list of strings, got {names!r}")
    return build_treeplex(_JsonGame(doc))


def load_game(path: str | Path, what: str = "game file") -> Treeplex:
    """Load a game JSON file (``json`` only; nothing in the file is executed).

    Errors name ``what`` and the path (see :func:`read_json`), then the offending node.
    """
    doc = read_json(path, what)
    try:
        return game_from_dict(doc)
    except ValueError as exc:
        raise ValueError(f"{what} {str(path)!r}: {exc}") from None


def game_to_dict(game: Treeplex) -> dict:
    """The JSON document of a treeplex (chance outcomes are numbered 0..k-1)."""
    N = game.num_nodes
    nodes: list[dict | None] = [None] * N
    for n in range(N - 1, -1, -1):
        pl = int(game.node_player[n])
        if pl == TERMINAL:
            nodes[n] = {"type": "terminal",
                        "utilities": game.utilities[game.node_terminal[n]].tolist()}
            continue
        fc, nc = int(game.node_first_child[n]), int(game.node_num_children[n])
        kids = [nodes[c] for c in range(fc, fc + nc)]
        for c in range(fc, fc + nc):
            nodes[c] = None
        if pl == CHANCE:
            nodes[n] = {"type": "chance", "outcomes": [
                {"action": k, "prob": float(game.node_chance_prob[fc + k]), "child": kids[k]}
                for k in range(nc)]}
        else:
            s = int(game.node_infoset[n])
            nodes[n] = {"type": "decision", "player": pl, "infoset": str(game.infoset_keys[s]),
                        "actions": game.infoset_actions[s, :nc].tolist(), "children": kids}
    return {"format": GAME_FORMAT, "name": game.name, "num_players": game.num_players,
            "action_names": list(game.action_names), "root": nodes[0]}


def save_game(game: Treeplex, path: str | Path) -> Path:
    """Write ``game`` as a game JSON file; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(game_to_dict(game), separators=(",", ":")))
    return path


# -- policies ---------------------------------------------------------------------------------


def save_policy(game: Treeplex, policy: Any, path: str | Path) -> Path:
    """Write an ``[I, A]`` policy as JSON (``.json``) or NPZ (``.npz``), keyed by information set."""
    sigma = game.check_policy(policy)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".npz":
        np.savez(path, policy=sigma, keys=np.array([str(k) for k in game.infoset_keys]),
                 actions=game.infoset_actions, game=np.array(game.name))
    elif path.suffix == ".json":
        table = {}
        for s, key in enumerate(game.infoset_keys):
            na = game.infoset_num_actions[s]
            table[str(key)] = {str(int(a)): float(p) for a, p in
                               zip(game.infoset_actions[s, :na], sigma[s, :na])}
        path.write_text(json.dumps({"format": POLICY_FORMAT, "game": game.name, "policy": table}))
    else:
        raise ValueError(f"path must end in .json or .npz, got {str(path)!r}")
    return path


def load_policy(game: Treeplex, path: str | Path, what: str = "policy file") -> np.ndarray:
    """Read a policy file written by :func:`save_policy` (or by hand) as an ``[I, A]`` array.

    Every information set of ``game`` must be present; unknown keys or actions are errors, and so
    are damaged files, wrong shapes, non-finite or negative probabilities and rows that do not
    sum to 1. Every error names ``what`` (e.g. ``"--policy"``) and the path.
    """
    path = Path(path)
    shown = str(path)
    if path.suffix not in (".npz", ".json"):
        raise ValueError(f"{what} must end in .json or .npz, got {shown!r}")
    if path.suffix == ".npz":
        data = read_npz(path, what, required=("policy", "keys", "actions"))
        items = _npz_policy_items(data)
    else:
        items = _json_policy_items(read_json(path, what))
    try:
        return _policy_array(game, items)
    except ValueError as exc:
        raise ValueError(f"{what} {shown!r}: {exc}") from None


def _npz_policy_items(data: dict[str, np.ndarray]) -> list[tuple[str, dict[int, float]]]:
    rows, keys, actions = data["policy"], data["keys"], data["actions"]
    if keys.ndim != 1 or rows.ndim != 2 or actions.shape != rows.shape or rows.shape[0] != keys.shape[0]:
        raise ValueError(f"arrays must be policy [I, A], keys [I] and actions [I, A], got shapes "
                         f"{list(rows.shape)}, {list(keys.shape)} and {list(actions.shape)}")
    if not np.issubdtype(rows.dtype, np.number) or not np.issubdtype(actions.dtype, np.integer):
        raise ValueError(f"'policy' must hold numbers and 'actions' integers, got {rows.dtype} and {actions.dtype}")
    items = []
    for r, k in enumerate(keys.tolist()):
        valid = actions[r] >= 0
        items.append((str(k), dict(zip(actions[r][valid].tolist(), rows[r][valid].astype(float).tolist()))))
    return items


def _json_policy_items(doc: Any) -> list[tuple[str, dict[int, float]]]:
    if not isinstance(doc, dict) or doc.get("format") != POLICY_FORMAT:
        raise ValueError(f"policy file must be a JSON object with format {POLICY_FORMAT!r}")
    table = doc.get("policy")
    if not isinstance(table, dict):
        raise ValueError("'policy' must map information-set keys to {action: prob}")
    items = []
    for k, row in table.items():
        if not isinstance(row, dict):
            raise ValueError(f"entry {k!r} must map action ids to probabilities")
        try:
            items.append((k, {int(a): float(p) for a, p in row.items()}))
        except (TypeError, ValueError):
            raise ValueError(f"entry {k!r} has a non-integer action or a non-number") from None
    return items


def _policy_array(game: Treeplex, items: list[tuple[str, dict[int, float]]]) -> np.ndarray:
    keys = {str(k): s for s, k in enumerate(game.infoset_keys)}
    out = np.zeros(game.legal_mask.shape)
    seen = np.zeros(game.num_infosets, dtype=bool)
    for k, row in items:
        if k not in keys:
            raise ValueError(f"information set {k!r} is unknown to game {game.name!r}")
        s = keys[k]
        acts = game.infoset_actions[s, : game.infoset_num_actions[s]].tolist()
        for a, p in row.items():
            if a not in acts:
                raise ValueError(f"action {a} is not legal at information set {k!r}")
            if not np.isfinite(p) or p < -1e-12:
                raise ValueError(f"information set {k!r}, action {a}: probability must be finite and >= 0, got {p!r}")
            out[s, acts.index(a)] = p
        seen[s] = True
    if not seen.all():
        missing = game.infoset_keys[int(np.flatnonzero(~seen)[0])]
        raise ValueError(f"lacks information set {missing!r} ({(~seen).sum()} missing) of game {game.name!r}")
    return game.check_policy(out, "the policy")


# -- compiled treeplex files ------------------------------------------------------------------

_ARRAYS = ("node_player", "node_parent", "node_action", "node_first_child", "node_num_children",
           "node_infoset", "node_chance_prob", "node_terminal", "node_depth", "utilities",
           "infoset_player", "infoset_num_actions", "infoset_actions", "legal_mask",
           "infoset_parent", "infoset_parent_action", "infoset_sequence", "num_sequences")


def save_treeplex(game: Treeplex, path: str | Path) -> Path:
    """Write the flat arrays of ``game`` to an NPZ file (fast to reload; keys stored as text)."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"path must end in .npz, got {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, format=np.array("regretlab.treeplex/1"), name=np.array(game.name),
             num_players=np.array(game.num_players),
             infoset_keys=np.array([str(k) for k in game.infoset_keys]),
             action_names=np.array([str(a) for a in game.action_names] or [""]),
             num_action_names=np.array(len(game.action_names)),
             **({"openspiel_game": np.array(game.meta["openspiel_game"])} if "openspiel_game" in game.meta else {}),
             **{k: getattr(game, k) for k in _ARRAYS})
    return path


def load_treeplex(path: str | Path, what: str = "treeplex file") -> Treeplex:
    """Read a file written by :func:`save_treeplex` (no pickles; nothing is executed)."""
    data = read_npz(path, what)
    shown = str(path)
    if str(data.get("format", "")) != "regretlab.treeplex/1":
        raise ValueError(f"{what} {shown!r} is not a regretlab treeplex file (no format 'regretlab.treeplex/1')")
    missing = [k for k in _ARRAYS + ("name", "num_players", "infoset_keys", "action_names", "num_action_names")
               if k not in data]
    if missing:
        raise ValueError(f"{what} {shown!r} lacks the arrays {', '.join(missing)}")
    arrays = {k: data[k] for k in _ARRAYS}
    n_names = int(data["num_action_names"])
    tp = Treeplex(
        name=str(data["name"]), num_players=int(data["num_players"]),
        infoset_keys=[str(k) for k in data["infoset_keys"]],
        action_names=[str(a) for a in data["action_names"][:n_names]], **arrays,
    )
    if "openspiel_game" in data:
        tp.meta["openspiel_game"] = str(data["openspiel_game"])
    return tp
