"""HTTP mode: Slack's requests on POST /slack/events and a health check, served by uvicorn."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.db import Database
from bot.slack.incoming import malformed


def build_http_app(app: App, db: Database, signing_secret: str | None = None) -> Starlette:
    """`signing_secret` checks the signature of a malformed body before saying 400 to it (401 when forged)."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        problem = malformed(body, request.headers.get("content-type"))
        if problem is not None:
            signed = verifier is None or verifier.is_valid_request(body, dict(request.headers))
            return PlainTextResponse(problem, status_code=400) if signed else PlainTextResponse("", status_code=401)
        # Bolt's dispatch blocks until the listener acks; keep it off the event loop.
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> Response:
        healthy = await run_in_threadpool(db.is_healthy)
        return JSONResponse(
            {"status": "ok" if healthy else "unhealthy", "database": "ok" if healthy else "unreachable"},
            status_code=200 if healthy else 503,
        )

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
