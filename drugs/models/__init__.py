"""
HER2-targeted drugs and their regulatory life, one module per concern:

- drug: the drug (INN, class, mechanism, identifiers) and the receptors it targets;
- product: the brands an agency authorised for it;
- approval: the approvals, with their expedited designations;
- diagnostic: the companion diagnostics that select an approval's patients;
- label: each agency's label and the warnings it states;
- event: decisions other than approvals (refusals, withdrawals, label changes …).
"""

from .approval import (
    HER2_CATEGORIES_COVERING,
    HER2_STATUSES_COVERED,
    Approval,
    ApprovalDesignation,
    ApprovalQuerySet,
    validate_companion_diagnostics,
)
from .diagnostic import CompanionDiagnostic, CompanionDiagnosticQuerySet
from .drug import Drug, DrugQuerySet, FdaWatchRun, Target, drug_detail_lookups, validate_string_list
from .event import RegulatoryEvent, RegulatoryEventQuerySet
from .label import Label, LabelQuerySet, LabelWarning
from .product import Product, ProductQuerySet

__all__ = [
    "HER2_CATEGORIES_COVERING",
    "HER2_STATUSES_COVERED",
    "Approval",
    "ApprovalDesignation",
    "ApprovalQuerySet",
    "CompanionDiagnostic",
    "CompanionDiagnosticQuerySet",
    "Drug",
    "DrugQuerySet",
    "FdaWatchRun",
    "Label",
    "LabelQuerySet",
    "LabelWarning",
    "Product",
    "ProductQuerySet",
    "RegulatoryEvent",
    "RegulatoryEventQuerySet",
    "Target",
    "drug_detail_lookups",
    "validate_companion_diagnostics",
    "validate_string_list",
]
