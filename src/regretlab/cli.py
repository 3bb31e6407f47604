"""The ``regretlab`` command line.

Sub-commands of other parts of the library live in their own ``regretlab/<part>/cli.py`` module
that defines ``register(app: typer.Typer) -> None``; every such module found is loaded here.
Those modules import heavy libraries (torch, open_spiel) inside their commands, never at import.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

import regretlab

app = typer.Typer(
    name="regretlab",
    help="No-regret learning: run learners, experiments and sweeps; store, show and plot results.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)


class UserError(Exception):
    """An error caused by the user's input, shown as one line without a traceback."""


def _load_plugins() -> None:
    """Register the commands of every ``regretlab/<part>/cli.py`` (and ``<part>/<sub>/cli.py``)."""
    root = Path(regretlab.__file__).parent
    for path in sorted([*root.glob("*/cli.py"), *root.glob("*/*/cli.py")]):
        parts = path.relative_to(root).with_suffix("").parts
        importlib.import_module(".".join(("regretlab", *parts))).register(app)


@app.callback()
def _root() -> None:
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


def _print_summary(name: str, rows: object) -> None:
    from rich.table import Table

    from regretlab.experiments import get_experiment

    exp = get_experiment(name)
    if exp.summarize is None:
        return
    table = Table(title=name, show_header=True)
    table.add_column("quantity")
    table.add_column("value")
    for k, v in exp.summarize(rows):
        table.add_row(str(k), str(v))
    Console().print(table)


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
    out = Console()

    def table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        t = Table(title=title)
        for col in columns:
            t.add_column(col)
        for row in rows:
            t.add_row(*row)
        out.print(t)

    if what in ("all", "learners"):
        table("learners", ("name", "family", "summary"), [(e.name, e.family, e.summary) for e in learners.entries()])
    if what in ("all", "envs"):
        table("environments", ("name", "family", "summary"),
              [(e.name, e.family, e.summary) for e in environments.entries()])
    if what in ("all", "experiments"):
        table("experiments", ("name", "description", "reference"),
              [(n, e.description, e.reference) for n, e in load_all().items()])


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
) -> None:
    """Run one cell of an experiment, store its rows and draw its figures."""
    from regretlab.experiments import get_experiment
    from regretlab.store import Store
    from regretlab.sweep import Cell, execute

    exp = get_experiment(name)
    params: dict[str, object] = _overrides(set_)
    for key, value in (("algo", algo), ("env", env), ("T", horizon), ("runs", runs), ("K", actions)):
        if value is not None:
            params[key] = value
    if seed < 0:
        raise UserError(f"seed must be >= 0, got {seed}")
    from regretlab.sweep import validate_config

    if horizon is not None and float(horizon).is_integer():
        params["T"] = int(horizon)
    config = exp.make_config(**params)
    validate_config(config)  # unknown learner or env, T < 1 ...: one line, before any work
    cell = Cell(name, tuple(sorted(params.items())), seed)
    status, rows, started, error = execute(cell.experiment, cell.params, cell.seed)
    if status != "ok":
        raise UserError((error or "failed").splitlines()[0])
    with Store(store) as db:
        key = db.put(name, cell.config, seed, rows, started=started)
    paths = exp.plot(rows, out) if exp.plot else []
    if loglog:
        from regretlab.plot import columns, regret_curves

        cols = columns(rows)
        if {"regret", "round", "learner"} <= set(cols):
            paths.append(regret_curves(rows, out / f"{name}_regret_loglog.png", loglog=True,
                                       title="Regret, log-log axes"))
    _print_summary(name, rows)
    Console().print(f"stored cell {key} in {store}; figures: {', '.join(str(p) for p in paths)}")


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
) -> None:
    """Run a grid of cells; stored cells are skipped, so an interrupted sweep resumes."""
    from regretlab.store import Store
    from regretlab.sweep import expand, load_grid_file, parse_grid, run_cells

    if (grid is None) == (grid_file is None):
        raise UserError("give exactly one of --grid or --grid-file")
    spec = parse_grid(grid) if grid is not None else load_grid_file(grid_file)  # type: ignore[arg-type]
    cells = expand(name, spec)
    with Store(store) as db:
        res = run_cells(cells, db, backend=backend, workers=workers, address=address, retry_failed=retry_failed)
    Console().print(f"{name}: {res.done} done, {res.failed} failed, {res.skipped} already stored "
                    f"({res.seconds:.1f} s); store {store}")
    if res.failed:
        Console().print("[yellow]failed cells are stored with their errors; rerun with --retry-failed[/]")
        raise typer.Exit(1)


