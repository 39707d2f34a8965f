"""The curated dataset: its files are well-formed and sourced, and load/export are lossless and safe."""

import datetime
import re
import shutil
from pathlib import Path

import pytest
import yaml

from curation.dataset import (
    DEFAULT_DATA_DIR,
    RECORD_KINDS,
    DatasetError,
    dataset_records,
    dump_record,
    export_dataset,
    load_dataset,
)
from drugs.models import Approval, CompanionDiagnostic, Drug, Label, LabelWarning, Product, RegulatoryEvent
from references.models import Reference
from trials.models import Outcome, Trial

PMID = re.compile(r"^[1-9][0-9]{0,8}$")
NCT = re.compile(r"^NCT[0-9]{8}$")
DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")


def records(kind: str) -> list[tuple[Path, dict]]:
    return [(path, yaml.safe_load(path.read_text())) for path in sorted((DEFAULT_DATA_DIR / kind).rglob("*.yaml"))]


# ---- The files themselves (no database) -------------------------------------------------------
def test_dataset_has_records_of_every_kind():
    for kind in RECORD_KINDS:
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


def test_every_outcome_cites_a_reference_or_a_source():
    for path, record in records("trials"):
        for outcome in record.get("outcomes") or []:
            assert outcome.get("references") or outcome.get("sources"), (
                f"{path}: outcome {outcome['endpoint']} cites no reference or source"
            )


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


