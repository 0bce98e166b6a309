"""Reading the record: a document's status and its export, for the CLI and the API alike."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.export import DocumentExport
from schemas.models import Document, ValidationError
from tablescan.exports import build_export
from worker import persist, pipeline


def status(doc: Document) -> dict:
    return {"id": doc.id, "filename": doc.filename, "status": doc.status, "error": doc.error,
            "source": doc.source, "collection": doc.collection, "page_count": doc.page_count,
            "pages_done": doc.pages_done, "pages_failed": doc.pages_failed, "sha256": doc.sha256,
            "created_at": doc.created_at.isoformat() if doc.created_at else None,
            "finished_at": doc.finished_at.isoformat() if doc.finished_at else None}


def document_export(s: Session, doc: Document) -> DocumentExport:
    """The export of a document as the record holds it now (corrections included)."""
    pages = persist.load_pages(s, doc.id)
    issues = [{"rule": e.rule, "severity": e.severity, "status": e.status, "message": e.message,
               "message_en": e.message_en, "expected": e.expected, "found": e.found, "cells": e.cell_ids}
              for e in s.scalars(select(ValidationError).where(ValidationError.document_id == doc.id)
                                 .order_by(ValidationError.id))]
    analysis = pipeline.DocumentAnalysis(
        tables=pipeline.logical_tables(pages) if pages else [],
        report_year=doc.report_year, issuing_body=doc.issuing_body,
        figures={f.key: _count_or_amount(f.key, f.value) for f in doc.figures},
        validation_errors=[i for i in issues if i["severity"] == "error"],
        warnings=[i for i in issues if i["severity"] != "error"])
    meta = {"id": doc.id, "filename": doc.filename, "sha256": doc.sha256, "status": doc.status,
            "error": doc.error, "collection": doc.collection, "created_at": doc.created_at,
            "finished_at": doc.finished_at, "engine": doc.engine or {}}
    export = build_export(meta, pages, analysis)
    if doc.page_count:
        export.page_count = doc.page_count
    return export


def _count_or_amount(key: str, value: float | None) -> float | int | None:
    """The record stores every figure as a float; counts go out as whole numbers."""
    return int(value) if value is not None and value.is_integer() and not key.endswith("fees") else value
