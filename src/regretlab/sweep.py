"""Sweeps: expand a grid into cells and run them on a local process pool (default), serially,
or on Ray; every finished cell goes to the store at once, so a killed sweep resumes where it was.

A cell is (experiment, config, seed); its key (experiment, config hash, seed, package version)
decides whether it is already stored.
"""

from __future__ import annotations

import os
import re
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from regretlab.experiments import Experiment, get_experiment
from regretlab.store import Store, cell_key

BACKENDS = ("local", "serial", "ray")


@dataclass(frozen=True)
class Cell:
    """One unit of work: an experiment at one config and seed."""

    experiment: str
    params: tuple[tuple[str, Any], ...]  # config overrides, sorted
    seed: int

    @property
    def config(self) -> Any:
        return get_experiment(self.experiment).make_config(**dict(self.params))

    @property
    def key(self) -> str:
        return cell_key(self.experiment, self.config, self.seed)

    def label(self) -> str:
        inner = " ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.experiment}[{inner}{' ' if inner else ''}seed={self.seed}]"


# -- grid expansion ------------------------------------------------------------------------------
_TOKEN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.+)$")


def _parse_values(key: str, text: str) -> list[Any]:
    values: list[Any] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise ValueError(f"grid value list for {key!r} has an empty entry in {text!r}")
        if "=" in part:
            raise ValueError(f"malformed grid value {part!r} for {key!r}: separate keys with spaces, "
                             "e.g. 'algo=hedge,ftl T=1e3'")
        if re.fullmatch(r"-?\d+(:-?\d+){1,2}", part):  # a:b or a:b:step, b exclusive
            nums = [int(x) for x in part.split(":")]
            step = nums[2] if len(nums) == 3 else 1
            if step == 0:
                raise ValueError(f"grid range {part!r} for {key!r} has step 0")
            rng = list(range(nums[0], nums[1], step))
            if not rng:
                raise ValueError(f"grid range {part!r} for {key!r} is empty (end is exclusive)")
            values.extend(rng)
        else:
            values.append(_number(part))
    return values


def _number(text: str) -> Any:
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() and re.fullmatch(r"[-+]?\d+(\.0*)?([eE]\+?\d+)?", text) else f


def parse_grid(text: str) -> dict[str, list[Any]]:
    """``'algo=hedge,adahedge T=1e3,1e4 seed=0:20'`` -> ``{key: [values]}``."""
    if not text or not text.strip():
        raise ValueError("grid is empty; expected tokens like 'T=1e3,1e4 seed=0:10'")
    grid: dict[str, list[Any]] = {}
    for token in text.split():
        m = _TOKEN.match(token)
        if not m:
            raise ValueError(f"malformed grid token {token!r}; expected key=value[,value...] or key=a:b")
        key, vals = m.group(1), m.group(2)
        if key in grid:
            raise ValueError(f"grid key {key!r} appears twice")
        grid[key] = _parse_values(key, vals)
    return grid


def load_grid_file(path: str | Path) -> dict[str, list[Any]]:
    """A grid from TOML (``[grid]`` table or top level) or YAML (needs PyYAML)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"grid file {str(p)!r} does not exist")
    text = p.read_text()
    if p.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as exc:
            raise ValueError("reading a YAML grid needs PyYAML (pip install pyyaml); or use TOML") from exc
        data = yaml.safe_load(text) or {}
    else:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"grid file {str(p)!r} is not valid TOML: {exc}") from None
    data = data.get("grid", data)
    if not isinstance(data, Mapping) or not data:
        raise ValueError(f"grid file {str(p)!r} has no grid entries")
    grid: dict[str, list[Any]] = {}
    for key, val in data.items():
        if isinstance(val, str):
            grid[key] = _parse_values(key, val)
        elif isinstance(val, list):
            if not val:
                raise ValueError(f"grid key {key!r} has an empty list")
            grid[key] = list(val)
        else:
            grid[key] = [val]
    return grid


def validate_config(config: Any) -> None:
    """Check the fields most experiments share before any work: learner and environment names,
    positive horizons and run counts. Raises a ValueError naming the field."""
    from regretlab.core import environments, learners

    for field in ("algo", "algos"):
        names = getattr(config, field, None)
        if isinstance(names, str):
            for name in names.split(","):
                if name.strip():
                    learners.get(name.strip())
    env = getattr(config, "env", None)
    if isinstance(env, str) and not env.startswith("game:"):
        environments.get(env)
    for field in ("T", "runs", "horizon", "batch"):
        value = getattr(config, field, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 1:
            raise ValueError(f"{field} must be >= 1, got {value}")
    k = getattr(config, "K", None)
    if isinstance(k, int) and not isinstance(k, bool) and k < 0:
        raise ValueError(f"K must be >= 0 (0: the environment's default), got {k}")


def expand(experiment: str | Experiment, grid: Mapping[str, list[Any]], seeds: Iterable[int] | None = None) -> list[Cell]:
    """The cartesian product of the grid as cells; ``seed`` (or ``seeds``) varies the seed."""
    import dataclasses
    import itertools

    exp = get_experiment(experiment) if isinstance(experiment, str) else experiment
    fields = {f.name for f in dataclasses.fields(exp.config)}
    grid = dict(grid)
    seed_list = grid.pop("seed", None) or list(seeds or [0])
    unknown = sorted(set(grid) - fields)
    if unknown:
        raise ValueError(f"unknown grid key(s) {', '.join(unknown)} for experiment {exp.name!r}; "
                         f"expected one of: seed, {', '.join(sorted(fields))}")
    for s in seed_list:
        if not isinstance(s, int) or s < 0:
            raise ValueError(f"seed values must be non-negative integers, got {s!r}")
    keys = sorted(grid)
    cells = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        params = tuple(zip(keys, combo))
        validate_config(exp.make_config(**dict(params)))  # validate now, before anything runs
        for s in seed_list:
            cells.append(Cell(exp.name, params, int(s)))
    return cells


# -- execution ------------------------------------------------------------------------------------
def execute(experiment: str, params: tuple[tuple[str, Any], ...], seed: int) -> tuple[str, Any, float, str | None]:
    """Run one cell in this process: ``(status, rows, started, error)``; never raises."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    started = time.time()
    try:
        exp = get_experiment(experiment)
        rows = exp.run(exp.make_config(**dict(params)), seed)
        from regretlab.store import to_arrow

        return "ok", to_arrow(rows), started, None
    except Exception as exc:  # a failing cell is recorded, the sweep goes on
        return "failed", None, started, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"


