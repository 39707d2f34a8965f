"""The regulatory records' rules: products, companion diagnostics, designations, labels and events (clean() and the
querysets), and the migrations that create them."""

import datetime
import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from drugs.choices import Her2Category, WarningKind
from drugs.models import Approval, CompanionDiagnostic, Label, validate_companion_diagnostics

from .factories import (
    ApprovalDesignationFactory,
    ApprovalFactory,
    CompanionDiagnosticFactory,
    DrugFactory,
    LabelFactory,
    LabelWarningFactory,
    ProductFactory,
    RegulatoryEventFactory,
)

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


# ---- companion diagnostics ---------------------------------------------------------------------
@pytest.mark.parametrize("number", ["P990081", "P990081/S047", "K123456", "DEN200001"])
def test_an_fda_decision_number_is_a_pma_510k_or_de_novo_number(number):
    CompanionDiagnosticFactory.build(decision_number=number).full_clean()


@pytest.mark.parametrize("number", ["P99008", "P990081/S47", "PMA P990081", "p990081", "P990081-S047"])
def test_a_malformed_fda_decision_number_is_refused(number):
    with pytest.raises(ValidationError) as error:
        CompanionDiagnosticFactory.build(decision_number=number).full_clean()
    assert "PMA number P######" in str(error.value.message_dict["decision_number"])


def test_another_agencys_decision_number_is_free_text():
    CompanionDiagnosticFactory.build(agency="EMA", decision_number="EU/1/20/0001").full_clean()


def test_a_diagnostic_dated_in_the_future_is_refused():
    with pytest.raises(ValidationError) as error:
        CompanionDiagnosticFactory.build(date=TOMORROW).full_clean()
    assert "in the future" in str(error.value.message_dict["date"])


def test_an_unknown_scoring_rule_is_refused():
    with pytest.raises(ValidationError) as error:
        CompanionDiagnosticFactory.build(scoring_rule="her2_sometimes").full_clean()
    assert "scoring_rule" in error.value.message_dict


def test_a_diagnostic_links_only_approvals_of_its_agency():
    fda_test, ema_test = CompanionDiagnosticFactory(), CompanionDiagnosticFactory(agency="EMA")
    validate_companion_diagnostics("FDA", [fda_test])
    with pytest.raises(ValidationError, match=rf"{ema_test.slug} \(EMA\) is a decision of another agency"):
        validate_companion_diagnostics("FDA", [fda_test, ema_test])


def test_changing_the_agency_of_a_linked_diagnostic_or_approval_is_refused():
    approval = ApprovalFactory(agency="FDA")
    diagnostic = CompanionDiagnosticFactory(agency="FDA")
    approval.companion_diagnostics.add(diagnostic)
    diagnostic.agency = "EMA"
    with pytest.raises(ValidationError) as error:
        diagnostic.full_clean()
    assert "links only approvals of its own agency" in str(error.value.message_dict["agency"])
    approval.agency = "EMA"
    with pytest.raises(ValidationError, match="links only approvals of its own agency"):
        approval.full_clean()


def test_approvals_naming_an_approved_test_without_a_diagnostic_are_provenance_gaps():
    named = ApprovalFactory(indication="HER2-low cancer, as determined by an FDA-approved test")
    linked = ApprovalFactory(indication="HER2-low cancer, as detected by an FDA approved test")
    linked.companion_diagnostics.add(CompanionDiagnosticFactory())
    validated = ApprovalFactory(indication="ERBB2 mutations detected by a validated assay")
    ApprovalFactory(indication="HER2-positive breast cancer")
    unsourced = ApprovalFactory(sources=[])
    assert set(Approval.objects.without_companion_diagnostic()) == {named, validated}
    assert set(Approval.objects.with_provenance_gaps()) == {named, validated, unsourced}
    assert named.lacks_companion_diagnostic and not linked.lacks_companion_diagnostic


def test_qualified_by_finds_the_approvals_a_diagnostic_selects_patients_for():
    diagnostic = CompanionDiagnosticFactory()
    selected = ApprovalFactory()
    selected.companion_diagnostics.add(diagnostic, CompanionDiagnosticFactory())
    ApprovalFactory()
    assert list(Approval.objects.qualified_by(diagnostic.slug)) == [selected]
    assert list(CompanionDiagnostic.objects.for_drug(selected.drug.slug).order_by("slug"))[0] == diagnostic


