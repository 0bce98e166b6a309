"""One document flow (worker.pipeline): `tablescan process` in one process and the queued path through a
real RQ worker and the record give the same export for the same file, settings included."""

import json
import os
import subprocess
import sys

import pytest

from ingest.intake import accept_path
from schemas.database import sessions, upgrade
from schemas.models import Document
from tests.forged import forge_table_page
from web import records
from worker.queue import queue_for
from worker.storage import Storage

# What only the record has (ids, times, where it came from) or what the clock decides (timings).
RECORD_ONLY = {"id", "cell_id", "created_at", "finished_at", "timings", "collection"}


def content(export):
    """The export without what only the record has."""
    if isinstance(export, dict):
        return {k: content(v) for k, v in export.items() if k not in RECORD_ONLY}
    if isinstance(export, list):
        return [content(v) for v in export]
    return export


def cli(env: dict, *args: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tablescan.cli", *args], env=env, capture_output=True, text=True, timeout=900
    )
    assert run.returncode == 0, run.stderr[-2000:]


@pytest.mark.ocr
def test_process_and_the_queue_give_the_same_export(tmp_path, redis, make_settings):
    pdf = forge_table_page(tmp_path / "report.pdf", profile="office", seed=5, tables=("two", "three", "four"))
    settings = make_settings(tables_only=True, review_threshold=0.85)
    env = {**os.environ, **settings.as_env()}  # both paths take their settings the same way

    cli(env, "process", str(pdf), "--out", str(tmp_path / "out"), "--jobs", "2")
    in_process = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))

    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    doc_id = accept_path(
        pdf, "cli", storage=Storage(settings.storage_root), Session=Session, queue=queue_for(settings, redis)
    ).id
    cli(env, "worker", "--burst")
    with Session() as s:
        queued = records.document_export(s, s.get(Document, doc_id)).model_dump(mode="json")

    assert queued["status"] == "done" and queued["page_count"] >= 2 and len(queued["tables"]) >= 3
    assert queued["engine"]["settings"]["review_threshold"] == 0.85
    assert queued["engine"]["settings"]["tables_only"] is True
    assert content(queued) == content(in_process)
