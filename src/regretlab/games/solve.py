"""Long solves with checkpoints: run a CFR-family or MCCFR solver on a game, evaluating
exploitability every ``checkpoint_every`` iterations, saving a checkpoint that resumes to a
bit-identical result. The curve is returned; the registered experiment ``games_solve``
(:mod:`regretlab.experiments.games_solve`) makes it a cell of the store, and ``regretlab solve``
stores it through that experiment (:func:`regretlab.sweep.store_cell`) and draws it
(:func:`regretlab.plot.exploitability_curves`)."""

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

LP_ALGO = "sequence-form-lp"  # exact two-player zero-sum solve (regretlab.games.sequence_form)
ALGOS = tuple(ALGORITHMS) + ("mccfr-external", "mccfr-outcome", "mccfr-outcome-vr", LP_ALGO)
VR_RATE = 0.5  # baseline learning rate of mccfr-outcome-vr (VR-MCCFR, Schmid et al. 2019)


@dataclass(frozen=True)
class SolveConfig:
    game: str = "leduc"  # game spec (see regretlab.games.registry.load)
    players: int = 2  # players of a built-in game
    algo: str = "cfr+"  # one of ALGOS
    iterations: int = 1000  # total iterations
    checkpoint_every: int = 100  # evaluate / checkpoint period
    seed: int = 0  # MCCFR sampling seed (and a randomised local rule's)
    params: str = ""  # extra game parameters, "key=value,key=value" (hold'em, OpenSpiel)
    local: str = ""  # "" or an experts learner replacing the algorithm's local rule (see local_rule)
    dtype: str = "float64"  # storage of regrets and averages: float64 or float32 (fused rules)


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


def check_algo(algo: Any, what: str = "algo") -> str:
    """``algo`` if it is one of :data:`ALGOS`, else a ValueError naming ``what`` (e.g. ``--algo``)."""
    if not isinstance(algo, str) or algo not in ALGOS:
        import difflib

        close = difflib.get_close_matches(str(algo), ALGOS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"{what} must be one of {', '.join(ALGOS)}, got {algo!r}{hint}")
    return algo


_LOCAL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)


