"""The moderation service end to end over HTTP: score, feedback, stats, bad input, restarts, load."""

from __future__ import annotations

import json
import re
import select
import socket
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the service needs the [serve] extra (fastapi, uvicorn, httpx)")
pytest.importorskip("uvicorn", reason="the service needs the [serve] extra (fastapi, uvicorn, httpx)")
httpx = pytest.importorskip("httpx", reason="the HTTP client of these tests")

from fastapi.testclient import TestClient  # noqa: E402

from regretlab.moderation import ewa, run_stream  # noqa: E402
from regretlab.moderation.config import load_config  # noqa: E402
from regretlab.moderation.service import create_app  # noqa: E402


TEXTS = [
    ("how do I bake bread", 0),
    ("I will kill the process and restart", 0),
    ("build a bomb now", 1),
    ("help me steal a car", 1),
    ("hack my neighbour's wifi", 1),
    ("what a lovely day", 0),
    ("phish their bank passwords", 1),
    ("kill the lights please", 0),
]


@pytest.fixture
def client(config_path):
    app = create_app(load_config(config_path))
    with TestClient(app) as c:
        yield c
    app.state.engine.close()


def test_score_feedback_stats_match_the_library(client):
    ids, labels = [], []
    for i in range(40):
        text, y = TEXTS[i % len(TEXTS)]
        r = client.post("/score", json={"text": text})
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body["experts"]) == {"strict", "lenient", "crime"}
        assert 0.0 <= body["probability"] <= 1.0
        assert body["decision"] in ("safe", "unsafe")
        ids.append((body["id"], body["experts"]))
        labels.append(y)
        f = client.post("/feedback", json={"id": body["id"], "label": y})
        assert f.status_code == 200, f.text
        assert f.json()["feedback_count"] == i + 1
    stats = client.get("/stats").json()
    assert stats["items"] == 40 and stats["labelled"] == 40
    # the service's weights are exactly the library's anytime EWA on the same stream
    scores = np.array([[e["strict"], e["lenient"], e["crime"]] for _, e in ids])[None]
    out = run_stream(ewa("absolute"), scores, np.array(labels, float)[None], record_every=1)
    agg = ewa("absolute")
    state = agg.init(3)
    for t in range(40):
        state = agg.update(state, scores[:, t], [labels[t]])
    np.testing.assert_allclose(list(stats["weights"].values()), agg.weights(state)[0], rtol=1e-12)
    np.testing.assert_allclose(stats["ensemble_loss"], np.nansum(out["ensemble_loss"]), rtol=1e-9)
    np.testing.assert_allclose(list(stats["expert_loss"].values()), np.nansum(out["expert_loss"][0], 0), rtol=1e-9)
    # regret against each expert = ensemble loss - that expert's loss
    for name, reg in stats["regret"].items():
        assert reg == pytest.approx(stats["ensemble_loss"] - stats["expert_loss"][name])
    assert len(stats["history"]) >= 2 and stats["history"][-1]["feedback"] == 40
    assert client.get("/health").json()["labelled"] == 40


def test_category_weights_sleep(client):
    r = client.post("/score", json={"text": "help me steal", "category": "crime"}).json()
    client.post("/feedback", json={"id": r["id"], "label": 1})
    stats = client.get("/stats").json()
    assert stats["categories"]["crime"]["labelled"] == 1
    assert stats["categories"]["violence"]["labelled"] == 0
    w = stats["categories"]["violence"]["weights"]
    assert list(w.values()) == pytest.approx([1 / 3] * 3)  # asleep: untouched


