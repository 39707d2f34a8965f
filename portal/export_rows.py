"""
How the bulk export reads its long lists (references, outcomes, trials, approvals): as plain rows, not as querysets
with prefetches.

Read through the ORM, a list of 200,000 references spends most of its time in Django's machinery rather than in the
database: every record built field by field, and for every chunk one prefetch query per relation with the chunk's
keys spelled out in it, each record given its related managers and querysets. Here a list is one query for its
records (foreign keys joined in) and one per relation, all in the same order, the list's own: the relations' rows
arrive grouped by record, in the order of the records, and each record takes its groups as it passes (a merge
join). A constant number of queries, no keys sent back to the database, memory bounded by a chunk.

The records are still model instances, with their relations where the serializers and the models' properties look
for them (`listed_<relation>`, the related manager's prefetch cache, the foreign key's cache), so the endpoints'
own serializers render them and the file stays what the endpoints show. Related records are read with the fields
their summaries show (each model's SUMMARY_FIELDS, as `prefetch_listed` reads them); a field left out would be read
by Django, one query per record, which the export's constant-query test notices.

Each list's order ends with its primary key, so it is total: the relations' queries can follow it exactly, and two
builds of the same data write the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import models
from django.db.models.base import ModelState
from django.db.models.expressions import OrderBy
from django.db.models.functions import Cast

from drugs.models import (
    Approval,
    Drug,
)
from her2kb.models import listed
from references.models import Reference
from trials.models import Outcome, Trial

Ordering = Callable[[str], list[str | OrderBy]]
# Rows fetched from the database at a time, per query.
CHUNK_SIZE = 2000


def meta_ordering(model: type[models.Model]) -> Ordering:
    """The model's default order, then its key: for the records' query (prefix "") or a relation's ("trial__")."""
    return lambda prefix: [*prefixed(model._meta.ordering, prefix), f"{prefix}pk"]


def prefixed(ordering: Iterable[str], prefix: str) -> list[str]:
    """`ordering` (field names, "-" for descending) for the model reached through `prefix`."""
    return [f"-{prefix}{name[1:]}" if name.startswith("-") else f"{prefix}{name}" for name in ordering]


@dataclass(frozen=True)
class Joined:
    """A foreign key of the records (or of related rows), joined into their query, its target read as a summary."""

    name: str
    then: tuple[str, ...] = ()  # foreign keys of the target, joined too (a product's drug)


@dataclass(frozen=True)
class Related:
    """A relation of the records, read in one query in the records' order; its rows become model instances, each
    with `joined` foreign keys."""

    name: str
    joined: tuple[Joined, ...] = ()


@dataclass(frozen=True)
class ListRows:
    """How one list of the export is read: its records' order, the foreign keys joined in, the relations."""

    model: type[models.Model]
    order: Ordering
    joined: tuple[Joined, ...] = ()
    related: tuple[Related, ...] = ()


LISTS: dict[str, ListRows] = {
    "drugs": ListRows(
        Drug,
        order=meta_ordering(Drug),
        joined=(Joined("biosimilar_of"),),
        related=(
            Related("targets"),
            Related("components"),
            Related("approvals"),
            Related("products"),
            Related("labels"),
            Related("events"),
            Related("trial_roles", joined=(Joined("trial"),)),
            Related("references"),
        ),
    ),
    "references": ListRows(
        Reference,
        # The API's order: the PMID as a number (ReferenceQuerySet.for_api); PMIDs are unique.
        order=lambda prefix: [Cast(f"{prefix}pmid", output_field=models.BigIntegerField()).asc()],
        related=(Related("drugs"), Related("trials")),
    ),
    "trials": ListRows(
        Trial,
        order=meta_ordering(Trial),
        related=(
            Related("trial_drugs", joined=(Joined("drug"),)),
            Related("outcomes"),
            Related("references"),
            Related("supported_approvals", joined=(Joined("drug"),)),
        ),
    ),
    "outcomes": ListRows(
        Outcome,
        order=meta_ordering(Outcome),
        joined=(Joined("trial"),),
        related=(Related("references"), Related("sources")),
    ),
    "approvals": ListRows(
        Approval,
        order=meta_ordering(Approval),
        joined=(Joined("drug"), Joined("product", then=("drug",))),
        related=(
            Related("pivotal_trials"),
            Related("references"),
            Related("designations"),
            Related("companion_diagnostics"),
        ),
    ),
}


def ordered(name: str, queryset: models.QuerySet) -> models.QuerySet:
    """`queryset` (the list `name` of the export) in the order its rows are read here."""
    rows = LISTS.get(name)
    return queryset.order_by(*rows.order("")) if rows else queryset


