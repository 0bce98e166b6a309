"""GET /metrics: the service in the Prometheus text format (version 0.0.4), written by hand.

Queue depth and workers come from Redis; everything else from the database, the record: documents by
status, failed pages by reason, pages finished per minute over the last ten minutes, and job durations
from the attempts.
"""

from __future__ import annotations

from datetime import timedelta

from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from schemas.failures import FAILURE_REASONS
from schemas.models import STATUSES, Attempt, Document, Page, utcnow
from schemas.statuses import AttemptOutcome, PageStatus
from web.accuracy import accuracy

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DURATION_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)  # seconds
RATE_WINDOW_MINUTES = 10


class _Text:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, help_: str, samples: list[tuple[dict[str, str], float]]) -> None:
        self.lines += [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
        for labels, value in samples:
            self.sample(name, labels, value)

    def sample(self, name: str, labels: dict[str, str], value: float) -> None:
        inside = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        self.lines.append(f"{name}{{{inside}}} {_number(value)}" if inside else f"{name} {_number(value)}")


def _escape(v: str) -> str:
    return str(v).replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _seconds(dialect: str):
    """finished_at - started_at in seconds, in the database's own dialect."""
    if dialect == "sqlite":
        return (func.julianday(Attempt.finished_at) - func.julianday(Attempt.started_at)) * 86400.0
    return func.extract("epoch", Attempt.finished_at - Attempt.started_at)


def render(s: Session, queue: Queue) -> str:
    out = _Text()
    _redis(out, queue)

    counts = dict(s.execute(select(Document.status, func.count()).group_by(Document.status)).all())
    out.metric(
        "tablescan_documents",
        "gauge",
        "Documents in the record by status.",
        [({"status": st}, counts.get(st, 0)) for st in STATUSES],
    )

    _page_failures(out, s)

    since = utcnow() - timedelta(minutes=RATE_WINDOW_MINUTES)
    pages = s.scalars(
        select(func.count())
        .select_from(Attempt)
        .where(Attempt.kind == "page", Attempt.outcome == AttemptOutcome.OK, Attempt.finished_at >= since)
    ).one()
    out.metric(
        "tablescan_pages_per_minute",
        "gauge",
        f"Pages finished per minute over the last {RATE_WINDOW_MINUTES} minutes.",
        [({}, pages / RATE_WINDOW_MINUTES)],
    )

    outcomes = s.execute(
        select(Attempt.kind, Attempt.outcome, func.count()).group_by(Attempt.kind, Attempt.outcome)
    ).all()
    out.metric(
        "tablescan_job_runs_total",
        "counter",
        "Job runs (attempts) by kind and outcome.",
        [({"kind": k, "outcome": o}, n) for k, o, n in sorted(outcomes)],
    )

    seconds = _seconds(s.get_bind().dialect.name)
    rows = s.execute(
        select(
            Attempt.kind,
            func.count(),
            func.coalesce(func.sum(seconds), 0.0),
            *[func.sum(case((seconds <= b, 1), else_=0)) for b in DURATION_BUCKETS],
        )
        .where(Attempt.finished_at.is_not(None))
        .group_by(Attempt.kind)
        .order_by(Attempt.kind)
    ).all()
    name = "tablescan_job_duration_seconds"
    out.metric(name, "histogram", "How long finished job runs took (finished_at - started_at), by kind.", [])
    for kind, count, total, *within in rows:
        for bound, n in zip(DURATION_BUCKETS, within):
            out.sample(f"{name}_bucket", {"kind": kind, "le": _number(bound)}, n or 0)
        out.sample(f"{name}_bucket", {"kind": kind, "le": "+Inf"}, count)
        out.sample(f"{name}_sum", {"kind": kind}, round(float(total), 3))
        out.sample(f"{name}_count", {"kind": kind}, count)
    _accuracy(out, s)
    return "\n".join(out.lines) + "\n"


def _page_failures(out: _Text, s: Session) -> None:
    """Failed pages in the record by reason (schemas.failures), every known reason listed. Pages failed
    before reasons were recorded count as `unknown`. A gauge: a document read again drops its earlier
    pages, so the count can fall."""
    failed = dict(
        s.execute(
            select(Page.failure_reason, func.count())
            .where(Page.status == PageStatus.FAILED)
            .group_by(Page.failure_reason)
        ).all()
    )
    samples: list[tuple[dict[str, str], float]] = [({"reason": r}, failed.pop(r, 0)) for r in FAILURE_REASONS]
    samples += [({"reason": r or "unknown"}, n) for r, n in sorted(failed.items(), key=lambda kv: kv[0] or "")]
    out.metric("tablescan_failed_pages", "gauge", "Pages in the record that failed, by reason.", samples)


def _accuracy(out: _Text, s: Session) -> None:
    """What reviewers' corrections say, over every reviewed document (see web.accuracy)."""
    a = accuracy(s)["overall"]
    out.metric(
        "tablescan_reviewed_documents", "gauge", "Documents a person has marked reviewed.", [({}, a["documents"])]
    )
    out.metric(
        "tablescan_cells_changed_ratio",
        "gauge",
        "Share of reviewed cells a reviewer changed, by kind.",
        [({"kind": k}, v) for k, v in a["changed"].items() if v is not None],
    )
    if a["changed_in_review"] is not None:
        out.metric(
            "tablescan_changed_values_in_review_ratio",
            "gauge",
            "Of the value cells reviewers changed, the share that had been sent to review.",
            [({}, a["changed_in_review"])],
        )
    if a["silent_error_rate"] is not None:
        out.metric(
            "tablescan_silent_error_ratio",
            "gauge",
            "Value cells reviewers changed that had not been sent to review, over all reviewed value cells.",
            [({}, a["silent_error_rate"])],
        )


def _redis(out: _Text, queue: Queue) -> None:
    """Queue depth and workers; `tablescan_redis_up 0` and nothing else when Redis does not answer."""
    try:
        depth, running = queue.count, queue.started_job_registry.count
        workers = Worker.all(queue=queue)
    except RedisError:
        out.metric("tablescan_redis_up", "gauge", "Whether Redis answers.", [({}, 0)])
        return
    out.metric("tablescan_redis_up", "gauge", "Whether Redis answers.", [({}, 1)])
    out.metric("tablescan_queue_depth", "gauge", "Jobs waiting in the queue.", [({"queue": queue.name}, depth)])
    out.metric("tablescan_jobs_running", "gauge", "Jobs a worker is running now.", [({"queue": queue.name}, running)])
    busy = sum(1 for w in workers if w.get_state() == "busy")
    out.metric(
        "tablescan_workers",
        "gauge",
        "Workers listening on the queue, by state.",
        [({"state": "busy"}, busy), ({"state": "idle"}, len(workers) - busy)],
    )
