"""One page of every type the public site serves, on fake data: for the checks that must cover every page type
(axe-core, the Nu HTML Checker, reflow on a phone).

`make_page_types()` builds the catalogue (every kind of record, fully linked), a drug with a Chinese brand name
and two approvals on the same day (so the timeline must stack their dots), and returns the pages' addresses with
the status each must answer.
"""

import datetime
from dataclasses import dataclass

from drugs.choices import Her2Category
from drugs.tests.factories import ApprovalFactory, DrugFactory
from testing.catalogue import make_catalogue


@dataclass(frozen=True)
class PageType:
    name: str
    path: str
    status: int = 200


SAME_DAY = datetime.date(2021, 3, 15)


def make_page_types() -> list[PageType]:
    """Fake records for every page type, and one address of each type."""
    first = make_catalogue(2)
    twice = DrugFactory(name="fakeximab twice", slug="fakeximab-twice", brand_names=["Faktwo", "赛普汀"])
    for agency in ("FDA", "EMA"):
        ApprovalFactory(drug=twice, agency=agency, date=SAME_DAY, her2_category=Her2Category.LOW)
    return [
        PageType("home", "/"),
        PageType("drug list", "/drugs/"),
        PageType("drug", first.drug.get_absolute_url()),
        PageType("drug with two approvals on one day", twice.get_absolute_url()),
        PageType("approval list", "/approvals/"),
        PageType("approval list, filtered", "/approvals/?her2_status=low"),
        PageType("diagnostics", "/diagnostics/"),
        PageType("landscape, empty", "/landscape/"),
        PageType("landscape", "/landscape/?tumour=breast&her2=low"),
        PageType("trial list", "/trials/"),
        PageType("trial", first.trial.get_absolute_url()),
        PageType("reference list", "/references/"),
        PageType("reference", first.reference.get_absolute_url()),
        PageType("search results", f"/search/?q={first.drug.name.split()[0]}"),
        PageType("search without results", "/search/?q=nothing-like-this"),
        PageType("about", "/about/"),
        PageType("releases", "/releases/"),
        PageType("missing list", "/missing/nmpa/"),
        PageType("bad filter", "/approvals/?year=not-a-year", 400),
        PageType("not found", "/drugs/no-such-drug/", 404),
    ]