def local_rule(spec: str, iterations: int | None = None, what: str = "local") -> Any:
    """The experts learner named by ``spec``: ``"hedge"`` or ``"hedge(lr=0.5, schedule=anytime)"``.

    ``name`` is a registered learner of family ``experts`` (``regretlab list learners``); the
    parameters are parsed like :func:`parse_params` (numbers, booleans, strings; never evaluated).
    A learner that cannot be built from its defaults because it needs a horizon (Hedge's fixed
    rate) gets ``horizon=iterations``: each information set's rule sees one update per iteration.

    Args:
        spec: the learner, as above.
        iterations: the solve's iterations (the horizon fallback); ``None``: no fallback.
        what: how errors name the option (``--local``).

    Returns:
        The learner (``init`` / ``strategy`` / ``update``, full-information feedback).

    Example:
        >>> local_rule("regret_matching_plus")
        regret_matching_plus()
        >>> type(local_rule("hedge", iterations=300)).__name__
        'Hedge'
    """

    from regretlab.core.registry import learners
    from regretlab.games import local as rules

    m = _LOCAL.match(spec) if isinstance(spec, str) else None
    if m is None:
        raise ValueError(f"{what} must be an experts learner name, optionally with parameters, e.g. "
                         f"'hedge' or 'hedge(lr=0.5)', got {spec!r}")
    name, inner = m.group(1), m.group(2)
    experts = learners.names("experts")
    if name not in learners:
        import difflib

        close = difflib.get_close_matches(name, experts, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(f"{what} must name a registered experts learner, got {name!r}{hint}; "
                         f"experts learners: {', '.join(experts)}")
    entry = learners.get(name)
    if entry.family != "experts":
        raise ValueError(f"{what} must name an experts learner (a CFR local rule sees full-information "
                         f"counterfactual values), got {name!r} of family {entry.family!r}; "
                         f"experts learners: {', '.join(experts)}")
    try:
        params = parse_params(inner or "")
    except ValueError as exc:
        raise ValueError(f"{what} {spec!r}: {exc}") from None
    try:
        learner = entry.factory(**params)
    except TypeError as exc:
        raise ValueError(f"{what} {spec!r}: {exc}") from None
    except ValueError as exc:
        if iterations is None or "horizon" not in entry.tunes or {"horizon", "lr"} & set(params):
            raise ValueError(f"{what} {spec!r}: {exc}") from None
        try:
            learner = entry.factory(**params, horizon=int(iterations))
        except (TypeError, ValueError):
            raise ValueError(f"{what} {spec!r}: {exc}") from None
    return rules.check_local(learner, what)


def solver_label(algo: str, local: str = "") -> str:
    """``algo``, or ``algo[local]`` when a local rule replaces the algorithm's own."""
    return f"{algo}[{local}]" if local else algo


def make(algo: str, seed: int = 0, local: str = "", iterations: int | None = None,
         what: str = "algo", local_what: str = "local", threads: int = 1, dtype: str = "float64") -> Any:
    """The solver object for an algorithm name (CFR family or MCCFR).

    ``threads`` is the cores of the CFR family's compiled sweeps (the same numbers at any
    count); a single-seed MCCFR run samples one traversal at a time and ignores it. ``dtype``
    is the storage of regrets and averages (``"float32"``: the fused rules only).

    With ``local`` (see :func:`local_rule`) that learner replaces the algorithm's local rule: a
    CFR preset keeps its averaging schedule and update order (``make("cfr", local="hedge(lr=0.5)")`` is
    CFR-Hedge; the built-in regret-matching rules still run fused), MCCFR keeps its sampling.
    ``seed`` seeds MCCFR's sampling and a randomised local rule's keys.
    """
    check_algo(algo, what)
    if algo == LP_ALGO:
        if local:
            raise ValueError(f"{local_what} does not apply to {what} {LP_ALGO} (an LP has no local rule), "
                             f"got {local!r}")
        from regretlab.games.sequence_form import SequenceFormLPSolver

        return SequenceFormLPSolver()
    rule = None if not local else local_rule(local, iterations, local_what)
    if algo == "mccfr-outcome-vr":
        return mccfr("outcome", seed=seed, local=rule, dtype=dtype, vr=VR_RATE)
    if algo.startswith("mccfr-"):
        return mccfr(algo.split("-", 1)[1], seed=seed, local=rule, dtype=dtype)
    preset = make_solver(algo, threads=threads, dtype=dtype)
    if rule is None:
        return preset
    from regretlab.games.cfr import cfr

    return cfr(local=rule, averaging=preset.averaging, updates=preset.updates, backend=preset.backend,
               name=solver_label(algo, local), seed=seed, threads=threads, dtype=dtype)


def make_for(config: SolveConfig, what: str = "algo", local_what: str = "local", threads: int = 1) -> Any:
    """The solver of ``config`` (:func:`make` with its algorithm, seed, local rule, iterations)."""
    return make(config.algo, config.seed, config.local, config.iterations, what, local_what, threads,
                config.dtype)


def checkpoint_problem(solver: Any) -> str | None:
    """Why ``solver``'s state cannot go into a checkpoint, or ``None`` when it can (the
    regret-matching rules have a flat-array state; other learners' states are not saved)."""
    try:
        solver._flat_rule()
    except ValueError as exc:
        return str(exc)
    return None


def save_checkpoint(path: Path, config: SolveConfig, state: Any, curve: dict[str, list],
                    game: Treeplex) -> None:
    """Write the solver state (as flat ``[I, A]`` arrays ``state_t``, ``state_regret``, ...),
    config and curve so far (atomically: temp file then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    arrays = {f"state_{k}": np.asarray(v) for k, v in make_for(config).to_arrays(state, game).items()}
    np.savez(tmp, config=np.array(json.dumps(asdict(config))),
             kind=np.array(type(state).__name__),
             **arrays, **{f"curve_{k}": np.asarray(v) for k, v in curve.items()})
    tmp.replace(path)


_CURVE = ("iteration", "exploitability", "nash_conv", "seconds")


def default_checkpoint(config: SolveConfig, folder: str | Path = Path("results") / "checkpoints") -> Path:
    """Where a solve checkpoints when no file is named: one file per game, players, parameters,
    algorithm, local rule, seed and period, e.g.
    ``results/checkpoints/leduc-p2-cfr+-seed0-every1000.npz``."""
    def slug(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.+=-]+", "_", text).strip("_") or "game"

    game = config.game
    if game.endswith(".json"):  # a file: its name and a short hash of where it is
        game = f"{Path(game).stem}-{hashlib.sha1(str(Path(game).resolve()).encode()).hexdigest()[:8]}"
    parts = [slug(game), f"p{config.players}"]
    if config.params:
        parts.append(slug(config.params.replace(",", "_")))
    parts.append(slug(config.algo))
    if config.local:
        parts.append(slug(config.local))
    if config.dtype != "float64":
        parts.append(config.dtype)
    parts += [f"seed{config.seed}", f"every{config.checkpoint_every}"]
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
    saved.setdefault("local", "")
    saved.setdefault("dtype", "float64")
    for k in ("game", "players", "algo", "local", "seed", "checkpoint_every", "params", "dtype"):
        if saved.get(k) != getattr(config, k):
            raise ValueError(
                f"{what} {shown!r} was written with {k}={saved.get(k)!r}, not "
                f"{getattr(config, k)!r}; use another --checkpoint path or the same settings"
            )
    kind = str(_scalar(arrays, "kind", what, shown))
    want = "MCCFRState" if config.algo.startswith("mccfr") else "CFRState"
    if kind != want:
        raise ValueError(f"{what} {shown!r} holds a {kind!r} state, expected {want!r} for algo {config.algo!r}")
    solver = make_for(config)
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
        if k not in ("strategy", "baseline") and arr.dtype != np.dtype(config.dtype):
            raise ValueError(f"{what} {shown!r}: state_{k} is stored as {arr.dtype}, but this solve keeps "
                             f"{config.dtype}; resuming would not be bit-identical")
        want = shape
        if k == "baseline" and game is not None:
            want = (game.num_players, game.num_nodes, game.max_actions)
        if game is not None and want is not None and arr.shape != want:
            kind = ("players x nodes x actions" if k == "baseline" else "information sets x actions")
            raise ValueError(
                f"{what} {shown!r}: state_{k} has shape {list(arr.shape)}, but game {game.name!r} "
                f"needs {list(want)} ({kind})")
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
    threads: int = 1,
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
        threads: cores of the CFR family's compiled sweeps (the same numbers at any count, so a
            checkpoint written at one count resumes bit-identically at another).

    Returns:
        (solver, final state, curve columns ``iteration``, ``exploitability``, ``nash_conv``,
        ``seconds``).
    """
    check_int("iterations", config.iterations, minimum=1)
    every = check_int("checkpoint_every", config.checkpoint_every, minimum=1)
    solver = make_for(config, threads=threads)
    if checkpoint is not None and checkpoint_problem(solver) is not None:
        raise ValueError(f"{checkpoint_name} {str(checkpoint)!r}: {checkpoint_problem(solver)}, so the "
                         "solve cannot checkpoint; solve without a checkpoint")
    curve: dict[str, list] = {"iteration": [], "exploitability": [], "nash_conv": [], "seconds": []}
    state = None
    if checkpoint is not None and resume and Path(checkpoint).exists():
        state, curve = load_checkpoint(Path(checkpoint), config, game, checkpoint_name)
        if on_resume is not None:
            on_resume(state.t)
    if state is None:
        from regretlab.games.sizes import check_solver_fits

        check_solver_fits(game, config.algo, config.dtype, threads)
        state = solver.init(game)
    if config.algo == LP_ALGO:  # one exact solve: the curve is one point at "iteration" 1
        t0 = time.perf_counter()
        state = solver.update(state, game, 1)
        elapsed = time.perf_counter() - t0
        nc = nash_conv(game, state.policy)
        for k, v in zip(_CURVE, (state.t, nc / game.num_players, nc, elapsed)):
            curve[k].append(v)
        if on_checkpoint is not None:
            on_checkpoint(state.t, nc / game.num_players)
        return solver, state, curve
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


__all__ = [
    "ALGOS",
    "LP_ALGO",
    "SolveConfig",
    "check_algo",
    "checkpoint_problem",
    "default_checkpoint",
    "exploitability",
    "load_checkpoint",
    "local_rule",
    "make",
    "make_for",
    "save_checkpoint",
    "solve",
    "solver_label",
]
