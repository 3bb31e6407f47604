"""HTTP front of the moderation engine: FastAPI on 127.0.0.1, served by uvicorn.

``POST /score`` ``{"text", "category"?, "id"?}`` -> ensemble probability, decision, per-expert
scores and weights. ``POST /feedback`` ``{"id", "label": 0|1, "category"?}`` -> losses and new
weights. ``GET /stats?history=100`` -> regret so far against each expert, weights over time.
``GET /health``. Every error answer (4xx and 5xx, including FastAPI's own 404/405/400) is
``{"error": message}``, and the server keeps serving. Request bodies are capped while they stream
in (:class:`Guard`), so a chunked upload cannot grow the process past the cap.
"""

# no "from __future__ import annotations": FastAPI resolves the request models defined inside create_app

import errno
import hmac
import json
import socket
from typing import Any

from regretlab.moderation.config import ServiceConfig
from regretlab.moderation.engine import Conflict, Engine, ExpertError, NotFound, TooLarge

LOOPBACK = "127.0.0.1"
ENDPOINTS = "POST /score, POST /feedback, GET /stats, GET /health"


def _json_error(status: int, message: str, headers: dict[str, str] | None = None) -> tuple[dict, bytes]:
    """The ``http.response.start`` message and body of ``{"error": message}`` (for raw ASGI answers)."""
    body = json.dumps({"error": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return {"type": "http.response.start", "status": status, "headers": raw}, body


class _BodyTooLarge(Exception):
    """Raised into the application when the request body passes the limit while it streams in."""


class Guard:
    """ASGI middleware in front of the app: the bearer token, then the request-body limit.

    The limit holds however the body arrives: a ``Content-Length`` over it is answered 413 before
    anything is read, and a body without one (``Transfer-Encoding: chunked``) is counted as it
    streams in, answered 413 as soon as it passes the limit, and never buffered beyond it.
    """

    def __init__(self, app: Any, token: str | None, body_limit: int, text_limit: int) -> None:
        self.app, self.token, self.limit, self.text_limit = app, token, body_limit, text_limit

    async def _answer(self, send: Any, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        start, body = _json_error(status, message, headers)
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def _too_large(self, size: str) -> str:
        return f"request body has {size} bytes; the limit is {self.limit} (text limit {self.text_limit} characters)"

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        if self.token is not None and scope.get("path") != "/health":
            got = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, value = got.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), self.token.encode()):
                why = "missing bearer token" if not got else "wrong bearer token"
                await self._answer(send, 401, f"{why}: send 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"})
                return
        length = headers.get(b"content-length", b"").decode("latin-1")
        if length.isdigit() and int(length) > self.limit:
            await self._answer(send, 413, self._too_large(length))
            return
        received, over, started = 0, False, False

        async def counted_receive() -> dict:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: dict) -> None:
            nonlocal started
            if over:
                return  # the app's answer to the cut-off read is replaced by the 413 below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._answer(send, 413, self._too_large(f"more than {self.limit}"))


def _unreadable_body(cause: BaseException) -> str:
    """The message for a request body FastAPI could not decode (it answers 400 for these)."""
    if isinstance(cause, UnicodeDecodeError):
        return f"request body is not valid UTF-8 JSON: byte 0x{cause.object[cause.start]:02x} at position {cause.start}"
    if isinstance(cause, RecursionError):
        return "JSON body is nested too deeply (arrays or objects inside each other)"
    return f"could not read the request body: {type(cause).__name__}: {cause}"


def _whole_body_error(request: Any, err: dict) -> str:
    """The message for a request body that is missing or not a JSON object."""
    if err.get("type") == "missing":
        return 'request body is missing: send a JSON object such as {"text": "..."}'
    ctype = request.headers.get("content-type", "")
    if ctype and "json" not in ctype.lower():
        return f"request body must be JSON sent with content-type: application/json, got content-type {ctype!r}"
    got = err.get("input")
    kind = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean", type(None): "null"}
    return f"request body must be a JSON object such as {{\"text\": \"...\"}}, got {kind.get(type(got), type(got).__name__)}"


