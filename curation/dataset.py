"""
The curated dataset on disk (data/*.yaml) and its two directions: load into the database, export back.

The files are the reviewable source of truth: one YAML file per record, natural keys for links (drug slug,
trial NCT number or slug, PMID, an approval's drug + agency + date + indication). Loading is an idempotent
upsert in one transaction: a bad record stops the load with a message naming its file, and nothing is written.
Exporting writes the database in the same canonical form, so load → export reproduces the files.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from simple_history.utils import get_history_manager_for_model, get_history_model_for_model, get_m2m_field_name

from drugs.choices import Designation
from drugs.models import (
    Approval,
    ApprovalDesignation,
    CompanionDiagnostic,
    Drug,
    Label,
    LabelWarning,
    Product,
    RegulatoryEvent,
    Target,
    validate_companion_diagnostics,
)
from her2kb.models import prefetch_joined
from references.models import Reference
from trials.choices import DatePrecision
from trials.models import Outcome, OutcomeSource, Trial, TrialDrug

from .strict_yaml import PlainDumper, StrictYamlError, load_strict, parse_strict

DEFAULT_DATA_DIR = Path(settings.BASE_DIR) / "data"

# The benchmark's generated records (manage.py generate_bench_data) carry these marks and are never exported.
GENERATED_SLUG_PREFIX = "bench-"
GENERATED_PMID_START = 900_000_000  # PMIDs 900000000-999999999 are far beyond any assigned by PubMed
GENERATED_PMID_PATTERN = r"^9[0-9]{8}$"

# Every kind of record, in the order they are loaded (each may name the kinds before it). Also the folders.
RECORD_KINDS = ("references", "targets", "drugs", "products", "diagnostics", "trials", "approvals", "labels", "events")

# Field order in the files. Scalar fields map 1:1 to model fields; relations (natural keys of other records, or
# lists of the record's own rows such as a label's warnings) are resolved by the loader.
REFERENCE_FIELDS = ["pmid", *Reference.BIBLIOGRAPHIC_FIELDS, "curator_note", "sources"]
TARGET_FIELDS = ["symbol", "name", "gene_symbol", "hgnc_id", "entrez_gene_id", "sources"]
DRUG_FIELDS = [
    "slug",
    "name",
    "brand_names",
    "synonyms",
    "drug_class",
    "targets",
    "mechanism",
    "binding_site",
    "kinase_binding",
    "payload",
    "linker",
    "drug_antibody_ratio",
    "route",
    "originator",
    "development_status",
    "biosimilar_of",
    "components",
    "drugbank_id",
    "chembl_id",
    "unii",
    "ncit_code",
    "atc_code",
    "rxnorm_cui",
    "references",
    "sources",
    "notes",
]
PRODUCT_FIELDS = ["slug", "drug", "brand_name", "agency", "holder", "authorisation_number", "sources", "notes"]
DIAGNOSTIC_FIELDS = [
    "slug",
    "name",
    "manufacturer",
    "technology",
    "specimen",
    "agency",
    "decision_number",
    "date",
    "scoring_rule",
    "scoring_rule_text",
    "sources",
    "notes",
]
TRIAL_FIELDS = [
    "slug",
    "nct_id",
    "acronym",
    "title",
    "phase",
    "status",
    "start_date",
    "start_date_type",
    "primary_completion_date",
    "primary_completion_date_type",
    "completion_date",
    "completion_date_type",
    "sponsor",
    "conditions",
    "enrollment",
    "enrollment_type",
    "tumour_type",
    "her2_category",
    "design",
    "arms",
    "drugs",
    "primary_endpoint",
    "references",
    "sources",
    "notes",
    "outcomes",
]
OUTCOME_FIELDS = [
    "endpoint",
    "endpoint_label",
    "is_primary",
    "population",
    "analysis",
    "data_cutoff",
    "experimental_arm",
    "control_arm",
    "experimental_value",
    "control_value",
    "value_unit",
    "timepoint",
    "value_ci_lower",
    "value_ci_upper",
    "hazard_ratio",
    "ci_lower",
    "ci_upper",
    "p_value",
    "references",
    "sources",
    "notes",
]
# Trial dates that may be stated to the month only ("2016-07", as ClinicalTrials.gov gives them), and the field
# that keeps how precise each is. In the files a month-only date is written "YYYY-MM".
PARTIAL_DATE_FIELDS = {
    "start_date": "start_date_precision",
    "primary_completion_date": "primary_completion_date_precision",
    "completion_date": "completion_date_precision",
}
MONTH_ONLY = re.compile(r"^(\d{4})-(\d{2})$")

# An outcome's evidence that is not a PubMed article (trials.OutcomeSource), in file order.
OUTCOME_SOURCE_FIELDS = ["kind", "url", "title", "section", "meeting", "abstract_number", "doi"]
# What tells two outcomes of one trial apart (the model's unique constraint).
OUTCOME_KEY = ["endpoint", "endpoint_label", "population", "analysis", "timepoint", "experimental_arm", "control_arm"]
APPROVAL_FIELDS = [
    "drug",
    "agency",
    "date",
    "approval_type",
    "application_number",
    "product",
    "indication",
    "tumour_type",
    "her2_category",
    "setting",
    "line_of_therapy",
    "combination_partners",
    "companion_diagnostics",
    "pivotal_trials",
    "no_pivotal_trial_reason",
    "designations",
    "references",
    "sources",
    "notes",
]
DESIGNATION_FIELDS = ["designation", "source"]
LABEL_FIELDS = ["drug", "agency", "product", "document", "url", "set_id", "revised", "warnings", "sources", "notes"]
WARNING_FIELDS = ["kind", "topic", "statement", "section", "date_added", "source"]
EVENT_FIELDS = ["drug", "agency", "date", "event_type", "product", "indication", "description", "sources", "notes"]


# What each kind of record must state (the loader refuses a file without it; the release's JSON Schema says so).
REQUIRED_FIELDS = {
    "references": ["pmid", "title"],
    "targets": ["symbol"],
    "drugs": ["slug", "name", "drug_class"],
    "products": ["slug", "drug", "brand_name", "agency", "sources"],
    "diagnostics": ["slug", "name", "technology", "agency", "date", "scoring_rule", "sources"],
    "trials": ["slug", "phase"],
    "outcomes": ["endpoint"],
    "approvals": ["drug", "agency", "date", "indication", "sources"],
    "labels": ["drug", "agency", "document", "url", "sources"],
    "events": ["drug", "agency", "date", "event_type", "description", "sources"],
}


class DatasetError(Exception):
    """A record that cannot be loaded; the message names the file and the record."""

    def __init__(self, path: Path | str, message: str):
        self.path = Path(path)
        super().__init__(f"{path}: {message}")


@dataclass
class LoadReport:
    """What a load did, per record type: created / updated / unchanged (and deleted outcomes)."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] or c["deleted"] for c in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{kind:<11} created {c['created']:>4}  updated {c['updated']:>4}  unchanged {c['unchanged']:>4}"
            + (f"  deleted {c['deleted']:>4}" if c["deleted"] else "")
            for kind, c in self.counts.items()
        ]


