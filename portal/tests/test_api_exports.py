"""The bulk download (/api/v1/export/) and the search endpoint."""

import gzip
import json
import os
import threading
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import renderers
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from curation.dataset import load_dataset
from drugs.models import Drug, LabelWarning
from drugs.tests.factories import DrugFactory
from her2kb.api.caching import dataset_last_modified
from portal import export_rows, exports, tasks
from references.models import Reference
from references.tests.factories import ReferenceFactory
from testing.api_data import make_linked_dataset
from trials.choices import DrugRole
from trials.models import Outcome, Trial, TrialDrug
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def export_body(api: APIClient, **headers) -> bytes:
    """The export as the client receives it: streamed from a file."""
    response = api.get("/api/v1/export/", **headers)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/json"
    return b"".join(response.streaming_content)


def export_json(api: APIClient) -> dict:
    return json.loads(export_body(api))


def serialised_in_one_go() -> bytes:
    """What the endpoint rendered before it wrote files: DatasetSerializer over whole querysets, JSONRenderer."""
    request = Request(APIRequestFactory().get("/api/v1/export/"))
    dataset = {"last_modified": dataset_last_modified(), **exports.dataset_querysets()}
    return renderers.JSONRenderer().render(exports.DatasetSerializer(dataset, context={"request": request}).data)


def export_files(exports_dir: Path) -> list[Path]:
    """The JSON files (each has its compressed copy beside it: see `test_the_export_is_sent_compressed_...`)."""
    return sorted(exports_dir.glob("*.json")) if exports_dir.exists() else []


def test_export_holds_the_whole_dataset_in_the_shape_of_each_endpoint(api):
    data = make_linked_dataset(3)
    body = export_json(api)
    assert {drug["slug"] for drug in body["drugs"]} == {drug.slug for drug in data.drugs}
    assert {a["id"] for a in body["approvals"]} == {a.pk for a in data.approvals}
    assert {t["nct_id"] for t in body["trials"]} == {t.nct_id for t in data.trials}
    assert {o["id"] for o in body["outcomes"]} == {o.pk for o in data.outcomes}
    assert {r["pmid"] for r in body["references"]} == {r.pmid for r in data.references}
    drug = data.drugs[0]
    exported = next(d for d in body["drugs"] if d["slug"] == drug.slug)
    assert exported == api.get(f"/api/v1/drugs/{drug.slug}/").json()
    assert body["last_modified"] is not None


def test_export_holds_the_regulatory_records_as_their_endpoints_show_them(api):
    data = make_linked_dataset(2)
    body = export_json(api)
    approval = data.approvals[0]
    assert {p["slug"] for p in body["products"]} == {a.product.slug for a in data.approvals}
    assert {d["slug"] for d in body["diagnostics"]} == {
        cdx.slug for a in data.approvals for cdx in a.companion_diagnostics.all()
    }
    label = approval.drug.labels.get()
    exported_label = next(row for row in body["labels"] if row["id"] == label.pk)
    assert exported_label == api.get(f"/api/v1/labels/{label.pk}/").json()
    assert exported_label["warnings"][0]["kind"] == "boxed_warning"
    assert {e["id"] for e in body["events"]} == {event.pk for d in data.drugs for event in d.events.all()}
    exported_approval = next(row for row in body["approvals"] if row["id"] == approval.pk)
    assert exported_approval["designations"] and exported_approval["companion_diagnostics"]


def test_export_of_an_empty_database(api):
    body = export_json(api)
    assert body["drugs"] == [] and body["references"] == [] and body["last_modified"] is None


def test_export_query_count_does_not_grow_with_the_data(api):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/export/").status_code == 200
        return len(queries)

    make_linked_dataset(1)
    small = count_queries()
    make_linked_dataset(10)
    assert count_queries() == small


def test_export_is_byte_for_byte_what_the_serializers_render(api):
    make_linked_dataset(3)
    assert export_body(api) == serialised_in_one_go()


def test_export_written_in_chunks_is_the_same_document(api, monkeypatch, exports_dir):
    make_linked_dataset(5)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)  # chunk boundaries inside every list
    assert export_body(api) == serialised_in_one_go()


def test_export_of_more_than_a_thousand_records_per_list(api):
    """Past a thousand rows per list: several chunks, each with its own prefetches (SQLite's limits included)."""
    make_linked_dataset(1)
    drug = Drug.objects.get()
    references = Reference.objects.bulk_create(ReferenceFactory.build_batch(1500))
    drug.references.add(*references)
    trials = Trial.objects.bulk_create(TrialFactory.build_batch(1100))
    TrialDrug.objects.bulk_create(TrialDrug(trial=trial, drug=drug) for trial in trials)
    for trial in trials[:3]:
        trial.references.add(*references[:2])
    body = export_body(api)
    assert body == serialised_in_one_go()
    document = json.loads(body)
    assert len(document["references"]) == 1502 and len(document["trials"]) == 1101
    assert len(next(d for d in document["drugs"] if d["slug"] == drug.slug)["references"]) == 1501


