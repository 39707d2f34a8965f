"""Test helper: read an API response back the way a researcher's tools would."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse


def csv_rows(response: HttpResponse) -> list[dict[str, str]]:
    """The rows of a CSV answer as dicts keyed by the header (after checking it is CSV)."""
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
