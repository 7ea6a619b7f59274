"""The page and what its controls call: panes rendered on the server, changes pushed as server-sent events."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from playground import cast
from playground.render import Viewer, inspector_html, page_html

HEARTBEAT_SECONDS = 15


class Broker:
    """Fans workspace and inspector changes out to every open page (called from any thread)."""

    def __init__(self):
        self.queues: set[asyncio.Queue] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def publish(self, event: dict) -> None:
        if self.loop is None:
            return
        for queue in list(self.queues):
            self.loop.call_soon_threadsafe(queue.put_nowait, event)

    async def stream(self, request: Request):
        self.loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        self.queues.add(queue)
        try:
            yield "retry: 1000\n\n"
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except asyncio.TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                yield f"data: {json.dumps(event)}\n\n"
        finally:
            self.queues.discard(queue)


def build_page_app(pg) -> Starlette:
    broker = Broker()
    pg.workspace.listeners.append(broker.publish)
    pg.inspector.listeners.append(broker.publish)
    people = pg.people

    def viewer(request: Request, body: dict | None = None) -> Viewer:
        chosen = (body or {}).get("as") or request.query_params.get("as") or cast.PEOPLE[0][0]
        return Viewer(pg, chosen)

    async def body_of(request: Request) -> dict:
        try:
            found = await request.json()
        except ValueError:
            found = {}
        return found if isinstance(found, dict) else {}

    def page(request: Request) -> Response:
        return HTMLResponse(page_html(pg, viewer(request)))

    def panes(request: Request) -> Response:
        query = request.query_params
        found = viewer(request).panes(query.get("c") or cast.CHANNEL_ID, query.get("thread") or None,
                                      query.get("tab") or "channel")  # fmt: skip
        return JSONResponse(found)

    def file(request: Request) -> Response:
        found = pg.workspace.file(request.path_params["file_id"])
        if found is None:
            return Response("no such file", status_code=404)
        return Response(found[1], media_type=found[0])

    def inspector(_request: Request) -> Response:
        return HTMLResponse(inspector_html(pg.inspector.entries()))

    async def events(request: Request) -> Response:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(broker.stream(request), media_type="text/event-stream", headers=headers)

    def action(run):
        """A control of the page: JSON in, the person's action done through the stand-in, JSON out."""

        async def endpoint(request: Request) -> Response:
            body = await body_of(request)
            user = viewer(request, body).id
            try:
                answer = await asyncio.to_thread(run, user, body)
            except ValueError as error:
                return JSONResponse({"ok": False, "error": str(error)}, status_code=400)
            return JSONResponse({"ok": True, **(answer or {})})

        return endpoint

    def type_(user, body):
        people.type(user, body.get("channel") or cast.CHANNEL_ID, body.get("text", ""), body.get("thread_ts"))

    def press(user, body):
        people.press(user, body.get("source") or {}, body.get("block_id", ""), body.get("action_id", ""),
                     body.get("value"))  # fmt: skip

    def submit(user, body):
        return {"answer": people.submit(user, body.get("view_id", ""), body.get("values") or {})}

    def close(user, body):
        people.close(user, body.get("view_id", ""))

    def edit(user, body):
        people.edit(user, body.get("channel", ""), body.get("ts", ""), body.get("text", ""))

    def react(user, body):
        people.toggle_reaction(user, body.get("channel", ""), body.get("ts", ""), body.get("name", ""))

    def home(user, _body):
        people.open_home(user)

    def dismiss(user, body):
        pg.workspace.dismiss_ephemeral(user, body.get("ts", ""))

    def time_travel(_user, body):
        return pg.travel(body.get("step", ""))

    def reset(_user, body):
        if body.get("confirm") is not True:
            raise ValueError("reset needs confirm: true")
        pg.reset()

    routes = [
        Route("/", page),
        Route("/ui/panes", panes),
        Route("/ui/inspector", inspector),
        Route("/ui/files/{file_id}", file),
        Route("/ui/events", events),
        Mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static"),
    ]
    for name, run in [("type", type_), ("press", press), ("submit", submit), ("close", close), ("edit", edit),
                      ("react", react), ("dismiss", dismiss), ("home", home), ("time", time_travel),
                      ("reset", reset)]:  # fmt: skip
        routes.append(Route(f"/ui/{name}", action(run), methods=["POST"]))
    return Starlette(routes=routes)