def test_export_is_written_once_then_streamed_from_the_file(api, exports_dir):
    make_linked_dataset(3)
    with CaptureQueriesContext(connection) as first:
        body = export_body(api)
    [written] = export_files(exports_dir)
    assert written.read_bytes() == body
    with CaptureQueriesContext(connection) as second:
        assert export_body(api) == body
    # The second request only asks the database for the dataset's state (one query), then reads the file.
    assert len(second) == 1 < len(first)


def _edit(data):
    drug = data.drugs[0]
    drug.mechanism = "Changed by a curator."
    drug.save()


def _change_role_in_place(data):
    row = TrialDrug.objects.get(trial=data.trials[0])  # no timestamp, same count and ids: only its history moves
    row.role = DrugRole.COMPARATOR
    row.save()


def _stamp_pubmed_sync(data):
    # What the PubMed sync does for an unchanged record: `last_synced_at` moves, `updated_at` does not.
    Reference.objects.filter(pk=data.references[0].pk).update(last_synced_at="2030-01-01T00:00Z")


def _reword_a_warning(data):
    warning = LabelWarning.objects.filter(label__drug=data.drugs[0]).first()
    warning.statement = "Reworded test statement."
    warning.save()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_edit, id="edit"),
        pytest.param(lambda data: data.outcomes[0].delete(), id="delete"),
        pytest.param(lambda data: make_linked_dataset(1), id="insert"),
        pytest.param(lambda data: data.drugs[0].references.clear(), id="link-removed"),
        pytest.param(lambda data: data.drugs[0].references.add(data.references[1]), id="link-added"),
        pytest.param(_change_role_in_place, id="trial-drug-role"),
        pytest.param(_stamp_pubmed_sync, id="pubmed-sync-stamp"),
        pytest.param(_reword_a_warning, id="warning-edited"),
        pytest.param(lambda data: data.approvals[0].companion_diagnostics.clear(), id="diagnostic-unlinked"),
        pytest.param(lambda data: data.approvals[0].designations.all().delete(), id="designation-removed"),
    ],
)
def test_any_change_writes_a_new_file_with_the_new_content(api, exports_dir, change):
    data = make_linked_dataset(2)
    before = export_body(api)
    [old_file] = export_files(exports_dir)
    change(data)
    after = export_body(api)
    assert after == serialised_in_one_go()
    [new_file] = export_files(exports_dir)  # the previous state's file is gone: the folder stays bounded
    assert new_file != old_file
    assert after != before


def test_a_deleted_record_leaves_the_export(api):
    data = make_linked_dataset(2)
    gone = data.outcomes[0].pk
    assert gone in {o["id"] for o in export_json(api)["outcomes"]}
    Outcome.objects.filter(pk=gone).delete()
    assert gone not in {o["id"] for o in export_json(api)["outcomes"]}


ELEVEN_HOSTS = ["testserver", "localhost", *(f"localhost:{port}" for port in range(8000, 8009))]


def test_every_host_gets_the_one_file_whose_links_name_site_url(api, exports_dir, settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]  # Django ignores the port when it checks a host
    settings.SITE_URL = "https://her2kb.example"
    make_linked_dataset(1)
    bodies = {export_body(api, HTTP_HOST=host) for host in ELEVEN_HOSTS}
    assert len(bodies) == 1 and len(export_files(exports_dir)) == 1
    [body] = bodies
    assert json.loads(body)["drugs"][0]["url"].startswith("https://her2kb.example/api/v1/drugs/")
    assert b"localhost" not in body and b"testserver" not in body


def test_without_site_url_the_export_holds_paths_only(api, exports_dir, settings):
    settings.SITE_URL = ""
    make_linked_dataset(1)
    body = export_json(api)
    assert body["drugs"][0]["url"].startswith("/api/v1/drugs/")
    assert body["drugs"][0]["html_url"].startswith("/drugs/")


