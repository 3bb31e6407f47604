"""The ``regretlab`` command line.

The commands live together in this package: this module holds the app and the core commands
(run, sweep, show, report, export, demo, list), and each other module here (``games.py``,
``nfg.py``, ``agents.py``, ``preference.py``, ``moderation.py``, ``mechanisms.py``,
``regression.py``) defines ``register(app: typer.Typer) -> None`` for one part's commands; every
such module is loaded here. Algorithm folders hold no CLI code.
Those modules import heavy libraries (torch, open_spiel) inside their commands, never at import.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.text import Text

import regretlab

app = typer.Typer(
    name="regretlab",
    help="No-regret learning: run learners, experiments and sweeps; store, show and plot results.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Markup and highlighting off: messages carry user text (names, paths, values such as '[/]' or
# "P[y, y']") that must print as typed. Styled parts are passed as rich Text.
console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)
stdout = Console(markup=False, highlight=False, soft_wrap=True)  # paths never wrapped


class UserError(Exception):
    """An error caused by the user's input, shown as one line without a traceback."""


def _styled(prefix: str, style: str, message: object) -> Text:
    return Text.assemble((prefix, style), str(message))


def error_line(message: object) -> None:
    """Print ``error: <message>`` to stderr, the message exactly as given (no markup)."""
    console.print(_styled("error: ", "bold red", message))


def warn_line(message: object) -> None:
    console.print(_styled("warning: ", "yellow", message))


def _fix_flag_metavar() -> None:
    """Typer's rich help shows a type (``<bool>``) beside flags such as ``--help`` that take no
    value; its plain help does not. Show none (an explicit metavar still wins)."""
    try:
        from typer.core import TyperOption
    except ImportError:  # pragma: no cover - another typer layout: nothing to fix
        return
    original = getattr(TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_regretlab_fixed", False):
        return

    def display_type_rich(self: object, ctx: object) -> object:
        if getattr(self, "is_flag", False) and getattr(self, "metavar", None) is None:
            return None
        return original(self, ctx)

    display_type_rich._regretlab_fixed = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_fix_flag_metavar()


def _load_plugins() -> None:
    """Register the commands of every module of this package (``register(app)`` in each)."""
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}").register(app)


def _version_callback(value: bool) -> None:
    if value:
        print(regretlab.__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the package version and exit.",
                                 is_eager=True, callback=_version_callback),
) -> None:
    """No-regret learning: run learners, experiments and sweeps; store, show and plot results."""


@app.command("version")
def version_cmd() -> None:
    """Print the package version."""
    print(regretlab.__version__)


DEFAULT_STORE = Path("results") / "regretlab.duckdb"
StoreOpt = typer.Option(DEFAULT_STORE, "--store", help="DuckDB results file.")


