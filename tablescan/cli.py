"""The `tablescan` command. Every flag also reads the environment variable of the same name."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from worker.settings import Settings, load

log = logging.getLogger("tablescan")


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("settings (each also read from the environment variable in capitals)")
    g.add_argument("--database-url", help="default sqlite:///./tablescan.db; PostgreSQL as postgresql+psycopg://…")
    g.add_argument("--redis-url", help="default redis://localhost:6379/0")
    g.add_argument("--storage-root", type=Path, help="originals and page images (default ./storage)")
    g.add_argument("-v", "--verbose", action="store_true")


def _recognition(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dpi", type=int, help="PDF rasterisation resolution, at most (default 300)")
    p.add_argument("--tables-only", action="store_true", default=None, help="skip OCR of text outside tables")
    p.add_argument("--review-threshold", type=float, help="cells below this confidence go to review (0.80)")
    p.add_argument(
        "--archive-pdf",
        action="store_true",
        default=None,
        help="also write each finished document's searchable PDF/A-2b copy (process: OUT/<stem>.pdf; "
        "the service: archive/ in the storage root, and beside the original in the inbox's archive/)",
    )


def _listening(p: argparse.ArgumentParser) -> None:
    p.add_argument("--api-host", help="address the API listens on (default 127.0.0.1)")
    p.add_argument("--api-port", type=int)
    p.add_argument(
        "--insecure",
        action="store_true",
        default=None,
        help="listen beyond loopback even with no auth configured (refused otherwise)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    keys = Settings.model_fields.keys()
    return load(**{k: v for k, v in vars(args).items() if k in keys})


# -- process ---------------------------------------------------------------------------------------------


def _page_task(task):
    """Recognise one page; with an image folder, keep the upright page there as PNG (for the archive copy),
    the time that took in the page's timings as "page_image"."""
    import time

    from worker.pipeline import page_png

    flow, path, number, images = task
    result, upright = flow.page(path, number)
    if images is not None and upright is not None:
        t0 = time.perf_counter()
        _page_image(images, path, number).write_bytes(page_png(upright))
        result.timings["page_image"] = round(time.perf_counter() - t0, 4)
    return result


def _page_image(images: Path, path: Path, number: int) -> Path:
    return images / f"{path.stem}-{number:04d}.png"


def _archive_task(task):
    """Write one document's archive copy from its pages and their images: the seconds it took, or the
    ArchiveError that says why there is none."""
    import time

    from worker.archive import ArchiveError, ArchiveMeta, build_archive

    f, pages, analysis, images, sha, out = task
    t0 = time.perf_counter()
    meta = ArchiveMeta(
        sha256=sha, filename=f.name, issuing_body=analysis.issuing_body, year=analysis.report_year, kind=analysis.kind
    )
    paths = {p.number: _page_image(images, f, p.number) for p in pages}
    try:
        out.write_bytes(build_archive(pages, {n: q for n, q in paths.items() if q.exists()}, meta))
    except ArchiveError as e:
        return e
    return round(time.perf_counter() - t0, 4)


