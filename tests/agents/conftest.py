"""A local fake OpenAI-compatible chat server on 127.0.0.1 for the harness tests."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import pytest


class FakeServer:
    """Answers ``POST /v1/chat/completions`` with ``reply(n, body) -> (status, content | None)``.

    ``content=None`` sends a body without ``choices`` (a missing reply). ``delay`` seconds of
    sleep before answering simulate a slow endpoint. ``requests`` keeps every request body.
    """

    def __init__(self, reply: Callable[[int, dict], tuple[int, str | None]], delay: float = 0.0) -> None:
        self.reply, self.delay, self.requests = reply, delay, []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                owner.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if owner.delay:
                    time.sleep(owner.delay)
                status, content = owner.reply(len(owner.requests), body)
                payload = ({"choices": [{"message": {"role": "assistant", "content": content}}]}
                           if content is not None else {"id": "x"})
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_server():
    servers = []

    def make(reply, delay=0.0):
        s = FakeServer(reply, delay)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()