def records(name: str, queryset: models.QuerySet) -> Iterator[models.Model]:
    """The records of the export's list `name` (`queryset`: which and in what order, as `ordered` gives it), each
    with its relations attached, in the queryset's order."""
    rows = LISTS[name]
    model = rows.model
    own = _Reader(model, [f.attname for f in model._meta.concrete_fields], rows.joined)
    annotations = list(queryset.query.annotations)  # read as the queryset computes them (a reference's pmid_number)
    # Only the rows: the queryset's prefetches and joins are what this replaces.
    base = queryset.prefetch_related(None).select_related(None)
    relations = [_Relation(model, relation, rows.order, base) for relation in rows.related]
    db, first_annotation = queryset.db, len(own.columns)
    for values in base.values_list(*own.columns, *annotations).iterator(chunk_size=CHUNK_SIZE):
        record = own.instance(values, db)
        for position, annotation in enumerate(annotations, start=first_annotation):
            setattr(record, annotation, values[position])
        for relation in relations:
            relation.attach(record, db)
        yield record
    for relation in relations:
        relation.finish()


class _Reader:
    """Model instances of `model` from a row's columns (`columns`): its fields, then each joined foreign key's."""

    def __init__(self, model: type[models.Model], fields: list[str], joined: tuple[Joined, ...], prefix: str = ""):
        self.model, self.fields = model, fields
        self.columns = [prefix + name for name in fields]
        self.joined: list[tuple[str, str, _Reader]] = []
        for foreign_key in joined:
            target = model._meta.get_field(foreign_key.name)
            then = tuple(Joined(name) for name in foreign_key.then)
            reader = _Reader(
                target.related_model, _shown_columns(target.related_model, then), then, f"{prefix}{foreign_key.name}__"
            )
            self.joined.append((foreign_key.name, target.attname, reader))
            self.columns += reader.columns

    def instance(self, values: tuple, db: str, start: int = 0) -> models.Model:
        """The instance whose columns begin at `values[start]`; its joined records in its foreign keys' caches.
        Built as `Model.from_db` would, without `Model.__init__`'s per-field work (more than the rest of a row
        costs): the instances only carry data to the serializers."""
        instance = self.model.__new__(self.model)
        instance.__dict__.update(zip(self.fields, values[start : start + len(self.fields)], strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, db
        position = start + len(self.fields)
        for name, attname, reader in self.joined:
            state.fields_cache[name] = reader.instance(values, db, position) if getattr(instance, attname) else None
            position += len(reader.columns)
        return instance


def _shown_columns(model: type[models.Model], joined: tuple[Joined, ...] = ()) -> list[str]:
    """The fields read for a related record of `model`: its key, what its summary shows, the joined foreign keys."""
    fields = [model._meta.pk.attname]
    for name in [*model.SUMMARY_FIELDS, *(foreign_key.name for foreign_key in joined)]:
        attname = model._meta.get_field(name).attname
        if attname not in fields:
            fields.append(attname)
    return fields


class _Relation:
    """One relation of a list's records: its rows in the records' order, handed to each record as it passes."""

    def __init__(self, model: type[models.Model], relation: Related, order: Ordering, records: models.QuerySet) -> None:
        rel = model._meta.get_field(relation.name)
        self.name = relation.name
        related_model = rel.related_model
        if rel.many_to_many:
            forward = not rel.auto_created  # the ManyToManyField is on `model`
            m2m = rel if forward else rel.field
            through = m2m.remote_field.through
            own, other = (
                (m2m.m2m_field_name(), m2m.m2m_reverse_field_name())
                if forward
                else (m2m.m2m_reverse_field_name(), m2m.m2m_field_name())
            )
            self.cache_name = rel.name if forward else rel.field.related_query_name()
            queryset = through._default_manager.order_by(
                *order(f"{own}__"), *meta_ordering(related_model)(f"{other}__")
            )
            self.reader = _Reader(
                related_model, _shown_columns(related_model, relation.joined), relation.joined, f"{other}__"
            )
            key = f"{own}_id"
        else:  # a reverse foreign key: the related rows point at the records
            own = rel.field.name
            self.cache_name = rel.cache_name
            queryset = related_model._default_manager.order_by(*order(f"{own}__"), *meta_ordering(related_model)(""))
            self.reader = _Reader(related_model, _shown_columns(related_model, relation.joined), relation.joined)
            key = rel.field.attname
        self.listed = listed(relation.name)
        # The rows of the records listed only (the export lists whole tables: this costs a semi-join, no more).
        queryset = queryset.filter(**{f"{key}__in": records.values("pk")})
        self._rows = queryset.values_list(key, *self.reader.columns).iterator(chunk_size=CHUNK_SIZE)
        self._next = next(self._rows, None)

    def attach(self, record: models.Model, db: str) -> None:
        """Give `record` its related rows: those at the head of the stream that point at it."""
        related = []
        pk = record.pk
        while self._next is not None and self._next[0] == pk:
            related.append(self.reader.instance(self._next, db, start=1))
            self._next = next(self._rows, None)
        setattr(record, self.listed, related)
        cache = record.__dict__.setdefault("_prefetched_objects_cache", {})
        cache[self.cache_name] = related

    def finish(self) -> None:
        """Every row was handed out: a row left means the relation's order did not follow the records' (a row
        would have been dropped), which must fail the build rather than write an incomplete file."""
        if self._next is not None:
            raise RuntimeError(
                f"The export's {self.name} rows did not come in the order of their records "
                f"(a row for the record with key {self._next[0]} was left over)"
            )