def _overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise UserError(f"--set expects key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _cell_text(value: object) -> Text:
    return Text(str(value))  # table cells as plain text: no markup in names or values


def _summary_table(name: str, rows: object, title: Optional[str] = None) -> None:
    """Print the experiment's summary of ``rows``: one table, split by the config fields that
    differ between the stored cells (a column per field), so different configs never pool.

    Values print rounded to their standard error (:mod:`regretlab.summary`); verdicts get a column
    that says what was tested against which target and whether it holds (or needs a larger run)."""
    from rich.table import Table

    from regretlab.experiments import get_experiment
    from regretlab.report import config_groups
    from regretlab.summary import entries

    exp = get_experiment(name)
    if exp.summarize is None:
        return
    fields, groups = config_groups(rows)
    caption = (f"{len(groups)} configs: one summary per {', '.join(fields)} (the config fields that differ "
               "between the stored cells)") if fields else None
    lines = [(values, entries(exp.summarize(group))) for values, group in groups]
    with_verdicts = any(v is not None for _, es in lines for *_, v in es)
    if with_verdicts:
        note = "± is one standard error over runs; a verdict marked 'demo size' needs the larger run it names"
        caption = f"{caption}\n{note}" if caption else note
    table = Table(title=title or name, show_header=True, caption=caption)
    for f in fields:
        table.add_column(f)
    table.add_column("quantity")
    table.add_column("value")
    if with_verdicts:
        table.add_column("verdict")
    styles = {"holds": "green", "fails": "bold red", "demo size": "yellow", "not tested": "dim"}
    for values, es in lines:
        for label, text, verdict in es:
            cells = [*(_cell_text(values[f]) for f in fields), _cell_text(label), _cell_text(text)]
            if with_verdicts:
                cells.append(Text("") if verdict is None else
                             Text.assemble(f"{verdict.relation()}: ", (verdict.status, styles.get(verdict.status, "")),
                                           f" ({verdict.demo_size})" if verdict.status == "demo size" else ""))
            table.add_row(*cells)
    stdout.print(table)


_print_summary = _summary_table  # the name other code knew


def _open_store(path: Path, experiment: Optional[str] = None, *, must_exist: bool = False,
                wait: float = 10.0) -> object:
    """Open (and check) the store before any work: a non-DuckDB, damaged or busy file is one
    error line naming it."""
    from regretlab.store import Store

    if must_exist and not path.exists():
        raise UserError(f"no results store at {path}; run an experiment first (or pass --store)")
    db = Store(path, wait=wait)
    try:
        db.check(experiment)
    except BaseException:
        db.close()
        raise
    return db


@contextlib.contextmanager
def _progress_off(off: bool) -> Iterator[None]:
    """``--no-progress``: no bars from this command (nor from the work it runs), then as before."""
    if not off:
        yield
        return
    old = os.environ.get("REGRETLAB_PROGRESS")
    os.environ["REGRETLAB_PROGRESS"] = "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("REGRETLAB_PROGRESS", None)
        else:
            os.environ["REGRETLAB_PROGRESS"] = old


def _unique_figures(exp: object, rows: object, out: Path, short: str) -> list[Path]:
    """Draw the experiment's figures for one cell under names that carry the cell's short key
    (``experts_regret_<key>.png``), so runs at the same time never overwrite each other."""
    import shutil
    import tempfile

    plot = getattr(exp, "plot", None)
    if plot is None:
        return []
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".figures-", dir=out))
    try:
        paths = []
        for p in plot(rows, tmp):
            p = Path(p)
            rel = p.relative_to(tmp) if p.is_relative_to(tmp) else Path(p.name)
            dest = out / rel.parent / f"{rel.stem}_{short}{rel.suffix}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            p.replace(dest)
            paths.append(dest)
        return paths
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@app.command("list")
def list_cmd(
    what: str = typer.Argument("all", help="learners, envs, experiments or all"),
) -> None:
    """List registered learners, environments and experiments."""
    from rich.table import Table

    from regretlab.core import environments, learners
    from regretlab.experiments import load_all

    choices = ("all", "learners", "envs", "experiments")
    if what not in choices:
        raise UserError(f"list takes one of {', '.join(choices)}, got {what!r}")

    def table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        t = Table(title=title)
        for col in columns:
            t.add_column(col)
        for row in rows:
            t.add_row(*(_cell_text(c) for c in row))
        stdout.print(t)

    if what in ("all", "learners"):
        table("learners", ("name", "family", "summary"), [(e.name, e.family, e.summary) for e in learners.entries()])
    if what in ("all", "envs"):
        table("environments", ("name", "family", "summary"),
              [(e.name, e.family, e.summary) for e in environments.entries()])
    if what in ("all", "experiments"):
        table("experiments", ("name", "description", "reference"),
              [(n, e.description, e.reference) for n, e in load_all().items()])


# the options of `run` by config field, to name them as the user typed them in messages
_RUN_OPTIONS = {"algo": "--algo", "env": "--env", "T": "--T", "runs": "--runs", "K": "--K"}


