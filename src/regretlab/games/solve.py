"""Long solves with checkpoints: run a CFR-family or MCCFR solver on a game, evaluating
exploitability every ``checkpoint_every`` iterations, saving a checkpoint that resumes to a
bit-identical result. The curve is returned (and stored / drawn by the command line:
:func:`regretlab.plot.exploitability_curves`)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from regretlab.core.errors import check_int
from regretlab.games.cfr import ALGORITHMS, make_solver
from regretlab.games.evaluation import exploitability, nash_conv
from regretlab.games.mccfr import mccfr
from regretlab.games.treeplex import Treeplex

ALGOS = tuple(ALGORITHMS) + ("mccfr-external", "mccfr-outcome")


@dataclass(frozen=True)
class SolveConfig:
    game: str = "leduc"  # game spec (see regretlab.games.registry.load)
    players: int = 2  # players of a built-in game
    algo: str = "cfr+"  # one of ALGOS
    iterations: int = 1000  # total iterations
    checkpoint_every: int = 100  # evaluate / checkpoint period
    seed: int = 0  # MCCFR sampling seed
    params: str = ""  # extra game parameters, "key=value,key=value" (hold'em, OpenSpiel)


def parse_params(text: str) -> dict[str, Any]:
    """``"ranks=4,board=1-1,name=x"`` -> ``{"ranks": 4, "board": (1, 1), "name": "x"}``.

    Values are integers, floats, ``true``/``false``, dash-separated integer tuples, or strings;
    nothing is evaluated.
    """
    out: dict[str, Any] = {}
    for item in filter(None, (t.strip() for t in str(text).split(","))):
        if "=" not in item:
            raise ValueError(f"params entries must look like key=value, got {item!r}")
        key, value = (x.strip() for x in item.split("=", 1))
        if not key.isidentifier():
            raise ValueError(f"params key must be a name, got {key!r}")
        out[key] = _parse_value(value)
    return out


def _parse_value(value: str) -> Any:
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    parts = value.split("-")
    if len(parts) > 1 and all(p.isdigit() for p in parts):
        return tuple(int(p) for p in parts)
    return value


def make(algo: str, seed: int = 0) -> Any:
    """The solver object for an algorithm name (CFR family or MCCFR)."""
    if algo == "mccfr-external":
        return mccfr("external", seed=seed)
    if algo == "mccfr-outcome":
        return mccfr("outcome", seed=seed)
    if algo not in ALGORITHMS:
        raise ValueError(f"algo must be one of {ALGOS}, got {algo!r}")
    return make_solver(algo)


def save_checkpoint(path: Path, config: SolveConfig, state: Any, curve: dict[str, list],
                    game: Treeplex) -> None:
    """Write the solver state (as flat ``[I, A]`` arrays ``state_t``, ``state_regret``, ...),
    config and curve so far (atomically: temp file then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    arrays = {f"state_{k}": np.asarray(v) for k, v in make(config.algo, config.seed).to_arrays(state, game).items()}
    np.savez(tmp, config=np.array(json.dumps(asdict(config))),
             kind=np.array(type(state).__name__),
             **arrays, **{f"curve_{k}": np.asarray(v) for k, v in curve.items()})
    tmp.replace(path)


_CURVE = ("iteration", "exploitability", "nash_conv", "seconds")


def default_checkpoint(config: SolveConfig, folder: str | Path = Path("results") / "checkpoints") -> Path:
    """Where a solve checkpoints when no file is named: one file per game, players, parameters,
    algorithm, seed and period, e.g. ``results/checkpoints/leduc-p2-cfr+-seed0-every1000.npz``."""
    def slug(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.+=-]+", "_", text).strip("_") or "game"

    game = config.game
    if game.endswith(".json"):  # a file: its name and a short hash of where it is
        game = f"{Path(game).stem}-{hashlib.sha1(str(Path(game).resolve()).encode()).hexdigest()[:8]}"
    parts = [slug(game), f"p{config.players}"]
    if config.params:
        parts.append(slug(config.params.replace(",", "_")))
    parts += [slug(config.algo), f"seed{config.seed}", f"every{config.checkpoint_every}"]
    return Path(folder) / ("-".join(parts) + ".npz")


def _scalar(arrays: dict, key: str, what: str, shown: str) -> Any:
    value = arrays[key]
    if value.ndim != 0:
        raise ValueError(f"{what} {shown!r}: {key!r} must be a single value, got an array of shape {list(value.shape)}")
    return value[()]


def load_checkpoint(path: Path, config: SolveConfig, game: Treeplex | None = None,
                    what: str = "checkpoint file") -> tuple[Any, dict[str, list]]:
    """Read and check a checkpoint; its game, players, algo, seed, period and parameters must
    equal ``config``'s, and (with ``game``) its arrays must have the game's shape ``[I, A]``.

    Every error names ``what`` (e.g. ``"--checkpoint"``) and the path: not a sound ``.npz``,
    missing arrays, other settings, wrong shapes, non-finite values, a negative or
    inconsistent iteration count, a curve of unequal lengths.
    """
    from regretlab.games.io import read_npz

    shown = str(path)
    arrays = read_npz(path, what, required=("config", "kind", "state_t"))
    try:
        saved = json.loads(str(_scalar(arrays, "config", what, shown)))
    except json.JSONDecodeError:
        saved = None
    if not isinstance(saved, dict):
        raise ValueError(f"{what} {shown!r}: 'config' is not the JSON settings of a regretlab solve")
    saved.setdefault("params", "")
    for k in ("game", "players", "algo", "seed", "checkpoint_every", "params"):
        if saved.get(k) != getattr(config, k):
            raise ValueError(
                f"{what} {shown!r} was written with {k}={saved.get(k)!r}, not "
                f"{getattr(config, k)!r}; use another --checkpoint path or the same settings"
            )
    kind = str(_scalar(arrays, "kind", what, shown))
    want = "MCCFRState" if config.algo.startswith("mccfr") else "CFRState"
    if kind != want:
        raise ValueError(f"{what} {shown!r} holds a {kind!r} state, expected {want!r} for algo {config.algo!r}")
    solver = make(config.algo, config.seed)
    names = solver.ARRAYS  # the flat arrays of the state (t first)
    missing = [f"state_{k}" for k in names if f"state_{k}" not in arrays]
    if missing:
        raise ValueError(f"{what} {shown!r} lacks the arrays {', '.join(missing)}")
    t_raw = _scalar(arrays, "state_t", what, shown)
    if not isinstance(t_raw, (np.integer, int)) or isinstance(t_raw, (bool, np.bool_)):
        raise ValueError(f"{what} {shown!r}: the iteration count state_t must be an integer, got {t_raw!r}")
    t = int(t_raw)
    if t < 0:
        raise ValueError(f"{what} {shown!r}: the iteration count state_t must be >= 0, got {t}")
    fields: dict[str, Any] = {"t": t}
    shape = None if game is None else game.legal_mask.shape
    for k in names[1:]:
        arr = arrays[f"state_{k}"]
        if not np.issubdtype(arr.dtype, np.floating):
            raise ValueError(f"{what} {shown!r}: state_{k} must hold floats, got dtype {arr.dtype}")
        if game is not None and shape is not None and arr.shape != shape:
            raise ValueError(
                f"{what} {shown!r}: state_{k} has shape {list(arr.shape)}, but game {game.name!r} "
                f"needs [{shape[0]}, {shape[1]}] (information sets x actions)")
        if not np.isfinite(arr).all():
            bad = arr[~np.isfinite(arr)].ravel()[0]
            raise ValueError(f"{what} {shown!r}: state_{k} must be finite, but {int((~np.isfinite(arr)).sum())} "
                             f"of its {arr.size} entries are not (e.g. {float(bad)})")
        fields[k] = arr
    curve = {k[len("curve_"):]: arrays[k] for k in arrays if k.startswith("curve_")}
    lengths = {k: v.shape for k, v in curve.items()}
    if set(curve) != set(_CURVE) or len({v.shape for v in curve.values()}) != 1 or any(
            v.ndim != 1 for v in curve.values()):
        raise ValueError(f"{what} {shown!r}: the curve must have 1-D arrays {', '.join(_CURVE)} of one "
                         f"length, got {lengths}")
    for k, v in curve.items():
        if not np.issubdtype(v.dtype, np.number) or not np.isfinite(v).all():
            raise ValueError(f"{what} {shown!r}: curve_{k} must hold finite numbers")
    its = curve["iteration"]
    if its.size and (int(its[-1]) != t or (np.diff(its) <= 0).any()):
        raise ValueError(f"{what} {shown!r}: the curve's iterations {its.tolist()[-3:]} do not end at "
                         f"state_t = {t} in increasing order")
    if game is None:
        from regretlab.games.registry import load

        game = load(config.game, config.players, **parse_params(config.params))
    state = solver.from_arrays(game, **fields)
    return state, {k: curve[k].tolist() for k in _CURVE}


def solve(
    config: SolveConfig,
    game: Treeplex,
    *,
    checkpoint: Path | None = None,
    resume: bool = True,
    on_checkpoint: Callable[[int, float], None] | None = None,
    on_resume: Callable[[int], None] | None = None,
    checkpoint_name: str = "checkpoint file",
) -> tuple[Any, Any, dict[str, list]]:
    """Run ``config`` on ``game``.

    Args:
        config: what to run.
        game: the treeplex (built from ``config.game``).
        checkpoint: file to save after each block and resume from when ``resume``.
        resume: continue from ``checkpoint`` if it exists.
        on_checkpoint: called with (iteration, exploitability) after each block.
        on_resume: called with the checkpoint's iteration when the run resumes from it.
        checkpoint_name: how errors about the checkpoint file name it (e.g. ``"--checkpoint"``).

    Returns:
        (solver, final state, curve columns ``iteration``, ``exploitability``, ``nash_conv``,
        ``seconds``).
    """
    check_int("iterations", config.iterations, minimum=1)
    every = check_int("checkpoint_every", config.checkpoint_every, minimum=1)
    solver = make(config.algo, config.seed)
    curve: dict[str, list] = {"iteration": [], "exploitability": [], "nash_conv": [], "seconds": []}
    state = None
    if checkpoint is not None and resume and Path(checkpoint).exists():
        state, curve = load_checkpoint(Path(checkpoint), config, game, checkpoint_name)
        if on_resume is not None:
            on_resume(state.t)
    if state is None:
        state = solver.init(game)
    elapsed = curve["seconds"][-1] if curve["seconds"] else 0.0
    while state.t < config.iterations:
        # blocks end on multiples of ``every`` so a resumed run evaluates at the same iterations
        n = min(every - state.t % every, config.iterations - state.t)
        t0 = time.perf_counter()
        state = solver.update(state, game, n)
        elapsed += time.perf_counter() - t0
        pol = solver.average_policy(state, game)
        nc = nash_conv(game, pol)
        curve["iteration"].append(state.t)
        curve["nash_conv"].append(nc)
        curve["exploitability"].append(nc / game.num_players)
        curve["seconds"].append(elapsed)
        if checkpoint is not None:
            save_checkpoint(Path(checkpoint), config, state, curve, game)
        if on_checkpoint is not None:
            on_checkpoint(state.t, nc / game.num_players)
    return solver, state, curve


__all__ = ["ALGOS", "SolveConfig", "solve", "make", "exploitability", "default_checkpoint",
           "load_checkpoint", "save_checkpoint"]