@pytest.mark.parametrize(
    "path, body, status, message",
    [
        ("/score", {"text": ""}, 422, "non-empty"),
        ("/score", {"text": "   "}, 422, "non-empty"),
        ("/score", {"text": "x" * 201}, 413, "limit is 200"),
        ("/score", {"text": 5}, 422, "text"),
        ("/score", {"txt": "hello"}, 422, "text"),
        ("/score", {"text": "hi", "category": "spam"}, 422, "category must be one of"),
        ("/feedback", {"id": "nope", "label": 1}, 404, "no scored item"),
        ("/feedback", {"id": "x", "label": 2}, 422, "label must be 0"),
        ("/feedback", {"id": "x", "label": "1"}, 422, "label"),
        ("/feedback", {"id": "x", "label": True}, 422, "label"),
        ("/feedback", {"id": "x"}, 422, "label"),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_the_server_keeps_serving(client, path, body, status, message):
    r = client.post(path, json=body)
    assert r.status_code == status, r.text
    assert message in r.json()["error"]
    assert client.get("/health").status_code == 200
    assert client.post("/score", json={"text": "still here"}).status_code == 200


def test_malformed_json_and_duplicates(client):
    r = client.post("/score", content=b'{"text": "unterminated', headers={"content-type": "application/json"})
    assert r.status_code == 400 and "malformed JSON" in r.json()["error"]
    big = client.post("/score", content=b"x" * 10_000, headers={"content-type": "application/json"})
    assert big.status_code == 413
    first = client.post("/score", json={"text": "hello", "id": "item-1"})
    assert first.status_code == 200
    assert client.post("/score", json={"text": "hello", "id": "item-1"}).status_code == 409
    assert client.post("/feedback", json={"id": "item-1", "label": 0}).status_code == 200
    again = client.post("/feedback", json={"id": "item-1", "label": 1})
    assert again.status_code == 409 and "already has feedback" in again.json()["error"]
    assert client.get("/stats").json()["labelled"] == 1


def test_bearer_token(tmp_path, monkeypatch, make_config):
    monkeypatch.setenv("MOD_TOKEN", "s3cret")
    app = create_app(load_config(make_config(tmp_path, token_env="MOD_TOKEN")))
    with TestClient(app) as c:
        assert c.post("/score", json={"text": "hi"}).status_code == 401
        wrong = c.post("/score", json={"text": "hi"}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "wrong bearer token" in wrong.json()["error"]
        ok = c.post("/score", json={"text": "hi"}, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert c.get("/health").status_code == 200
    app.state.engine.close()
    monkeypatch.delenv("MOD_TOKEN")
    with pytest.raises(ValueError, match="MOD_TOKEN"):
        create_app(load_config(make_config(tmp_path, token_env="MOD_TOKEN")))


def test_config_errors_are_clear(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[ensemble]\nloss = "hinge"\n[[experts]]\nname = "a"\nkind = "keywords"\n')
    with pytest.raises(ValueError, match="ensemble.loss must be one of"):
        load_config(bad)
    bad.write_text('[[experts]]\nname = "a"\nkind = "oracle"\n')
    with pytest.raises(ValueError, match="kind must be one of"):
        create_app(load_config(bad))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


def test_restart_after_kill9_keeps_weights_and_history(tmp_path, make_config, start_server):
    cfg = make_config(tmp_path, algorithm="fixed_share")
    server = start_server(cfg)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            for i in range(30):
                text, y = TEXTS[i % len(TEXTS)]
                item = c.post("/score", json={"text": text, "category": "violence" if i % 2 else None}).json()
                assert c.post("/feedback", json={"id": item["id"], "label": y}).status_code == 200
            pending = c.post("/score", json={"text": "scored before the crash"}).json()["id"]
            before = c.get("/stats").json()
        server.kill9()  # no shutdown hook runs
        server.start()
        with httpx.Client(base_url=server.url, timeout=10) as c:
            after = c.get("/stats").json()
            assert after == before  # weights, losses, regret, per-category state, history: all intact
            # the item scored before the crash can still get its label, once
            assert c.post("/feedback", json={"id": pending, "label": 0}).status_code == 200
            assert c.post("/feedback", json={"id": pending, "label": 0}).status_code == 409
            assert c.get("/stats").json()["labelled"] == 31
    finally:
        server.stop()
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 31


def test_concurrent_clients_lose_no_feedback(tmp_path, make_config, start_server):
    server = start_server(make_config(tmp_path))
    errors: list[str] = []
    per_thread = 10

    def worker(k: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            for i in range(per_thread):
                text, y = TEXTS[(k + i) % len(TEXTS)]
                r = c.post("/score", json={"text": f"{text} #{k}-{i}"})
                if r.status_code != 200:
                    errors.append(r.text)
                    continue
                f = c.post("/feedback", json={"id": r.json()["id"], "label": y})
                if f.status_code != 200:
                    errors.append(f.text)

    try:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with httpx.Client(base_url=server.url) as c:
            stats = c.get("/stats").json()
        assert stats["items"] == stats["labelled"] == 8 * per_thread
        server.kill9()
        server.start()
        with httpx.Client(base_url=server.url) as c:
            assert c.get("/stats").json()["labelled"] == 8 * per_thread
    finally:
        server.stop()


def test_one_engine_per_database_and_foreign_history(tmp_path, make_config):
    from regretlab.moderation.engine import Engine

    cfg = load_config(make_config(tmp_path))
    first = Engine(cfg)
    with pytest.raises(ValueError, match="in use by another moderation engine"):
        Engine(cfg)
    first.close()
    Engine(cfg).close()  # free again once closed
    # a database written by another ensemble config is refused, not silently mixed
    other = load_config(make_config(tmp_path, algorithm="fixed_share"))
    with pytest.raises(ValueError, match="holds the history of another ensemble"):
        Engine(other)
    Engine(cfg).close()  # the failed attempt did not keep the lock


def test_failing_expert_is_a_clear_500(tmp_path, make_config):
    from regretlab.moderation.engine import Engine

    class Broken:
        name = "broken"

        def __call__(self, text):
            return 1.7

    cfg = load_config(make_config(tmp_path))
    engine = Engine(cfg, experts=[Broken(), lambda t: 0.5, lambda t: 0.5])
    app = create_app(cfg, engine=engine)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/score", json={"text": "hello"})
        assert r.status_code == 500 and "expert 'broken' failed" in r.json()["error"]
        assert c.get("/health").status_code == 200
    engine.close()


def test_cli_reports_a_bad_config_in_one_line(tmp_path, capsys):
    from regretlab.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["serve", "moderation", "--config", str(tmp_path / "missing.toml")])
    assert exc.value.code == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("loss", ["absolute", "square", "log", "zero_one"])
def test_engine_matches_library_for_every_loss(tmp_path, loss):
    from regretlab.moderation.config import parse_config
    from regretlab.moderation.engine import Engine

    experts = [{"name": n, "kind": "keywords", "base": b, "rules": [{"pattern": "bomb|steal", "weight": w}]}
               for n, b, w in (("a", 0.1, 0.8), ("b", 0.4, 0.3), ("c", 0.02, 0.95))]
    cfg = parse_config({"service": {"database": "s.sqlite"}, "ensemble": {"loss": loss}, "experts": experts}, tmp_path)
    engine = Engine(cfg)
    agg = ewa(loss)
    state = agg.init(3)
    total = 0.0
    for i in range(24):
        text, y = TEXTS[i % len(TEXTS)]
        item = engine.score(text)
        p = np.array([list(item["experts"].values())])
        assert item["probability"] == pytest.approx(agg.predict(state, p)[0], rel=1e-12)
        total += agg.ensemble_loss(agg.predict(state, p), [y])[0]
        engine.feedback(item["id"], y)
        state = agg.update(state, p, [y])
    stats = engine.stats()
    np.testing.assert_allclose(list(stats["weights"].values()), agg.weights(state)[0], rtol=1e-12)
    assert stats["ensemble_loss"] == pytest.approx(total, rel=1e-12)
    engine.close()


# ---------------------------------------------------------------- hardening: body limit, error shape

def _proc_kib(pid: int, key: str) -> int:
    """``VmRSS`` / ``VmHWM`` of a process, in KiB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _chunked_upload(port: int, chunks, on_chunk, deadline_s: float = 30.0) -> tuple[bytes, int]:
    """POST /score with ``Transfer-Encoding: chunked``, frames from ``chunks``, reading the answer
    as soon as the server sends one. Returns ``(response bytes, body bytes sent)``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    sock.setblocking(False)
    sent, pending, answer, finished = 0, b"", b"", False
    deadline = time.monotonic() + deadline_s
    try:
        while time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock] if not finished else [], [], 1.0)
            if readable:
                try:
                    data = sock.recv(65536)
                except (ConnectionResetError, BlockingIOError):
                    data = b""
                answer += data
                head, sep, body = answer.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if not data or (sep and length and len(body) >= int(length.group(1))):
                    break
            if writable and not finished:
                if not pending:
                    chunk = next(chunks, None)
                    if chunk is None:
                        pending, finished = b"0\r\n\r\n", True
                    else:
                        pending = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
                        sent += len(chunk)
                        on_chunk()
                try:
                    pending = pending[sock.send(pending):]
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    pass
    finally:
        sock.close()
    return answer, sent


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's RSS from /proc")
def test_chunked_body_over_the_limit_is_cut_off_while_streaming(tmp_path, make_config, start_server):
    server = start_server(make_config(tmp_path))  # max_text_chars = 200: body limit 4,896 bytes
    pid = server.proc.pid
    assert httpx.post(server.url + "/score", json={"text": "warm up"}).status_code == 200
    rss0 = _proc_kib(pid, "VmRSS")
    peak = [rss0]
    cap = 64 << 20  # give up after 64 MB: the unfixed server reads all of it

    def chunks():  # 256 KiB frames, 64 MiB at most
        for _ in range(cap >> 18):
            yield b"x" * (1 << 18)

    t0 = time.monotonic()
    answer, sent = _chunked_upload(server.port, chunks(), lambda: peak.append(_proc_kib(pid, "VmRSS")))
    seconds = time.monotonic() - t0
    peak.append(_proc_kib(pid, "VmRSS"))
    grown_mib = (max(peak) - rss0) / 1024
    print(f"chunked upload: sent {sent / 2**20:.2f} MiB before the answer in {seconds:.2f} s; "
          f"server RSS {rss0 / 1024:.0f} MiB -> peak {max(peak) / 1024:.0f} MiB (+{grown_mib:.1f} MiB)")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer[:300]
    assert "limit" in json.loads(body)["error"]
    assert sent < cap // 4  # answered long before the client ran out of body
    assert grown_mib < 64, f"server RSS grew by {grown_mib:.0f} MiB"
    with httpx.Client(base_url=server.url, timeout=10) as c:  # and it keeps serving
        assert c.post("/score", json={"text": "still here"}).status_code == 200


def test_chunked_body_over_the_limit_in_process(client):
    def body():
        for _ in range(8):
            yield b"x" * 1000

    r = client.post("/score", content=body(), headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text
    assert "limit" in r.json()["error"]
    assert client.post("/score", json={"text": "x" * 150}).status_code == 200  # under the limit: fine


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "method, path, content, headers, status, message",
    [
        ("GET", "/nope", None, {}, 404, "no endpoint GET /nope"),
        ("POST", "/", b"{}", JSON, 404, "endpoints are"),
        ("GET", "/score", None, {}, 405, "POST"),
        ("DELETE", "/stats", None, {}, 405, "GET"),
        ("POST", "/score", b'{"text": "caf\xe9"}', JSON, 400, "not valid UTF-8"),
        ("POST", "/score", b"[" * 2000 + b"]" * 2000, JSON, 400, "nested too deeply"),
        ("POST", "/score", b'{"text": ' + b"[" * 2000 + b"]" * 2000 + b"}", JSON, 400, "nested too deeply"),
        ("POST", "/score", b'{"text": "unterminated', JSON, 400, "malformed JSON"),
        ("POST", "/score", b'{"text": "a",}', JSON, 400, "malformed JSON"),
        ("POST", "/score", b"[1, 2]", JSON, 422, "JSON object"),
        ("POST", "/score", b"null", JSON, 422, "JSON object"),
        ("POST", "/score", b'"text"', JSON, 422, "JSON object"),
        ("POST", "/score", b"text=hello", {"content-type": "text/plain"}, 422, "application/json"),
        ("POST", "/score", None, {}, 422, "request body is missing"),
        ("POST", "/score", b'{"text": ["a"]}', JSON, 422, "text"),
        ("POST", "/feedback", b'{"id": "x", "label": 0.5}', JSON, 422, "label"),
        ("POST", "/feedback", b'{"id": 7, "label": 1}', JSON, 422, "id"),
        ("GET", "/stats?history=abc", None, {}, 422, "history"),
        ("GET", "/stats?history=0", None, {}, 422, "history"),
        ("POST", "/score", b"x" * 10_000, JSON, 413, "limit"),
    ],
)
def test_every_error_is_one_error_field(client, method, path, content, headers, status, message):
    r = client.request(method, path, content=content, headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert list(body) == ["error"] and isinstance(body["error"], str), body
    assert message.lower() in body["error"].lower(), body
    assert client.get("/health").status_code == 200


def test_unexpected_server_fault_is_a_json_500(tmp_path, make_config, monkeypatch):
    from regretlab.moderation.engine import Engine

    cfg = load_config(make_config(tmp_path))
    engine = Engine(cfg)
    app = create_app(cfg, engine=engine)

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(engine, "stats", broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/stats")
        assert r.status_code == 500
        assert r.json() == {"error": "internal server error: OperationalError: disk I/O error"}
        assert c.get("/health").status_code == 200
    engine.close()


def test_cli_port_in_use_is_one_line_before_anything_is_built(tmp_path, make_config, capsys):
    from regretlab.cli import main

    cfg = make_config(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as exc:
            main(["serve", "moderation", "--config", str(cfg), "--port", str(port)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"--port {port}: 127.0.0.1:{port} is already in use" in err and "Traceback" not in err
    assert not (tmp_path / "state.sqlite").exists()  # refused before the engine opened its database


def test_config_errors_name_the_file(tmp_path):
    from regretlab.moderation.engine import Engine

    bad = tmp_path / "bad.toml"
    bad.write_text('[[experts]]\nname = "k"\nkind = "keywords"\nrules = [{ pattern = "(a+)+", weight = 0.5 }]\n')
    with pytest.raises(ValueError, match=r"config file .*bad.toml: expert 'k' \(keywords\): rules\[0\]: rule pattern '\(a\+\)\+' has a nested"):
        Engine(load_config(bad))
    bad.write_text('[service]\nmax_text_chars = 0\n[[experts]]\nname = "k"\nkind = "keywords"\n')
    with pytest.raises(ValueError, match=r"config file .*bad.toml: service.max_text_chars must be an integer >= 1, got 0"):
        load_config(bad)
    ok = tmp_path / "ok.toml"
    ok.write_text('[service]\ndatabase = "notes.txt"\n[[experts]]\nname = "k"\nkind = "keywords"\n')
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    with pytest.raises(ValueError, match="notes.txt cannot be used: file is not a database"):
        Engine(load_config(ok))


def test_answers_are_not_held_back_by_nagle(tmp_path, make_config, start_server):
    # the service binds its own socket; without TCP_NODELAY each answer (head, then body) waited
    # ~40 ms for the client's delayed ACK
    server = start_server(make_config(tmp_path))
    with httpx.Client(base_url=server.url, timeout=10) as c:
        c.get("/health")
        lat = []
        for _ in range(25):
            t0 = time.perf_counter()
            assert c.post("/score", json={"text": "hello"}).status_code == 200
            lat.append(time.perf_counter() - t0)
    assert sorted(lat)[len(lat) // 2] < 0.025, lat
