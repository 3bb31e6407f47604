"""The ``regretlab`` command line.

Sub-commands of other parts of the library live in their own ``regretlab/<part>/cli.py`` module
that defines ``register(app: typer.Typer) -> None``; every such module found is loaded here.
Those modules import heavy libraries (torch, open_spiel) inside their commands, never at import.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
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
console = Console(stderr=True)


class UserError(Exception):
    """An error caused by the user's input, shown as one line without a traceback."""


def _load_plugins() -> None:
    for info in pkgutil.iter_modules(regretlab.__path__):
        if not info.ispkg:
            continue
        name = f"regretlab.{info.name}.cli"
        if importlib.util.find_spec(f"regretlab.{info.name}") and _has_module(name):
            importlib.import_module(name).register(app)


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


@app.callback()
def _root() -> None:
    """No-regret learning: run learners, experiments and sweeps; store, show and plot results."""


@app.command("version")
def version_cmd() -> None:
    """Print the package version."""
    print(regretlab.__version__)


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: run the app; user errors become one clear line and exit code 2."""
    _load_plugins()
    try:
        app(args=argv, standalone_mode=False)
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