@app.command("run")
def run_cmd(
    name: str = typer.Argument(..., help="a registered experiment, e.g. 'experts'"),
    algo: Optional[str] = typer.Option(None, "--algo", help="comma-separated learner names"),
    env: Optional[str] = typer.Option(None, "--env", help="environment name"),
    horizon: Optional[float] = typer.Option(None, "--T", "-T", help="rounds"),
    runs: Optional[int] = typer.Option(None, "--runs", help="independent runs"),
    actions: Optional[int] = typer.Option(None, "--K", help="number of actions"),
    seed: int = typer.Option(0, "--seed", help="root seed"),
    set_: list[str] = typer.Option([], "--set", help="other config fields, key=value (repeatable)"),
    store: Path = StoreOpt,
    out: Path = typer.Option(Path("results"), "--out", help="folder for plots"),
    loglog: bool = typer.Option(False, "--loglog", help="also draw log-log regret axes"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="show progress bars"),
) -> None:
    """Run one cell of an experiment, store its rows and draw its figures."""
    with _progress_off(not progress):
        _run_cell(name, algo, env, horizon, runs, actions, seed, set_, store, out, loglog)


def _run_cell(name: str, algo: Optional[str], env: Optional[str], horizon: Optional[float], runs: Optional[int],
              actions: Optional[int], seed: int, set_: list[str], store: Path, out: Path, loglog: bool) -> None:
    from regretlab.experiments import get_experiment
    from regretlab.progress import bar
    from regretlab.store import StoreInUse, save_pending
    from regretlab.sweep import Cell, execute, store_cell, validate_config

    exp = get_experiment(name)
    params: dict[str, object] = _overrides(set_)
    labels = {k: f"--set {k}" for k in params}
    for key, value in (("algo", algo), ("env", env), ("T", horizon), ("runs", runs), ("K", actions)):
        if value is not None:
            params[key] = value
            labels[key] = _RUN_OPTIONS[key]
    if seed < 0:
        raise UserError(f"--seed must be >= 0, got {seed}")
    if horizon is not None and float(horizon).is_integer():
        params["T"] = int(horizon)
    config = exp.make_config(**params)
    validate_config(config, names=labels)  # unknown learner or env, T < 1, NaN, too big: before any work
    cell = Cell(name, tuple(sorted(params.items())), seed)
    key = cell.key
    _open_store(store, name).close()  # a bad, damaged or busy store fails now, not after the work
    with bar(1, f"{name}: cell {key[:8]}", transient=True):
        out_ = execute(cell.experiment, cell.params, cell.seed)
    status, rows, started, error = out_
    if status != "ok":
        raise UserError((error or "failed").splitlines()[0])
    try:
        with _open_store(store, name, wait=120.0) as db:
            store_cell(db, cell, out_, key)
        where = f"stored cell {key} in {store}"
    except BaseException as exc:  # busy, damaged or interrupted: keep the computed cell anyway
        kept = save_pending(store, name, cell.config, seed, rows, started=started, key=key)
        if not isinstance(exc, (StoreInUse, ValueError)):
            error_line(f"interrupted while storing; the cell is kept in {kept} and will be added to "
                       f"{store} the next time it is opened")
            raise
        warn_line(f"could not store the cell: {str(exc).split('; ')[0]}")
        where = (f"kept cell {key} in {kept}; it is added to {store} the next time the store is opened "
                 "(any regretlab command on it)")
    paths = _unique_figures(exp, rows, out, key[:8])
    if loglog:
        from regretlab.plot import columns, regret_curves

        cols = columns(rows)
        if {"regret", "round", "learner"} <= set(cols):
            paths.append(regret_curves(rows, out / f"{name}_regret_loglog_{key[:8]}.png", loglog=True,
                                       title="Regret, log-log axes"))
    _summary_table(name, rows)
    stdout.print(where)
    if paths:
        stdout.print("figures:\n" + "\n".join(f"  {p}" for p in paths))