def cmd_process(args) -> int:
    """The whole pipeline in-process: no Redis, no database. Writes OUT/<stem>.json per file, and with
    --archive-pdf OUT/<stem>.pdf, its searchable PDF/A-2b copy (its time in the JSON's timings["archive"])."""
    import tempfile

    from schemas.statuses import DocumentStatus
    from web.exports import build_export, render
    from worker.pipeline import DocumentFlow
    from worker.rasterise import UnreadableDocument
    from worker.storage import sha256_of

    settings = settings_from(args)
    flow = DocumentFlow.from_settings(settings)
    args.out.mkdir(parents=True, exist_ok=True)
    files, failed = [], 0
    for f in args.files:
        try:
            files.append((f, flow.inspect(f)))
        except (UnreadableDocument, OSError) as e:
            print(f"{f}: {e.strerror if isinstance(e, OSError) else e}", file=sys.stderr)
            failed += 1
    jobs = min(args.jobs or os.cpu_count() or 1, sum(count for _, count in files) or 1)
    preload = _preload_archive if settings.archive_pdf else None  # once per process, not in a document's time
    with (
        tempfile.TemporaryDirectory(prefix="tablescan-process-") as tmp,
        ProcessPoolExecutor(jobs, initializer=preload) if jobs > 1 else _InProcess(preload) as pool,
    ):
        images = Path(tmp) if settings.archive_pdf else None
        tasks = [(flow, f, n, images) for f, count in files for n in range(1, count + 1)]
        results = list(pool.map(_page_task, tasks, chunksize=1))
        docs, i = [], 0
        for f, count in files:
            pages, i = results[i : i + count], i + count
            docs.append((f, pages, flow.finish(pages), sha256_of(f)))
        archived = {}
        if settings.archive_pdf:
            work = [(f, pages, analysis, images, sha, args.out / f"{f.stem}.pdf") for f, pages, analysis, sha in docs]
            archived = dict(zip((f for f, *_ in docs), pool.map(_archive_task, work)))
    engine = flow.engine()
    for f, pages, analysis, sha in docs:
        meta = {
            "filename": f.name,
            "sha256": sha,
            "engine": engine,
            "status": DocumentStatus.DONE_WITH_ERRORS if any(p.error for p in pages) else DocumentStatus.DONE,
        }
        export = build_export(meta, pages, analysis)
        note = ""
        if isinstance(archived.get(f), float):
            export.timings["archive"] = archived[f]
            note = f" and {args.out / (f.stem + '.pdf')}"
        elif f in archived:
            print(f"{f}: no archive copy: {archived[f]}", file=sys.stderr)
            failed += 1
        (args.out / f"{f.stem}.json").write_bytes(render(export, "json"))
        print(
            f"{f}: {len(pages)} pages, {sum(len(p.tables) for p in pages)} tables -> "
            f"{args.out / (f.stem + '.json')}{note}"
        )
    return 1 if failed else 0


def _preload_archive() -> None:
    from worker.archive import preload

    preload()


class _InProcess:
    """A pool of one: map in this process (what --jobs 1 asks for)."""

    def __init__(self, initializer=None):
        if initializer:
            initializer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, items, chunksize=1):
        return map(fn, items)


# -- service commands ------------------------------------------------------------------------------------


