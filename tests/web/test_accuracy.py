"""Accuracy from reviewers' corrections: GET /accuracy, /metrics, and marking a document reviewed."""

from fastapi.testclient import TestClient

from tests.web.conftest import seed_document
from web.app import create_app


def test_corrections_of_a_reviewed_document_give_the_figures(make_settings, database_url):
    settings = make_settings(database_url=database_url)
    ids = seed_document(settings)
    client = TestClient(create_app(settings))

    def overall():
        r = client.get("/accuracy")
        assert r.status_code == 200, r.text
        return r.json()["overall"]

    assert overall()["documents"] == 0 and "No reviewed document" in overall()["explanation"]
    # the 0.97 cell was read wrong and not sent to review; the 0.41 one was in review and was right
    assert client.patch(f"/cells/{ids['failing']}", json={"text": "8", "by": "王芳"}).status_code == 200
    assert overall()["documents"] == 0  # not counted until someone marks it reviewed
    r = client.post(f"/documents/{ids['document']}/reviewed", json={"by": "王芳"})
    assert r.status_code == 200 and r.json()["reviewed_by"] == "王芳"
    a = overall()
    assert (a["documents"], a["cells"], a["value_cells"]) == (1, 3, 2)
    assert a["changed"] == {"value": 0.5, "label": None, "header": 0.0}
    assert a["changed_in_review"] == 0.0 and a["silent_error_rate"] == 0.5
    top = next(b for b in a["reliability"] if b["low"] == 0.95)
    low = next(b for b in a["reliability"] if b["low"] == 0.0)
    assert (top["cells"], top["right"]) == (2, 0.5) and (low["cells"], low["right"]) == (1, 1.0)
    assert a["suggested_threshold"] == 0.98 and "0.98" in a["explanation"]
    assert client.get("/accuracy", params={"collection": "box-1"}).json()["collections"]["box-1"] == a
    assert client.get("/accuracy", params={"collection": "box-9"}).json()["overall"]["documents"] == 0
    metrics = client.get("/metrics").text
    assert "tablescan_reviewed_documents 1" in metrics and "tablescan_silent_error_ratio 0.5" in metrics
    detail = client.get(f"/documents/{ids['document']}").json()
    assert detail["reviewed_by"] == "王芳" and detail["reviewed_at"].endswith("+00:00")


def test_a_cell_corrected_while_in_review_counts_as_caught(make_settings):
    settings = make_settings()
    ids = seed_document(settings)
    client = TestClient(create_app(settings))
    assert client.patch(f"/cells/{ids['review']}", json={"text": "6", "by": "李"}).status_code == 200
    client.post(f"/documents/{ids['document']}/reviewed", json={"by": "李"})
    a = client.get("/accuracy").json()["overall"]
    assert a["changed_in_review"] == 1.0 and a["silent_error_rate"] == 0.0
    assert a["suggested_threshold"] == 0.5


def test_marking_reviewed_needs_a_name_a_finished_document_and_the_token(make_settings):
    settings = make_settings(api_token="s3cret")
    ids = seed_document(settings)
    client = TestClient(create_app(settings))
    url = f"/documents/{ids['document']}/reviewed"
    assert client.post(url, json={"by": "王芳"}).status_code == 401
    auth = {"Authorization": "Bearer s3cret"}
    assert client.post(url, json={"by": " "}, headers=auth).status_code == 422
    assert client.post("/documents/99999/reviewed", json={"by": "王芳"}, headers=auth).status_code == 404
    assert client.post(url, json={"by": "王芳"}, headers=auth).status_code == 200
