"""Long solves with checkpoints: run a CFR-family or MCCFR solver on a game, evaluating
exploitability every ``checkpoint_every`` iterations, saving a checkpoint that resumes to a
bit-identical result, storing the exploitability curve and plotting it."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from regretlab.core.errors import check_int
from regretlab.games.cfr import ALGORITHMS, CFRState, make_solver
from regretlab.games.evaluation import exploitability, nash_conv
from regretlab.games.mccfr import MCCFRState, mccfr
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


def save_checkpoint(path: Path, config: SolveConfig, state: Any, curve: dict[str, list]) -> None:
    """Write the solver state, config and curve so far (atomically: temp file then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    arrays = {f"state_{k}": np.asarray(v) for k, v in state._asdict().items()}
    np.savez(tmp, config=np.array(json.dumps(asdict(config))),
             kind=np.array(type(state).__name__),
             **arrays, **{f"curve_{k}": np.asarray(v) for k, v in curve.items()})
    tmp.replace(path)


def load_checkpoint(path: Path, config: SolveConfig) -> tuple[Any, dict[str, list]]:
    """Read a checkpoint; its game, players, algo and seed must equal ``config``'s."""
    with np.load(path, allow_pickle=False) as data:
        saved = json.loads(str(data["config"]))
        saved.setdefault("params", "")
        for k in ("game", "players", "algo", "seed", "checkpoint_every", "params"):
            if saved[k] != getattr(config, k):
                raise ValueError(
                    f"checkpoint {str(path)!r} was written with {k}={saved[k]!r}, not "
                    f"{getattr(config, k)!r}; use another --checkpoint path or the same settings"
                )
        kind = str(data["kind"])
        cls = CFRState if kind == "CFRState" else MCCFRState
        fields = {k: data[f"state_{k}"] for k in cls._fields}
        fields["t"] = int(fields["t"])
        state = cls(**fields)
        curve = {k[len("curve_"):]: data[k].tolist() for k in data.files if k.startswith("curve_")}
    return state, curve


def solve(
    config: SolveConfig,
    game: Treeplex,
    *,
    checkpoint: Path | None = None,
    resume: bool = True,
    on_checkpoint: Callable[[int, float], None] | None = None,
) -> tuple[Any, Any, dict[str, list]]:
    """Run ``config`` on ``game``.

    Args:
        config: what to run.
        game: the treeplex (built from ``config.game``).
        checkpoint: file to save after each block and resume from when ``resume``.
        resume: continue from ``checkpoint`` if it exists.
        on_checkpoint: called with (iteration, exploitability) after each block.

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
        state, curve = load_checkpoint(Path(checkpoint), config)
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
            save_checkpoint(Path(checkpoint), config, state, curve)
        if on_checkpoint is not None:
            on_checkpoint(state.t, nc / game.num_players)
    return solver, state, curve


def plot_curve(curves: dict[str, dict[str, list]], path: Path, title: str = "") -> Path:
    """Log-log exploitability against iterations, one line per label; writes a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for label, c in curves.items():
        ax.loglog(c["iteration"], np.maximum(c["exploitability"], 1e-16), label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("exploitability (NashConv / P)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


__all__ = ["ALGOS", "SolveConfig", "solve", "plot_curve", "make", "exploitability"]
