"""
Full-text search behaves the same on PostgreSQL (stored tsvector documents) and on the embedded SQLite (FTS5 tables
kept by triggers): words, stemmed, whole, every one of them, in any part of the record; and the document follows
every write, however it is made.
"""

import re

import pytest
from django.conf import settings
from django.db import connections

from drugs.models import Approval, Drug
from drugs.models.approval import APPROVAL_DOCUMENT
from drugs.models.drug import DRUG_DOCUMENT
from drugs.tests.factories import ApprovalFactory, DrugFactory
from her2kb.fulltext import SEARCH_DOCUMENTS, ensure_sqlite_search_tables
from references.models import REFERENCE_DOCUMENT, Reference
from references.tests.factories import ReferenceFactory
from trials.models import TRIAL_DOCUMENT, Trial
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db


def _found(text: str, using: str = "default") -> set[str]:
    return {reference.title for reference in Reference.objects.using(using).search(text)}


def test_words_are_stemmed():
    ReferenceFactory(title="Cardiotoxicity of fakeximab", abstract="")

    assert _found("cardiotoxicities") == {"Cardiotoxicity of fakeximab"}


def test_every_word_must_be_there_in_any_order_and_any_part():
    ReferenceFactory(title="Fakeximab in fakeoma", abstract="Given weekly.")
    ReferenceFactory(title="Fakeximab alone", abstract="Given monthly.")

    assert _found("weekly fakeximab") == {"Fakeximab in fakeoma"}


def test_stop_words_are_left_out_of_the_query():
    ReferenceFactory(title="Fakeximab in fakeoma", abstract="")

    assert _found("fakeximab for the fakeoma") == {"Fakeximab in fakeoma"}


def test_a_quoted_phrase_keeps_its_words_together_and_a_minus_excludes():
    ReferenceFactory(title="A fake conjugate in fakeoma", abstract="")
    ReferenceFactory(title="Conjugate of a fake kind, with placebo", abstract="")

    assert _found('"fake conjugate"') == {"A fake conjugate in fakeoma"}
    assert _found("fake conjugate -placebo") == {"A fake conjugate in fakeoma"}


def test_part_of_a_word_in_prose_is_no_match():
    ReferenceFactory(title="Fakeximab in fakeoma", abstract="")

    assert _found("fakexi") == set()


def test_the_title_weighs_more_than_the_abstract():
    in_abstract = ReferenceFactory(title="Another study", abstract="Patients received fakeximab weekly.")
    in_title = ReferenceFactory(title="Fakeximab in fakeoma", abstract="")

    assert list(Reference.objects.search("fakeximab")) == [in_title, in_abstract]


def test_the_document_follows_saves_updates_bulk_writes_and_deletes():
    saved = ReferenceFactory(title="Fakeximab in fakeoma", abstract="")
    assert _found("fakeoma") == {saved.title}

    Reference.objects.filter(pk=saved.pk).update(title="Fakeximab in pseudoma")  # no save(): the database follows
    assert _found("fakeoma") == set() and _found("pseudoma") == {"Fakeximab in pseudoma"}

    Reference.objects.bulk_create([ReferenceFactory.build(pmid="99999901", title="Bulk pseudoma", abstract="")])
    assert _found("pseudoma") == {"Fakeximab in pseudoma", "Bulk pseudoma"}

    Reference.objects.filter(title="Bulk pseudoma").delete()
    assert _found("pseudoma") == {"Fakeximab in pseudoma"}


def test_every_searched_kind_has_its_document():
    DrugFactory(name="fakeximab", mechanism="Blocks the fakeceptor.")
    TrialFactory(title="Fakeximab in fakeoma", conditions=["Fakeoma"])
    ApprovalFactory(indication="Adults with unresectable fakeoma")

    assert Drug.objects.search("fakeceptors").exists()
    assert Trial.objects.search("fakeomas").exists()
    assert Approval.objects.search("unresectable fakeomas").exists()


# ---- SQLite: the FTS5 tables and their triggers ---------------------------------------------------------------------


# The SQLite database: the default one, or, where the tests run on PostgreSQL, the embedded one beside it (settings:
# "embedded"), so that both runs test the triggers.
SQLITE = "embedded" if "embedded" in settings.DATABASES else "default"
on_sqlite = pytest.mark.django_db(databases=sorted({"default", SQLITE}))


def _collapsed(sql: str) -> str:
    return " ".join(re.sub(r"\s+", " ", sql).replace("( ", "(").replace(" )", ")").split())


@on_sqlite
def test_the_migrations_made_the_triggers_the_documents_declare():
    assert {document.table for document in SEARCH_DOCUMENTS} == {
        DRUG_DOCUMENT.table,
        APPROVAL_DOCUMENT.table,
        TRIAL_DOCUMENT.table,
        REFERENCE_DOCUMENT.table,
    }
    with connections[SQLITE].cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = {name: _collapsed(sql) for name, sql in cursor.fetchall()}
    for document in SEARCH_DOCUMENTS:
        declared = [_collapsed(sql) for sql in document.sqlite_trigger_sql()]
        assert [triggers.get(name) for name in document.trigger_names] == declared, document.table


@on_sqlite
def test_triggers_lost_to_a_rebuilt_table_come_back_with_the_rows_indexed_afresh():
    reference = ReferenceFactory.build(title="Fakeximab in fakeoma", abstract="")
    reference.save(using=SQLITE)
    with connections[SQLITE].cursor() as cursor:
        # What Django's SQLite schema editor does to a table it alters: the triggers go with the old table.
        for name in REFERENCE_DOCUMENT.trigger_names:
            cursor.execute(f'DROP TRIGGER "{name}"')
    Reference.objects.using(SQLITE).filter(pk=reference.pk).update(title="Fakeximab in pseudoma")
    assert _found("pseudoma", using=SQLITE) == set()  # the document no longer follows

    assert ensure_sqlite_search_tables(using=SQLITE) == [REFERENCE_DOCUMENT.fts_table]

    assert _found("pseudoma", using=SQLITE) == {"Fakeximab in pseudoma"} and _found("fakeoma", using=SQLITE) == set()
    assert ensure_sqlite_search_tables(using=SQLITE) == []  # nothing amiss: nothing done
