"""Headless Chromium driven over the Chrome DevTools protocol (a small websocket client, no
playwright): the report tests open pages, evaluate scripts, collect console errors and take
screenshots. Tests that need it skip with the reason when Debian's ``chromium`` is missing."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--window-size=1400,1000",
                  "--remote-debugging-port=0"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class CDP:
    """One DevTools websocket connection (RFC 6455 client frames, masked; server frames plain)."""

    def __init__(self, ws_url: str, timeout: float = 30.0) -> None:
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", ws_url)
        assert m, ws_url
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the websocket handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        assert b" 101 " in status, head[:200]
        self._buf = head.split(b"\r\n\r\n", 1)[1]
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def _read(self, n: int) -> bytes:
        while len(self._buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("DevTools closed the websocket")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def _frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def _message(self) -> dict[str, Any]:
        parts = b""
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 9:  # ping
                self._frame(10, data)
                continue
            if opcode == 8:
                raise ConnectionError("DevTools closed the websocket")
            parts += data
            if b0 & 0x80:
                return json.loads(parts.decode())

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60.0) -> dict[str, Any]:
        self._id += 1
        mid = self._id
        self._frame(1, json.dumps({"id": mid, "method": method, "params": params or {}}).encode())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self._message()
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)
        raise TimeoutError(method)

    def wait_event(self, method: str, timeout: float = 60.0) -> dict[str, Any]:
        for ev in self.events:
            if ev.get("method") == method:
                self.events.remove(ev)
                return ev
        deadline = time.monotonic() + timeout
        self.sock.settimeout(timeout)
        while time.monotonic() < deadline:
            msg = self._message()
            if msg.get("method") == method:
                return msg
            self.events.append(msg)
        raise TimeoutError(method)

    def evaluate(self, expression: str, timeout: float = 60.0) -> Any:
        res = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                             "returnByValue": True}, timeout=timeout)
        if "exceptionDetails" in res:
            raise RuntimeError(f"page script failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen so far."""
        out = []
        for ev in self.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(json.dumps(p.get("exceptionDetails", {}))[:400])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"{p['entry'].get('text')} {p['entry'].get('url', '')}")
        return out

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Browser:
    def __init__(self, proc: subprocess.Popen, port: int) -> None:
        self.proc, self.port = proc, port

    def open(self, url: str, timeout: float = 60.0) -> CDP:
        """A page at ``url`` with console, log and page events on, loaded and the report script ready."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        target = json.loads(urllib.request.urlopen(req, timeout=10).read())
        page = CDP(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        page.call("Page.navigate", {"url": url})
        page.wait_event("Page.loadEventFired", timeout=timeout)
        deadline = time.monotonic() + timeout
        while not page.evaluate("!!(window.regretlab && window.regretlab.ready)"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"report script not ready on {url}")
            time.sleep(0.1)
        return page

    def screenshot(self, page: CDP, path: Path, clip: dict[str, float] | None = None) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if clip:
            params["clip"] = {**clip, "scale": 1}
            params["captureBeyondViewport"] = True
        data = page.call("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium); the browser checks of "
                    "the report need it")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.monotonic() + 60
    lines = []
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        lines.append(line)
        m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        proc.kill()
        pytest.fail("chromium did not start its DevTools server:\n" + "".join(lines[-20:]))
    import threading

    # keep reading chromium's log: a full pipe would block the browser
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
    try:
        yield Browser(proc, port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# Small cells of the styled experiments (two configs of experts, so the report splits them).
CELLS = [
    ("experts", {"algo": "hedge,adahedge,ftl", "env": "alternating", "T": 400, "runs": 6}, 0),
    ("experts", {"algo": "hedge,adahedge,ftl", "env": "gaussian", "T": 400, "runs": 6}, 0),
    ("alternating", {"max_exp": 10}, 0),
    ("generators", {"T": 500, "runs": 5}, 0),
    ("inpo_omd", {"T_grid": (100, 1000), "kl_rounds": 100}, 0),
    ("inpo_loss", {"sizes": (1000, 4000, 16000), "runs": 4}, 0),
    ("inpo_loss", {"sizes": (1000, 4000, 16000), "runs": 4}, 1),
]


@pytest.fixture(scope="session")
def report_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results store holding the cells of :data:`CELLS`."""
    from regretlab.experiments import get_experiment
    from regretlab.store import Store

    path = tmp_path_factory.mktemp("store") / "regretlab.duckdb"
    with Store(path) as db:
        for name, params, seed in CELLS:
            exp = get_experiment(name)
            config = exp.make_config(**params)
            db.put(name, config, seed, exp.run(config, seed))
    return path


@pytest.fixture(scope="session")
def report_page(report_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of :func:`report_store`, written once."""
    from regretlab.report import write_report
    from regretlab.store import Store

    out = tmp_path_factory.mktemp("report") / "report.html"
    here = os.getcwd()
    os.chdir(report_store.parent)  # the page names the store as a user gives it: a relative path
    try:
        with Store(Path(report_store.name)) as db:
            write_report(db, db.experiments(), out)
    finally:
        os.chdir(here)
    return out


@pytest.fixture
def saved_figure_problems(monkeypatch):
    """``problems(symlog=False) -> list``: from then on every ``plot_style.save`` appends the
    figure's :func:`regretlab.testing.figure_problems` (a symlog axis counts as one unless
    ``symlog``) to the returned list."""
    from regretlab import plot_style as style
    from regretlab.testing import figure_problems

    def start(symlog: bool = False) -> list[str]:
        found: list[str] = []
        real = style.save

        def save(fig, path, formats_=None):
            found.extend(figure_problems(fig, path, symlog=symlog))
            return real(fig, path, formats_)

        monkeypatch.setattr(style, "save", save)
        return found

    return start