@app.command("show")
def show_cmd(
    name: Optional[str] = typer.Argument(None, help="an experiment (default: all stored)"),
    store: Path = StoreOpt,
) -> None:
    """Summaries of stored results."""
    from rich.table import Table

    from regretlab.store import Store

    if not store.exists():
        raise UserError(f"no results store at {store}; run an experiment first")
    with Store(store) as db:
        names = [name] if name else db.experiments()
        t = Table(title=f"cells in {store}")
        for col in ("experiment", "ok", "failed", "seeds", "version"):
            t.add_column(col)
        for n in names:
            cells = db.cells(n).to_pydict()
            if not cells["key"]:
                raise UserError(f"no results stored for experiment {n!r} in {store}")
            t.add_row(n, str(cells["status"].count("ok")), str(cells["status"].count("failed")),
                      str(len(set(cells["seed"]))), ",".join(sorted(set(cells["version"]))))
        Console().print(t)
        for n in names:
            try:
                _print_summary(n, db.rows(n))
            except ValueError:
                pass


@app.command("report")
def report_cmd(
    names: list[str] = typer.Argument(..., help="experiment name(s)"),
    out: Path = typer.Option(Path("results") / "report.html", "--out", help="HTML file to write"),
    store: Path = StoreOpt,
) -> None:
    """Write a self-contained HTML report (figures embedded) for stored experiments."""
    from regretlab.report import write_report
    from regretlab.store import Store

    if not store.exists():
        raise UserError(f"no results store at {store}; run an experiment first")
    with Store(store) as db:
        stored = [n for n in names if n in db.experiments()]
        for n in names:
            if n not in stored:
                console.print(f"[yellow]warning:[/] no results stored for experiment {n!r} in {store}; "
                              f"run it first (regretlab run {n})")
        if not stored:
            raise UserError(f"none of {', '.join(names)} has results in {store}")
        path = write_report(db, stored, out)
    Console().print(f"wrote {path}")


@app.command("export")
def export_cmd(
    out: Path = typer.Option(Path("results") / "parquet", "--out", help="folder for Parquet files"),
    store: Path = StoreOpt,
) -> None:
    """Export the store to Parquet (cells.parquet and one file per experiment)."""
    from regretlab.store import Store

    if not store.exists():
        raise UserError(f"no results store at {store}")
    with Store(store) as db:
        paths = db.export_parquet(out)
    Console().print("\n".join(str(p) for p in paths))


@app.command("demo")
def demo_cmd(
    out: Path = typer.Option(Path("results"), "--out", help="folder for the store and report"),
    only: Optional[str] = typer.Option(None, "--only", help="comma-separated experiments (default: all)"),
    workers: Optional[int] = typer.Option(None, "--workers", help="process pool size"),
) -> None:
    """The tour: every registered experiment at its demo size, stored, reported in report.html."""
    from regretlab.experiments import get_experiment, load_all
    from regretlab.report import write_report
    from regretlab.store import Store
    from regretlab.sweep import Cell, run_cells

    names = [n.strip() for n in only.split(",")] if only else list(load_all())
    cells = [Cell(n, tuple(sorted(get_experiment(n).demo.items())), 0) for n in names]
    with Store(out / "regretlab.duckdb") as db:
        res = run_cells(cells, db, backend="local", workers=workers, retry_failed=True)
        path = write_report(db, names, out / "report.html", title="regretlab demo")
        for n in names:
            if db.cells(n).num_rows and "ok" in db.cells(n).to_pydict()["status"]:
                _print_summary(n, db.rows(n))
    Console().print(f"demo: {res.done} ran, {res.skipped} already stored, {res.failed} failed "
                    f"({res.seconds:.1f} s). Report: {path}")
    if res.failed:
        raise typer.Exit(1)


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: run the app; user errors become one clear line and exit code 2."""
    _load_plugins()
    try:
        rc = app(args=argv, standalone_mode=False)
        if isinstance(rc, int) and rc:  # typer.Exit(code) returns its code in this mode
            sys.exit(rc)
    except (UserError, ValueError, TypeError, FileNotFoundError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        console.print(f"[bold red]error:[/] {msg}", highlight=False, markup=True)
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: finished cells are stored[/]")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:
        # click's usage errors (typer vendors click, so match by shape, not by class)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            console.print(f"[bold red]error:[/] {exc.format_message()}", highlight=False)
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
