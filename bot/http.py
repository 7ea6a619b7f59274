"""HTTP mode: Slack's requests on POST /slack/events, a health check, and metrics, served by uvicorn."""

from __future__ import annotations

import time

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot import logs
from bot.db import Database
from bot.metrics import CONTENT_TYPE_LATEST, Metrics
from bot.ops_server import health
from bot.slack.incoming import bolt_request, malformed


def build_http_app(
    app: App, db: Database, signing_secret: str | None = None, *, metrics: Metrics | None = None
) -> Starlette:
    """`signing_secret` checks the signature of a malformed body before saying 400 to it (401 when forged)."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def slack_events(request: Request) -> Response:
        arrived = time.perf_counter()
        body = await request.body()
        problem = malformed(body, request.headers.get("content-type"))
        if problem is not None:
            signed = verifier is None or verifier.is_valid_request(body, dict(request.headers))
            status = 400 if signed else 401
            if metrics is not None:
                metrics.request_done({}, status, time.perf_counter() - arrived)
            return PlainTextResponse(problem if signed else "", status_code=status)
        bolt_request = bolt_request_of(request, body)
        with logs.context(**about(bolt_request.body)):
            # Bolt's dispatch blocks until the listener acks; keep it off the event loop.
            bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        if metrics is not None:
            metrics.request_done(bolt_request.body, bolt_response.status, time.perf_counter() - arrived)
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> Response:
        status, answer = await run_in_threadpool(health, db)
        return JSONResponse(answer, status_code=status)

    async def scrape(_request: Request) -> Response:
        exposition = await run_in_threadpool(metrics.exposition)  # pending sends are read from the database
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if metrics is not None:
        routes.append(Route("/metrics", scrape, methods=["GET"]))
    return Starlette(routes=routes)


def bolt_request_of(request: Request, body: bytes):
    return bolt_request(body.decode("utf-8"), request.headers, request.query_params)


def about(body: dict) -> dict:
    """What a Slack request's log lines say it is about: its channel and its key (an event's id, else the
    interaction's trigger)."""
    if not isinstance(body, dict):
        return {}
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    channel = (body.get("channel") or {}).get("id") if isinstance(body.get("channel"), dict) else None
    channel = channel or body.get("channel_id") or event.get("channel")
    return {
        "channel": channel if isinstance(channel, str) else None,
        "request": body.get("event_id") or body.get("trigger_id"),
    }
