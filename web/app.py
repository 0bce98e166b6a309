"""The HTTP API and the dashboard. `create_app(settings)` builds the services once and mounts a router
per resource (web/routers/); `tablescan serve` runs it with uvicorn; OpenAPI at /docs.

The dashboard is plain HTML, CSS and JavaScript in web/dashboard/, served at / and /ui/. Nothing here
imports recognition: uploads are enqueued by the jobs' dotted names (worker.queue).
"""
from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from redis import Redis

from schemas.database import sessions
from web.deps import Services
from web.guard import BodyGuard
from web.routers import cells, documents, exports, operations, review
from worker.queue import queue_for
from worker.settings import Settings
from worker.storage import Storage

log = logging.getLogger(__name__)
DASHBOARD = Path(__file__).with_name("dashboard")


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="tablescan", version="0.1.0",
                  description="Scanned reports with ruled tables in; checked table data out. "
                              "The dashboard is at [/](/).")
    redis = Redis.from_url(settings.redis_url)
    app.state.services = Services(settings=settings, Session=sessions(settings.database_url),
                                  storage=Storage(settings.storage_root), redis=redis,
                                  queue=queue_for(settings, redis))
    app.add_middleware(BodyGuard, token=settings.api_token, max_bytes=settings.request_max_bytes)
    app.add_exception_handler(Exception, _hide_internals)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for router in (documents.router, cells.router, review.router, exports.router, operations.router):
        app.include_router(router)
    app.add_api_route("/", _dashboard, include_in_schema=False)
    app.mount("/ui", StaticFiles(directory=DASHBOARD), name="ui")
    return app


async def _hide_internals(request: Request, exc: Exception):
    log.exception("unhandled error on %s", request.url.path)
    return JSONResponse({"detail": "internal error; see the server log"}, status_code=500)


async def _invalid_request(request: Request, exc: RequestValidationError):
    """Say which parameter is wrong and why, without echoing the input back (it may be a file)."""
    return JSONResponse({"detail": [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""),
                                     "type": e.get("type", "")} for e in exc.errors()]}, status_code=422)


def _dashboard():
    return FileResponse(DASHBOARD / "index.html", media_type="text/html")
