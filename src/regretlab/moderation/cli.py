"""``regretlab serve moderation --config experts.toml``: the moderation service on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def _serve_group(app: typer.Typer) -> typer.Typer:
    """The ``serve`` sub-app (shared with other parts that serve something)."""
    for group in app.registered_groups:
        if group.name == "serve" and group.typer_instance is not None:
            return group.typer_instance
    serve = typer.Typer(help="Run a local service (127.0.0.1 only).", no_args_is_help=True)
    app.add_typer(serve, name="serve")
    return serve


def register(app: typer.Typer) -> None:
    """Add ``regretlab serve moderation``."""
    serve = _serve_group(app)

    @serve.command("moderation")
    def moderation(
        config: Path = typer.Option(..., "--config", help="TOML file naming the experts and the ensemble."),
        port: Optional[int] = typer.Option(None, "--port", help="TCP port on 127.0.0.1 (default: service.port of the config)."),
        database: Optional[Path] = typer.Option(None, "--database", help="SQLite state file (default: service.database)."),
        log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level."),
    ) -> None:
        """Serve the online moderation ensemble: POST /score, POST /feedback, GET /stats, GET /health."""
        import dataclasses

        from regretlab.moderation.config import load_config
        from regretlab.moderation.service import LOOPBACK, serve as run

        cfg = load_config(config)
        if database is not None:
            cfg = dataclasses.replace(cfg, database=database)
        cfg.token()  # fail now, in one line, if the token variable is named but unset
        typer.echo(f"moderation service on http://{LOOPBACK}:{cfg.port if port is None else port} (state: {cfg.database})", err=True)
        run(cfg, port=port, log_level=log_level)
