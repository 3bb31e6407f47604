"""The ``nfg`` CLI group, mounted on a fresh Typer app (the way regretlab/cli.py mounts plugins)."""

import typer
from typer.testing import CliRunner

from regretlab.cli import nfg as nfg_cli


def _app():
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """root"""

    nfg_cli.register(app)
    return app


def test_solve_commands(tmp_path):
    runner = CliRunner()
    app = _app()
    res = runner.invoke(app, ["nfg", "solve", "chicken"])
    assert res.exit_code == 0, res.output
    assert "3 Nash equilibria" in res.output and "0.9" in res.output
    res = runner.invoke(app, ["nfg", "solve", "rock_paper_scissors", "--method", "zero-sum"])
    assert res.exit_code == 0 and "value=0.0" in res.output.replace("-0.0", "0.0")
    path = tmp_path / "g.json"
    res = runner.invoke(app, ["nfg", "solve", "random", "--players", "3", "--method", "cce", "--save", str(path)])
    assert res.exit_code == 0, res.output
    assert path.exists()
    res = runner.invoke(app, ["nfg", "solve", str(path), "--method", "ce", "--objective", "max_entropy"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["nfg", "solve", "nonsense"])
    assert res.exit_code != 0 and "game must be one of" in str(res.exception)


def test_play_and_separation_commands():
    runner = CliRunner()
    app = _app()
    res = runner.invoke(app, ["nfg", "play", "random", "--T", "200", "--runs", "2"])
    assert res.exit_code == 0, res.output
    assert "CCE gap" in res.output
    res = runner.invoke(app, ["nfg", "markov-separation"])
    assert res.exit_code == 0 and "gap_general=[0.5, 0.5]" in res.output
