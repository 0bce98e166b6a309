"""`tablescan process`: in-process, no Redis or database; its JSON is what `tablescan evaluate` scores."""

import json
import shutil
import subprocess
import sys

import pytest

from tablescan import evaluate


@pytest.mark.ocr
def test_process_writes_scorable_json_and_refuses_bad_files(tmp_path, forged_scan):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(forged_scan, corpus)
    shutil.copy(forged_scan.with_name(forged_scan.stem + ".truth.json"), corpus)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type")
    out = tmp_path / "out"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tablescan.cli",
            "process",
            str(corpus / forged_scan.name),
            str(corpus / "broken.pdf"),
            "--out",
            str(out),
            "--tables-only",
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 1
    [reason] = run.stderr.strip().splitlines()
    assert reason.startswith(f"{corpus / 'broken.pdf'}: damaged PDF")
    assert not (out / "broken.json").exists()

    export = json.loads((out / f"{forged_scan.stem}.json").read_text())
    assert export["engine"]["tesseract"] and export["engine"]["settings"]["lang"] == "chi_sim+eng"
    cell = export["pages"][0]["tables"][0]["cells"][0]
    assert {"row", "col", "row_span", "col_span", "text", "raw_text", "confidence", "kind", "bbox"} <= set(cell)

    truth = json.loads((corpus / f"{forged_scan.stem}.truth.json").read_text())
    summary = evaluate.summarize([evaluate.score_document(truth, export)])
    assert summary["tables_found"] == 1.0
    assert summary["teds_struct"] > 0.95 and summary["values"] > 0.9
    assert summary["skew_err"] < 0.3


@pytest.mark.ocr
def test_a_budget_is_exported_as_a_budget_with_its_amounts_and_no_report_errors(tmp_path):
    from tests.forged import forge_table_page

    pdf = forge_table_page(tmp_path / "budget.pdf", profile="office", seed=8, kind="budget")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "tablescan.cli", "process", str(pdf), "--out", str(out), "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    export = json.loads((out / "budget.json").read_text())
    assert export["kind"] == "budget" and export["validation_errors"] == [] and export["figures"] == {}
    truth = json.loads((tmp_path / "budget.truth.json").read_text())
    summary = evaluate.summarize([evaluate.score_document(truth, export)])
    assert summary["tables_found"] == 1.0 and summary["values"] > 0.95 and summary["others_flagged"] == 0.0