# ---------------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------------
def parse_yaml(text: str | bytes) -> Any:
    """YAML the dataset wrote (a release's files) as Python values, under the dataset files' rules."""
    return parse_strict(text.decode("utf-8") if isinstance(text, bytes) else text)


def read_records(data_dir: Path, kind: str) -> list[tuple[Path, dict]]:
    """Every YAML record of one kind (drugs, approvals, trials, references), sorted by path."""
    records = []
    for path in sorted((data_dir / kind).rglob("*.yaml")):
        try:
            record = load_strict(path)
        except StrictYamlError as error:
            raise DatasetError(path, error.describe()) from None
        except yaml.YAMLError as error:
            raise DatasetError(path, f"not valid YAML: {error}") from error
        if not isinstance(record, dict):
            raise DatasetError(path, "a record file must hold one mapping of field: value")
        records.append((path, record))
    return records


def _check_keys(path: Path, record: dict, allowed: list[str], required: list[str]) -> None:
    unknown = sorted(set(record) - set(allowed))
    if unknown:
        raise DatasetError(path, f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    missing = [name for name in required if record.get(name) in (None, "", [])]
    if missing:
        raise DatasetError(path, f"missing required field(s): {', '.join(missing)}")


def _string_list(path: Path, record: dict, name: str) -> list[str]:
    value = record.get(name) or []
    if not isinstance(value, list):
        raise DatasetError(path, f"'{name}' must be a list")
    return [str(item) for item in value]


def _scalar_values(model: type[models.Model], record: dict, names: list[str], path: Path) -> dict[str, Any]:
    """Model field values for the scalar fields of a record, with the model's empty defaults filled in. Relations
    (links to other records, a record's own rows) are skipped: the loader resolves them by natural key."""
    values = {}
    for name in names:
        model_field = model._meta.get_field(name)
        if model_field.is_relation:
            continue
        raw = record.get(name)
        if isinstance(raw, list | dict) and not isinstance(model_field, models.JSONField):
            raise DatasetError(path, f"{name}: must be a single value, not a {type(raw).__name__}")
        if raw is None:
            if model_field.null:
                raw = None
            elif model_field.has_default():
                raw = model_field.get_default()
            else:
                raw = ""
        if isinstance(raw, float):
            raw = repr(raw)  # 0.51, not the binary float 0.5100000000000000088817841970012523
        if isinstance(raw, datetime.date) and not isinstance(model_field, models.DateField):
            raw = raw.isoformat()  # a label revision written as a full date: YAML reads it as one
        try:
            values[name] = model_field.to_python(raw) if raw is not None else None
        except ValidationError as error:
            raise DatasetError(path, f"{name}: {' '.join(error.messages)}") from error
        except (TypeError, ValueError) as error:  # a value of a type the field cannot take at all
            raise DatasetError(path, f"{name}: {raw!r} cannot be read ({error})") from error
    return values


# Rows of generated benchmark data (generate_bench_data) are never part of the dataset: each model's path to the field
# that marks them. Export leaves them out, and the loader does not read them (a benchmark database holds 200,000).
GENERATED_MARKS: dict[type[models.Model], str] = {
    Reference: "pmid",
    Drug: "slug",
    Product: "drug__slug",
    CompanionDiagnostic: "slug",
    Trial: "slug",
    TrialDrug: "trial__slug",
    Outcome: "trial__slug",
    OutcomeSource: "outcome__trial__slug",
    Approval: "drug__slug",
    ApprovalDesignation: "approval__drug__slug",
    Label: "drug__slug",
    LabelWarning: "label__drug__slug",
    RegulatoryEvent: "drug__slug",
}


def curated_rows(model: type[models.Model], queryset: models.QuerySet | None = None, via: str = "") -> models.QuerySet:
    """`queryset` (default: all rows of `model`) without generated rows; `via` is the path from the queryset's model
    to `model` (e.g. "approval__" for a link table's rows)."""
    queryset = model.objects.all() if queryset is None else queryset
    mark = GENERATED_MARKS.get(model)
    if mark is None:
        return queryset
    return queryset.exclude(_generated_condition(mark, via))


def generated_rows(model: type[models.Model], queryset: models.QuerySet | None = None) -> models.QuerySet:
    """`queryset` (default: all rows of `model`) with only the generated (benchmark) rows: `curated_rows` complement."""
    queryset = model.objects.all() if queryset is None else queryset
    mark = GENERATED_MARKS.get(model)
    return queryset.none() if mark is None else queryset.filter(_generated_condition(mark))


def _generated_condition(mark: str, via: str = "") -> models.Q:
    """What marks a generated row: a PMID of the generated range, or a slug with the generated prefix."""
    if mark == "pmid":
        return models.Q(**{f"{via}pmid__regex": GENERATED_PMID_PATTERN})
    return models.Q(**{f"{via}{mark}__startswith": GENERATED_SLUG_PREFIX})


class _StoredRows:
    """
    The rows already in the database, read once per model and relation, so that comparing ~1,000 records with their
    files takes a few dozen queries instead of several per record; the loader only writes what differs.

    Rows are found by the loader's natural-key lookups ({"drug": <Drug>, "agency": "FDA", ...}); a related instance
    in a lookup stands for its primary key.
    """

    def __init__(self, *, constraints_checked_by_database: bool = False):
        # When true, each row's field rules and clean() are checked before its write, but its table's unique and
        # check constraints are left to the database (Django checks each with a query of its own: most of a fresh
        # load's time). `load_dataset` loads again with them checked row by row when the database refuses one.
        self.constraints_checked_by_database = constraints_checked_by_database
        self._tables: dict[tuple, dict[tuple, models.Model]] = {}
        self._links: dict[tuple, dict[int, set[int]]] = {}
        self._children: dict[tuple, dict[int, list[models.Model]]] = {}
        self._written: dict[type[models.Model], dict[int, tuple[models.Model, str]]] = defaultdict(dict)
        self._created: set[tuple[type[models.Model], int]] = set()
        self._pending_links: dict[type[models.Model], list[models.Model]] = defaultdict(list)

    def validate(self, instance: models.Model) -> None:
        """Raises ValidationError when `instance` breaks a rule of its model (see __init__ for which are checked)."""
        if not self.constraints_checked_by_database:
            instance.full_clean()
            return
        # A foreign key's own check is a query for the row it names; the loader links only rows it has just read
        # or written, and the database checks the key anyway.
        foreign_keys = [field.name for field in instance._meta.concrete_fields if field.many_to_one]
        instance.full_clean(exclude=foreign_keys, validate_unique=False, validate_constraints=False)

    def writing(self, instance: models.Model, *, created: bool) -> None:
        """
        Note that the loader is about to write `instance` (save it, or set one of its relations), holding back the
        history django-simple-history would record at once: one historical row per save and two per relation set.
        `write_history` records one row per record instead ("+" created, "~" changed), with its relations as the
        load leaves them.
        """
        model = type(instance)
        if not hasattr(model._meta, "simple_history_manager_attribute"):
            return
        instance.skip_history_when_saving = True
        if instance.pk is None:  # about to be created: its key is known after the save (`written`)
            return
        history_type = self._written[model].get(instance.pk, (None, "+" if created else "~"))[1]
        self._written[model][instance.pk] = (instance, history_type)

    def written(self, instance: models.Model, *, created: bool) -> None:
        if created:
            self._created.add((type(instance), instance.pk))
        if hasattr(instance, "skip_history_when_saving"):
            self._written[type(instance)].setdefault(instance.pk, (instance, "+" if created else "~"))

    def link_later(self, instance: models.Model, name: str, targets: list[models.Model]) -> bool:
        """Hold back the links of a record this load created (it has none yet, so nothing to compare or remove)
        for `write_links`, one insert per link table; False for any other record, whose relation is set at once."""
        if (type(instance), instance.pk) not in self._created:
            return False
        relation = type(instance)._meta.get_field(name)
        through = relation.remote_field.through
        source, target = relation.m2m_column_name(), relation.m2m_reverse_name()
        self._pending_links[through].extend(through(**{source: instance.pk, target: obj.pk}) for obj in targets)
        return True

    def write_links(self) -> None:
        for through, rows in self._pending_links.items():
            through.objects.bulk_create(rows)
        self._pending_links.clear()

    def write_history(self) -> None:
        """The held-back history, in a few bulk inserts per model (see `writing`)."""
        for model, entries in self._written.items():
            manager = get_history_manager_for_model(model)
            for history_type in ("+", "~"):
                instances = [instance for instance, kind in entries.values() if kind == history_type]
                if not instances:
                    continue
                records = manager.bulk_history_create(instances, update=history_type == "~")
                self._write_relation_history(model, records)
            for instance, _ in entries.values():
                del instance.skip_history_when_saving
        self._written.clear()

    @staticmethod
    def _write_relation_history(model: type[models.Model], records: list[models.Model]) -> None:
        """What simple-history's `create_historical_record_m2ms` writes for each record, for all of them at once:
        a copy of each link-table row, pointing at the record's historical row."""
        history_model = get_history_model_for_model(model)
        by_pk = {getattr(record, model._meta.pk.attname): record for record in records}
        for relation in history_model._history_m2m_fields:
            through = relation.remote_field.through
            columns = [field.attname for field in through._meta.fields]
            source_column = through._meta.get_field(get_m2m_field_name(relation)).attname
            relation_history = getattr(history_model, relation.name).model
            rows = through.objects.filter(**{f"{source_column}__in": list(by_pk)}).values_list(*columns)
            relation_history.objects.bulk_create(
                relation_history(
                    history=by_pk[row[columns.index(source_column)]], **dict(zip(columns, row, strict=True))
                )
                for row in rows
            )

    @staticmethod
    def _columns(model: type[models.Model], names: tuple[str, ...]) -> list[str]:
        return [model._meta.get_field(name).attname for name in names]

    def _table(self, model: type[models.Model], names: tuple[str, ...]) -> dict[tuple, models.Model]:
        if (model, names) not in self._tables:
            columns = self._columns(model, names)
            self._tables[model, names] = {
                tuple(getattr(row, column) for column in columns): row for row in curated_rows(model)
            }
        return self._tables[model, names]

    @staticmethod
    def _key(lookup: dict, names: tuple[str, ...]) -> tuple:
        return tuple(lookup[name].pk if isinstance(lookup[name], models.Model) else lookup[name] for name in names)

    def find(self, model: type[models.Model], lookup: dict) -> models.Model | None:
        names = tuple(sorted(lookup))
        return self._table(model, names).get(self._key(lookup, names))

    def added(self, model: type[models.Model], lookup: dict, instance: models.Model) -> None:
        names = tuple(sorted(lookup))
        self._table(model, names)[self._key(lookup, names)] = instance

    def linked(self, instance: models.Model, name: str) -> set[int]:
        """The primary keys a many-to-many relation of `instance` holds now."""
        model = type(instance)
        if (model, name) not in self._links:
            relation = model._meta.get_field(name)
            through = relation.remote_field.through
            source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
            links: dict[int, set[int]] = defaultdict(set)
            rows = curated_rows(model, through.objects.all(), via=f"{source}__")
            for source_pk, target_pk in rows.values_list(f"{source}_id", f"{target}_id"):
                links[source_pk].add(target_pk)
            self._links[model, name] = links
        return self._links[model, name][instance.pk]

    def children(self, parent: models.Model, relation: str) -> list[models.Model]:
        """The rows of a parent's reverse relation (an approval's designations, a trial's outcomes)."""
        manager = getattr(parent, relation)
        model, parent_column = manager.model, manager.field.attname
        if (model, parent_column) not in self._children:
            grouped: dict[int, list[models.Model]] = defaultdict(list)
            for row in curated_rows(model):
                grouped[getattr(row, parent_column)].append(row)
            self._children[model, parent_column] = grouped
        return self._children[model, parent_column][parent.pk]


def _upsert(
    model: type[models.Model],
    lookup: dict,
    values: dict,
    path: Path,
    report: LoadReport,
    kind: str,
    stored: _StoredRows,
) -> models.Model:
    """Create or update one row from its file values; rows whose values already match are not written."""
    instance = stored.find(model, lookup)
    if instance is None:
        instance = model(**lookup, **values)
        outcome = "created"
    else:
        if all(_same(_current(instance, name, value), value) for name, value in values.items()):
            report.add(kind, "unchanged")
            instance._dataset_unchanged = True
            return instance
        for name, value in values.items():
            setattr(instance, name, value)
        outcome = "updated"
    try:
        stored.validate(instance)
    except ValidationError as error:
        raise DatasetError(path, _describe(error)) from error
    stored.writing(instance, created=outcome == "created")
    instance.save()
    stored.written(instance, created=outcome == "created")
    if outcome == "created":
        stored.added(model, lookup, instance)
    instance._dataset_unchanged = False
    report.add(kind, outcome)
    return instance


def _current(instance: models.Model, name: str, new: Any) -> Any:
    """The value `instance` holds for a field; for a link to a record, that record as `new` names it (by key, without
    fetching the row the instance points at)."""
    if isinstance(new, models.Model):
        return new if getattr(instance, instance._meta.get_field(name).attname) == new.pk else None
    return getattr(instance, name)


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, Decimal) and new is not None:
        return current == Decimal(str(new))
    return current == new


