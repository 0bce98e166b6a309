"""/healthz and /metrics: whether the service can work, and how it is working."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from rq import Worker
from sqlalchemy import text

from web import metrics
from web.deps import VIEWER, Db, Svc

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(svc: Svc):
    """Whether the database and Redis answer, and how many workers are registered. The one route that
    needs no auth: it says nothing of the record."""
    health = {"database": "ok", "redis": "ok", "workers": 0}
    try:
        with svc.Session() as s:
            s.execute(text("SELECT 1"))
    except Exception:
        health["database"] = "unreachable"
    try:
        health["workers"] = len(Worker.all(connection=svc.redis))
    except Exception:
        health["redis"] = "unreachable"
    ok = health["database"] == "ok" and health["redis"] == "ok"
    return JSONResponse(health, status_code=200 if ok else 503)


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=VIEWER,
    responses={200: {"content": {metrics.CONTENT_TYPE: {}}, "description": "Prometheus text format"}},
)
def prometheus(s: Db, svc: Svc):
    """Queue depth, workers busy, documents by status, pages per minute and job durations."""
    return Response(metrics.render(s, svc.queue), media_type=metrics.CONTENT_TYPE)
