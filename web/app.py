"""The HTTP API and the dashboard. `create_app(settings)` builds the services once and mounts a router
per resource (web/routers/); `tablescan serve` runs it with uvicorn; OpenAPI at /docs.

The dashboard is plain HTML, CSS and JavaScript in web/dashboard/, served at / and /ui/; the OpenAPI UI at
/docs from local files. Middleware checks the Host, who asks and whether they may (web.guard, web.auth)
before any route reads a body. Nothing here imports recognition: uploads are enqueued by the jobs'
dotted names (worker.queue).
"""

from __future__ import annotations

import logging
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from redis import Redis
from starlette.middleware.trustedhost import TrustedHostMiddleware

from schemas.database import sessions
from web.auth import Identity, identify
from web.deps import VIEWER, Services
from web.guard import Gate, SecurityHeaders
from web.routers import auth, cells, documents, exports, operations, review
from worker.queue import queue_for
from worker.settings import Settings
from worker.storage import Storage

log = logging.getLogger(__name__)
DASHBOARD = Path(__file__).with_name("dashboard")
SWAGGER_UI = Path(fastapi_offline.__file__).with_name("static")  # Swagger UI's own files, kept locally


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="tablescan",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        description="Scanned reports with ruled tables in; checked table data out. The dashboard is at [/](/).",
    )
    redis = Redis.from_url(settings.redis_url)
    services = Services(
        settings=settings,
        Session=sessions(settings.database_url),
        storage=Storage(settings.storage_root),
        redis=redis,
        queue=queue_for(settings, redis),
    )
    app.state.services = services

    def who(bearer: str | None, cookie: str | None) -> Identity | None:
        with services.Session() as s:
            return identify(s, settings.api_token, bearer, cookie)

    # the last added runs first: the Host is checked, then who asks and whether they may, before the body
    app.add_middleware(Gate, identify=who, max_bytes=settings.request_max_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.hosts())
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(Exception, _hide_internals)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.include_router(auth.router)
    app.include_router(operations.router)
    for router in (documents.router, cells.router, review.router, exports.router):
        app.include_router(router, dependencies=VIEWER)
    app.add_api_route("/", _page("index.html"), include_in_schema=False)
    app.add_api_route("/docs", _page("docs.html"), include_in_schema=False)
    app.mount("/ui", StaticFiles(directory=DASHBOARD), name="ui")
    app.mount("/docs-assets", StaticFiles(directory=SWAGGER_UI), name="docs-assets")
    return app


async def _hide_internals(request: Request, exc: Exception):
    log.exception("unhandled error on %s", request.url.path)
    return JSONResponse({"detail": "internal error; see the server log"}, status_code=500)


async def _invalid_request(request: Request, exc: Exception):
    """Say which parameter is wrong and why, without echoing the input back (it may be a file)."""
    assert isinstance(exc, RequestValidationError)  # registered for it alone
    return JSONResponse(
        {
            "detail": [
                {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
                for e in exc.errors()
            ]
        },
        status_code=422,
    )


def _page(name: str):
    def page():
        return FileResponse(DASHBOARD / name, media_type="text/html")

    return page