# ---- products ----------------------------------------------------------------------------------
def test_an_approval_names_a_product_of_its_drug_and_agency():
    approval = ApprovalFactory(agency="FDA")
    approval.product = ProductFactory(drug=approval.drug, agency="FDA")
    approval.full_clean()
    approval.product = ProductFactory(drug=approval.drug, agency="EMA")
    with pytest.raises(ValidationError, match="authorised by EMA; this approval is by FDA"):
        approval.full_clean()
    approval.product = ProductFactory(agency="FDA")
    with pytest.raises(ValidationError, match="not of this drug"):
        approval.full_clean()


def test_a_product_needs_a_source():
    with pytest.raises(ValidationError) as error:
        ProductFactory.build(sources=[]).full_clean()
    assert "sources" in error.value.message_dict


def test_brands_group_one_molecules_products_by_brand_with_their_agencies():
    drug = DrugFactory()
    ProductFactory(drug=drug, brand_name="Zeta", agency="EMA")
    ProductFactory(drug=drug, brand_name="Alpha", agency="FDA")
    ProductFactory(drug=drug, brand_name="Alpha", agency="TGA")
    assert [(brand["brand_name"], [p.agency for p in brand["products"]]) for brand in drug.brands] == [
        ("Alpha", ["FDA", "TGA"]),
        ("Zeta", ["EMA"]),
    ]


# ---- designations ------------------------------------------------------------------------------
def test_an_agencys_own_programme_is_refused_for_another_agency():
    ApprovalDesignationFactory.build(approval=ApprovalFactory(agency="PMDA"), designation="sakigake").full_clean()
    with pytest.raises(ValidationError, match="SAKIGAKE is a programme of PMDA, not of FDA"):
        ApprovalDesignationFactory.build(approval=ApprovalFactory(agency="FDA"), designation="sakigake").full_clean()


def test_a_designation_is_recorded_once_per_approval():
    designation = ApprovalDesignationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalDesignationFactory(approval=designation.approval, designation=designation.designation)


def test_with_designation_finds_the_approvals_granted_it():
    granted = ApprovalDesignationFactory(designation="breakthrough_therapy").approval
    ApprovalDesignationFactory(designation="orphan")
    assert list(Approval.objects.with_designation("breakthrough_therapy")) == [granted]


def test_designations_are_listed_in_the_order_of_the_vocabulary():
    approval = ApprovalFactory()
    for designation in ["orphan", "priority_review", "breakthrough_therapy"]:
        ApprovalDesignationFactory(approval=approval, designation=designation)
    listed = [row.designation for row in Approval.objects.prefetch_related("designations").get().designation_list]
    assert listed == ["priority_review", "breakthrough_therapy", "orphan"]


# ---- labels and warnings -----------------------------------------------------------------------
@pytest.mark.parametrize("revised", ["2024-11", "2024-11-05"])
def test_a_label_revision_is_a_month_or_a_day(revised):
    LabelFactory.build(drug=DrugFactory(), revised=revised).full_clean()


@pytest.mark.parametrize("revised", ["2024", "11/2024", "2024-13", "2024-02-30", f"{TOMORROW:%Y-%m-%d}"])
def test_a_malformed_or_future_label_revision_is_refused(revised):
    with pytest.raises(ValidationError) as error:
        LabelFactory.build(drug=DrugFactory(), revised=revised).full_clean()
    assert "revised" in error.value.message_dict


def test_a_set_id_belongs_to_a_dailymed_label_and_is_a_uuid():
    drug = DrugFactory()
    LabelFactory.build(drug=drug, set_id="7e67e73e-ddf4-4e4d-8b50-09d7514910b6").full_clean()
    with pytest.raises(ValidationError) as error:
        LabelFactory.build(drug=drug, set_id="not-a-set-id").full_clean()
    assert "lowercase UUID" in str(error.value.message_dict["set_id"])
    with pytest.raises(ValidationError) as error:
        LabelFactory.build(drug=drug, document="epar_smpc", set_id="7e67e73e-ddf4-4e4d-8b50-09d7514910b6").full_clean()
    assert "DailyMed label" in str(error.value.message_dict["set_id"])


