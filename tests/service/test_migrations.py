"""The Alembic migration creates exactly the schema the models declare, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from schemas.database import alembic_config, engine_for, sessions, upgrade
from schemas.models import Base, Document


def test_migration_matches_models(database_url):
    upgrade(database_url)
    eng = engine_for(database_url)
    with eng.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"documents", "pages", "tables", "cells", "validation_errors", "figures", "attempts"} <= tables


def test_upgrade_twice_keeps_the_record_at_head(database_url):
    upgrade(database_url)
    with sessions(database_url).begin() as s:
        s.add(
            Document(
                filename="kept.pdf",
                stored_path="originals/kept.pdf",
                sha256="0" * 64,
                size=1,
                source="cli",
                status="done",
            )
        )
    upgrade(database_url)
    with engine_for(database_url).connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    assert current == ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    with sessions(database_url)() as s:
        assert s.scalars(select(Document.filename)).all() == ["kept.pdf"]


def test_corrections_made_before_0007_get_their_place_and_context(database_url):
    """A document with a corrected label and a value corrected twice, as 0006 held them."""
    from sqlalchemy import text

    upgrade(database_url, "0006")
    with engine_for(database_url).begin() as c:
        c.execute(
            text(
                "INSERT INTO documents (id, filename, stored_path, sha256, size, source, status, pages_done, "
                "pages_failed, created_at) VALUES (1, 'a.pdf', 'originals/a.pdf', 'ab', 1, 'cli', 'done', "
                "1, 0, '2026-01-01 00:00:00')"
            )
        )
        c.execute(
            text(
                "INSERT INTO pages (id, document_id, number, status, rotation, skew_degrees, dpi, width, "
                "height, text, timings) VALUES (1, 1, 2, 'done', 0, 0, 300, 10, 10, '', '{}')"
            )
        )
        c.execute(
            text(
                'INSERT INTO tables (id, page_id, "index", bbox, n_rows, n_cols, confidence) '
                "VALUES (1, 1, 0, '[0,0,1,1]', 3, 2, 0.9)"
            )
        )
        for cid, row, col, kind, txt in [
            (1, 1, 0, "label", "自然人"),
            (2, 1, 1, "value", "15"),
            (3, 2, 1, "value", "4"),
        ]:
            c.execute(
                text(
                    'INSERT INTO cells (id, table_id, "row", col, row_span, col_span, kind, raw_text, text, '
                    "confidence, bbox, needs_review) VALUES (:i, 1, :r, :c, 1, 1, :k, '', :t, 0.5, '[0,0,1,1]', "
                    "false)"
                ),
                {"i": cid, "r": row, "c": col, "k": kind, "t": txt},
            )
        for cid, old, new in [(1, "自然入", "自然人"), (2, "18", "13"), (2, "13", "15")]:
            c.execute(
                text(
                    "INSERT INTO corrections (cell_id, old_text, new_text, corrected_by, corrected_at) "
                    "VALUES (:c, :o, :n, 'wang', '2026-01-02 00:00:00')"
                ),
                {"c": cid, "o": old, "n": new},
            )
    upgrade(database_url)
    with engine_for(database_url).connect() as c:
        rows = c.execute(
            text(
                'SELECT document_id, reading, cell_id, page, table_index, "row", col, kind, read_text, '
                "row_label, old_text, new_text FROM corrections ORDER BY id"
            )
        ).all()
        reading = c.execute(text("SELECT reading FROM documents")).scalar()
    assert reading == 1
    assert [tuple(r) for r in rows] == [
        (1, 1, 1, 2, 0, 1, 0, "label", "自然入", None, "自然入", "自然人"),
        (1, 1, 2, 2, 0, 1, 1, "value", "18", "自然入", "18", "13"),  # the label as the reading had it
        (1, 1, 2, 2, 0, 1, 1, "value", "18", "自然入", "13", "15"),
    ]


def test_pages_read_before_0009_have_no_text_lines_and_load(database_url):
    """0009 gives the pages already read an empty list of text lines; their text stays, and they load."""
    from sqlalchemy import text

    from worker.persist import load_pages

    upgrade(database_url, "0008")
    with engine_for(database_url).begin() as c:
        c.execute(
            text(
                "INSERT INTO documents (id, filename, stored_path, sha256, size, source, status, pages_done, "
                "pages_failed, reading, created_at) VALUES (1, 'a.pdf', 'originals/a.pdf', 'ab', 1, 'cli', "
                "'done', 1, 0, 1, '2026-01-01 00:00:00')"
            )
        )
        c.execute(
            text(
                "INSERT INTO pages (id, document_id, number, status, rotation, skew_degrees, dpi, width, "
                "height, text, timings) VALUES (1, 1, 1, 'done', 0, 0, 300, 10, 10, '行政复议 3 件', '{}')"
            )
        )
    upgrade(database_url)
    with sessions(database_url)() as s:
        [page] = load_pages(s, 1)
    assert (page.text, page.lines) == ("行政复议 3 件", [])


def test_pages_failed_before_0011_get_the_reason_their_message_shows(database_url):
    """0011 gives a failed page the code its message names beyond doubt; any other keeps none (unknown)."""
    from sqlalchemy import text

    upgrade(database_url, "0010")
    errors = [
        ("failed", "OcrTimeout: Tesseract killed after 0.1 s"),
        ("failed", "OcrError: tesseract exited 1: Error"),
        ("failed", "the document ran over its time budget of 240 s (120 s a page, PAGE_BUDGET_SECONDS)"),
        ("failed", "the page job failed (see attempts)"),
        ("failed", "page 5 is 30000x30000 px, over the limit of 200000000 pixels (MAX_PIXELS)"),
        ("failed", "page 6: rendering took over 120 s"),
        ("failed", "damaged image: broken data stream"),
        ("done", None),
    ]
    with engine_for(database_url).begin() as c:
        c.execute(
            text(
                "INSERT INTO documents (id, filename, stored_path, sha256, size, source, status, pages_done, "
                "pages_failed, reading, created_at) VALUES (1, 'a.pdf', 'originals/a.pdf', 'ab', 1, 'cli', "
                "'done_with_errors', 1, 7, 1, '2026-01-01 00:00:00')"
            )
        )
        for n, (status, error) in enumerate(errors, 1):
            c.execute(
                text(
                    "INSERT INTO pages (document_id, number, status, error, rotation, skew_degrees, dpi, width, "
                    "height, text, timings) VALUES (1, :n, :st, :e, 0, 0, 300, 10, 10, '', '{}')"
                ),
                {"n": n, "st": status, "e": error},
            )
    upgrade(database_url)
    with engine_for(database_url).connect() as c:
        reasons = c.execute(text("SELECT failure_reason FROM pages ORDER BY number")).scalars().all()
    assert reasons == [
        "ocr_timeout",
        "ocr_error",
        "page_budget",
        "job_failed",
        "too_large",
        "render_timeout",
        None,
        None,
    ]
