"""The curated dataset: its files are well-formed and sourced, and load/export are lossless and safe."""

import datetime
import re
import shutil
from pathlib import Path

import pytest
import yaml

from curation.dataset import DEFAULT_DATA_DIR, DatasetError, dataset_records, dump_record, export_dataset, load_dataset
from drugs.models import Approval, Drug
from references.models import Reference
from trials.models import Outcome, Trial

PMID = re.compile(r"^[1-9][0-9]{0,8}$")
NCT = re.compile(r"^NCT[0-9]{8}$")
DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")


def records(kind: str) -> list[tuple[Path, dict]]:
    return [(path, yaml.safe_load(path.read_text())) for path in sorted((DEFAULT_DATA_DIR / kind).rglob("*.yaml"))]


# ---- The files themselves (no database) -------------------------------------------------------
def test_dataset_has_records_of_every_kind():
    for kind in ("drugs", "approvals", "trials", "references"):
        assert records(kind), f"data/{kind}/ holds no records"


def test_reference_identifiers_have_valid_formats():
    for path, record in records("references"):
        assert PMID.match(str(record["pmid"])), path
        assert path.stem == str(record["pmid"]), f"{path} should be named after its PMID"
        if record.get("doi"):
            assert DOI.match(record["doi"]), path


def test_trial_nct_numbers_have_valid_format_and_are_unique():
    seen = {}
    for path, record in records("trials"):
        if record.get("nct_id"):
            assert NCT.match(record["nct_id"]), path
            assert record["nct_id"] not in seen, f"{path} and {seen.get(record['nct_id'])} share an NCT number"
            seen[record["nct_id"]] = path


def test_every_approval_has_a_drug_date_source_and_a_pivotal_trial_or_reason():
    for path, record in records("approvals"):
        assert record.get("drug") and record.get("date"), path
        assert record.get("sources"), f"{path} has no source"
        assert record.get("pivotal_trials") or record.get("no_pivotal_trial_reason"), path


def test_every_trial_with_outcomes_has_a_reference_and_every_outcome_cites_one():
    for path, record in records("trials"):
        if record.get("outcomes"):
            assert record.get("references"), f"{path} reports outcomes but cites no reference"
            for outcome in record["outcomes"]:
                assert outcome.get("references"), f"{path}: outcome {outcome['endpoint']} cites no reference"


def test_hazard_ratios_lie_inside_their_confidence_intervals():
    for path, record in records("trials"):
        for outcome in record.get("outcomes") or []:
            if outcome.get("hazard_ratio") is not None and outcome.get("ci_lower") is not None:
                assert outcome["ci_lower"] <= outcome["hazard_ratio"] <= outcome["ci_upper"], path
                assert outcome["ci_lower"] < outcome["ci_upper"], path


# ---- Loading and exporting -------------------------------------------------------------------
@pytest.mark.django_db
def test_curated_dataset_loads_and_a_second_load_changes_nothing():
    first = load_dataset()
    assert first.counts["drugs"]["created"] == len(records("drugs"))
    assert Approval.objects.count() == len(records("approvals"))
    second = load_dataset()
    assert not second.changed
    assert second.counts["approvals"]["unchanged"] == Approval.objects.count()


@pytest.mark.django_db
def test_files_in_the_repository_are_in_canonical_export_form():
    """load → export gives the same files, so a curator's export diff shows only real changes."""
    load_dataset()
    for relative, record in dataset_records().items():
        path = DEFAULT_DATA_DIR / relative
        assert path.exists(), f"export would create {relative}"
        assert path.read_text(encoding="utf-8") == dump_record(record), f"{relative} is not in canonical form"