def cmd_db(args) -> int:
    from schemas.database import upgrade

    settings = settings_from(args)
    upgrade(settings.database_url)
    print(f"database at head: {_safe_url(settings.database_url)}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_worker(args) -> int:
    """One RQ worker on the tablescan queue."""
    from redis import Redis
    from rq import Worker

    from schemas.database import upgrade
    from worker.jobs import configure
    from worker.queue import queue_for

    settings = settings_from(args)
    configure(settings)  # the jobs run with these settings, flags included
    if settings.archive_pdf:
        _preload_archive()  # once, not in every work horse RQ forks
    upgrade(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    # a short monitoring interval lets a worker killed mid-job be noticed (and its job retried) in ~70 s
    worker = Worker([queue_for(settings, redis)], connection=redis, job_monitoring_interval=10)
    worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO" if args.verbose else "WARNING")
    return 0


def _intake(settings: Settings):
    from redis import Redis

    from schemas.database import sessions
    from worker.queue import queue_for
    from worker.storage import Storage

    return dict(
        storage=Storage(settings.storage_root),
        Session=sessions(settings.database_url),
        queue=queue_for(settings, Redis.from_url(settings.redis_url)),
    )


def cmd_watch(args) -> int:
    """Watch a folder; every settled file becomes a document."""
    import threading

    from ingest.intake import InboxRecord
    from ingest.watch import IGNORE, FolderWatcher
    from schemas.database import upgrade

    settings = settings_from(args)
    upgrade(settings.database_url)
    deps = _intake(settings)
    extra = tuple(p.strip() for p in (settings.ignore_patterns or "").split(",") if p.strip())
    watcher = FolderWatcher(
        settings.inbox,
        InboxRecord(**deps),
        settle_seconds=settings.settle_seconds,
        poll_seconds=settings.poll_seconds,
        ignore=IGNORE + extra,
        use_events=not args.poll,
    )
    events = "polling only" if args.poll else watcher.start_events()
    print(
        f"watching {watcher.inbox} (settle {settings.settle_seconds:g} s, re-scan every "
        f"{settings.poll_seconds:g} s; {events})",
        flush=True,
    )
    stop = threading.Event()
    threading.Thread(target=_reconcile, args=(deps, stop, settings.reconcile_seconds), daemon=True).start()
    try:
        watcher.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def _reconcile(deps: dict, stop, interval_seconds: float = 60) -> None:
    """Every minute, re-enqueue unfinished documents that Redis has lost (restarted or flushed)."""
    from worker.queue import requeue_lost

    while not stop.wait(interval_seconds):
        try:
            lost = requeue_lost(deps["Session"], deps["queue"])
            if lost:
                log.warning("re-enqueued documents lost from Redis: %s", lost)
        except Exception as e:  # noqa: BLE001 - Redis or the database may be down for a while
            log.warning("reconcile failed: %s", e)


def cmd_serve(args) -> int:
    """The HTTP API."""
    import uvicorn

    from schemas.database import upgrade
    from web.app import create_app
    from web.auth import exposure_refused

    settings = settings_from(args)
    upgrade(settings.database_url)
    refused = exposure_refused(settings)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    print(f"API on http://{settings.api_host}:{settings.api_port}/docs", flush=True)
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_level="warning")
    return 0


# -- users -------------------------------------------------------------------------------------------------


def _password(args) -> str | None:
    """From --password-file (its first line: a Docker secret), a terminal (asked twice), or standard input."""
    import getpass

    if args.no_password:
        return None
    if args.password_file:
        return (args.password_file.read_text(encoding="utf-8").splitlines() or [""])[0]
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise SystemExit("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def cmd_user(args) -> int:
    """Users who may sign in, with a role (viewer: read; reviewer: and upload, correct, mark reviewed;
    admin: and reprocess), and their API tokens for scripts. Once a user exists, everything needs auth."""
    from sqlalchemy import select

    from schemas.database import sessions, upgrade
    from schemas.models import User
    from web import auth

    if args.action != "list" and not args.name:
        print(f"user {args.action} needs the user's NAME", file=sys.stderr)
        return 2
    settings = settings_from(args)
    upgrade(settings.database_url)
    try:
        with sessions(settings.database_url).begin() as s:
            if args.action == "add":
                user = auth.add_user(s, args.name, args.role, _password(args), update=args.update)
                print(f"user {user.name}: {user.role}")
            elif args.action == "remove":
                auth.remove_user(s, args.name)
                print(f"user {args.name} removed, with their tokens and sessions")
            elif args.action == "token":
                print(auth.issue_token(s, args.name, args.label or ""))
            elif args.action == "revoke-tokens":
                print(f"{auth.revoke_tokens(s, args.name)} tokens of {args.name} revoked")
            else:
                for user in s.scalars(select(User).order_by(User.name)):
                    sign_in = "password" if user.password_hash else "no password (tokens only)"
                    print(f"{user.name}\t{user.role}\t{sign_in}\t{len(user.tokens)} tokens")
    except auth.AuthError as e:
        print(str(e), file=sys.stderr)
        return 1
    return 0


def cmd_submit(args) -> int:
    from ingest.intake import accept_path
    from schemas.database import upgrade

    settings = settings_from(args)
    upgrade(settings.database_url)
    deps = _intake(settings)
    for f in args.files:
        if not f.is_file():
            print(f"{f}: not a file", file=sys.stderr)
            return 1
        doc = accept_path(f, "cli", collection=args.collection, **deps)
        print(f"{f}: document {doc.id} queued")
    return 0


def cmd_status(args) -> int:
    from sqlalchemy import select

    from schemas.database import sessions, upgrade
    from schemas.models import Document
    from web import records

    settings = settings_from(args)
    upgrade(settings.database_url)
    with sessions(settings.database_url)() as s:
        if args.doc is not None:
            doc = s.get(Document, args.doc)
            if doc is None:
                print(f"no document {args.doc}", file=sys.stderr)
                return 1
            rows = [records.status(doc)]
        else:
            rows = [records.status(d) for d in s.scalars(select(Document).order_by(Document.id))]
    if args.json:
        print(json.dumps(rows if args.doc is None else rows[0], ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        pages = f"{r['pages_done']}/{r['page_count'] if r['page_count'] is not None else '?'}"
        err = f"  {r['error']}" if r["error"] else (f"  copy of {r['duplicate_of']}" if r["duplicate_of"] else "")
        err += f"  (takes {r['retake_of_id']} again)" if r["retake_of_id"] else ""
        print(f"{r['id']:>5}  {r['status']:<16} {pages:>9} pages  {r['filename']}{err}")
    return 0


def cmd_export(args) -> int:
    """A document's tables (json, csv, xlsx, html), or its searchable PDF/A-2b archive copy (pdf)."""
    from schemas.database import sessions, upgrade
    from schemas.models import Document
    from web import records
    from web.exports import render
    from worker.archive import ArchiveError, document_archive
    from worker.storage import Storage

    settings = settings_from(args)
    upgrade(settings.database_url)
    with sessions(settings.database_url)() as s:
        doc = s.get(Document, args.doc)
        if doc is None:
            print(f"no document {args.doc}", file=sys.stderr)
            return 1
        try:
            body = (
                document_archive(s, Storage(settings.storage_root), doc)
                if args.format == "pdf"
                else render(records.document_export(s, doc), args.format)
            )
        except ArchiveError as e:
            print(f"document {args.doc}: {e}", file=sys.stderr)
            return 1
    if args.output:
        args.output.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
    return 0


def cmd_review(args) -> int:
    """The review queue: cells a person should check, those in a failed check first."""
    from schemas.database import sessions, upgrade
    from web.review import review_queue

    settings = settings_from(args)
    upgrade(settings.database_url)
    with sessions(settings.database_url)() as s:
        rows = review_queue(s, args.doc, args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        rules = f"  [{', '.join(r['rules'])}]" if r["rules"] else ""
        print(
            f"cell {r['cell_id']:>6}  doc {r['document_id']} p{r['page']} t{r['table']} r{r['row']} c{r['col']}  "
            f"{r['text']!r} (OCR {r['raw_text']!r}, {r['confidence']:.2f}){rules}"
        )
    return 0


def cmd_correct(args) -> int:
    """Correct a cell's value; the OCR text is kept and the document's checks run again."""
    from schemas.database import sessions, upgrade
    from web.review import CorrectionRefused, correct_cell

    settings = settings_from(args)
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    try:
        with Session.begin() as s:
            cell = correct_cell(s, args.cell, args.value, args.by, settings.pipeline())
            print(f"cell {cell.id}: {cell.text!r} (OCR read {cell.raw_text!r}), by {cell.corrected_by}")
    except (LookupError, CorrectionRefused) as e:
        print(str(e).strip("'\""), file=sys.stderr)
        return 1
    return 0


def cmd_reprocess(args) -> int:
    """Recognise a finished document again from its kept original. Its corrections are kept and
    re-applied where the new reading has the same cell; `tablescan status DOC` follows it."""
    from ingest.intake import NotFinished, reprocess
    from schemas.database import upgrade

    settings = settings_from(args)
    upgrade(settings.database_url)
    try:
        doc = reprocess(args.doc, **_intake(settings))
    except (LookupError, NotFinished) as e:
        print(str(e).strip("'\""), file=sys.stderr)
        return 1
    print(f"document {doc.id} queued (reading {doc.reading})")
    return 0


def cmd_batch_export(args) -> int:
    """One row per report with every named figure and its check status, over a whole batch."""
    from sqlalchemy import select

    from schemas.database import sessions, upgrade
    from schemas.models import Document
    from web.exports import batch_table, render_batch

    settings = settings_from(args)
    upgrade(settings.database_url)
    q = select(Document).order_by(Document.id)
    if args.collection:
        q = q.where(Document.collection == args.collection)
    if args.status:
        q = q.where(Document.status == args.status)
    with sessions(settings.database_url)() as s:
        body = render_batch(*batch_table(s, s.scalars(q).all()), args.format)
    args.output.write_bytes(body)
    print(f"wrote {args.output}")
    return 0


def cmd_evaluate(args) -> int:
    """Score exports against truth (a NAME.truth.json and NAME.json, or two folders of them): TEDS,
    structure, values, labels, tables found, figures, flags and silent errors; see tablescan.evaluate."""
    from tablescan import evaluate

    truth, pred = Path(args.truth), Path(args.pred)
    if not truth.exists() or not pred.exists():
        print(f"error: {truth if not truth.exists() else pred} does not exist", file=sys.stderr)
        return 2
    summary, docs = evaluate.evaluate(truth, pred)
    if not docs:
        print(f"error: no truth (*.truth.json) in {truth}", file=sys.stderr)
        return 2
    if args.html:
        Path(args.html).write_text(evaluate.report_html(summary, docs, evaluate.crops_for(truth)), encoding="utf-8")
    if args.json:
        print(json.dumps(evaluate.report_json(summary, docs), ensure_ascii=False, indent=1))
    else:
        print(evaluate.report_text(summary, docs))
    return 0


def cmd_up(args) -> int:
    from tablescan.up import run

    return run(settings_from(args), workers=args.workers, sample=args.sample, until_done=args.until_done)


# -- parser ----------------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="tablescan", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "process", help="run the pipeline in-process on files; write OUT/<stem>.json", description=cmd_process.__doc__
    )
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--jobs", type=int, help="parallel processes (default: the number of cores)")
    _recognition(p)
    _common(p)
    p.set_defaults(func=cmd_process)

    p = sub.add_parser(
        "up",
        help="the whole service on one machine: Redis, workers, watcher, API",
        description="Migrates the database, then starts N workers, the folder watcher and "
        "the HTTP API; Ctrl-C stops them all. If nothing answers at REDIS_URL and "
        "redis-server is on PATH, a private Redis is started on a free port.",
    )
    p.add_argument("--inbox", type=Path, help="the watched upload folder (default ./inbox)")
    p.add_argument("--workers", type=int, default=2)
    _listening(p)
    p.add_argument("--sample", type=Path, help="drop this scan into the inbox once everything is up")
    p.add_argument("--until-done", action="store_true", help="stop once every document is final")
    _recognition(p)
    _common(p)
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("worker", help="one RQ worker", description=cmd_worker.__doc__)
    p.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    _recognition(p)
    _common(p)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("watch", help="watch a folder for scans", description=cmd_watch.__doc__)
    p.add_argument("inbox", type=Path, nargs="?")
    p.add_argument("--settle-seconds", type=float)
    p.add_argument("--poll-seconds", type=float)
    p.add_argument("--poll", action="store_true", help="no file events, only re-scans (NFS/SMB shares)")
    _common(p)
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("serve", help="the HTTP API", description=cmd_serve.__doc__)
    _listening(p)
    _common(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("user", help="users, roles and API tokens", description=cmd_user.__doc__)
    p.add_argument(
        "action",
        choices=["add", "list", "remove", "token", "revoke-tokens"],
        help="add NAME --role R; list; remove NAME; token NAME (prints a new API token); revoke-tokens NAME",
    )
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["viewer", "reviewer", "admin"], default="viewer")
    p.add_argument(
        "--password-file",
        type=Path,
        help="read the password from this file's first line (a Docker secret); default: ask, or standard input",
    )
    p.add_argument("--no-password", action="store_true", help="tokens only: this user cannot sign in")
    p.add_argument("--update", action="store_true", help="add: set the role and password of a user who exists")
    p.add_argument("--label", help="token: what the token is for")
    _common(p)
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("submit", help="queue files for processing")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--collection", help="e.g. the box or fonds number")
    _common(p)
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("status", help="documents with status, progress and error")
    p.add_argument("doc", type=int, nargs="?")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "export",
        help="a document's tables as json, csv, xlsx or html; its archive copy as pdf",
        description=cmd_export.__doc__,
    )
    p.add_argument("doc", type=int)
    p.add_argument("--format", choices=["json", "csv", "xlsx", "html", "pdf"], default="json")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    _common(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("review", help="the review queue", description=cmd_review.__doc__)
    p.add_argument("doc", type=int, nargs="?", help="only this document")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("correct", help="correct a cell's value", description=cmd_correct.__doc__)
    p.add_argument("cell", type=int)
    p.add_argument("value")
    p.add_argument("--by", required=True, help="who makes the correction")
    _recognition(p)
    _common(p)
    p.set_defaults(func=cmd_correct)

    p = sub.add_parser(
        "reprocess", help="recognise a document again, keeping its corrections", description=cmd_reprocess.__doc__
    )
    p.add_argument("doc", type=int)
    _common(p)
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser(
        "batch-export", help="records-office export: one row per report", description=cmd_batch_export.__doc__
    )
    p.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--collection")
    p.add_argument("--status")
    _common(p)
    p.set_defaults(func=cmd_batch_export)

    p = sub.add_parser("evaluate", help="score exports against truth", description=cmd_evaluate.__doc__)
    p.add_argument("truth", help="NAME.truth.json, a corrected export, or a folder of *.truth.json")
    p.add_argument("pred", help="NAME.json, or the folder of exports")
    p.add_argument("--json", action="store_true", help="figures per document and the worst cells as JSON")
    p.add_argument("--html", metavar="REPORT.html", help="also write each table side by side, differences marked")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("db", help="database schema")
    p.add_argument("action", choices=["upgrade"])
    _common(p)
    p.set_defaults(func=cmd_db)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
