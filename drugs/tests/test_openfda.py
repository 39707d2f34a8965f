"""The openFDA client and the watcher's comparisons, against recorded openFDA responses and the fake openFDA."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from drugs.openfda import (
    OpenFdaClient,
    TrackedApplication,
    TrackedLabel,
    any_of,
    boxed_warning_changed,
    is_newer_revision,
    new_submissions,
    normalise_application_number,
    parse_application,
    parse_label,
)
from her2kb.tests.fake_upstream import fast_client_options
from her2kb.upstream import UpstreamError, UpstreamRejected

from .conftest import HERCEPTIN_SET_ID, NDA203094_APPROVALS, PHESGO_SET_ID

SAMPLES = Path(__file__).resolve().parent / "openfda_samples"


def recorded(name: str, index: int = 0) -> dict:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))["results"][index]


TYBOST = "openfda_drugsfda_search_gilead_skip10_limit2_NDA210251_NDA203094.json"
PHESGO = "openfda_label_phesgo_boxed_warning_empty_openfda_trimmed.json"


def make_client(fake, **overrides) -> OpenFdaClient:
    return OpenFdaClient(**fast_client_options(fake, **overrides))


# ---- parsing and comparing (pure) ------------------------------------------------------------
def test_application_numbers_are_normalised_to_openfdas_form():
    assert normalise_application_number("BLA 761139") == "BLA761139"
    assert normalise_application_number("nda021588") == "NDA021588"
    assert normalise_application_number("EMEA/H/C/005124") == ""


def test_a_recorded_application_reads_with_string_numbers_and_dates():
    application = parse_application(recorded(TYBOST, 1))
    assert (application.number, application.sponsor) == ("NDA203094", "GILEAD SCIENCES INC")
    assert application.brand_names == ["TYBOST"] and "COBICISTAT" in application.substance_names
    assert len(application.submissions) == 17
    assert application.original_approval.status_date == datetime.date(2014, 9, 24)  # two ORIGs that day


def test_only_approvals_the_dataset_lacks_are_new_submissions():
    application = parse_application(recorded(TYBOST, 1))
    known = {date for label, date in NDA203094_APPROVALS.items() if label != "SUPPL 14"}
    tracked = TrackedApplication("NDA203094", 1, "test drug", frozenset(known))
    assert [s.label for s in new_submissions(application, tracked)] == ["SUPPL 14"]
    # Labeling and manufacturing supplements are not approvals; two ORIGs on one day are one approval.
    nothing = TrackedApplication("NDA203094", 1, "test drug", frozenset())
    found = [s.label for s in new_submissions(application, nothing)]
    assert found == ["ORIG 1", "SUPPL 3", "SUPPL 12", "SUPPL 13", "SUPPL 14", "SUPPL 17"]


def test_a_recorded_label_with_an_empty_openfda_block_reads():
    label = parse_label(recorded(PHESGO))
    assert (label.set_id, label.effective_time) == (PHESGO_SET_ID, datetime.date(2026, 5, 21))
    assert label.boxed_warning.startswith("WARNING: CARDIOMYOPATHY, EMBRYO-FETAL TOXICITY") and label.brand_names == []


@pytest.mark.parametrize(
    ("effective", "revised", "newer"),
    [
        (datetime.date(2026, 5, 21), "", True),
        (datetime.date(2026, 5, 21), "2026-05", False),  # stated to the month: the same month is not news
        (datetime.date(2026, 6, 1), "2026-05", True),
        (datetime.date(2026, 5, 21), "2026-05-21", False),
        (datetime.date(2026, 5, 22), "2026-05-21", True),
    ],
)
def test_a_revision_is_newer_only_when_later_than_the_recorded_one(effective, revised, newer):
    assert is_newer_revision(effective, revised) is newer


def test_a_boxed_warning_is_news_when_added_or_when_a_quoted_statement_is_gone():
    label = parse_label(recorded(PHESGO))
    unrecorded = TrackedLabel(PHESGO_SET_ID, 1, 1, "test drug", "2026-05-21")
    assert boxed_warning_changed(label, unrecorded)
    quoted = TrackedLabel(PHESGO_SET_ID, 1, 1, "test drug", "2026-05-21", ("Cardiomyopathy, embryo-fetal toxicity",))
    assert not boxed_warning_changed(label, quoted)
    gone = TrackedLabel(PHESGO_SET_ID, 1, 1, "test drug", "2026-05-21", ("A statement no longer on the label",))
    assert boxed_warning_changed(label, gone)
    herceptin = parse_label(recorded("openfda_label_herceptin_search_trimmed.json"))
    assert not boxed_warning_changed(herceptin, TrackedLabel(HERCEPTIN_SET_ID, 1, 1, "test drug", ""))


# ---- the client against the fake openFDA -----------------------------------------------------
def test_a_search_follows_search_after_links_to_the_last_page(fake_openfda, monkeypatch):
    monkeypatch.setattr("drugs.openfda.PAGE_LIMIT", 2)
    client = make_client(fake_openfda)
    found = client.applications(any_of("openfda.substance_name", ["SEMAGLUTIDE"]))
    assert sorted(a.number for a in found) == ["NDA209637", "NDA213051", "NDA215256"]
    requests = fake_openfda.drugsfda_requests()
    assert len(requests) == 2 and "search_after" in requests[1].params and requests[1].params["skip"] == "0"


def test_no_match_is_an_empty_answer_not_an_error(fake_openfda):
    assert make_client(fake_openfda).applications('openfda.substance_name:"NO SUCH SUBSTANCE"') == []


@pytest.mark.parametrize("fault", ["429", "500", "502", "slow:1.5", "truncated", "reset"])
def test_each_transient_fault_is_retried_and_counted(fake_openfda, fault):
    fake_openfda.add_fault(fault)
    client = make_client(fake_openfda)
    assert [a.number for a in client.applications('application_number:"NDA203094"')] == ["NDA203094"]
    assert (client.requests_made, client.retries) == (2, 1)


@pytest.mark.parametrize("fault", ["400", "403"])
def test_a_refused_query_is_not_retried(fake_openfda, fault):
    fake_openfda.add_fault(fault)
    client = make_client(fake_openfda)
    with pytest.raises(UpstreamRejected, match=f"HTTP {fault}"):
        client.applications('application_number:"NDA203094"')
    assert client.requests_made == 1


def test_persistent_faults_give_up_with_a_message(fake_openfda):
    fake_openfda.add_fault("500", "500", "500")
    with pytest.raises(UpstreamError, match="failed after 3 attempts: HTTP 500"):
        make_client(fake_openfda).applications('application_number:"NDA203094"')


def test_the_api_key_travels_as_basic_auth_never_in_a_url(fake_openfda, monkeypatch):
    sent = []
    client = make_client(fake_openfda, api_key="fake-openfda-key")
    original = client.session.get
    monkeypatch.setattr(client.session, "get", lambda url, **kw: sent.append((url, kw)) or original(url, **kw))
    client.applications('application_number:"NDA203094"')
    assert client.session.auth == ("fake-openfda-key", "")
    assert all("fake-openfda-key" not in str(args) for args in sent)


def test_a_next_link_to_another_host_is_refused(fake_openfda, monkeypatch):
    monkeypatch.setattr("drugs.openfda.PAGE_LIMIT", 1)
    monkeypatch.setattr(type(fake_openfda), "base_url", property(lambda self: "http://elsewhere.example/"))
    port = fake_openfda._server.server_address[1]
    client = make_client(fake_openfda, base_url=f"http://127.0.0.1:{port}/")
    with pytest.raises(UpstreamRejected, match="points elsewhere"):
        client.applications(any_of("openfda.substance_name", ["SEMAGLUTIDE"]))