@app.command("sweep")
def sweep_cmd(
    name: str = typer.Argument(..., help="a registered experiment"),
    grid: Optional[str] = typer.Option(None, "--grid", help="e.g. 'algo=hedge,adahedge T=1e3,1e4 seed=0:20'"),
    grid_file: Optional[Path] = typer.Option(None, "--grid-file", help="TOML (or YAML) grid file"),
    backend: str = typer.Option("local", "--backend", help="local (process pool), serial or ray"),
    workers: Optional[int] = typer.Option(None, "--workers", help="local pool size (default: all cores)"),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address"),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="rerun cells stored as failed"),
    store: Path = StoreOpt,
    progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
) -> None:
    """Run a grid of cells; stored cells are skipped, so an interrupted sweep resumes."""
    from regretlab.experiments import get_experiment
    from regretlab.sweep import BACKENDS, expand, load_grid_file, parse_grid, run_cells

    get_experiment(name)
    if (grid is None) == (grid_file is None):
        raise UserError("give exactly one of --grid or --grid-file")
    if backend not in BACKENDS:
        raise UserError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be >= 1, got {workers}")
    spec = parse_grid(grid) if grid is not None else load_grid_file(grid_file)  # type: ignore[arg-type]
    cells = expand(name, spec)  # every cell's config is checked here, before any work
    with _open_store(store, name) as db, _progress_off(not progress):
        res = run_cells(cells, db, backend=backend, workers=workers, address=address,
                        retry_failed=retry_failed, progress=progress)
    stdout.print(f"{name}: {res.done} done, {res.failed} failed, {res.skipped} already stored "
                 f"({res.seconds:.1f} s); store {store}")
    if res.done or res.skipped:
        stdout.print(f"see them with: regretlab show {name} --store {store}")
    if res.failed:
        for label, first in res.errors[:5]:
            console.print(_styled("failed: ", "yellow", f"{label}: {first}"))
        if len(res.errors) > 5:
            console.print(f"... and {len(res.errors) - 5} more failed cells")
        console.print(Text("failed cells are stored with their errors; rerun with --retry-failed", "yellow"))
        raise typer.Exit(1)


@app.command("show")
def show_cmd(
    name: Optional[str] = typer.Argument(None, help="an experiment (default: all stored)"),
    store: Path = StoreOpt,
) -> None:
    """Summaries of stored results (one per config: cells are grouped by the config fields that
    differ between them; seeds of one config are pooled)."""
    from rich.table import Table

    with _open_store(store, must_exist=True) as db:
        names = [name] if name else db.experiments()
        if not names:
            raise UserError(f"no results stored in {store}; run an experiment first")
        t = Table(title=f"cells in {store}")
        for col in ("experiment", "ok", "failed", "configs", "seeds", "version"):
            t.add_column(col)
        for n in names:
            cells = db.cells(n).to_pydict()
            if not cells["key"]:
                raise UserError(f"no results stored for experiment {n!r} in {store}")
            ok_configs = {c for c, st in zip(cells["config"], cells["status"]) if st == "ok"}
            t.add_row(*(_cell_text(v) for v in (
                n, cells["status"].count("ok"), cells["status"].count("failed"), len(ok_configs),
                len(set(cells["seed"])), ",".join(sorted(set(cells["version"]))))))
        stdout.print(t)
        for n in names:
            try:
                rows = db.rows(n)
            except ValueError:
                continue
            if rows.num_rows:
                _summary_table(n, rows)


