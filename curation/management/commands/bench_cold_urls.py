"""
`manage.py bench_cold_urls`: the benchmark's cold mix — for each target, many distinct URLs drawn from the data.

A cached benchmark asks for the same URL again and again; real clinicians and researchers spread over
thousands of filter, ordering, page and search combinations. This command writes, per target of
`make bench`, up to `--count` distinct URLs a visitor could follow: the values come from the database
(drug slugs, NCT numbers, PMIDs, years, journals, names and words of the curated records) and from the
filters' choices, each drawn with Zipf weights (a few values are asked for often, most rarely), as real
traffic is. Duplicates are dropped, so each URL appears once.

    python manage.py bench_cold_urls --count 2000 > cold-urls.json   # {"target": ["/path?query", ...]}
"""

from __future__ import annotations

import base64
import bisect
import itertools
import json
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.management.base import BaseCommand
from django.db.models import BigIntegerField
from django.db.models.functions import Cast, Mod

from curation.dataset import curated_rows, generated_rows
from drugs.choices import Agency, ApprovalType, DrugClass, Her2Category, TherapySetting, TumourType
from drugs.models import Approval, Drug
from her2kb.api.parameters import PAGE_SIZE
from references.models import Reference
from trials.models import Trial

# How skewed the choices are: the k-th most asked-for value is asked for in proportion to 1 / k**s.
ZIPF_EXPONENT = 1.1
# Identifiers sampled per kind: enough that a run never runs out, few enough to read quickly at any scale.
SAMPLE = 5000
PAGE_SIZES = (PAGE_SIZE, 20, 100, 25, 200)


class Zipf:
    """Draws from `items` with Zipf weights: the first item most often, the k-th in proportion to 1/k**s."""

    def __init__(self, items: Sequence, exponent: float = ZIPF_EXPONENT) -> None:
        if not items:
            raise ValueError("Zipf needs at least one item")
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(1 / (rank**exponent) for rank in range(1, len(self.items) + 1)))

    def draw(self, rng: random.Random):
        index = bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(index, len(self.items) - 1)]


@dataclass
class Facts:
    """What the database holds, as the cold mix needs it: curated records first (the popular ones)."""

    drug_slugs: list[str]
    trial_identifiers: list[str]
    pmids: list[str]
    approval_years: list[int]
    reference_years: list[int]
    journals: list[str]
    search_terms: list[str]
    trial_count: int
    reference_pmid_numbers: list[int] = field(default_factory=list)


