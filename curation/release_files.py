"""
The open-data files a release ships beside the curated YAML: tidy tables, a JSON Schema, a data dictionary,
the licence, the citation file and the known-gaps list.

Tables are built from the release's own records (what the YAML says), so every key in them is a natural key that the
release holds (PMID, slug, NCT number …), never a database id:

- one CSV per kind of record (`tables/<kind>.csv`), a row per record, its natural key in `key`;
- one CSV per list of the record's own rows: `trial_drugs` (trial ↔ drug with its role), `outcomes`,
  `outcome_sources`, `approval_designations`, `label_warnings`, `reference_authors`;
- link tables for relations between records: `approval_pivotal_trials`, `approval_companion_diagnostics`,
  `drug_targets`, `drug_components`, and `record_references` (any record ↔ the references it cites).

Cells: booleans are `true`/`false`, unknown values are empty, and a list of texts (sources, brand names, arms …)
is a JSON array, so a value containing a comma or "; " never splits.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

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
)
from references.models import Reference
from trials.models import Outcome, OutcomeSource, Trial, TrialDrug

from .dataset import (
    APPROVAL_FIELDS,
    DESIGNATION_FIELDS,
    DIAGNOSTIC_FIELDS,
    DRUG_FIELDS,
    EVENT_FIELDS,
    LABEL_FIELDS,
    OUTCOME_FIELDS,
    OUTCOME_SOURCE_FIELDS,
    PRODUCT_FIELDS,
    RECORD_KINDS,
    REFERENCE_FIELDS,
    REQUIRED_FIELDS,
    TARGET_FIELDS,
    TRIAL_FIELDS,
    WARNING_FIELDS,
)

KIND_FIELDS = {
    "references": REFERENCE_FIELDS,
    "targets": TARGET_FIELDS,
    "drugs": DRUG_FIELDS,
    "products": PRODUCT_FIELDS,
    "diagnostics": DIAGNOSTIC_FIELDS,
    "trials": TRIAL_FIELDS,
    "approvals": APPROVAL_FIELDS,
    "labels": LABEL_FIELDS,
    "events": EVENT_FIELDS,
}
KIND_MODELS: dict[str, type[models.Model]] = {
    "references": Reference,
    "targets": Target,
    "drugs": Drug,
    "products": Product,
    "diagnostics": CompanionDiagnostic,
    "trials": Trial,
    "approvals": Approval,
    "labels": Label,
    "events": RegulatoryEvent,
}
# Fields naming other records: (kind, field) → (link table, its column for the other record).
LINKS = {
    ("drugs", "targets"): ("drug_targets", "target"),
    ("drugs", "components"): ("drug_components", "component"),
    ("approvals", "pivotal_trials"): ("approval_pivotal_trials", "trial"),
    ("approvals", "companion_diagnostics"): ("approval_companion_diagnostics", "diagnostic"),
}
# Lists of a record's own rows: (kind, field) → (table, the rows' fields, their model).
CHILDREN = {
    ("trials", "drugs"): ("trial_drugs", ["drug", "role"], TrialDrug),
    ("trials", "outcomes"): ("outcomes", OUTCOME_FIELDS, Outcome),
    ("outcomes", "sources"): ("outcome_sources", OUTCOME_SOURCE_FIELDS, OutcomeSource),
    ("approvals", "designations"): ("approval_designations", DESIGNATION_FIELDS, ApprovalDesignation),
    ("labels", "warnings"): ("label_warnings", WARNING_FIELDS, LabelWarning),
    ("references", "authors"): (
        "reference_authors",
        ["last_name", "fore_name", "initials", "collective_name"],
        None,
    ),
}
SINGULAR = {
    "references": "reference",
    "targets": "target",
    "drugs": "drug",
    "products": "product",
    "diagnostics": "diagnostic",
    "trials": "trial",
    "approvals": "approval",
    "labels": "label",
    "events": "event",
    "outcomes": "outcome",
}
COLUMN_MEANINGS = {
    "key": "The record's natural key: how the dataset names it (and how the other tables refer to it).",
    "position": "The row's place in its record's list, from 1.",
    "kind": "The kind of the citing record (a table name).",
    "pmid": "The PubMed ID of the cited reference (references.key).",
}


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    meanings: dict[str, str] = field(default_factory=dict)

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows([cell(value) for value in row] for row in self.rows)
        return buffer.getvalue()


def cell(value: Any) -> str:
    """A CSV cell: booleans true/false, numbers as written, lists of texts as JSON arrays, unknown empty."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.date | Decimal | int | float):
        return str(value)
    return str(value)


