"""Statuses and kinds are StrEnums whose members are the very strings the record and the exports hold:
changing one needs a migration, so the values are pinned here."""

from report.model import CheckStatus, Severity
from report.values import State
from schemas.statuses import AttemptOutcome, CellKind, DocumentKind, DocumentStatus, PageStatus


def test_the_stored_strings_stay_the_same():
    assert list(DocumentStatus) == ["queued", "running", "done", "done_with_errors", "failed"]
    assert list(PageStatus) == ["done", "failed"]
    assert list(AttemptOutcome) == ["running", "ok", "failed", "abandoned"]
    assert list(CellKind) == ["header", "label", "value"]
    assert list(DocumentKind) == ["annual_report", "budget", "final_account", "other"]
    assert list(CheckStatus) == ["PASS", "FAIL", "UNCERTAIN", "STRUCTURE_ERROR"]
    assert list(Severity) == ["error", "warning"]
    assert list(State) == ["number", "not_reported", "unreadable"]


def test_a_member_is_its_string():
    assert DocumentStatus.DONE == "done" and f"{DocumentStatus.DONE}" == "done" and str(CellKind.VALUE) == "value"
