"""``regretlab serve moderation --config experts.toml``: the moderation service on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's


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
        log_level: str = typer.Option("warning", "--log-level", help=f"uvicorn log level: {', '.join(LOG_LEVELS)}."),
    ) -> None:
        """Serve the online moderation ensemble: POST /score, POST /feedback, GET /stats, GET /health."""
        import dataclasses

        from regretlab.moderation.config import load_config

        # every bad input is reported here, in one line, before anything is served
        if port is not None and not 0 <= port <= 65535:
            raise ValueError(f"--port must be a TCP port number from 0 to 65535, got {port}")
        if log_level.lower() not in LOG_LEVELS:
            raise ValueError(f"--log-level must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
        if database is not None and database.is_dir():
            raise ValueError(f"--database {database} is a directory; expected a SQLite file (it is made if missing)")
        try:
            from regretlab.moderation.service import LOOPBACK, create_app, listen_socket, serve as run
        except ImportError as exc:
            raise ValueError(f"the service needs the [serve] extra: pip install 'regretlab[serve]' (missing: {exc.name})") from None
        cfg = load_config(config)
        if database is not None:
            cfg = dataclasses.replace(cfg, database=database)
        cfg.token()  # fail now, in one line, if the token variable is named but unset
        if port is not None:
            sock = listen_socket(port, "--port")
        else:
            sock = listen_socket(cfg.port, "service.port", f"config file {config}: ")
        try:
            try:
                app = create_app(cfg)
            except ImportError as exc:  # an expert's optional dependencies (the [moderation] extra)
                raise ValueError(f"config file {config}: {exc}") from None
        except BaseException:
            sock.close()
            raise
        bound = sock.getsockname()[1]
        typer.echo(f"moderation service on http://{LOOPBACK}:{bound} (state: {cfg.database})", err=True)
        run(cfg, log_level=log_level.lower(), sock=sock, app=app)