@pytest.mark.django_db
def test_export_then_load_into_an_empty_database_is_lossless(tmp_path):
    load_dataset()
    export_dataset(tmp_path / "a")
    before = dataset_records()
    Approval.objects.all().delete()
    Outcome.objects.all().delete()
    Trial.objects.all().delete()
    Drug.objects.update(biosimilar_of=None)
    Drug.objects.all().delete()
    Reference.objects.all().delete()
    load_dataset(tmp_path / "a")
    assert dataset_records() == before


@pytest.mark.django_db
def test_load_updates_a_changed_record_and_reports_it(tmp_path):
    shutil.copytree(DEFAULT_DATA_DIR, tmp_path / "data")
    load_dataset(tmp_path / "data")
    drug_file = sorted((tmp_path / "data" / "drugs").glob("*.yaml"))[0]
    record = yaml.safe_load(drug_file.read_text())
    record["notes"] = "Curator note added in review."
    drug_file.write_text(dump_record(record))
    report = load_dataset(tmp_path / "data")
    assert report.counts["drugs"]["updated"] == 1
    assert Drug.objects.get(slug=record["slug"]).notes == "Curator note added in review."


@pytest.mark.django_db
def test_removing_an_outcome_from_a_trial_file_deletes_it(tmp_path):
    shutil.copytree(DEFAULT_DATA_DIR, tmp_path / "data")
    load_dataset(tmp_path / "data")
    trial_file = next(p for p, r in records("trials") if len(r.get("outcomes") or []) >= 2)
    copy = tmp_path / "data" / "trials" / trial_file.name
    record = yaml.safe_load(copy.read_text())
    record["outcomes"] = record["outcomes"][:1]
    copy.write_text(dump_record(record))
    report = load_dataset(tmp_path / "data")
    assert report.counts["outcomes"]["deleted"] >= 1
    assert Trial.objects.get(slug=record["slug"]).outcomes.count() == 1


def _minimal_dataset(root: Path) -> Path:
    for kind in ("drugs", "approvals", "trials", "references"):
        (root / kind).mkdir(parents=True)
    (root / "references" / "1000001.yaml").write_text(dump_record({"pmid": "1000001", "title": "Test article"}))
    (root / "drugs" / "testuzumab.yaml").write_text(
        dump_record({"slug": "testuzumab", "name": "testuzumab", "drug_class": "monoclonal_antibody"})
    )
    (root / "trials" / "test-1.yaml").write_text(
        dump_record({"slug": "test-1", "nct_id": "NCT00000001", "phase": "phase_3", "references": ["1000001"]})
    )
    return root