@app.command("report")
def report_cmd(
    names: Optional[list[str]] = typer.Argument(None, help="experiment name(s) (default: all stored)"),
    out: Path = typer.Option(Path("results") / "report.html", "--out", help="HTML file to write"),
    store: Path = StoreOpt,
    serve: bool = typer.Option(False, "--serve", help="serve the report on 127.0.0.1 and reload it as the "
                                                      "store changes (a running sweep); Ctrl-C stops"),
    port: int = typer.Option(8765, "--port", help="port of --serve (0: any free port)"),
    poll: float = typer.Option(2.0, "--poll", help="seconds between reads of the store's cells with --serve"),
    serve_for: Optional[float] = typer.Option(None, "--for", help="with --serve: stop after this many seconds"),
) -> None:
    """Write the HTML report of stored experiments: one page with a sidebar and search, a page per
    experiment, interactive and static figures (PNG, SVG, PDF) and the SQL of every figure's rows;
    cells of different configs get their own summary and figures."""
    from regretlab.report import files_dir, serve_report, write_report

    if poll < 0.5:
        raise UserError(f"--poll must be >= 0.5 seconds, got {poll}")
    if not 0 <= port <= 65535:
        raise UserError(f"--port must be in 0..65535, got {port}")
    if serve_for is not None and serve_for <= 0:
        raise UserError(f"--for must be > 0 seconds, got {serve_for}")
    if serve:  # read snapshots, never the writer's lock: a sweep may be filling the store
        if not store.exists():
            raise UserError(f"no results store at {store}; run an experiment first (or pass --store)")
        try:
            serve_report(store, list(names) if names else None, out, port=port, poll=poll, duration=serve_for,
                         echo=lambda line: stdout.print(line))
        except OSError as exc:
            raise UserError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}; pass --port") from None
        return
    with _open_store(store, must_exist=True) as db:
        have = db.experiments()
        names = list(names or have)
        stored = [n for n in names if n in have]
        for n in names:
            if n not in stored:
                warn_line(f"no results stored for experiment {n!r} in {store}; run it first (regretlab run {n})")
        if not stored:
            raise UserError(f"none of {', '.join(names) or 'the experiments'} has results in {store}")
        path = write_report(db, stored, out)
    stdout.print(f"wrote {path} (pages per experiment and figures in {files_dir(path)})")


@app.command("export")
def export_cmd(
    out: Path = typer.Option(Path("results") / "parquet", "--out", help="folder for Parquet files"),
    store: Path = StoreOpt,
) -> None:
    """Export the store to Parquet (cells.parquet and one file per experiment)."""
    with _open_store(store, must_exist=True) as db:
        paths = db.export_parquet(out)
    stdout.print("\n".join(str(p) for p in paths))


@app.command("demo")
def demo_cmd(
    out: Path = typer.Option(Path("results"), "--out", help="folder for the store and report"),
    only: Optional[str] = typer.Option(None, "--only", help="comma-separated experiments (default: all)"),
    workers: Optional[int] = typer.Option(None, "--workers", help="process pool size"),
) -> None:
    """The tour: every registered experiment at its demo size, stored, reported in report.html."""
    from regretlab.experiments import get_experiment, load_all
    from regretlab.report import write_report
    from regretlab.sweep import Cell, run_cells

    names = [n.strip() for n in only.split(",")] if only else list(load_all())
    cells = [Cell(n, tuple(sorted(get_experiment(n).demo.items())), 0) for n in names]
    with _open_store(out / "regretlab.duckdb") as db:
        res = run_cells(cells, db, backend="local", workers=workers, retry_failed=True)
        path = write_report(db, names, out / "report.html", title="regretlab demo")
        for n in names:
            if db.cells(n).num_rows and "ok" in db.cells(n).to_pydict()["status"]:
                _summary_table(n, db.rows(n))
    stdout.print(f"demo: {res.done} ran, {res.skipped} already stored, {res.failed} failed "
                 f"({res.seconds:.1f} s). Report: {path}")
    for label, first in res.errors[:5]:
        console.print(_styled("failed: ", "yellow", f"{label}: {first}"))
    if res.failed:
        raise typer.Exit(1)


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: run the app; user errors become one clear line and exit code 2."""
    _load_plugins()
    try:
        rc = app(args=argv, standalone_mode=False)
        if isinstance(rc, int) and rc:  # typer.Exit(code) returns its code in this mode
            sys.exit(rc)
    except (UserError, ValueError, TypeError, FileNotFoundError, KeyError, PermissionError,
            IsADirectoryError, NotADirectoryError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        error_line(str(msg) or type(exc).__name__)
        sys.exit(2)
    except KeyboardInterrupt:
        console.print(Text("interrupted: finished cells are stored", "yellow"))
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:
        # click's usage errors (typer vendors click, so match by shape, not by class)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            error_line(exc.format_message())
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
