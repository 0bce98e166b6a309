"""/review and /accuracy: the cells waiting for a person, and what reviewers' corrections measure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from web.accuracy import accuracy
from web.api_models import AccuracyReport, ReviewQueue
from web.deps import MAX_ID, NO_NUL, Db
from web.review import review_queue

router = APIRouter(tags=["review"])


@router.get("/review", response_model=ReviewQueue)
def review(
    s: Db,
    document_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
):
    """Cells waiting for a person, those in a failed check first, then uncertain, then least confident."""
    return {"cells": review_queue(s, document_id, limit)}


@router.get("/accuracy", response_model=AccuracyReport)
def accuracy_report(s: Db, collection: Annotated[str | None, Query(max_length=512, pattern=NO_NUL)] = None):
    """Accuracy measured from reviewers' corrections, over every reviewed document and per collection:
    cells changed by kind, the share of wrong numbers that had been sent to review, the silent error
    rate, a reliability table (confidence against the share read right) and a suggested review
    threshold, explained and never applied."""
    return accuracy(s, collection)
