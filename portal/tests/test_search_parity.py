"""
The embedded SQLite (FTS5) and PostgreSQL (tsvector) find the same records for the same queries on the curated
dataset. Runs where the tests run on PostgreSQL, with the embedded database beside it (settings: "embedded").
"""

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers

from curation.dataset import load_dataset
from drugs.models import Approval, Drug
from references.models import Reference
from trials.models import Trial

pytestmark = [
    pytest.mark.django_db(databases=["default", "embedded"] if "embedded" in settings.DATABASES else ["default"]),
    pytest.mark.skipif("embedded" not in settings.DATABASES, reason="compares PostgreSQL with SQLite: needs both"),
]

# What clinicians type (issue 16's questions), codes written every way, partial identifiers, words of the prose.
QUERIES = [
    "trastuzumab deruxtecan",
    "T-DXd",
    "tdxd",
    "DS8201",
    "DS-8201a",
    "ds 8201",
    "Enhertu",
    "HER2-low",
    "HER2 low",
    "HER2-ultralow",
    "gastric",
    "trastuzumab gastric",
    "gastroesophageal junction adenocarcinoma",
    "DESTINY-Breast04",
    "destiny breast04",
    "DESTINY-B",
    "NCT03734029",
    "ILD",
    "interstitial lung disease",
    "cardiotoxicity",
    "left ventricular dysfunction",
    "embryo-fetal toxicity",
    "tucatinib",
    "tucatinib capecitabine",
    "pertuzumab",
    "margetuximab",
    "zanidatamab biliary",
    "neratinib extended adjuvant",
    "T-DM1",
    "trastuzumab emtansine",
    "KATHERINE",
    "brain metastases",
    "overall survival",
    "progression-free survival",
    "lapatinib -capecitabine",
    '"breast cancer"',
    "ovarian or endometrial",
    "biosimilar",
]
SEARCHED = {
    "drugs": (Drug, "slug"),
    "approvals": (Approval, "pk"),
    "trials": (Trial, "slug"),
    "references": (Reference, "pmid"),
}


@pytest.fixture
def curated_on_both():
    load_dataset()
    models = [
        model
        for model in apps.get_models()
        if model._meta.app_label in {"drugs", "trials", "references"} and not model.__name__.startswith("Historical")
    ]
    # Every row of the three apps' tables, written to the embedded database as they are (the same keys). Its foreign
    # keys are checked at commit, so the order of the rows does not matter.
    objects = [obj for model in models for obj in model._base_manager.order_by("pk")]
    for row in serializers.deserialize("python", serializers.serialize("python", objects), using="embedded"):
        row.save(using="embedded")


def test_both_databases_find_the_same_records_for_every_query(curated_on_both):
    differences, answered = [], {kind: 0 for kind in SEARCHED}
    for query in QUERIES:
        for kind, (model, key) in SEARCHED.items():
            on = {
                database: set(model.objects.using(database).search(query).values_list(key, flat=True))
                for database in ("default", "embedded")
            }
            if on["default"] != on["embedded"]:
                differences.append((query, kind, on["default"] - on["embedded"], on["embedded"] - on["default"]))
            answered[kind] += bool(on["default"])

    assert differences == []
    # Not a comparison of nothings: every kind is found by several of the queries.
    assert all(count >= 3 for count in answered.values()), answered
