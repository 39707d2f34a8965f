"""The ClinicalTrials.gov client and parser, against recorded registry responses and the fake registry."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from her2kb.tests.fake_upstream import fast_client_options
from her2kb.upstream import MalformedResponse, UpstreamError, UpstreamRejected
from trials.choices import DatePrecision, RegistryValueType, TrialPhase, TrialStatus
from trials.ctgov import STUDY_FIELDS, CtGovClient, parse_studies_page, parse_study

SAMPLES = Path(__file__).resolve().parent / "ctgov_samples"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def make_client(fake, **overrides) -> CtGovClient:
    return CtGovClient(**fast_client_options(fake, **overrides))


# ---- parsing (pure) --------------------------------------------------------------------------
def test_a_full_record_maps_to_our_terms():
    record = parse_study(sample("ctgov_study_NCT02552212.json"))
    assert (record.nct_id, record.status, record.phase) == ("NCT02552212", TrialStatus.COMPLETED, TrialPhase.PHASE_3)
    assert record.start.value == datetime.date(2015, 9, 1)
    assert (record.start.precision, record.start.type) == (DatePrecision.MONTH, RegistryValueType.ACTUAL)
    assert record.primary_completion.value == datetime.date(2018, 5, 1)
    assert (record.enrollment, record.enrollment_type) == (317, RegistryValueType.ACTUAL)
    assert record.sponsor == "UCB BIOSCIENCES GmbH"
    assert record.last_updated == datetime.date(2022, 8, 18) and record.has_results is True
    assert [(p.pmid, p.type) for p in record.publications] == [
        ("35296532", "RESULT"),
        ("35733363", "RESULT"),
        ("34715908", "DERIVED"),
        ("30848558", "DERIVED"),
    ]
    assert record.notes == []


def test_background_references_and_references_without_a_pmid_are_not_publications_of_the_trial():
    record = parse_study(sample("ctgov_study_NCT03630471.json"))
    assert [p.pmid for p in record.publications] == ["34582460", "32585185", "31533783"]
    assert record.values()["registry_pmids"] == ["31533783", "32585185", "34582460"]


def test_a_phase_we_do_not_record_is_left_alone_with_a_note():
    record = parse_study(sample("ctgov_study_NCT03630471.json"))  # phases: ["NA"]
    assert record.phase is None and "phase" not in record.values()
    assert record.notes == ["NCT03630471: phase NA is not one this knowledge base records"]


def test_a_fields_restricted_answer_has_dates_without_type_and_no_results_flag():
    record = parse_study(sample("ctgov_study_NCT02576665_fields.json"))
    assert record.status == TrialStatus.TERMINATED
    assert record.start.value == datetime.date(2016, 7, 1) and record.start.type == ""
    assert record.completion.precision == DatePrecision.DAY and record.has_results is None


def test_later_pages_have_no_total_and_the_last_has_no_token():
    records, token = parse_studies_page(sample("ctgov_studies_page2.json"))
    assert len(records) == 5 and token  # page 2 of the recorded search still points further
    assert parse_studies_page({"studies": []}) == ([], "")


@pytest.mark.parametrize(
    "body",
    [
        {"studies": [{"protocolSection": {}}]},
        {"error": "x"},
        [],
        {"studies": [{"protocolSection": {"identificationModule": {"nctId": "NCT02552212"}}}]},
    ],
)
def test_anything_that_is_not_a_page_of_studies_is_malformed(body):
    with pytest.raises(MalformedResponse):
        parse_studies_page(body)


# ---- the client against the fake registry ----------------------------------------------------
def test_a_batch_is_one_request_with_filter_ids_and_fields(fake_ctgov):
    client = make_client(fake_ctgov)
    result = client.studies(["NCT02552212", "NCT03630471", "NCT09999999"])
    [request] = fake_ctgov.studies_requests()
    assert request.listed("filter.ids") == ["NCT02552212", "NCT03630471", "NCT09999999"]
    assert request.listed("fields") == list(STUDY_FIELDS)
    assert sorted(result.records) == ["NCT02552212", "NCT03630471"]  # the unknown number is simply absent
    assert (result.requests_made, result.retries) == (1, 0)


def test_paging_follows_next_page_token_to_the_last_page(fake_ctgov):
    for n in range(5):
        fake_ctgov.add_study(f"NCT0999000{n}")
    result = make_client(fake_ctgov).studies([f"NCT0999000{n}" for n in range(5)], page_size=2)
    requests = fake_ctgov.studies_requests()
    assert len(requests) == 3 and "pageToken" not in requests[0].params and requests[2].params["pageToken"]
    assert all(r.params["filter.ids"] == requests[0].params["filter.ids"] for r in requests)  # repeated as required
    assert len(result.records) == 5 and result.requests_made == 3


def test_an_empty_page_with_a_token_is_followed(fake_ctgov):
    fake_ctgov.add_fault("emptypage")
    result = make_client(fake_ctgov).studies(["NCT02552212"])
    assert list(result.records) == ["NCT02552212"] and len(fake_ctgov.studies_requests()) == 2


def test_a_study_found_by_its_alias_is_keyed_by_the_number_asked(fake_ctgov):
    fake_ctgov.rename("NCT03630471", "NCT09990001")
    result = make_client(fake_ctgov).studies(["NCT03630471"])
    assert result.records["NCT03630471"].nct_id == "NCT09990001"


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "slow:1.5", "truncated", "reset"])
def test_each_transient_fault_is_retried_and_counted(fake_ctgov, fault):
    fake_ctgov.add_fault(fault)
    result = make_client(fake_ctgov).studies(["NCT02552212"])
    assert list(result.records) == ["NCT02552212"] and (result.requests_made, result.retries) == (2, 1)


def test_persistent_faults_give_up_with_a_message(fake_ctgov):
    fake_ctgov.add_fault("500", "500", "500")
    with pytest.raises(UpstreamError, match="failed after 3 attempts: HTTP 500"):
        make_client(fake_ctgov).studies(["NCT02552212"])


def test_a_plain_text_400_is_a_refusal_not_retried(fake_ctgov, monkeypatch):
    client = make_client(fake_ctgov)
    original = client.call

    def with_unknown_parameter(method, url, *, params, **kwargs):
        return original(method, url, params={**params, "recrs": "x"}, **kwargs)

    monkeypatch.setattr(client, "call", with_unknown_parameter)
    with pytest.raises(UpstreamRejected, match="`recrs` is unknown parameter"):
        client.studies(["NCT02552212"])
    assert len(fake_ctgov.studies_requests()) == 1


def test_an_empty_batch_asks_nothing(fake_ctgov):
    assert make_client(fake_ctgov).studies([]).records == {}
    assert fake_ctgov.studies_requests() == []


def test_bad_input_is_refused_before_any_request(fake_ctgov):
    with pytest.raises(ValueError, match="not NCT numbers"):
        make_client(fake_ctgov).studies(["NCT123"])
    with pytest.raises(ValueError, match="at most 100"):
        make_client(fake_ctgov).studies([f"NCT{n:08d}" for n in range(1, 102)])
    assert fake_ctgov.studies_requests() == []


def test_production_settings_talk_to_the_real_registry(settings):
    """No request is sent: this checks the shipped defaults."""
    from trials.ctgov import client_from_settings

    client = client_from_settings()
    assert client.base_url == "https://clinicaltrials.gov/api/v2/"
    assert client.limiter.interval == pytest.approx(1.1 * 60 / 50)  # 50 requests/minute with the 10% margin