def test_the_export_is_sent_compressed_to_a_client_that_accepts_gzip(api, exports_dir):
    make_linked_dataset(2)
    plain = api.get("/api/v1/export/")
    zipped = api.get("/api/v1/export/", HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    zipped_body = b"".join(zipped.streaming_content)
    assert zipped["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert gzip.decompress(zipped_body) == b"".join(plain.streaming_content) == serialised_in_one_go()
    assert len(zipped_body) < len(gzip.decompress(zipped_body))
    assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert zipped["ETag"] != plain["ETag"] and zipped["X-Export-Version"] == plain["X-Export-Version"]
    again = api.get("/api/v1/export/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"])
    assert again.status_code == 304 and again["ETag"] == zipped["ETag"]
    # The plain copy's ETag does not validate the compressed one.
    assert api.get("/api/v1/export/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=plain["ETag"]).status_code == 200
    [json_file] = export_files(exports_dir)
    assert sorted(path.name for path in exports_dir.iterdir()) == [json_file.name, json_file.name + ".gz"]


def test_export_revalidates_without_opening_the_file(api, exports_dir):
    make_linked_dataset(1)
    first = api.get("/api/v1/export/")
    b"".join(first.streaming_content)
    for path in export_files(exports_dir):
        path.unlink()  # a 304 must not need the file (nor rebuild it)
    with CaptureQueriesContext(connection) as queries:
        again = api.get("/api/v1/export/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]
    assert len(queries) == 1 and export_files(exports_dir) == []
    assert api.get("/api/v1/export/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    Drug.objects.get().save()  # a curator's edit: the copy is stale
    assert api.get("/api/v1/export/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_export_still_validates_its_query(api, exports_dir):
    response = api.get("/api/v1/export/", {"page": "2"})
    assert response.status_code == 400
    assert "page" in response.json()["errors"]
    assert export_files(exports_dir) == []


def test_search_finds_drugs_trials_and_references_with_links(api):
    data = make_linked_dataset(1)
    drug, trial, reference = data.drugs[0], data.trials[0], data.references[0]
    body = api.get("/api/v1/search/", {"q": drug.synonyms[0]}).json()
    assert [d["slug"] for d in body["drugs"]] == [drug.slug]
    assert body["drugs"][0]["url"] == f"http://testserver/api/v1/drugs/{drug.slug}/"
    assert [t["nct_id"] for t in api.get("/api/v1/search/", {"q": trial.nct_id}).json()["trials"]] == [trial.nct_id]
    found = api.get("/api/v1/search/", {"q": reference.pmid}).json()["references"]
    assert [r["pmid"] for r in found] == [reference.pmid]


def test_empty_search_finds_nothing(api):
    make_linked_dataset(1)
    body = api.get("/api/v1/search/").json()
    assert body == {
        "query": "",
        "counts": {"drugs": 0, "trials": 0, "references": 0, "approvals": 0},
        "capped": [],
        "drugs": [],
        "trials": [],
        "references": [],
        "approvals": [],
        "suggestions": [],
    }


def test_a_misspelt_search_suggests_the_drug_it_meant(api):
    DrugFactory(name="pertuzumab", brand_names=["Perjeta"], synonyms=[])
    body = api.get("/api/v1/search/", {"q": "pertuzimab"}).json()
    assert body["counts"] == {"drugs": 0, "trials": 0, "references": 0, "approvals": 0}
    assert body["suggestions"] == ["pertuzumab"]


def test_search_limit(api):
    make_linked_dataset(3)
    assert len(api.get("/api/v1/search/", {"q": "testuzumab", "limit": 2}).json()["drugs"]) == 2


@pytest.fixture
def busy_worker(monkeypatch):
    """Builds are queued but no worker has run them yet: the sites they were queued for."""
    queued: list[str] = []
    monkeypatch.setattr(tasks.build_export, "delay", lambda: queued.append("build"))
    return queued


def test_a_request_never_waits_for_a_build_it_gets_the_previous_file(api, exports_dir, busy_worker):
    data = make_linked_dataset(2)
    tasks.build_export()  # the state before the edit, built by a worker
    before = api.get("/api/v1/export/")
    old_body, old_version = b"".join(before.streaming_content), before["X-Export-Version"]
    _edit(data)

    with CaptureQueriesContext(connection) as queries:
        during = api.get("/api/v1/export/")
        body = b"".join(during.streaming_content)

    assert body == old_body and during["X-Export-Version"] == old_version
    assert during["X-Export-Pending-Version"] not in ("", old_version)
    assert during["ETag"] == before["ETag"] and "Last-Modified" not in during
    assert len(queries) == 1  # the dataset's state: nothing is serialised in the request
    assert busy_worker == ["build"]
    api.get("/api/v1/export/")
    assert busy_worker == ["build"], "a build already queued is not queued again"

    tasks.build_export()  # the worker gets to it
    after = api.get("/api/v1/export/")
    assert b"".join(after.streaming_content) == serialised_in_one_go()
    assert after["X-Export-Version"] == during["X-Export-Pending-Version"] and "X-Export-Pending-Version" not in after
    assert len(export_files(exports_dir)) == 1


def test_a_client_holding_the_previous_file_revalidates_against_it(api, exports_dir, busy_worker):
    data = make_linked_dataset(1)
    tasks.build_export()
    first = api.get("/api/v1/export/")
    _edit(data)
    again = api.get("/api/v1/export/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["X-Export-Version"] == first["X-Export-Version"]


def test_before_the_first_file_exists_the_answer_is_503_with_retry_after(api, exports_dir, busy_worker):
    make_linked_dataset(1)
    response = api.get("/api/v1/export/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "prepared" in response.json()["detail"]
    assert busy_worker == ["build"]


def test_without_a_worker_a_thread_builds_beside_the_request(api, exports_dir, settings, monkeypatch):
    settings.TASKS_IN_THREAD = True
    make_linked_dataset(1)
    release, started = threading.Event(), threading.Event()

    def slow_build() -> str:
        started.set()
        release.wait(10)
        return "built"

    monkeypatch.setattr(exports, "export_build", slow_build)
    response = api.get("/api/v1/export/")  # answered while the build is still running

    assert response.status_code == 503
    assert started.wait(5)
    release.set()


def test_the_build_task_writes_the_current_state_and_releases_its_lock(exports_dir, settings):
    settings.SITE_URL = "https://her2kb.example"
    make_linked_dataset(1)
    name = tasks.build_export()
    [written] = export_files(exports_dir)
    assert written.name == name
    assert json.loads(written.read_bytes())["drugs"][0]["url"].startswith("https://her2kb.example/api/v1/drugs/")
    assert tasks.build_export("https://queued-by-the-previous-code.example") == name  # nothing rewritten
    assert written.stat().st_mtime == export_files(exports_dir)[0].stat().st_mtime


def test_the_long_lists_read_as_rows_are_byte_for_byte_what_the_serializers_render(api, monkeypatch):
    """The export's fast path (portal/export_rows.py) against the endpoints' own querysets and serializers, over
    the curated dataset and generated rows of every kind. Records whose orderings tie (two approvals of one drug
    on one day) come by key in the export; the serializers' querysets are given the same last key here, so both
    orders are total and the two documents can be compared byte for byte."""
    load_dataset()
    call_command(
        "generate_bench_data", "--drugs=4", "--approvals=30", "--trials=40", "--outcomes=90", "--references=250"
    )
    for app in ("drugs", "trials", "references"):
        for model in django_apps.get_app_config(app).get_models():
            if model._meta.ordering and model._meta.ordering[-1] not in ("pk", "id"):
                monkeypatch.setattr(model._meta, "ordering", [*model._meta.ordering, "pk"])
    monkeypatch.setattr(exports, "CHUNK_SIZE", 16)  # chunk boundaries inside every long list
    body = export_body(api)
    assert body == serialised_in_one_go()
    document = json.loads(body)
    for name in export_rows.LISTS:
        assert len(document[name]) == exports.dataset_querysets()[name].count() > 16
    assert any(reference["trials"] for reference in document["references"])
    assert any(outcome["sources"] for outcome in document["outcomes"])


def test_relation_rows_out_of_the_records_order_fail_the_build_instead_of_going_missing():
    data = make_linked_dataset(3)
    assert all(trial.references.exists() for trial in data.trials)
    reversed_trials = Trial.objects.for_api().order_by("-pk")  # not the order the relations' rows follow
    with pytest.raises(RuntimeError, match="did not come in the order of their records"):
        list(export_rows.records("trials", reversed_trials))


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="per-thread priorities are Linux's")
def test_the_build_thread_yields_the_cpu_and_leaves_the_others_as_they_were():
    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}

    def build_like_the_thread() -> None:
        exports.yield_cpu_to_requests()
        seen["build"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    thread = threading.Thread(target=build_like_the_thread)
    thread.start()
    thread.join()
    assert seen["build"] >= exports.BUILD_NICENESS
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before


def test_a_deploy_that_changes_the_sites_code_names_a_new_export_file(exports_dir, monkeypatch):
    # Any of the site's code (the export's own modules in portal/ too) shapes the file: the previous code's is stale.
    from django.conf import settings as django_settings

    from her2kb.cache import site_code_paths
    from portal import exports

    make_linked_dataset(1)
    before = exports.DatasetExport()
    monkeypatch.setattr(exports, "site_code_version", lambda: "the next deploy")

    assert exports.DatasetExport().version != before.version
    assert {"portal/exports.py", "portal/export_rows.py"} <= {
        path.relative_to(django_settings.BASE_DIR).as_posix() for path in site_code_paths()
    }