BAD_RECORDS = [
    ("references/123x.yaml", {"pmid": "123x", "title": "Bad PMID"}, "PMID"),
    ("trials/bad.yaml", {"slug": "bad", "nct_id": "NCT123", "phase": "phase_3"}, "NCT"),
    ("trials/bad.yaml", {"slug": "bad", "phase": "phase_9"}, "phase"),
    ("drugs/bad.yaml", {"slug": "bad", "name": "bad", "drug_class": "vaccine"}, "drug_class"),
    ("drugs/bad.yaml", {"slug": "bad", "name": "bad", "drug_class": "tki", "colour": "red"}, "unknown field"),
    (
        "approvals/testuzumab/fda-2020-01-01-breast.yaml",
        {
            "drug": "testuzumab",
            "agency": "FDA",
            "date": "2020-01-01",
            "indication": "x",
            "tumour_type": "breast",
            "setting": "metastatic",
            "sources": ["https://example.org"],
        },
        "pivotal_trials or a no_pivotal_trial_reason",
    ),
    (
        "approvals/testuzumab/fda-2999-01-01-breast.yaml",
        {
            "drug": "testuzumab",
            "agency": "FDA",
            "date": "2999-01-01",
            "indication": "x",
            "tumour_type": "breast",
            "setting": "metastatic",
            "pivotal_trials": ["NCT00000001"],
            "sources": ["https://example.org"],
        },
        "future",
    ),
    (
        "approvals/testuzumab/fda-2020-01-01-breast.yaml",
        {
            "drug": "nosuchdrug",
            "agency": "FDA",
            "date": "2020-01-01",
            "indication": "x",
            "tumour_type": "breast",
            "setting": "metastatic",
            "pivotal_trials": ["NCT00000001"],
            "sources": ["https://example.org"],
        },
        "nosuchdrug",
    ),
    (
        "trials/hr.yaml",
        {
            "slug": "hr",
            "phase": "phase_3",
            "references": ["1000001"],
            "outcomes": [
                {"endpoint": "pfs", "hazard_ratio": 0.9, "ci_lower": 0.5, "ci_upper": 0.8, "references": ["1000001"]}
            ],
        },
        "inside its 95% confidence interval",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("relative", "record", "message"), BAD_RECORDS)
def test_a_bad_record_is_refused_with_its_file_named_and_nothing_written(tmp_path, relative, record, message):
    root = _minimal_dataset(tmp_path / "data")
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(dump_record(record))
    with pytest.raises(DatasetError) as error:
        load_dataset(root)
    assert relative.split("/")[-1] in str(error.value)
    assert message.lower() in str(error.value).lower()
    assert not Reference.objects.exists() and not Drug.objects.exists() and not Trial.objects.exists()


@pytest.mark.django_db
def test_month_only_registry_dates_and_their_types_round_trip(tmp_path):
    root = _minimal_dataset(tmp_path / "data")
    trial = {
        "slug": "test-1",
        "nct_id": "NCT00000001",
        "phase": "phase_3",
        "status": "completed",
        "start_date": "2015-09",
        "start_date_type": "actual",
        "primary_completion_date": datetime.date(2027, 3, 31),
        "primary_completion_date_type": "anticipated",
        "references": ["1000001"],
    }
    (root / "trials" / "test-1.yaml").write_text(dump_record(trial))
    load_dataset(root)
    loaded = Trial.objects.get()
    assert (loaded.start_date, loaded.start_date_precision) == (datetime.date(2015, 9, 1), "month")
    assert (loaded.primary_completion_date_precision, loaded.primary_completion_date_type) == ("day", "anticipated")
    assert dataset_records()["trials/test-1.yaml"] == trial


@pytest.mark.django_db
def test_a_month_that_does_not_exist_is_refused(tmp_path):
    root = _minimal_dataset(tmp_path / "data")
    (root / "trials" / "test-1.yaml").write_text(
        dump_record({"slug": "test-1", "nct_id": "NCT00000001", "phase": "phase_3", "start_date": "2015-13"})
    )
    with pytest.raises(DatasetError, match="start_date"):
        load_dataset(root)
    assert not Trial.objects.exists()


@pytest.mark.django_db
def test_duplicate_natural_keys_are_refused(tmp_path):
    root = _minimal_dataset(tmp_path / "data")
    (root / "trials" / "test-1-copy.yaml").write_text(
        dump_record({"slug": "test-1-copy", "nct_id": "NCT00000001", "phase": "phase_3"})
    )
    with pytest.raises(DatasetError, match="more than one file"):
        load_dataset(root)


@pytest.mark.django_db
def test_invalid_yaml_is_refused_with_the_file_named(tmp_path):
    root = _minimal_dataset(tmp_path / "data")
    (root / "drugs" / "broken.yaml").write_text("slug: [unclosed\n")
    with pytest.raises(DatasetError, match="broken.yaml: not valid YAML"):
        load_dataset(root)


@pytest.mark.django_db
def test_load_command_reports_counts_and_fails_cleanly(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    root = _minimal_dataset(tmp_path / "data")
    call_command("load_her2kb", data_dir=root)
    out = capsys.readouterr().out
    assert "references  created    1" in out
    (root / "drugs" / "broken.yaml").write_text("- not a mapping\n")
    with pytest.raises(CommandError, match="Nothing was loaded"):
        call_command("load_her2kb", data_dir=root)
