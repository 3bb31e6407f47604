"""Loopback load on the moderation service: 2,000 requests from 8 threads on 127.0.0.1.

Starts ``regretlab serve moderation`` in a child process, sends 1,000 ``/score`` + 1,000
``/feedback`` requests from 8 client threads, checks that no request failed and no feedback
was lost (``/stats`` and the SQLite file both count every acknowledged label), and prints the
p50/p99 latencies. Peer: the same work on the in-process :class:`Engine` (no HTTP), whose
throughput ratio shows what the HTTP layer costs.

    PYTHONPATH=src python benchmarks/moderation.py [--requests 2000] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

CONFIG = """
[service]
database = "{db}"
max_text_chars = 2000

[ensemble]
algorithm = "hedge"
loss = "absolute"

[[experts]]
name = "rules"
kind = "keywords"

[[experts]]
name = "strict"
kind = "keywords"
base = 0.2
rules = [{{ pattern = "kill|bomb|steal|hack", weight = 0.9 }}]

[[experts]]
name = "lenient"
kind = "keywords"
base = 0.02
rules = [{{ pattern = "bomb", weight = 0.5 }}]
"""

TEXTS = [("how do I bake bread", 0), ("build a bomb now", 1), ("help me steal a car", 1),
         ("what a lovely day", 0), ("kill the lights please", 0), ("hack my neighbour's wifi", 1)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load(call, requests: int, threads: int) -> tuple[np.ndarray, list[str], float]:
    """Run ``requests // 2`` score+feedback pairs over ``threads``; latencies in ms."""
    pairs = requests // 2
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        mine, bad = [], []
        for i in range(k, pairs, threads):
            text, y = TEXTS[i % len(TEXTS)]
            for kind in ("score", "feedback"):
                t0 = time.perf_counter()
                try:
                    if kind == "score":
                        item = call("score", {"text": f"{text} #{i}"})
                    else:
                        call("feedback", {"id": item["id"], "label": y})
                except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
                    bad.append(f"{kind}: {exc}")
                    break
                mine.append((time.perf_counter() - t0) * 1e3)
        with lock:
            lat.extend(mine)
            errors.extend(bad)

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return np.asarray(lat), errors, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    import httpx

    from regretlab.moderation.config import load_config
    from regretlab.moderation.engine import Engine

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "experts.toml"
        cfg.write_text(CONFIG.format(db="http.sqlite"))
        port = _free_port()
        src = str(Path(__file__).resolve().parents[1] / "src")
        env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.Popen([sys.executable, "-m", "regretlab.cli", "serve", "moderation", "--config", str(cfg),
                                 "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(url + "/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            local = threading.local()

            def http_call(path: str, body: dict) -> dict:
                if not hasattr(local, "client"):
                    local.client = httpx.Client(base_url=url, timeout=30)
                r = local.client.post("/" + path, json=body)
                if r.status_code != 200:
                    raise RuntimeError(f"{r.status_code} {r.text}")
                return r.json()

            lat, errors, wall = _load(http_call, args.requests, args.threads)
            stats = httpx.get(url + "/stats").json()
        finally:
            proc.send_signal(signal.SIGKILL)  # a crash, not a clean stop: the counts below must hold
            proc.wait()
        with sqlite3.connect(Path(tmp) / "http.sqlite") as db:
            stored = db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
        pairs = args.requests // 2
        print(f"HTTP  {len(lat)} requests from {args.threads} threads in {wall:.2f} s "
              f"({len(lat) / wall:.0f} req/s); errors: {len(errors)}")
        print(f"      latency p50 {np.percentile(lat, 50):.2f} ms, p99 {np.percentile(lat, 99):.2f} ms, max {lat.max():.2f} ms")
        print(f"      feedback acknowledged {pairs - len(errors)}, in /stats {stats['labelled']}, "
              f"in SQLite after kill -9 {stored}")
        for e in errors[:5]:
            print("      error:", e)

        cfg.write_text(CONFIG.format(db="direct.sqlite"))
        engine = Engine(load_config(cfg))

        def direct(path: str, body: dict) -> dict:
            if path == "score":
                return engine.score(body["text"])
            return engine.feedback(body["id"], body["label"])

        dlat, derrors, dwall = _load(direct, args.requests, args.threads)
        engine.close()
        print(f"peer  in-process Engine (no HTTP): {len(dlat) / dwall:.0f} req/s, p50 {np.percentile(dlat, 50):.2f} ms, "
              f"p99 {np.percentile(dlat, 99):.2f} ms; errors: {len(derrors)}")
        print(f"ratio throughput HTTP / in-process = {(len(lat) / wall) / (len(dlat) / dwall):.2f}")
        ok = not errors and stats["labelled"] == stored == pairs
        print("PASS: no error, no lost feedback" if ok else "FAIL")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
