"""Sweeps: expand a grid into cells and run them on a local process pool (default), serially,
or on Ray; every finished cell goes to the store at once, so a killed sweep resumes where it was.

A cell is (experiment, config, seed); its key (experiment, config hash, seed, package version)
decides whether it is already stored.
"""

from __future__ import annotations

import math
import os
import re
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
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


def _yaml_problem(exc: Exception) -> str:
    """One line from a PyYAML error: the problem and where it is."""
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{' '.join(str(problem).split())}{where}"


def load_grid_file(path: str | Path) -> dict[str, list[Any]]:
    """A grid from TOML (``[grid]`` table or top level) or YAML (needs PyYAML; loaded safely:
    no Python tags). A malformed file raises one line naming the file and the problem."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"grid file {str(p)!r} does not exist")
    if not p.is_file():
        raise ValueError(f"grid file {str(p)!r} is not a file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"grid file {str(p)!r} is not UTF-8 text") from None
    except OSError as exc:
        raise ValueError(f"cannot read grid file {str(p)!r}: {exc.strerror or exc}") from None
    if p.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ValueError("reading a YAML grid needs PyYAML (pip install pyyaml); or use TOML") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"grid file {str(p)!r} is not valid YAML: {_yaml_problem(exc)}") from None
        data = {} if data is None else data
    else:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"grid file {str(p)!r} is not valid TOML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"grid file {str(p)!r} must hold a mapping of key: values, got a {type(data).__name__}")
    data = data.get("grid", data)
    if not isinstance(data, Mapping) or not data:
        raise ValueError(f"grid file {str(p)!r} has no grid entries")
    grid: dict[str, list[Any]] = {}
    for key, val in data.items():
        key = str(key)
        values = _parse_values(key, val) if isinstance(val, str) else list(val) if isinstance(val, list) else [val]
        if not values:
            raise ValueError(f"grid file {str(p)!r}: grid key {key!r} has an empty list")
        for v in values:
            if v is None or not isinstance(v, (bool, int, float, str)):
                raise ValueError(f"grid file {str(p)!r}: grid key {key!r} takes numbers or strings, "
                                 f"got {v!r}")
        grid[key] = values
    return grid


def _shown(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.3g}" if abs(value) >= 1e6 else str(value)


def validate_config(config: Any, names: Mapping[str, str] | None = None) -> None:
    """Check a config before any work: learner and environment names, whole positive horizons
    and run counts, no NaN anywhere, and, when the config has an ``estimate()`` method returning
    ``(bytes, seconds)``, that the work fits (:func:`regretlab.core.errors.check_fits`).

    The config declares which fields are what, as ClassVars: ``learner_fields`` (comma-separated
    registered learner names), ``environment_fields``, ``size_fields`` (whole numbers >= 1) and
    ``count_fields`` (whole numbers >= 0); a ``validate(names)`` method adds its own checks.

    Raises a ValueError naming the field as ``names`` says the user typed it (e.g.
    ``{"T": "--T"}``); fields not in ``names`` are named as they are."""
    import dataclasses

    from regretlab.core import environments, learners
    from regretlab.core.errors import check_fits

    def label(name: str) -> str:
        return (names or {}).get(name, name)

    for field_name in getattr(config, "size_fields", ()):
        value = getattr(config, field_name, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
                raise ValueError(f"{label(field_name)} must be a whole number >= 1, got {value}")
            if value < 1:
                raise ValueError(f"{label(field_name)} must be >= 1, got {value}")
    for field_name in getattr(config, "count_fields", ()):
        k = getattr(config, field_name, None)
        if isinstance(k, (int, float)) and not isinstance(k, bool):
            if isinstance(k, float) and not (math.isfinite(k) and k.is_integer()):
                raise ValueError(f"{label(field_name)} must be a whole number >= 0 (0: the default), got {k}")
            if k < 0:
                raise ValueError(f"{label(field_name)} must be >= 0 (0: the default), got {k}")
    if dataclasses.is_dataclass(config):
        for f in dataclasses.fields(config):
            value = getattr(config, f.name)
            if isinstance(value, float) and math.isnan(value):
                raise ValueError(f"{label(f.name)} must be a number, got nan")
    # what each field is, as the config declares it (ClassVars learner_fields, environment_fields,
    # size_fields, count_fields); nothing is guessed from field names
    for field_name in getattr(config, "learner_fields", ()):
        names_ = getattr(config, field_name, None)
        if isinstance(names_, str):
            for name in names_.split(","):
                if name.strip():
                    learners.get(name.strip())
    for field_name in getattr(config, "environment_fields", ()):
        env = getattr(config, field_name, None)
        if isinstance(env, str) and not env.startswith("game:"):
            environments.get(env)
    own = getattr(config, "validate", None)
    if callable(own):  # the config's own checks, naming fields as the user typed them
        own(names or {})
    estimate = getattr(config, "estimate", None)
    if callable(estimate):
        nbytes, seconds = estimate()
        declared = (*getattr(config, "size_fields", ()), *getattr(config, "count_fields", ()))
        sizes = [f for f in declared if isinstance(getattr(config, f, None), (int, float))]
        sizes = [f for f in sizes if names is None or f in names] or sizes  # those the user gave
        what = ", ".join(f"{label(f)}={_shown(getattr(config, f))}" for f in sizes) or type(config).__name__
        check_fits(what, nbytes, seconds)


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
    for key in keys:  # each value on its own first, so the error names the grid key
        for value in grid[key]:
            try:
                validate_config(exp.make_config(**{key: value}))
            except ValueError as exc:
                raise ValueError(f"grid key {key}={value!r}: {exc}") from None
    cells = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        params = tuple(zip(keys, combo))
        try:  # every cell's config, now, before anything runs
            config = exp.make_config(**dict(params))
            validate_config(config)
            if callable(getattr(config, "check", None)):
                config.check()  # rules between fields (e.g. agents_run: one agent source)
        except ValueError as exc:
            shown = " ".join(f"{k}={v!r}" for k, v in params)
            raise ValueError(f"grid cell {shown}: {exc}") from None
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
        from regretlab.store import to_arrow

        kept = getattr(exc, "rows", None)  # a cell that stopped early keeps its finished part (agents_run)
        return ("failed", None if kept is None else to_arrow(kept), started,
                f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}")


def store_cell(store: Store, cell: Cell, out: tuple[str, Any, float, str | None], key: str | None = None) -> str:
    """Write one executed cell (``out`` from :func:`execute`) to the store: the one write path.

    Every result in a store arrives here (sweeps, ``regretlab run``, ``regretlab solve``, agent
    runs), so each carries its experiment, config, seed, package version, status and error.
    Returns the cell's key.
    """
    status, rows, started, error = out
    return store.put(cell.experiment, cell.config, cell.seed, rows, status=status, error=error,
                     started=started, key=key or cell.key)


@dataclass
class SweepResult:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (cell label, first error line)


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
    bar = None
    if progress and todo:
        from regretlab.progress import bar as _bar

        bar = _bar(len(todo), "cells", fields=("running", "failed", "skipped"))
        bar.update(0, running=0, failed=0, skipped=result.skipped)

    def finish(cell: Cell, key: str, out: tuple[str, Any, float, str | None]) -> None:
        status, rows, started, error = out
        store_cell(store, cell, out, key)
        if status == "ok":
            result.done += 1
        else:
            result.failed += 1
            result.errors.append((cell.label(), (error or "failed").splitlines()[0]))
        if bar:
            bar.update(result.done + result.failed, failed=result.failed)

    try:
        if backend == "serial" or (backend == "local" and (workers == 1 or len(todo) <= 1)):
            for cell, key in todo:
                if bar:
                    bar.update(running=1)
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


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_init(parent: int) -> None:
    """Run in each pool worker first: draw no progress bars (the parent draws the sweep's) and
    exit as soon as the parent is gone, however it ended (a SIGKILLed sweep must not leave
    workers blocked on a pipe write): the kernel's parent-death signal on Linux, and a thread
    that watches the parent's pid everywhere."""
    import signal
    import threading

    os.environ["REGRETLAB_PROGRESS"] = "0"
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.25)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="regretlab-parent-watch", daemon=True).start()


def _run_pool(todo: list[tuple[Cell, str]], finish: Any, workers: int, bar: Any, result: SweepResult) -> None:
    import multiprocessing as mp

    # spawn, not fork: the parent holds DuckDB and BLAS threads that must not be forked.
    # Workers die with this process, even when it is killed with SIGKILL (see _worker_init).
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=mp.get_context("spawn"),
                             initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        pending: dict[Future, tuple[Cell, str]] = {}
        queue = list(todo)
        while queue or pending:
            while queue and len(pending) < 2 * workers:
                cell, key = queue.pop(0)
                pending[pool.submit(execute, cell.experiment, cell.params, cell.seed)] = (cell, key)
            if bar:
                bar.update(running=min(len(pending), workers))
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
            bar.update(running=len(refs))
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
