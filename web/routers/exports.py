"""/exports: the records office's table over a batch of reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response

from web import records
from web.api_models import Problem
from web.deps import Db, Filter
from web.exports import MEDIA_TYPES, batch_table, render_batch

router = APIRouter(tags=["exports"])


@router.get(
    "/exports/reports.{fmt}",
    responses={
        404: {"model": Problem},
        200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}, "description": "one row per report"},
    },
)
def batch_export(s: Db, f: Filter, fmt: Annotated[str, Path(json_schema_extra={"enum": ["csv", "xlsx"]})]):
    """The records office's table: one row per report matching the filters (those of GET /documents),
    every named figure a column; in XLSX the figures of failed checks are shaded."""
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404, "formats: csv, xlsx")
    body = render_batch(*batch_table(s, s.scalars(records.find_documents(f)).all()), fmt)
    return Response(
        body, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="reports.{fmt}"'}
    )