def _queries_of_an_unchanged_load(data_dir: Path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    load_dataset(data_dir)
    with CaptureQueriesContext(connection) as queries:
        assert not load_dataset(data_dir).changed
    return len(queries)


@pytest.mark.django_db
def test_an_unchanged_load_runs_the_same_queries_however_many_records(tmp_path):
    """Files are compared with rows read once per table, not with a query (or several) per record."""
    shutil.copytree(DEFAULT_DATA_DIR, tmp_path / "data")
    before = _queries_of_an_unchanged_load(tmp_path / "data")
    approvals = sorted((tmp_path / "data" / "approvals").rglob("*.yaml"))
    for number, path in enumerate(approvals[:20], start=1):
        record = yaml.safe_load(path.read_text())
        record["indication"] = f"{record['indication']} (test copy {number})"
        path.with_name(f"{path.stem}-copy-{number}.yaml").write_text(dump_record(record))
    assert _queries_of_an_unchanged_load(tmp_path / "data") == before
    assert before < 60


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
    RegulatoryEvent.objects.all().delete()
    Label.objects.all().delete()
    Approval.objects.all().delete()
    CompanionDiagnostic.objects.all().delete()
    Product.objects.all().delete()
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
def test_a_load_records_one_version_per_record_with_its_links_as_loaded(tmp_path):
    shutil.copytree(DEFAULT_DATA_DIR, tmp_path / "data")
    load_dataset(tmp_path / "data")
    approval = Approval.objects.filter(pivotal_trials__isnull=False).distinct().first()
    versions = list(approval.history.all())
    assert [version.history_type for version in versions] == ["+"]
    assert set(versions[0].pivotal_trials.values_list("trial_id", flat=True)) == set(
        approval.pivotal_trials.values_list("pk", flat=True)
    )
    assert Approval.history.count() == Approval.objects.count()
    assert Outcome.history.count() == Outcome.objects.count()

    drug_file = tmp_path / "data" / "drugs" / f"{approval.drug.slug}.yaml"
    record = yaml.safe_load(drug_file.read_text())
    record["notes"] = "Changed in the file."
    drug_file.write_text(dump_record(record))
    load_dataset(tmp_path / "data")
    assert [version.history_type for version in approval.drug.history.all()] == ["~", "+"]

    # Nothing of the load's held-back history stays on the records: a later edit is recorded as usual.
    drug = Drug.objects.get(pk=approval.drug.pk)
    drug.notes = "Edited by hand."
    drug.save()
    assert drug.history.count() == 3


@pytest.mark.django_db
def test_a_row_the_database_refuses_is_named_by_its_file_and_nothing_is_written(tmp_path):
    """Unique constraints are checked by the database on the fast path; the careful reload names the file."""
    root = _minimal_dataset(tmp_path / "data")
    (root / "drugs" / "testuzumab-again.yaml").write_text(
        dump_record({"slug": "testuzumab-again", "name": "testuzumab", "drug_class": "monoclonal_antibody"})
    )
    with pytest.raises(DatasetError, match=r"drugs/testuzumab\.yaml: name: Drug with this Name already exists"):
        load_dataset(root)
    assert not Drug.objects.exists() and not Reference.objects.exists()


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


APPROVAL = "approvals/testuzumab/fda-2020-01-01-breast.yaml"
APPROVAL_HEAD = (
    "drug: testuzumab\nagency: FDA\nindication: x\ntumour_type: breast\nsetting: metastatic\n"
    "sources: [https://example.org]\nno_pivotal_trial_reason: x\n"
)
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
# Each hostile file: where it goes, its bytes, and what the refusal must say (besides the file's name).
HOSTILE_FILES = [
    ("duplicate key", "drugs/testuzumab.yaml", b"slug: testuzumab\nname: a\nname: b\ndrug_class: tki\n", "'name'"),
    ("impossible date", APPROVAL, (APPROVAL_HEAD + "date: 2020-13-45\n").encode(), "field 'date', line 8"),
    ("not UTF-8", "drugs/testuzumab.yaml", b"slug: testuzumab\nname: caf\xe9\ndrug_class: tki\n", "not UTF-8"),
    ("deep nesting", "drugs/testuzumab.yaml", b"slug: testuzumab\nsynonyms: " + b"[" * 5000 + b"]" * 5000, "deeper"),
    ("alias bomb", "drugs/testuzumab.yaml", ALIAS_BOMB.encode(), "alias"),
    ("text field too long", "references/1000001.yaml", b"pmid: '1000001'\ntitle: " + b"x" * 100_001, "field 'title'"),
    ("file too large", "references/1000001.yaml", b"pmid: '1000001'\n# " + b"x" * 1024 * 1024, "bytes; at most"),
    ("list for a text field", "drugs/testuzumab.yaml", b"slug: testuzumab\nname: [a, b]\ndrug_class: tki\n", "name"),
    (
        "mapping for a link",
        APPROVAL,
        (APPROVAL_HEAD + "date: 2020-01-01\n").replace("drug: testuzumab", "drug: {a: 1}").encode(),
        "drug",
    ),
    ("key that is not text", "drugs/testuzumab.yaml", b"slug: testuzumab\n2020: x\ndrug_class: tki\n", "not text"),
    (
        "an outcome's bad date",
        "trials/test-1.yaml",
        b"slug: test-1\nphase: phase_3\noutcomes:\n- endpoint: os\n  data_cutoff: 2020-02-30\n",
        "field 'outcomes[0].data_cutoff', line 5",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("relative", "content", "message"), [case[1:] for case in HOSTILE_FILES], ids=[case[0] for case in HOSTILE_FILES]
)
def test_a_hostile_file_is_refused_with_file_field_and_reason_and_nothing_written(tmp_path, relative, content, message):
    root = _minimal_dataset(tmp_path / "data")
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_bytes(content)
    with pytest.raises(DatasetError) as error:
        load_dataset(root)
    assert str(error.value).startswith(str(root / relative) + ": ")
    assert message in str(error.value)
    assert not Reference.objects.exists() and not Drug.objects.exists() and not Trial.objects.exists()


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


# ---- The regulatory records: products, diagnostics, designations, labels, events, outcome sources --------------
# Obviously fake records in canonical export form (field order, sorted lists), one of every kind and field.
REGULATORY_FILES = {
    "references/1000001.yaml": {"pmid": "1000001", "title": "Test article"},
    "targets/HER2.yaml": {
        "symbol": "HER2",
        "name": "Test receptor",
        "gene_symbol": "ERBB2",
        "hgnc_id": "HGNC:1",
        "entrez_gene_id": 1,
        "sources": ["https://example.org/gene"],
    },
    "drugs/testuzumab.yaml": {
        "slug": "testuzumab",
        "name": "testuzumab",
        "drug_class": "monoclonal_antibody",
        "targets": ["HER2"],
        "development_status": "approved",
        "atc_code": "L01XX99",
        "rxnorm_cui": "1",
        "sources": ["https://example.org/drug"],
    },
    "products/testra-us.yaml": {
        "slug": "testra-us",
        "drug": "testuzumab",
        "brand_name": "Testra",
        "agency": "FDA",
        "holder": "Test Pharma, Inc.",
        "authorisation_number": "BLA 000001",
        "sources": ["https://example.org/product"],
    },
    "diagnostics/test-cdx-fda.yaml": {
        "slug": "test-cdx-fda",
        "name": "Test HER2 assay",
        "manufacturer": "Test Diagnostics",
        "technology": "ihc",
        "specimen": "Test tissue",
        "agency": "FDA",
        "decision_number": "P000001/S001",
        "date": datetime.date(2020, 1, 2),
        "scoring_rule": "her2_low",
        "scoring_rule_text": "HER2-low as the test decision words it",
        "sources": ["https://example.org/cdx"],
    },
    "trials/test-1.yaml": {
        "slug": "test-1",
        "nct_id": "NCT00000001",
        "phase": "phase_3",
        "status": "completed",
        "references": ["1000001"],
        "outcomes": [
            {
                "endpoint": "pfs",
                "is_primary": True,
                "population": "ITT",
                "analysis": "primary analysis",
                "data_cutoff": datetime.date(2019, 6, 30),
                "experimental_value": 30.1,
                "control_value": 20.2,
                "value_unit": "weeks",
                "sources": [
                    {"kind": "label", "url": "https://example.org/label", "title": "Test label", "section": "14.1"},
                    {
                        "kind": "conference_abstract",
                        "url": "https://example.org/abstract",
                        "meeting": "Test Congress 2019",
                        "abstract_number": "LBA0",
                        "doi": "10.0000/test.1",
                    },
                ],
            },
            {
                "endpoint": "orr",
                "population": "ITT",
                "experimental_value": 1.5,
                "value_unit": "ratio",
                "references": ["1000001"],
            },
        ],
    },
    "approvals/testuzumab/fda-2020-01-02-breast.yaml": {
        "drug": "testuzumab",
        "agency": "FDA",
        "date": datetime.date(2020, 1, 2),
        "approval_type": "accelerated",
        "application_number": "BLA 000001",
        "product": "testra-us",
        "indication": "HER2-low test cancer, as determined by an FDA-approved test",
        "tumour_type": "breast",
        "her2_category": "expressing",
        "setting": "metastatic",
        "companion_diagnostics": ["test-cdx-fda"],
        "pivotal_trials": ["NCT00000001"],
        "designations": [
            {"designation": "priority_review", "source": "https://example.org/priority"},
            {"designation": "rtor", "source": "https://example.org/rtor"},
        ],
        "sources": ["https://example.org/approval"],
    },
    "labels/testuzumab/FDA.yaml": {
        "drug": "testuzumab",
        "agency": "FDA",
        "product": "testra-us",
        "document": "dailymed_spl",
        "url": "https://example.org/label",
        "set_id": "00000000-0000-0000-0000-000000000001",
        "revised": datetime.date(2020, 2, 3),
        "warnings": [
            {
                "kind": "warning_precaution",
                "topic": "other",
                "statement": "A test precaution listed first.",
                "section": "5.1",
                "source": "https://example.org/label",
            },
            {
                "kind": "boxed_warning",
                "topic": "cardiomyopathy",
                "statement": "A test boxed warning.",
                "section": "Boxed Warning",
                "date_added": datetime.date(2020, 2, 3),
                "source": "https://example.org/label",
            },
        ],
        "sources": ["https://example.org/label"],
    },
    "labels/testuzumab/HC.yaml": {
        "drug": "testuzumab",
        "agency": "HC",
        "document": "hc_monograph",
        "url": "https://example.org/monograph",
        "revised": "2021-05",
        "sources": ["https://example.org/monograph"],
    },
    "events/testuzumab/fda-2019-01-02-complete_response_letter.yaml": {
        "drug": "testuzumab",
        "agency": "FDA",
        "date": datetime.date(2019, 1, 2),
        "event_type": "complete_response_letter",
        "product": "testra-us",
        "description": "A test complete response letter.",
        "sources": ["https://example.org/crl"],
    },
}


def _write(root: Path, files: dict[str, dict]) -> Path:
    for relative, record in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(dump_record(record), encoding="utf-8")
    return root


@pytest.mark.django_db
def test_regulatory_records_round_trip_byte_for_byte(tmp_path):
    source = _write(tmp_path / "in", REGULATORY_FILES)
    first = load_dataset(source)
    assert first.counts["designations"]["created"] == 2
    assert first.counts["warnings"]["created"] == 2
    assert first.counts["outcome sources"]["created"] == 2
    export_dataset(tmp_path / "out")
    for relative in REGULATORY_FILES:
        written = (tmp_path / "out" / relative).read_text(encoding="utf-8")
        assert written == (source / relative).read_text(encoding="utf-8"), relative
    extra = {str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.yaml")} - set(REGULATORY_FILES)
    assert all(path.startswith("targets/") for path in extra)  # the receptors the migrations create
    assert not load_dataset(source).changed


@pytest.mark.django_db
def test_regulatory_records_load_with_their_links(tmp_path):
    load_dataset(_write(tmp_path / "data", REGULATORY_FILES))
    approval = Approval.objects.get()
    assert approval.product.brand_name == "Testra"
    assert [cdx.slug for cdx in approval.companion_diagnostics.all()] == ["test-cdx-fda"]
    assert [row.designation for row in approval.designation_list] == ["priority_review", "rtor"]
    label = Label.objects.get(agency="FDA")
    assert [warning.kind for warning in label.warnings.all()] == ["warning_precaution", "boxed_warning"]
    assert label.revised == "2020-02-03" and Label.objects.get(agency="HC").revised == "2021-05"
    outcome = Trial.objects.get().outcomes.get(endpoint="pfs")
    assert [source.citation for source in outcome.sources.all()] == [
        "Test label, section 14.1",
        "Test Congress 2019, abstract LBA0",
    ]
    assert outcome.value_unit == "weeks" and str(outcome.data_cutoff) == "2019-06-30"
    assert RegulatoryEvent.objects.get().product == approval.product


@pytest.mark.django_db
def test_a_warning_removed_from_a_label_file_is_deleted(tmp_path):
    root = _write(tmp_path / "data", REGULATORY_FILES)
    load_dataset(root)
    label = dict(REGULATORY_FILES["labels/testuzumab/FDA.yaml"])
    label["warnings"] = label["warnings"][1:]
    _write(root, {"labels/testuzumab/FDA.yaml": label})
    report = load_dataset(root)
    assert report.counts["warnings"]["deleted"] == 1
    assert [warning.kind for warning in LabelWarning.objects.all()] == ["boxed_warning"]


def _changed(relative: str, **changes) -> dict[str, dict]:
    return {**REGULATORY_FILES, relative: {**REGULATORY_FILES[relative], **changes}}


CDX = "diagnostics/test-cdx-fda.yaml"
APPROVAL = "approvals/testuzumab/fda-2020-01-02-breast.yaml"
LABEL = "labels/testuzumab/FDA.yaml"
TRIAL = "trials/test-1.yaml"
EVENT = "events/testuzumab/fda-2019-01-02-complete_response_letter.yaml"
OTHER_PRODUCT = {
    "products/testra-eu.yaml": {
        "slug": "testra-eu",
        "drug": "testuzumab",
        "brand_name": "Testra",
        "agency": "EMA",
        "sources": ["https://example.org/eu"],
    }
}
EMA_CDX = {
    "diagnostics/test-cdx-ema.yaml": {
        **REGULATORY_FILES[CDX],
        "slug": "test-cdx-ema",
        "agency": "EMA",
        "decision_number": "EU-0001",
    }
}
OUTCOME = REGULATORY_FILES[TRIAL]["outcomes"][0]
BAD_REGULATORY_FILES = [
    (_changed(CDX, scoring_rule="her2_sometimes"), CDX, "scoring_rule"),
    (_changed(CDX, decision_number="PMA 99"), CDX, "decision_number"),
    (_changed(CDX, date=datetime.date(2999, 1, 1)), CDX, "future"),
    ({**_changed(APPROVAL, companion_diagnostics=["test-cdx-ema"]), **EMA_CDX}, APPROVAL, "companion_diagnostics"),
    (_changed(APPROVAL, companion_diagnostics=["no-such-test"]), APPROVAL, "no-such-test"),
    ({**_changed(APPROVAL, product="testra-eu"), **OTHER_PRODUCT}, APPROVAL, "product"),
    (
        _changed(APPROVAL, designations=[{"designation": "sakigake", "source": "https://example.org/s"}]),
        APPROVAL,
        "designation",
    ),
    (
        _changed(APPROVAL, designations=[{"designation": "orphan", "source": "https://example.org/o"}] * 2),
        APPROVAL,
        "repeats",
    ),
    (_changed(LABEL, document="epar_smpc"), LABEL, "set_id"),
    (_changed(LABEL, revised="2024-13"), LABEL, "revised"),
    (
        _changed(
            LABEL, warnings=[{"kind": "black_box", "topic": "other", "statement": "x", "source": "https://e.org"}]
        ),
        LABEL,
        "kind",
    ),
    (
        _changed(TRIAL, outcomes=[{key: value for key, value in OUTCOME.items() if key != "sources"}]),
        TRIAL,
        "cites no reference or source",
    ),
    (
        _changed(TRIAL, outcomes=[{**OUTCOME, "sources": [{"kind": "conference_abstract", "url": "https://e.org/a"}]}]),
        TRIAL,
        "meeting",
    ),
    ({**_changed(EVENT, product="testra-eu"), **OTHER_PRODUCT}, EVENT, "product"),
    (_changed(EVENT, event_type="rejection"), EVENT, "event_type"),
    (
        {
            **REGULATORY_FILES,
            "events/testuzumab/fda-2019-01-02-complete_response_letter-2.yaml": REGULATORY_FILES[EVENT],
        },
        "events/testuzumab/fda-2019-01-02-complete_response_letter-2.yaml",
        "same drug, agency, date, event type and indication",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("files", "relative", "message"), BAD_REGULATORY_FILES)
def test_a_bad_regulatory_record_is_refused_naming_file_and_field_and_nothing_is_written(
    tmp_path, files, relative, message
):
    root = _write(tmp_path / "data", files)
    with pytest.raises(DatasetError) as error:
        load_dataset(root)
    assert relative.split("/")[-1] in str(error.value)
    assert message.lower() in str(error.value).lower()
    for model in (Drug, Product, CompanionDiagnostic, Approval, Label, RegulatoryEvent, Trial, Reference):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_a_companion_diagnostic_of_another_agency_is_refused_with_a_clear_message(tmp_path):
    files = {**_changed(APPROVAL, companion_diagnostics=["test-cdx-ema"]), **EMA_CDX}
    with pytest.raises(DatasetError) as error:
        load_dataset(_write(tmp_path / "data", files))
    assert str(error.value) == (
        f"{tmp_path / 'data' / APPROVAL}: companion_diagnostics: A companion diagnostic links only approvals of its "
        "own agency: test-cdx-ema (EMA) is a decision of another agency than this FDA approval."
    )