def _describe(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


def _set_relation(
    instance: models.Model, name: str, targets: list[models.Model], report: LoadReport, kind: str, stored: _StoredRows
):
    """Set a many-to-many relation; count the record as updated if only the relation changed."""
    linked = stored.linked(instance, name)
    if linked == {obj.pk for obj in targets}:
        return
    stored.writing(instance, created=False)
    if not stored.link_later(instance, name, targets):
        getattr(instance, name).set(targets)
    linked.clear()
    linked.update(obj.pk for obj in targets)
    if getattr(instance, "_dataset_unchanged", False):
        instance._dataset_unchanged = False
        report.counts[kind]["unchanged"] -= 1
        report.add(kind, "updated")


def _sync_rows(
    path: Path,
    parent: models.Model,
    relation: str,
    entries: object,
    fields: list[str],
    required: list[str],
    report: LoadReport,
    kind: str,
    stored: _StoredRows,
    *,
    key: list[str],
) -> None:
    """
    Make a record's own rows (a label's warnings, an approval's designations, an outcome's sources) what its file
    lists: upserted by `key` (a field, or "position" for lists whose order the file gives), and the rows the file
    no longer lists deleted.
    """
    if entries in (None, ""):
        entries = []
    if not isinstance(entries, list):
        raise DatasetError(path, f"'{relation}' must be a list")
    manager = getattr(parent, relation)
    model, parent_field = manager.model, manager.field.name
    kept, seen = set(), {}
    for position, entry in enumerate(entries, start=1):
        where = Path(f"{path} ({relation} {position})")
        if not isinstance(entry, dict):
            raise DatasetError(where, f"each entry of '{relation}' must be a mapping of {', '.join(fields)}")
        _check_keys(where, entry, fields, required)
        values = _scalar_values(model, entry, fields, where)
        if "position" in key:
            values["position"] = position
        lookup = {name: values.pop(name) for name in key}
        if tuple(lookup.values()) in seen:
            raise DatasetError(
                where, f"repeats {', '.join(map(str, lookup.values()))} (entry {seen[tuple(lookup.values())]})"
            )
        seen[tuple(lookup.values())] = position
        row = _upsert(model, {parent_field: parent, **lookup}, values, where, report, kind, stored)
        kept.add(row.pk)
    for stale in stored.children(parent, relation):
        if stale.pk not in kept:
            stale.delete()
            report.add(kind, "deleted")


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------
class _Index:
    """Look-ups by natural key, with errors that name the file that made the link."""

    def __init__(self, *, constraints_checked_by_database: bool = False):
        self.references: dict[str, Reference] = {}
        self.drugs: dict[str, Drug] = {}
        self.trials: dict[str, Trial] = {}
        self.products: dict[str, Product] = {}
        self.diagnostics: dict[str, CompanionDiagnostic] = {}
        self.stored = _StoredRows(constraints_checked_by_database=constraints_checked_by_database)

    def reference_list(self, path: Path, pmids: list[str]) -> list[Reference]:
        pmids = [_natural_key(path, "PMID", pmid) for pmid in pmids]
        missing = [pmid for pmid in pmids if pmid not in self.references]
        if missing:
            raise DatasetError(path, f"cites PMID(s) {', '.join(missing)} with no file in references/")
        return [self.references[pmid] for pmid in pmids]

    def drug(self, path: Path, slug: str) -> Drug:
        if _natural_key(path, "drug", slug) not in self.drugs:
            raise DatasetError(path, f"names drug '{slug}' with no file in drugs/")
        return self.drugs[slug]

    def trial(self, path: Path, key: str) -> Trial:
        if _natural_key(path, "trial", key) not in self.trials:
            raise DatasetError(path, f"names trial '{key}' with no file in trials/ (by nct_id or slug)")
        return self.trials[key]

    def product(self, path: Path, record: dict) -> Product | None:
        """The product a record names in `product`, or None when it names none."""
        slug = record.get("product")
        if not slug:
            return None
        if _natural_key(path, "product", slug) not in self.products:
            raise DatasetError(path, f"product: names product '{slug}' with no file in products/")
        return self.products[slug]

    def diagnostic(self, path: Path, slug: str) -> CompanionDiagnostic:
        if _natural_key(path, "companion_diagnostics", slug) not in self.diagnostics:
            raise DatasetError(path, f"companion_diagnostics: names '{slug}' with no file in diagnostics/")
        return self.diagnostics[slug]


def _natural_key(path: Path, what: str, value: Any) -> Any:
    """`value` if it can name a record (text, or a number such as a PMID); otherwise a DatasetError saying so."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DatasetError(path, f"{what}: {value!r} is a {type(value).__name__}, not the name of a record")
    return value


def load_dataset(data_dir: Path = DEFAULT_DATA_DIR) -> LoadReport:
    """
    Upsert every record under `data_dir` in one transaction. Raises DatasetError and writes nothing on error.

    The tables' unique and check constraints are left to the database, which checks them at no cost; if it refuses a
    row, the load is undone and done again with each row checked before its write, so that the error names the file.
    """
    try:
        return _load_all(data_dir, constraints_checked_by_database=True)
    except IntegrityError:
        return _load_all(data_dir, constraints_checked_by_database=False)


def _load_all(data_dir: Path, *, constraints_checked_by_database: bool) -> LoadReport:
    report = LoadReport()
    index = _Index(constraints_checked_by_database=constraints_checked_by_database)
    loaders = (
        _load_references,
        _load_targets,
        _load_drugs,
        _load_products,
        _load_diagnostics,
        _load_trials,
        _load_approvals,
        _load_labels,
        _load_events,
    )
    with transaction.atomic():
        for load_kind in loaders:
            load_kind(data_dir, index, report)
            index.stored.write_links()  # before the next kind, whose rules may read them
        index.stored.write_history()
    return report


def _load_references(data_dir: Path, index: _Index, report: LoadReport) -> None:
    for path, record in read_records(data_dir, "references"):
        _check_keys(path, record, REFERENCE_FIELDS, REQUIRED_FIELDS["references"])
        pmid = str(record["pmid"])
        if pmid in index.references:
            raise DatasetError(path, f"PMID {pmid} appears in more than one file")
        values = _scalar_values(Reference, record, REFERENCE_FIELDS[1:], path)
        index.references[pmid] = _upsert(Reference, {"pmid": pmid}, values, path, report, "references", index.stored)


def _load_targets(data_dir: Path, index: _Index, report: LoadReport) -> None:
    seen: set[str] = set()
    for path, record in read_records(data_dir, "targets"):
        _check_keys(path, record, TARGET_FIELDS, REQUIRED_FIELDS["targets"])
        symbol = str(record["symbol"])
        if symbol in seen:
            raise DatasetError(path, f"target '{symbol}' appears in more than one file")
        seen.add(symbol)
        values = _scalar_values(Target, record, TARGET_FIELDS[1:], path)
        _upsert(Target, {"symbol": symbol}, values, path, report, "targets", index.stored)


def _load_drugs(data_dir: Path, index: _Index, report: LoadReport) -> None:
    records = read_records(data_dir, "drugs")
    targets = {target.symbol: target for target in Target.objects.all()}
    for path, record in records:
        _check_keys(path, record, DRUG_FIELDS, REQUIRED_FIELDS["drugs"])
        slug = record["slug"]
        if slug in index.drugs:
            raise DatasetError(path, f"drug slug '{slug}' appears in more than one file")
        values = _scalar_values(Drug, record, DRUG_FIELDS[1:], path)
        drug = _upsert(Drug, {"slug": slug}, values, path, report, "drugs", index.stored)
        index.drugs[slug] = drug
        drug_targets = []
        for symbol in _string_list(path, record, "targets"):
            if symbol not in targets:
                targets[symbol], _ = Target.objects.get_or_create(symbol=symbol)
            drug_targets.append(targets[symbol])
        _set_relation(drug, "targets", drug_targets, report, "drugs", index.stored)
        _set_relation(
            drug,
            "references",
            index.reference_list(path, _string_list(path, record, "references")),
            report,
            "drugs",
            index.stored,
        )
    # Second pass: links between drugs, now that every drug exists.
    for path, record in records:
        drug = index.drugs[record["slug"]]
        reference_product = index.drug(path, record["biosimilar_of"]) if record.get("biosimilar_of") else None
        if drug.biosimilar_of_id != (reference_product.pk if reference_product else None):
            drug.biosimilar_of = reference_product
            drug.save(update_fields=["biosimilar_of", "updated_at"])
            if getattr(drug, "_dataset_unchanged", False):
                drug._dataset_unchanged = False
                report.counts["drugs"]["unchanged"] -= 1
                report.add("drugs", "updated")
        components = [index.drug(path, slug) for slug in _string_list(path, record, "components")]
        _set_relation(drug, "components", components, report, "drugs", index.stored)


def _load_products(data_dir: Path, index: _Index, report: LoadReport) -> None:
    for path, record in read_records(data_dir, "products"):
        _check_keys(path, record, PRODUCT_FIELDS, REQUIRED_FIELDS["products"])
        slug = record["slug"]
        if slug in index.products:
            raise DatasetError(path, f"product slug '{slug}' appears in more than one file")
        values = _scalar_values(Product, record, PRODUCT_FIELDS[1:], path)
        values["drug_id"] = index.drug(path, record["drug"]).pk
        index.products[slug] = _upsert(Product, {"slug": slug}, values, path, report, "products", index.stored)


def _load_diagnostics(data_dir: Path, index: _Index, report: LoadReport) -> None:
    for path, record in read_records(data_dir, "diagnostics"):
        _check_keys(path, record, DIAGNOSTIC_FIELDS, REQUIRED_FIELDS["diagnostics"])
        slug = record["slug"]
        if slug in index.diagnostics:
            raise DatasetError(path, f"diagnostic slug '{slug}' appears in more than one file")
        values = _scalar_values(CompanionDiagnostic, record, DIAGNOSTIC_FIELDS[1:], path)
        index.diagnostics[slug] = _upsert(
            CompanionDiagnostic, {"slug": slug}, values, path, report, "diagnostics", index.stored
        )


def _load_trials(data_dir: Path, index: _Index, report: LoadReport) -> None:
    for path, record in read_records(data_dir, "trials"):
        _check_keys(path, record, TRIAL_FIELDS, REQUIRED_FIELDS["trials"])
        slug, nct_id = record["slug"], record.get("nct_id")
        for key in filter(None, [slug, nct_id]):
            if key in index.trials:
                raise DatasetError(path, f"trial '{key}' appears in more than one file")
        lookup = {"nct_id": nct_id} if nct_id else {"slug": slug}
        record, precisions = _partial_dates(path, record)
        values = _scalar_values(Trial, record, [name for name in TRIAL_FIELDS if name not in lookup], path)
        trial = _upsert(Trial, lookup, {**values, **precisions}, path, report, "trials", index.stored)
        index.trials[slug] = trial
        if nct_id:
            index.trials[nct_id] = trial
        _set_relation(
            trial,
            "references",
            index.reference_list(path, _string_list(path, record, "references")),
            report,
            "trials",
            index.stored,
        )
        _load_trial_drugs(path, record, trial, index)
        _load_outcomes(path, record, trial, index, report)


def _partial_dates(path: Path, record: dict) -> tuple[dict, dict[str, str]]:
    """The record with month-only dates ("2016-07") as the 1st of the month, and each date's precision."""
    record, precisions = dict(record), {}
    for name, precision_field in PARTIAL_DATE_FIELDS.items():
        value = record.get(name)
        match = MONTH_ONLY.match(value) if isinstance(value, str) else None
        if match:
            try:
                record[name] = datetime.date(int(match.group(1)), int(match.group(2)), 1)
            except ValueError as error:
                raise DatasetError(path, f"'{name}': {value!r} is not a month ({error})") from error
        precisions[precision_field] = DatePrecision.MONTH if match else DatePrecision.DAY
    return record, precisions


def _load_trial_drugs(path: Path, record: dict, trial: Trial, index: _Index) -> None:
    wanted = {}
    for entry in record.get("drugs") or []:
        if not isinstance(entry, dict) or "drug" not in entry:
            raise DatasetError(path, "each entry of 'drugs' needs {drug: <slug>, role: <role>}")
        wanted[index.drug(path, entry["drug"]).pk] = entry.get("role", "experimental")
    current = {row.drug_id: row for row in index.stored.children(trial, "trial_drugs")}
    for drug_id, row in current.items():
        if drug_id not in wanted:
            row.delete()
    for drug_id, role in wanted.items():
        row = current.get(drug_id) or TrialDrug(trial=trial, drug_id=drug_id)
        if row.pk and row.role == role:
            continue
        row.role = role
        try:
            index.stored.validate(row)
        except ValidationError as error:
            raise DatasetError(path, f"drugs: {_describe(error)}") from error
        created = row.pk is None
        index.stored.writing(row, created=created)
        row.save()
        index.stored.written(row, created=created)


def _load_outcomes(path: Path, record: dict, trial: Trial, index: _Index, report: LoadReport) -> None:
    kept, seen_keys = set(), set()
    for position, outcome_record in enumerate(record.get("outcomes") or [], start=1):
        where = Path(f"{path} (outcome {position})")
        if not isinstance(outcome_record, dict):
            raise DatasetError(where, "an outcome must be a mapping")
        _check_keys(where, outcome_record, OUTCOME_FIELDS, REQUIRED_FIELDS["outcomes"])
        if not outcome_record.get("references") and not outcome_record.get("sources"):
            raise DatasetError(
                where,
                "cites no reference or source: give the PMIDs that report it (references) and/or the label, "
                "assessment report, conference abstract or registry results page (sources)",
            )
        values = _scalar_values(Outcome, outcome_record, OUTCOME_FIELDS, where)
        lookup = {"trial": trial, **{name: values.pop(name) for name in OUTCOME_KEY}}
        if tuple(lookup.values()) in seen_keys:
            raise DatasetError(where, "repeats the endpoint, arms, population, analysis and timepoint of another")
        seen_keys.add(tuple(lookup.values()))
        outcome = _upsert(Outcome, lookup, values, where, report, "outcomes", index.stored)
        kept.add(outcome.pk)
        pmids = _string_list(where, outcome_record, "references")
        _set_relation(outcome, "references", index.reference_list(where, pmids), report, "outcomes", index.stored)
        _sync_rows(
            where,
            outcome,
            "sources",
            outcome_record.get("sources"),
            OUTCOME_SOURCE_FIELDS,
            ["kind", "url"],
            report,
            "outcome sources",
            index.stored,
            key=["position"],
        )
    # The trial's file lists all its outcomes: those no longer listed were removed by a curator.
    for stale in index.stored.children(trial, "outcomes"):
        if stale.pk not in kept:
            stale.delete()
            report.add("outcomes", "deleted")


def _load_approvals(data_dir: Path, index: _Index, report: LoadReport) -> None:
    seen = {}
    for path, record in read_records(data_dir, "approvals"):
        _check_keys(path, record, APPROVAL_FIELDS, REQUIRED_FIELDS["approvals"])
        drug = index.drug(path, record["drug"])
        values = _scalar_values(Approval, record, APPROVAL_FIELDS[1:], path)
        values["product"] = index.product(path, record)
        key = (drug.pk, values["agency"], values["date"], values["indication"])
        if key in seen:
            raise DatasetError(path, f"same drug, agency, date and indication as {seen[key]}")
        seen[key] = path
        pivotal = [index.trial(path, key) for key in _string_list(path, record, "pivotal_trials")]
        if not pivotal and not values["no_pivotal_trial_reason"]:
            raise DatasetError(path, "give pivotal_trials or a no_pivotal_trial_reason")
        diagnostics = [index.diagnostic(path, slug) for slug in _string_list(path, record, "companion_diagnostics")]
        try:
            validate_companion_diagnostics(values["agency"], diagnostics)
        except ValidationError as error:
            raise DatasetError(path, _describe(error)) from error
        lookup = {name: values.pop(name) for name in ["agency", "date", "indication"]}
        approval = _upsert(Approval, {"drug": drug, **lookup}, values, path, report, "approvals", index.stored)
        _set_relation(approval, "pivotal_trials", pivotal, report, "approvals", index.stored)
        _set_relation(
            approval,
            "references",
            index.reference_list(path, _string_list(path, record, "references")),
            report,
            "approvals",
            index.stored,
        )
        _set_relation(approval, "companion_diagnostics", diagnostics, report, "approvals", index.stored)
        _sync_rows(
            path,
            approval,
            "designations",
            record.get("designations"),
            DESIGNATION_FIELDS,
            DESIGNATION_FIELDS,
            report,
            "designations",
            index.stored,
            key=["designation"],
        )


def _load_labels(data_dir: Path, index: _Index, report: LoadReport) -> None:
    seen = {}
    for path, record in read_records(data_dir, "labels"):
        _check_keys(path, record, LABEL_FIELDS, REQUIRED_FIELDS["labels"])
        drug = index.drug(path, record["drug"])
        values = _scalar_values(Label, record, LABEL_FIELDS[1:], path)
        values["product"] = index.product(path, record)
        key = (drug.pk, values["agency"])
        if key in seen:
            raise DatasetError(path, f"same drug and agency as {seen[key]}: a drug has one label per agency")
        seen[key] = path
        label = _upsert(
            Label, {"drug": drug, "agency": values.pop("agency")}, values, path, report, "labels", index.stored
        )
        _sync_rows(
            path,
            label,
            "warnings",
            record.get("warnings"),
            WARNING_FIELDS,
            ["kind", "topic", "statement", "source"],
            report,
            "warnings",
            index.stored,
            key=["position"],
        )


def _load_events(data_dir: Path, index: _Index, report: LoadReport) -> None:
    seen = {}
    for path, record in read_records(data_dir, "events"):
        _check_keys(path, record, EVENT_FIELDS, REQUIRED_FIELDS["events"])
        drug = index.drug(path, record["drug"])
        values = _scalar_values(RegulatoryEvent, record, EVENT_FIELDS[1:], path)
        values["product"] = index.product(path, record)
        lookup = {"drug": drug, **{name: values.pop(name) for name in ["agency", "date", "event_type", "indication"]}}
        key = tuple(lookup.values())
        if key in seen:
            raise DatasetError(path, f"same drug, agency, date, event type and indication as {seen[key]}")
        seen[key] = path
        _upsert(RegulatoryEvent, lookup, values, path, report, "events", index.stored)


# ---------------------------------------------------------------------------------------------
# Exporting
# ---------------------------------------------------------------------------------------------
# Key order for mappings inside JSON fields (authors). PostgreSQL's jsonb does not keep key order, so the
# export imposes one; keys not listed follow alphabetically.
JSON_KEY_ORDER = ["last_name", "fore_name", "initials", "collective_name", "affiliation"]


def _plain(value: Any) -> Any:
    """A model value as YAML should hold it: Decimals as numbers, dates as dates, JSON keys in a fixed order."""
    if isinstance(value, Decimal):
        normalized = value.normalize()
        return int(normalized) if normalized == normalized.to_integral_value() else float(normalized)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        rank = {key: position for position, key in enumerate(JSON_KEY_ORDER)}
        return {key: _plain(value[key]) for key in sorted(value, key=lambda key: (rank.get(key, len(rank)), key))}
    return value


def _text_key(*values: Any) -> tuple:
    """Sort key computed in Python, so that the export's order does not depend on the database's collation."""
    return tuple("" if value is None else str(value) for value in values)


def _record(instance: models.Model, names: list[str], relations: dict[str, Any]) -> dict:
    """The canonical file form: documented field order, empty values left out."""
    record = {}
    for name in names:
        value = relations[name] if name in relations else _plain(getattr(instance, name))
        if value in (None, "", [], False) and name not in ("pmid",) and not _is_stated_false(instance, name, value):
            continue
        record[name] = value
    return record


def _is_stated_false(instance: models.Model, name: str, value: Any) -> bool:
    """A yes/no field that may be unknown (null) says something with False: the file keeps it."""
    if value is not False:
        return False
    model_field = instance._meta.get_field(name)
    return isinstance(model_field, models.BooleanField) and model_field.null


def _pmids(manager) -> list[str]:
    return sorted((reference.pmid for reference in manager.all()), key=int)


def _rows(manager, names: list[str]) -> list[dict]:
    """A record's own rows kept in file order (warnings, outcome sources), each in canonical form."""
    return [_record(row, names, {}) for row in sorted(manager.all(), key=lambda row: row.position)]


def _revision(value: str) -> str | datetime.date:
    """A label revision as a curator writes it: a full date as a YAML date, a month as text."""
    try:
        return datetime.date.fromisoformat(value) if len(value) == 10 else value
    except ValueError:
        return value


def _numbered_paths(records: list[tuple[str, dict]]) -> dict[str, dict]:
    """{path: record} from (stem, record) pairs in order, with -2, -3 … added to a stem that repeats."""
    files, clashes = {}, Counter()
    for stem, record in records:
        clashes[stem] += 1
        files[f"{stem}{f'-{clashes[stem]}' if clashes[stem] > 1 else ''}.yaml"] = record
    return files


def _targets() -> dict[str, dict]:
    return {f"targets/{target.symbol}.yaml": _record(target, TARGET_FIELDS, {}) for target in Target.objects.all()}


def _drugs() -> dict[str, dict]:
    files = {}
    drugs = curated_rows(Drug).select_related("biosimilar_of")
    for drug in drugs.prefetch_related("targets", "components", "references"):
        relations = {
            "targets": sorted(target.symbol for target in drug.targets.all()),
            "biosimilar_of": drug.biosimilar_of.slug if drug.biosimilar_of else None,
            "components": sorted(component.slug for component in drug.components.all()),
            "references": _pmids(drug.references),
        }
        files[f"drugs/{drug.slug}.yaml"] = _record(drug, DRUG_FIELDS, relations)
    return files


def _products() -> dict[str, dict]:
    products = curated_rows(Product).select_related("drug")
    return {
        f"products/{product.slug}.yaml": _record(product, PRODUCT_FIELDS, {"drug": product.drug.slug})
        for product in products
    }


def _diagnostics() -> dict[str, dict]:
    diagnostics = curated_rows(CompanionDiagnostic)
    return {f"diagnostics/{cdx.slug}.yaml": _record(cdx, DIAGNOSTIC_FIELDS, {}) for cdx in diagnostics}


def _trials() -> dict[str, dict]:
    files = {}
    trials = curated_rows(Trial).prefetch_related(
        "references", prefetch_joined(Trial, "trial_drugs", "drug"), "outcomes__references", "outcomes__sources"
    )
    for trial in trials:
        ordered_outcomes = sorted(
            trial.outcomes.all(),
            key=lambda outcome: (not outcome.is_primary, *_text_key(*(getattr(outcome, name) for name in OUTCOME_KEY))),
        )
        outcomes = [
            _record(
                outcome,
                OUTCOME_FIELDS,
                {"references": _pmids(outcome.references), "sources": _rows(outcome.sources, OUTCOME_SOURCE_FIELDS)},
            )
            for outcome in ordered_outcomes
        ]
        relations = {
            "drugs": [
                {"drug": row.drug.slug, "role": row.role}
                for row in sorted(trial.trial_drugs.all(), key=lambda row: (row.role, row.drug.slug))
            ],
            "references": _pmids(trial.references),
            "outcomes": outcomes,
        }
        for name, precision_field in PARTIAL_DATE_FIELDS.items():
            value = getattr(trial, name)
            if value and getattr(trial, precision_field) == DatePrecision.MONTH:
                relations[name] = f"{value:%Y-%m}"
        files[f"trials/{trial.slug}.yaml"] = _record(trial, TRIAL_FIELDS, relations)
    return files


DESIGNATION_ORDER = {value: position for position, value in enumerate(Designation.values)}


def _approvals() -> dict[str, dict]:
    approvals = (
        curated_rows(Approval)
        .select_related("drug", "product")
        .prefetch_related("pivotal_trials", "references", "designations", "companion_diagnostics")
    )
    ordered = sorted(
        approvals, key=lambda a: _text_key(a.drug.slug, a.agency, a.date.isoformat(), a.tumour_type, a.indication)
    )
    records = []
    for approval in ordered:
        designations = sorted(approval.designations.all(), key=lambda row: DESIGNATION_ORDER[row.designation])
        relations = {
            "drug": approval.drug.slug,
            "product": approval.product.slug if approval.product else None,
            "companion_diagnostics": sorted(cdx.slug for cdx in approval.companion_diagnostics.all()),
            "pivotal_trials": sorted(trial.nct_id or trial.slug for trial in approval.pivotal_trials.all()),
            "designations": [_record(row, DESIGNATION_FIELDS, {}) for row in designations],
            "references": _pmids(approval.references),
        }
        stem = (
            f"approvals/{approval.drug.slug}/{approval.agency.lower()}-{approval.date:%Y-%m-%d}-{approval.tumour_type}"
        )
        records.append((stem, _record(approval, APPROVAL_FIELDS, relations)))
    return _numbered_paths(records)


def _labels() -> dict[str, dict]:
    labels = curated_rows(Label).select_related("drug", "product").prefetch_related("warnings")
    return {
        f"labels/{label.drug.slug}/{label.agency}.yaml": _record(
            label,
            LABEL_FIELDS,
            {
                "drug": label.drug.slug,
                "product": label.product.slug if label.product else None,
                "revised": _revision(label.revised) if label.revised else None,
                "warnings": _rows(label.warnings, WARNING_FIELDS),
            },
        )
        for label in labels
    }


def _events() -> dict[str, dict]:
    events = curated_rows(RegulatoryEvent).select_related("drug", "product")
    ordered = sorted(
        events, key=lambda e: _text_key(e.drug.slug, e.agency, e.date.isoformat(), e.event_type, e.indication)
    )
    return _numbered_paths(
        [
            (
                f"events/{event.drug.slug}/{event.agency.lower()}-{event.date:%Y-%m-%d}-{event.event_type}",
                _record(
                    event,
                    EVENT_FIELDS,
                    {"drug": event.drug.slug, "product": event.product.slug if event.product else None},
                ),
            )
            for event in ordered
        ]
    )


def _references() -> dict[str, dict]:
    references = curated_rows(Reference).order_by("pmid")
    return {f"references/{reference.pmid}.yaml": _record(reference, REFERENCE_FIELDS, {}) for reference in references}


# How each kind of record is written, in RECORD_KINDS order.
EXPORTERS: dict[str, Callable[[], dict[str, dict]]] = {
    "references": _references,
    "targets": _targets,
    "drugs": _drugs,
    "products": _products,
    "diagnostics": _diagnostics,
    "trials": _trials,
    "approvals": _approvals,
    "labels": _labels,
    "events": _events,
}


def dataset_records() -> dict[str, dict]:
    """Every record of the database as {relative path: record}, in canonical form."""
    files: dict[str, dict] = {}
    for kind in RECORD_KINDS:
        files.update(EXPORTERS[kind]())
    return files


def dump_record(record: dict) -> str:
    return yaml.dump(
        record, Dumper=PlainDumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False
    )


def export_dataset(data_dir: Path = DEFAULT_DATA_DIR) -> int:
    """Write the database as the curated files under `data_dir`, replacing old record files. Returns the count."""
    files = dataset_records()
    for kind in RECORD_KINDS:
        for old in (data_dir / kind).rglob("*.yaml") if (data_dir / kind).exists() else []:
            if str(old.relative_to(data_dir)) not in files:
                old.unlink()
    for relative, record in files.items():
        path = data_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = dump_record(record)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for kind in ("approvals", "labels", "events"):
        for directory in sorted((data_dir / kind).glob("*"), reverse=True):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
    return len(files)
