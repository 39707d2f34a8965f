"""The CSV renderer's cells: spreadsheet formulas neutralised (OWASP's CSV injection rules), numbers kept numbers."""

import json
from decimal import Decimal

import pytest

from her2kb.api.renderers import csv_cell


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1+2", "'+1+2"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # Text that only looks like a number is still text: a numeric column holds numbers, not strings.
        ("-1", "'-1"),
        ("plain text - with a dash", "plain text - with a dash"),
        ("<0.001", "<0.001"),
        ("", ""),
    ],
)
def test_text_cells_starting_with_a_formula_character_are_prefixed_with_an_apostrophe(text, written):
    assert csv_cell(text) == written


@pytest.mark.parametrize(
    ("number", "written"),
    [(Decimal("-2.50"), "-2.50"), (-3, "-3"), (-0.25, "-0.25"), (Decimal("0.55"), "0.55"), (12, "12")],
)
def test_numbers_are_written_as_numbers_negative_ones_included(number, written):
    assert csv_cell(number) == written


def test_lists_are_json_arrays_so_an_item_holding_a_separator_never_splits():
    # A cell starting with "[" is not a formula: the items keep their own text.
    assert csv_cell(["-x", "arm A; arm B", 'say "y", z']) == '["-x", "arm A; arm B", "say \\"y\\", z"]'
    assert json.loads(csv_cell(["arm A; arm B", "arm C"])) == ["arm A; arm B", "arm C"]
    assert csv_cell([{"pmid": "123"}, {"pmid": "456"}]) == '["123", "456"]'
    assert csv_cell([{"drug": {"slug": "a-drug", "name": "A"}, "role": "experimental"}]) == '["a-drug"]'
    assert csv_cell([]) == "[]"


def test_related_objects_and_scalars_are_neutralised_too():
    assert csv_cell({"slug": "=evil"}) == "'=evil"
    assert csv_cell(True) == "true"
    assert csv_cell(None) == ""