def _meaning(model: type[models.Model] | None, name: str) -> str:
    if model is None:
        return ""
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 — a file field without a model field of that name (e.g. a relation's slug)
        return ""
    verbose = str(getattr(model_field, "verbose_name", name))
    help_text = str(getattr(model_field, "help_text", "") or "")
    return f"{verbose[:1].upper()}{verbose[1:]}" + (f". {help_text}" if help_text else "")


def release_tables(records: dict[str, dict], keys: dict[str, tuple[str, str]]) -> list[Table]:
    """Every table of a release, from its records ({path: record}) and their natural keys ({path: (kind, key)})."""
    tables: dict[str, Table] = {}
    citing = Table("record_references", ["kind", "key", "pmid"], meanings=dict(COLUMN_MEANINGS))

    def table(name: str, columns: list[str], model: type[models.Model] | None) -> Table:
        if name not in tables:
            tables[name] = Table(
                name, columns, meanings={c: COLUMN_MEANINGS.get(c) or _meaning(model, c) for c in columns}
            )
        return tables[name]

    def add(kind: str, key: str, record: dict, fields: list[str], model: type[models.Model] | None, main: Table):
        row: list[Any] = []
        for name in fields:
            value = record.get(name)
            if name == "references":
                citing.rows += [[kind, key, str(pmid)] for pmid in value or []]
            elif (kind, name) in LINKS:
                link_name, other = LINKS[(kind, name)]
                link = table(link_name, [SINGULAR[kind], other], None)
                link.rows += [[key, target] for target in value or []]
            elif (kind, name) in CHILDREN:
                child_name, child_fields, child_model = CHILDREN[(kind, name)]
                own = [f for f in child_fields if f != "references" and (name, f) not in CHILDREN]
                nested = [f for f in child_fields if (name, f) in CHILDREN or f == "references"]
                child = table(child_name, [SINGULAR[kind], "position", *own], child_model)
                for position, item in enumerate(value or [], start=1):
                    child.rows.append([key, position, *(item.get(f) for f in own)])
                    if nested:
                        add(name, f"{key} #{position}", item, nested, child_model, child)
            else:
                row.append(value)
        if main is not None and row:
            main.rows.append([key, *row])

    for kind in RECORD_KINDS:
        fields = KIND_FIELDS[kind]
        scalar = [name for name in fields if name != "references" and (kind, name) not in LINKS | CHILDREN]
        main = table(kind, ["key", *scalar], KIND_MODELS[kind])
        for relative, record in sorted(records.items()):
            if keys[relative][0] == kind:
                add(kind, keys[relative][1], record, fields, KIND_MODELS[kind], main)
    return [*tables.values(), citing]


def column_type(values: Iterable[Any]) -> str:
    """The type a column's values have: boolean, integer, number, date, JSON array or string."""
    kinds = set()
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            kinds.add("boolean")
        elif isinstance(value, int):
            kinds.add("integer")
        elif isinstance(value, float | Decimal):
            kinds.add("number")
        elif isinstance(value, datetime.date):
            kinds.add("date")
        elif isinstance(value, list | dict):
            kinds.add("JSON array")
        else:
            kinds.add("string")
    if kinds == {"integer", "number"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 else "string"


def data_dictionary(tables: list[Table]) -> str:
    """data-dictionary.csv: table, column, type, meaning — one row per column of every table."""
    dictionary = Table("data_dictionary", ["table", "column", "type", "meaning"])
    for each in tables:
        for index, column in enumerate(each.columns):
            kind = column_type(row[index] for row in each.rows)
            dictionary.rows.append([f"tables/{each.name}.csv", column, kind, each.meanings.get(column, "")])
    return dictionary.csv()


def _field_schema(model: type[models.Model] | None, name: str, values: list[Any]) -> dict[str, Any]:
    """The JSON Schema of one field of the files: from the model field where there is one, else from the values."""
    model_field = None
    if model is not None:
        try:
            model_field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 — a relation written as natural keys
            model_field = None
    described = {"description": _meaning(model, name)} if _meaning(model, name) else {}
    if model_field is not None and getattr(model_field, "choices", None) and not model_field.many_to_many:
        return {"type": "string", "enum": [value for value, _ in model_field.choices], **described}
    inferred = column_type(values)
    schema: dict[str, Any] = {
        "boolean": {"type": "boolean"},
        "integer": {"type": "integer"},
        "number": {"type": "number"},
        "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"},
        "JSON array": {"type": "array"},
        "string": {"type": ["string", "integer"] if name == "pmid" else "string"},
    }[inferred]
    if inferred == "JSON array" and all(isinstance(item, str) for value in values for item in value or []):
        schema["items"] = {"type": "string"}
    return {**schema, **described}


def json_schema(records: dict[str, dict], keys: dict[str, tuple[str, str]], version: str) -> str:
    """A JSON Schema (draft 2020-12) of the YAML records (and of the same records read as JSON): one definition per
    kind, with the fields the loader accepts, those it requires, and the choices of each enumerated field."""
    definitions = {}
    for kind in RECORD_KINDS:
        kind_records = [record for relative, record in records.items() if keys[relative][0] == kind]
        properties = {}
        for name in KIND_FIELDS[kind]:
            values = [record.get(name) for record in kind_records]
            if (kind, name) in CHILDREN:
                child_name, child_fields, child_model = CHILDREN[(kind, name)]
                items = [item for value in values for item in value or []]
                properties[name] = {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            f: _field_schema(child_model, f, [item.get(f) for item in items]) for f in child_fields
                        },
                    },
                }
            else:
                properties[name] = _field_schema(KIND_MODELS[kind], name, values)
        definitions[kind] = {
            "type": "object",
            "description": f"One file of data/{kind}/.",
            "additionalProperties": False,
            "required": REQUIRED_FIELDS[kind],
            "properties": properties,
        }
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"her2kb-{version}.schema.json",
        "title": f"her2kb {version}: the curated records",
        "description": "Each data/<kind>/…yaml file is one object of the definition named after its folder.",
        "$defs": definitions,
        "oneOf": [{"$ref": f"#/$defs/{kind}"} for kind in RECORD_KINDS],
    }
    return json.dumps(schema, indent=2, ensure_ascii=False, default=str) + "\n"


def citation_cff(version: str, released: datetime.date) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the dataset release."""
    return (
        "cff-version: 1.2.0\n"
        'message: "If you use this dataset, please cite it as below."\n'
        "type: dataset\n"
        'title: "her2kb: a knowledge base of HER2-targeted cancer therapies"\n'
        f'version: "{version}"\n'
        f"date-released: {released.isoformat()}\n"
        "license: CC-BY-4.0\n"
        "authors:\n"
        '  - name: "The her2kb curators"\n'
        "keywords:\n"
        "  - HER2\n"
        "  - ERBB2\n"
        "  - oncology\n"
        "  - regulatory approvals\n"
        "  - clinical trials\n"
    )


def sha256sums(checksums: dict[str, str]) -> str:
    """SHA256SUMS in the format `sha256sum -c` reads: '<hex>  <path>' per file."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(checksums.items()))