@dataclass
class SweepResult:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0


def run_cells(
    cells: list[Cell],
    store: Store,
    *,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
) -> SweepResult:
    """Run the cells not yet stored (failed ones too with ``retry_failed``), storing each as it ends."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    result = SweepResult()
    todo = []
    seen = set()
    for cell in cells:
        key = cell.key
        status = store.status(key)
        if key in seen or status == "ok" or (status == "failed" and not retry_failed):
            result.skipped += 1
            continue
        seen.add(key)
        todo.append((cell, key))
    start = time.time()
    bar = _SweepBar(len(todo), result.skipped) if progress and todo else None

    def finish(cell: Cell, key: str, out: tuple[str, Any, float, str | None]) -> None:
        status, rows, started, error = out
        store.put(cell.experiment, cell.config, cell.seed, rows, status=status, error=error,
                  started=started, key=key)
        if status == "ok":
            result.done += 1
        else:
            result.failed += 1
        if bar:
            bar.update(result.done, result.failed, running=0)

    try:
        if backend == "serial" or (backend == "local" and (workers == 1 or len(todo) <= 1)):
            for cell, key in todo:
                if bar:
                    bar.update(result.done, result.failed, running=1)
                finish(cell, key, execute(cell.experiment, cell.params, cell.seed))
        elif backend == "local":
            _run_pool(todo, finish, workers or os.cpu_count() or 1, bar, result)
        else:
            _run_ray(todo, finish, address, bar, result)
    finally:
        if bar:
            bar.close()
    result.seconds = time.time() - start
    return result


def _run_pool(todo: list[tuple[Cell, str]], finish: Any, workers: int, bar: Any, result: SweepResult) -> None:
    import multiprocessing as mp

    # spawn, not fork: the parent holds DuckDB and BLAS threads that must not be forked.
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=mp.get_context("spawn")) as pool:
        pending: dict[Future, tuple[Cell, str]] = {}
        queue = list(todo)
        while queue or pending:
            while queue and len(pending) < 2 * workers:
                cell, key = queue.pop(0)
                pending[pool.submit(execute, cell.experiment, cell.params, cell.seed)] = (cell, key)
            if bar:
                bar.update(result.done, result.failed, running=min(len(pending), workers))
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                cell, key = pending.pop(fut)
                finish(cell, key, fut.result())


def _run_ray(todo: list[tuple[Cell, str]], finish: Any, address: str | None, bar: Any, result: SweepResult) -> None:
    try:
        import ray
    except ImportError:
        raise ValueError("backend 'ray' needs the ray extra: pip install 'regretlab[ray]'") from None
    if not ray.is_initialized():
        if address and address != "auto":
            _check_reachable(address)
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        except Exception as exc:  # ConnectionError, TimeoutError, RuntimeError, ValueError ...
            raise ValueError(f"could not connect to Ray at {address!r}: {exc}") from None
    remote = ray.remote(execute)
    refs = {remote.remote(c.experiment, c.params, c.seed): (c, k) for c, k in todo}
    while refs:
        if bar:
            bar.update(result.done, result.failed, running=len(refs))
        ready, _ = ray.wait(list(refs), num_returns=1)
        for ref in ready:
            cell, key = refs.pop(ref)
            finish(cell, key, ray.get(ref))


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast with a clear message when a Ray address does not accept connections
    (``ray.init`` itself would retry for minutes)."""
    import socket

    hostport = address.split("://", 1)[-1]
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"Ray address must look like host:port or ray://host:port, got {address!r}")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise ValueError(f"could not connect to Ray at {address!r}: {exc}") from None


class _SweepBar:
    def __init__(self, total: int, skipped: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from rich.console import Console

        self._p = Progress(TextColumn("cells"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("{task.fields[info]}"), TimeRemainingColumn(), transient=False,
                           console=Console(stderr=True))
        self._p.start()
        self._t = self._p.add_task("cells", total=total, info=f"skipped {skipped} stored")
        self._skipped = skipped

    def update(self, done: int, failed: int, running: int) -> None:
        self._p.update(self._t, completed=done + failed,
                       info=f"running {running} · failed {failed} · skipped {self._skipped}")

    def close(self) -> None:
        self._p.stop()
