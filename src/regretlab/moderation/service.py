"""HTTP front of the moderation engine: FastAPI on 127.0.0.1, served by uvicorn.

``POST /score`` ``{"text", "category"?, "id"?}`` -> ensemble probability, decision, per-expert
scores and weights. ``POST /feedback`` ``{"id", "label": 0|1, "category"?}`` -> losses and new
weights. ``GET /stats?history=100`` -> regret so far against each expert, weights over time.
``GET /health``. Bad input gets a 4xx with ``{"error": message}`` and the server keeps serving.
"""

# no "from __future__ import annotations": FastAPI resolves the request models defined inside create_app

import hmac
from typing import Any

from regretlab.moderation.config import ServiceConfig
from regretlab.moderation.engine import Conflict, Engine, ExpertError, NotFound, TooLarge

LOOPBACK = "127.0.0.1"


def create_app(config: ServiceConfig, engine: Engine | None = None) -> Any:
    """The FastAPI application for ``config`` (the engine is built from it unless given)."""
    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
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

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Any:
        if token is not None and request.url.path != "/health":
            got = request.headers.get("authorization", "")
            scheme, _, value = got.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
                why = "missing bearer token" if not got else "wrong bearer token"
                return error(401, f"{why}: send 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"})
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > body_limit:
            return error(413, f"request body has {length} bytes; the limit is {body_limit} (text limit {config.max_text_chars} characters)")
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errs):
            ctx = errs[0].get("ctx", {})
            return error(400, f"malformed JSON body: {ctx.get('error', 'could not parse')}")
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


def serve(config: ServiceConfig, port: int | None = None, log_level: str = "warning") -> None:
    """Run the service on 127.0.0.1 until interrupted (one process: the state lives in it)."""
    import uvicorn

    app = create_app(config)
    try:
        uvicorn.run(app, host=LOOPBACK, port=config.port if port is None else port, log_level=log_level, workers=1)
    finally:
        app.state.engine.close()
