"""`tablescan evaluate` catches each kind of mistake a reader makes, and says where."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from tablescan import evaluate
from tests.forge import content as C


def truth_doc(seed: int = 3) -> dict:
    import random

    v = C.random_figures(random.Random(seed), "2021", "city")
    tables = [
        {"name": n, "cells": cells}
        for n, cells in (
            ("two", C.table_two(v, "2021")),
            ("three", C.table_three(v, "2021")),
            ("four", C.table_four(v)),
        )
    ]
    return {
        "name": "doc",
        "kind": "annual_report",
        "figures": v,
        "broken_rule": None,
        "pages": [{"number": 1, "skew_degrees": 0.5, "tables": tables}],
    }


def export_of(truth: dict) -> dict:
    """A perfect reading: the truth's tables as an export, every figure right."""
    pages = [
        {
            "number": p["number"],
            "skew_degrees": p["skew_degrees"],
            "tables": [
                {"cells": [{**c, "confidence": 0.99, "needs_review": False} for c in t["cells"]]} for t in p["tables"]
            ],
        }
        for p in truth["pages"]
    ]
    return {"pages": pages, "figures": dict(truth["figures"]), "validation_errors": []}


def score(truth: dict, pred: dict) -> dict:
    return evaluate.summarize([evaluate.score_document(truth, pred)])


def three(export: dict) -> list[dict]:
    return export["pages"][0]["tables"][1]["cells"]


def test_a_perfect_reading_scores_one():
    t = truth_doc()
    s = score(t, export_of(t))
    assert s["teds"] == s["teds_struct"] == s["values"] == s["labels"] == s["tables_found"] == 1.0
    assert s["figures"] == 1.0 and s["silent_errors"] == 0.0 and s["false_alarms"] == 0.0


def test_a_wrong_digit_is_a_silent_error_unless_sent_to_review():
    t = truth_doc()
    pred = export_of(t)
    cell = next(c for c in three(pred) if c["kind"] == "value" and c["text"] != "0")
    cell["text"] = cell["text"][:-1] + str((int(cell["text"][-1]) + 1) % 10)
    s = score(t, pred)
    assert s["values"] < 1.0 and s["silent_errors"] > 0 and s["teds_struct"] == 1.0
    [worst] = evaluate.worst_cells([evaluate.score_document(t, pred)])
    assert (worst["row"], worst["col"], worst["needs_review"]) == (cell["row"], cell["col"], False)
    cell["needs_review"] = True
    assert score(t, pred)["silent_errors"] == 0.0


def test_a_row_shifted_down_loses_its_values():
    t = truth_doc()
    pred = export_of(t)
    body = [c for c in three(pred) if c["row"] >= 3 and c["col"] >= 3]
    last = max(c["row"] for c in body)
    for c in body:  # every value one row down, as when a speck became a row rule
        c["row"] += 1
    three(pred)[:] = [c for c in three(pred) if not (c["col"] >= 3 and c["row"] > last)]
    s = score(t, pred)
    assert s["values"] < 0.7 and s["silent_errors"] > 0.3


def test_a_missing_table_is_not_found():
    t = truth_doc()
    pred = export_of(t)
    del pred["pages"][0]["tables"][2]
    s = score(t, pred)
    assert s["tables_found"] == pytest.approx(2 / 3, abs=1e-3)
    part = evaluate.score_document(t, pred).parts[2]
    assert not part.found and part.teds_struct == 0.0 and sum(part.values) == 0


def test_a_merged_cell_split_in_two_costs_structure_not_values():
    t = truth_doc()
    pred = export_of(t)
    cells = three(pred)
    merged = next(c for c in cells if c["text"] == "申请人情况")  # spans 7 columns
    cells.remove(merged)
    cells += [{**merged, "col_span": 3}, {**merged, "col": merged["col"] + 3, "col_span": 4, "text": ""}]
    s = score(t, pred)
    assert s["teds_struct"] < 1.0 and s["values"] == 1.0


def test_a_flag_on_a_consistent_report_is_a_false_alarm_and_on_a_budget_too():
    t = truth_doc()
    pred = export_of(t)
    pred["validation_errors"] = [{"rule": "balance.natural", "message": "..."}]
    assert score(t, pred)["false_alarms"] == 1.0
    budget = {**copy.deepcopy(t), "kind": "budget", "figures": None}
    s = score(budget, pred)
    assert s["others_flagged"] == 1.0 and s["false_alarms"] is None


def test_nested_figures_of_the_older_truth_format_are_read():
    nested = {
        "rules_made": 1,
        "rules_repealed": 0,
        "rules_valid": 3,
        "norms_made": 0,
        "norms_repealed": 0,
        "norms_valid": 2,
        "licensing": 5,
        "penalty": 0,
        "coercion": 0,
        "fees": "0.5",
        "t3": {"new": [1, 0, 0, 0, 0, 0, 1]},
        "t4": list(range(15)),
    }
    flat = evaluate.flat_figures(nested)
    assert flat["active.fees"] == 0.5 and flat["requests.new.total"] == 1 and flat["litigation_direct.total"] == 9


def test_the_command_prints_json_and_writes_html(tmp_path):
    t = truth_doc()
    pred = export_of(t)
    three(pred)[-1]["text"] = "9999"
    (tmp_path / "truth").mkdir()
    (tmp_path / "pred").mkdir()
    (tmp_path / "truth" / "doc.truth.json").write_text(json.dumps(t, ensure_ascii=False))
    (tmp_path / "pred" / "doc.json").write_text(json.dumps(pred, ensure_ascii=False))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tablescan.cli",
            "evaluate",
            str(tmp_path / "truth"),
            str(tmp_path / "pred"),
            "--json",
            "--html",
            str(tmp_path / "r.html"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["summary"]["values"] < 1.0 and out["worst_cells"][0]["read"] == "9999"
    page = (tmp_path / "r.html").read_text()
    assert "9999" in page and "class=bad" in page
    bad = subprocess.run(
        [sys.executable, "-m", "tablescan.cli", "evaluate", str(tmp_path / "nothing"), str(tmp_path / "pred")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "does not exist" in bad.stderr


def test_a_corrected_export_is_truth():
    t = truth_doc()
    pred = export_of(t)
    pred["filename"] = "doc.pdf"
    for p in pred["pages"]:
        for tb in p["tables"]:
            tb["template"] = "x"
    as_truth = evaluate.truth_from_export(pred)
    assert score(as_truth, pred)["values"] == 1.0


def test_the_html_report_shows_each_table_as_scanned_beside_truth_and_reading(tmp_path):
    from tests.forged import forge_table_page

    pdf = forge_table_page(tmp_path / "doc.pdf", profile="office", seed=2)
    truth = json.loads((tmp_path / "doc.truth.json").read_text())
    pred_dir = tmp_path / "pred"
    pred_dir.mkdir()
    (pred_dir / "doc.json").write_text(json.dumps(export_of(truth), ensure_ascii=False))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tablescan.cli",
            "evaluate",
            str(tmp_path),
            str(pred_dir),
            "--html",
            str(tmp_path / "r.html"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "r.html").read_text()
    parts = sum(len(p["tables"]) for p in truth["pages"])
    assert pdf.exists() and page.count("<img class=scan") == parts == 2
