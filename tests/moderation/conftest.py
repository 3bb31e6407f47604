"""Shared fixtures: a service config with three keyword experts (no model needed)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CONFIG = """
[service]
database = "state.sqlite"
max_text_chars = 200
{token}

[ensemble]
algorithm = "{algorithm}"
loss = "absolute"
categories = ["violence", "crime"]

[[experts]]
name = "strict"
kind = "keywords"
base = 0.2
rules = [{{ pattern = "kill|bomb|steal|hack", weight = 0.9, category = "violence" }}]

[[experts]]
name = "lenient"
kind = "keywords"
base = 0.02
rules = [{{ pattern = "bomb", weight = 0.5, category = "violence" }}]

[[experts]]
name = "crime"
kind = "keywords"
base = 0.1
rules = [{{ pattern = "steal|hack|phish", weight = 0.8, category = "crime" }}]
"""


def write_config(directory: Path, algorithm: str = "hedge", token_env: str | None = None) -> Path:
    path = directory / "experts.toml"
    token = f'token_env = "{token_env}"' if token_env else ""
    path.write_text(CONFIG.format(algorithm=algorithm, token=token))
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The real ``regretlab serve moderation`` command in a child process."""

    def __init__(self, config: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.config, self.port, self.env = config, port, env
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> "Server":
        import httpx

        src = str(Path(__file__).resolve().parents[2] / "src")
        env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""), **(self.env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "regretlab.cli", "serve", "moderation", "--config", str(self.config), "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early: {self.proc.stderr.read().decode()}")
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not become healthy in time")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def make_config():
    """``make_config(directory, algorithm="hedge", token_env=None) -> path`` of a written config."""
    return write_config


@pytest.fixture
def start_server():
    """``start_server(config_path) -> Server`` (started); every server is stopped at teardown."""
    servers: list[Server] = []

    def start(config: Path) -> Server:
        server = Server(config, free_port()).start()
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()