def create_app(config: ServiceConfig, engine: Engine | None = None) -> Any:
    """The FastAPI application for ``config`` (the engine is built from it unless given)."""
    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from pydantic import BaseModel, ConfigDict, Field, StrictInt

    token = config.token()  # before the engine: a missing token fails without holding the database
    engine = engine or Engine(config)
    body_limit = 4 * config.max_text_chars + 4096  # UTF-8 worst case plus the JSON around it

    class ScoreRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        text: str
        category: str | None = None
        id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:\-]{1,128}$")

    class FeedbackRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        id: str = Field(min_length=1, max_length=128)
        label: StrictInt
        category: str | None = None

    app = FastAPI(title="regretlab moderation", version="1", docs_url=None, redoc_url=None)
    app.state.engine = engine

    def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    app.add_middleware(Guard, token=token, body_limit=body_limit, text_limit=config.max_text_chars)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI/Starlette's own answers (unknown path, wrong method, unreadable body) in our shape
        status, method, path = exc.status_code, request.method, request.url.path
        if status == 404:
            message = f"no endpoint {method} {path}; the endpoints are {ENDPOINTS}"
        elif status == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            message = f"{path} does not accept {method}; use {allowed or 'another method'}"
        elif status == 400 and exc.__cause__ is not None:
            message = _unreadable_body(exc.__cause__)
        else:
            message = str(exc.detail)
        return error(status, message, dict(exc.headers or {}) or None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errs):
            ctx = errs[0].get("ctx", {})
            return error(400, f"malformed JSON body: {ctx.get('error', 'could not parse')}")
        if len(errs) == 1 and tuple(errs[0].get("loc", ())) == ("body",):
            return error(422, _whole_body_error(request, errs[0]))
        parts = []
        for e in errs:
            loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
            parts.append(f"{loc}: {e.get('msg')}")
        return error(422, "invalid request: " + "; ".join(parts))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return error(404, str(exc.args[0]))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return error(409, str(exc))

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge) -> JSONResponse:
        return error(413, str(exc))

    @app.exception_handler(ExpertError)
    async def expert_failed(request: Request, exc: ExpertError) -> JSONResponse:
        return error(500, str(exc))

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError) -> JSONResponse:
        return error(422, str(exc))

    @app.exception_handler(Exception)
    async def server_fault(request: Request, exc: Exception) -> JSONResponse:
        # anything else is a fault of the server, not of the request; uvicorn still logs the traceback
        return error(500, f"internal server error: {type(exc).__name__}: {exc}"[:500])

    @app.post("/score")
    def score(req: ScoreRequest) -> dict[str, Any]:
        return engine.score(req.text, req.category, req.id)

    @app.post("/feedback")
    def feedback(req: FeedbackRequest) -> dict[str, Any]:
        return engine.feedback(req.id, req.label, req.category)

    @app.get("/stats")
    def stats(history: int = Query(100, ge=1, le=10_000)) -> dict[str, Any]:
        return engine.stats(history)

    @app.get("/health")
    def health() -> dict[str, Any]:
        return engine.health()

    return app


def listen_socket(port: int, option: str = "port", where: str = "") -> socket.socket:
    """A TCP socket bound to 127.0.0.1:``port`` (0: any free port), for :func:`serve`.

    Binding before the experts are built turns a port in use into one clear error at once. The
    errors name ``option``, how the port was given (``--port``, ``service.port``), after ``where``
    (e.g. ``"config file experts.toml: "``).
    """
    given = f"{where}{option} {port}" if option.startswith("-") else f"{where}{option} = {port}"
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"{where}{option} must be a TCP port number from 0 to 65535, got {port!r}")
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on connections of such sockets (else every
    # answer, written as head + body, waits ~40 ms for a delayed ACK)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: restart right after a crash
    try:
        sock.bind((LOOPBACK, port))
    except OSError as exc:
        sock.close()
        why = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror or exc})"
        raise ValueError(f"{given}: {LOOPBACK}:{port} {why}; choose another port") from None
    return sock


def serve(config: ServiceConfig, port: int | None = None, log_level: str = "warning", *,
          sock: socket.socket | None = None, app: Any = None) -> None:
    """Run the service on 127.0.0.1 until interrupted (one process: the state lives in it).

    ``sock`` (from :func:`listen_socket`) and ``app`` (from :func:`create_app`) may be made first,
    so that every error is reported before serving; by default both are made here.
    """
    import uvicorn

    if sock is None:
        sock = listen_socket(config.port if port is None else port, "port" if port is not None else "service.port", config.where())
    try:
        app = app if app is not None else create_app(config)
    except BaseException:
        sock.close()
        raise
    try:
        server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, workers=1))
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
    finally:
        app.state.engine.close()
        sock.close()