def test_a_drug_has_one_label_per_agency():
    label = LabelFactory()
    with pytest.raises(ValidationError, match="already has a label of this agency"):
        Label(
            drug=label.drug,
            agency=label.agency,
            document="dailymed_spl",
            url="https://e.org",
            sources=["https://e.org"],
        ).full_clean()


def test_a_label_separates_boxed_warnings_from_the_others_in_label_order():
    label = LabelFactory()
    precaution = LabelWarningFactory(label=label, position=1, kind=WarningKind.WARNING_PRECAUTION)
    boxed = LabelWarningFactory(label=label, position=2)
    label = Label.objects.prefetch_related("warnings").get()
    assert label.boxed_warnings == [boxed] and label.key_warnings == [precaution]
    assert list(Label.objects.with_warning(kind="boxed_warning", topic="cardiomyopathy")) == [label]
    assert not Label.objects.with_warning(kind="contraindication").exists()


def test_a_warning_added_in_the_future_is_refused():
    with pytest.raises(ValidationError) as error:
        LabelWarningFactory.build(label=LabelFactory(), date_added=TOMORROW).full_clean()
    assert "date_added" in error.value.message_dict


def test_history_keeps_when_a_boxed_warning_was_added_and_changed():
    warning = LabelWarningFactory()
    warning.statement = "Reworded test boxed warning."
    warning.save()
    assert [record.history_type for record in warning.history.order_by("history_date")] == ["+", "~"]
    assert warning.history.earliest("history_date").statement.startswith("Test boxed warning statement")


# ---- events ------------------------------------------------------------------------------------
def test_an_event_in_the_future_or_with_another_drugs_product_is_refused():
    with pytest.raises(ValidationError) as error:
        RegulatoryEventFactory.build(drug=DrugFactory(), date=TOMORROW).full_clean()
    assert "date" in error.value.message_dict
    drug = DrugFactory()
    with pytest.raises(ValidationError) as error:
        RegulatoryEventFactory.build(drug=drug, product=ProductFactory()).full_clean()
    assert "not a product of this drug" in str(error.value.message_dict["product"])


def test_negative_events_are_told_apart():
    assert RegulatoryEventFactory(event_type="negative_opinion").is_negative
    assert not RegulatoryEventFactory(event_type="interchangeability").is_negative


# ---- HER2-expressing -----------------------------------------------------------------------------
def test_her2_expressing_approvals_apply_to_her2_low_and_ihc3_patients_not_to_all_her2_positive():
    expressing = ApprovalFactory(her2_category=Her2Category.EXPRESSING)
    assert expressing in Approval.objects.for_her2_status(Her2Category.LOW)
    assert expressing in Approval.objects.for_her2_status(Her2Category.IHC3_POSITIVE)
    assert expressing not in Approval.objects.for_her2_status(Her2Category.POSITIVE)
    statuses = {row["her2_status"] for row in Approval.objects.indications()}
    assert statuses == {Her2Category.LOW, Her2Category.IHC3_POSITIVE}


# ---- migrations ----------------------------------------------------------------------------------
REGULATORY_TABLES = {
    "drugs_product",
    "drugs_companiondiagnostic",
    "drugs_label",
    "drugs_labelwarning",
    "drugs_regulatoryevent",
    "drugs_approvaldesignation",
    "drugs_approval_companion_diagnostics",
    "trials_outcomesource",
}


@pytest.mark.django_db(databases=[])
def test_the_regulatory_migrations_apply_and_reverse(tmp_path):
    """Forwards, back to before the regulatory records, and forwards again, on a database of the test's own."""
    database = tmp_path / "migrations.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "1", "REDIS_URL": ""}

    def migrate(*args: str) -> set[str]:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", *args, "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            timeout=300,
        )
        with sqlite3.connect(database) as db:
            return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    assert REGULATORY_TABLES <= migrate()
    migrate("drugs", "0010_filter_indexes")
    assert not REGULATORY_TABLES & migrate("trials", "0007_filter_indexes")
    assert REGULATORY_TABLES <= migrate()


def test_curators_edit_the_regulatory_records_and_only_editors_delete_them():
    curators = set(Group.objects.get(name="Curators").permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    for model in ["product", "companiondiagnostic", "label", "labelwarning", "regulatoryevent", "outcomesource"]:
        assert {f"view_{model}", f"add_{model}", f"change_{model}"} <= curators
        assert f"delete_{model}" not in curators and f"delete_{model}" in editors
