"""The HTTP API: upload, status and export. `tablescan serve` runs it with uvicorn."""
from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, File, Header, HTTPException, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from redis import Redis
from sqlalchemy import select, text

from ingest.intake import accept
from schemas.database import sessions
from schemas.models import STATUSES, Document
from tablescan import records
from tablescan.exports import FORMATS, MEDIA_TYPES, render
from tablescan.settings import Settings, load
from tablescan.storage import FileTooLarge, Storage
from worker.jobs import queue_for

log = logging.getLogger(__name__)
POLL_SECONDS = 2


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load()
    Session = sessions(settings.database_url)
    storage = Storage(settings.storage_root)
    redis = Redis.from_url(settings.redis_url)
    queue = queue_for(settings, redis)
    app = FastAPI(title="tablescan", version="0.1.0",
                  description="Scanned reports with ruled tables in; checked table data out.")

    def authorised(authorization: Annotated[str | None, Header()] = None) -> None:
        if not settings.api_token:
            return
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not secrets.compare_digest(given.encode(), settings.api_token.encode()):
            raise HTTPException(401, "a valid token is needed: Authorization: Bearer <API_TOKEN>")

    @app.exception_handler(Exception)
    async def hide_internals(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"detail": "internal error; see the server log"}, status_code=500)

    @app.post("/documents", status_code=202, dependencies=[Depends(authorised)])
    def upload(files: list[UploadFile] = File(...), collection: str | None = None, response: Response = None):
        """Upload one or more scans (multipart field `files`). Answers 202 with the new document ids."""
        ids = []
        for f in files:
            try:
                doc = accept(f.file, f.filename or "upload", "http", storage=storage, Session=Session,
                             queue=queue, collection=collection, max_bytes=settings.upload_max_bytes)
            except FileTooLarge as e:
                raise HTTPException(413, str(e)) from None
            ids.append(doc.id)
        response.headers["Location"] = f"/documents/{ids[0]}" if len(ids) == 1 else \
            "/documents?ids=" + ",".join(map(str, ids))
        return {"ids": ids, "status_urls": [f"/documents/{i}" for i in ids]}

    @app.get("/documents")
    def list_documents(status: str | None = None, limit: int = 50, offset: int = 0, response: Response = None):
        if status is not None and status not in STATUSES:
            raise HTTPException(422, f"status must be one of {', '.join(STATUSES)}")
        q = select(Document).order_by(Document.id.desc()).limit(max(1, min(limit, 500))).offset(max(0, offset))
        if status:
            q = q.where(Document.status == status)
        with Session() as s:
            docs = [records.status(d) for d in s.scalars(q)]
        response.headers["Retry-After"] = str(POLL_SECONDS)
        return {"documents": docs}

    @app.get("/documents/{doc_id}")
    def document_status(doc_id: int, response: Response):
        with Session() as s:
            doc = s.get(Document, doc_id)
            if doc is None:
                raise HTTPException(404, "no such document")
            if doc.status in ("queued", "running"):
                response.headers["Retry-After"] = str(POLL_SECONDS)
            return records.status(doc)

    @app.get("/documents/{doc_id}/export.{fmt}")
    def export(doc_id: int, fmt: str):
        if fmt not in FORMATS:
            raise HTTPException(404, f"formats: {', '.join(FORMATS)}")
        with Session() as s:
            doc = s.get(Document, doc_id)
            if doc is None:
                raise HTTPException(404, "no such document")
            body = render(records.document_export(s, doc), fmt)
        return Response(body, media_type=MEDIA_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="document-{doc_id}.{fmt}"'})

    @app.get("/healthz")
    def healthz():
        health = {"database": "ok", "redis": "ok", "workers": 0}
        try:
            with Session() as s:
                s.execute(text("SELECT 1"))
        except Exception:
            health["database"] = "unreachable"
        try:
            from rq import Worker
            health["workers"] = len(Worker.all(connection=redis))
        except Exception:
            health["redis"] = "unreachable"
        ok = health["database"] == "ok" and health["redis"] == "ok"
        return JSONResponse(health, status_code=200 if ok else 503)

    return app