def read_facts() -> Facts:
    """The facts from the database: a handful of queries, whatever its size."""
    curated_drugs = curated_rows(Drug)
    curated_trials = curated_rows(Trial)
    drug_slugs = list(curated_drugs.order_by("name").values_list("slug", flat=True)) + list(
        generated_rows(Drug).order_by("pk").values_list("slug", flat=True)
    )
    trials = list(curated_trials.order_by("acronym").values_list("nct_id", "slug", "acronym", "title"))
    trials += list(generated_rows(Trial).order_by("pk").values_list("nct_id", "slug", "acronym", "title")[:SAMPLE])
    curated_pmids = list(curated_rows(Reference).order_by("-pub_year").values_list("pmid", flat=True))
    # Every step-th reference by primary key: PMIDs and cursor positions spread over the whole list.
    step = max(1, Reference.objects.count() // SAMPLE)
    spread = Reference.objects.alias(nth=Mod("pk", step)).filter(nth=0).order_by("pk")
    generated_pmids = list(generated_rows(Reference, spread).values_list("pmid", flat=True))
    numbers = list(spread.annotate(number=Cast("pmid", BigIntegerField())).values_list("number", flat=True))
    names = list(curated_drugs.values_list("name", "brand_names", "synonyms"))
    terms: list[str] = []
    for name, brands, synonyms in names:
        terms += [name, *brands, *synonyms]
    terms += [acronym for _, _, acronym, _ in trials[:200] if acronym]
    words = sorted(
        {word.lower() for _, _, _, title in trials[:200] for word in re.findall(r"[A-Za-z][A-Za-z-]{5,}", title or "")}
    )
    terms += words
    terms += [nct for nct, _, _, _ in trials[:50] if nct]
    return Facts(
        drug_slugs=drug_slugs,
        trial_identifiers=[nct or slug for nct, slug, _, _ in trials],
        pmids=curated_pmids + generated_pmids,
        approval_years=sorted({date.year for date in Approval.objects.dates("date", "year")}, reverse=True),
        reference_years=sorted(
            {year for year in Reference.objects.values_list("pub_year", flat=True).distinct() if year}, reverse=True
        ),
        journals=list(
            Reference.objects.exclude(journal="").values_list("journal", flat=True).distinct().order_by("journal")[:50]
        ),
        search_terms=list(dict.fromkeys(term for term in terms if term.strip())),
        trial_count=Trial.objects.count(),
        reference_pmid_numbers=numbers,
    )


def _query(path: str, params: dict[str, object]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _some_filters(rng: random.Random, choices: dict[str, Zipf], *, most: int = 3) -> dict[str, object]:
    """One to `most` filters (fewer more often), each value drawn from its Zipf."""
    how_many = Zipf(range(1, most + 1), exponent=1.5).draw(rng)
    names = rng.sample(sorted(choices), k=min(how_many, len(choices)))
    return {name: choices[name].draw(rng) for name in sorted(names)}


def url_families(facts: Facts) -> dict[str, Callable[[random.Random], str]]:
    """Per benchmark target, a function drawing one URL of its kind."""
    drugs = Zipf(facts.drug_slugs)
    trials = Zipf(facts.trial_identifiers)
    pmids = Zipf(facts.pmids or ["1"])
    terms = Zipf(facts.search_terms or ["her2"])
    approval_filters = {
        "agency": Zipf(Agency.values),
        "tumour_type": Zipf(TumourType.values),
        "her2_status": Zipf(Her2Category.values),
        "setting": Zipf(TherapySetting.values),
        "drug_class": Zipf(DrugClass.values),
        "approval_type": Zipf(ApprovalType.values),
        "year": Zipf(facts.approval_years or [2020]),
        "drug": drugs,
    }
    approval_orderings = Zipf(["", "-date", "date", "drug", "-drug", "agency", "-agency"])
    trial_orderings = Zipf(["", "acronym", "-start_date", "start_date", "nct_id", "-nct_id", "phase", "-phase"])
    page_sizes = Zipf(PAGE_SIZES)
    reference_filters = {
        "year": Zipf(facts.reference_years or [2020]),
        "retracted": Zipf(["false", "true"]),
        "journal": Zipf(facts.journals or ["Journal"]),
        "drug": drugs,
        "trial": Zipf([identifier for identifier in facts.trial_identifiers if identifier.startswith("NCT")] or ["x"]),
        "q": terms,
    }
    positions = Zipf(facts.reference_pmid_numbers or [1])

    def with_ordering(params: dict[str, object], orderings: Zipf, rng: random.Random) -> dict[str, object]:
        ordering = orderings.draw(rng)
        return params | ({"ordering": ordering} if ordering else {})

    def api_approvals(rng: random.Random) -> str:
        params = with_ordering(_some_filters(rng, approval_filters), approval_orderings, rng)
        if rng.random() < 0.3:
            params["page_size"] = page_sizes.draw(rng)
        return _query("/api/v1/approvals/", params)

    def api_trials_deep(rng: random.Random) -> str:
        # Deep pages of the whole list: from the middle to the end, where OFFSET costs most.
        page_size = page_sizes.draw(rng)
        last = max(1, math.ceil(facts.trial_count / page_size))
        params = with_ordering({}, trial_orderings, rng) | {"page": rng.randint(max(1, last // 2), last)}
        return _query("/api/v1/trials/", params | ({"page_size": page_size} if page_size != PAGE_SIZE else {}))

    def api_references(rng: random.Random) -> str:
        params = _some_filters(rng, reference_filters, most=2)
        if rng.random() < 0.3:
            params["page_size"] = page_sizes.draw(rng)
        return _query("/api/v1/references/", params)

    def api_references_deep(rng: random.Random) -> str:
        # What a `next` link deep in the list holds: a cursor at a PMID (DRF's encoding of position p).
        cursor = base64.b64encode(urlencode({"p": positions.draw(rng)}).encode()).decode()
        page_size = page_sizes.draw(rng)
        return _query("/api/v1/references/", {"cursor": cursor} | ({"page_size": page_size} if page_size != 50 else {}))

    def approvals_page(rng: random.Random) -> str:
        filters = {name: zipf for name, zipf in approval_filters.items() if name != "drug"}
        return _query("/approvals/", _some_filters(rng, filters))

    def search(rng: random.Random) -> str:
        return _query("/search/", {"q": _search_text(rng, terms)})

    def api_search(rng: random.Random) -> str:
        params: dict[str, object] = {"q": _search_text(rng, terms)}
        if rng.random() < 0.3:
            params["limit"] = rng.choice([5, 10, 50, 100])
        return _query("/api/v1/search/", params)

    return {
        "home": lambda rng: "/",
        "drug page": lambda rng: f"/drugs/{drugs.draw(rng)}/",
        "approvals, filtered": approvals_page,
        "trial page": lambda rng: f"/trials/{trials.draw(rng)}/",
        "reference page": lambda rng: f"/references/{pmids.draw(rng)}/",
        "search": search,
        "API search": api_search,
        "API approvals, page 1": api_approvals,
        "API trials, deep page": api_trials_deep,
        "API references, page 1": api_references,
        "API references, deep cursor": api_references_deep,
    }


def _search_text(rng: random.Random, terms: Zipf) -> str:
    """One term mostly, sometimes two (a name and a word), as people type them."""
    first = terms.draw(rng)
    return first if rng.random() < 0.7 else f"{first} {terms.draw(rng)}"


def cold_urls(facts: Facts, *, count: int, seed: int = 18) -> dict[str, list[str]]:
    """Up to `count` distinct URLs per target, in the order they were drawn."""
    rng = random.Random(seed)
    mixes = {}
    for name, draw in url_families(facts).items():
        seen: dict[str, None] = {}
        for _ in range(count * 20):  # a target with few possible URLs (the home page) stops early
            seen.setdefault(draw(rng), None)
            if len(seen) == count:
                break
        mixes[name] = list(seen)
    return mixes


class Command(BaseCommand):
    help = "Print the benchmark's cold mix as JSON: per target, distinct URLs drawn from the data."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=2000, help="URLs per target (at most).")
        parser.add_argument("--seed", type=int, default=18)

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(cold_urls(read_facts(), count=options["count"], seed=options["seed"])))
