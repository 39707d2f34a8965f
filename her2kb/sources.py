"""
What kind of document a source URL is, told by its web address: so pages can list the agencies' own words first
and trade press as news.

The kinds, in the order pages list them: the regulator's own pages (`agency`), labels and product information
(`label`), trial registries (`registry`), journals and the literature indexes (`journal`), the companies' own
announcements (`company`), other secondary sources such as drug databases and reprints (`secondary`), and news
(`press`). A domain not listed here is `secondary`: an unknown site is never promoted.

The classification is computed, never stored: the dataset holds the URLs only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import models


class SourceKind(models.TextChoices):
    AGENCY = "agency", "Agency"
    LABEL = "label", "Label"
    REGISTRY = "registry", "Registry"
    JOURNAL = "journal", "Journal"
    COMPANY = "company", "Company"
    SECONDARY = "secondary", "Secondary source"
    PRESS = "press", "News"


# Label documents: (domain, path prefix). Checked before the agencies, whose domains host some of them.
LABEL_LOCATIONS = [
    ("dailymed.nlm.nih.gov", ""),
    ("api.fda.gov", "/drug/label"),
    ("accessdata.fda.gov", "/drugsatfda_docs/label/"),
    ("accessdata.fda.gov", "/spl/"),
    ("pdf.hres.ca", ""),  # Health Canada product monographs
    ("ema.europa.eu", "/en/documents/product-information/"),
    ("medicines.org.uk", "/emc/"),
    ("products.mhra.gov.uk", ""),
    ("pins.japic.or.jp", ""),
    ("ebs.tga.gov.au", ""),
]
DOMAINS: dict[SourceKind, tuple[str, ...]] = {
    SourceKind.AGENCY: (
        "fda.gov",
        "ema.europa.eu",
        "ec.europa.eu",
        "nmpa.gov.cn",
        "cde.org.cn",
        "pmda.go.jp",
        "mhlw.go.jp",
        "mhra.gov.uk",
        "gov.uk",
        "canada.ca",
        "hc-sc.gc.ca",
        "hpfb-dgpsa.ca",  # Health Canada's Drug Product Database and Notice of Compliance lists
        "hres.ca",
        "tga.gov.au",
    ),
    SourceKind.REGISTRY: (
        "clinicaltrials.gov",
        "clinicaltrialsregister.eu",
        "euclinicaltrials.eu",
        "chictr.org.cn",
        "jrct.niph.go.jp",
        "anzctr.org.au",
        "isrctn.com",
        "trialsearch.who.int",
        "ctri.nic.in",
    ),
    SourceKind.JOURNAL: (
        "pubmed.ncbi.nlm.nih.gov",
        "pubmed.gov",
        "ncbi.nlm.nih.gov",
        "europepmc.org",
        "doi.org",
        "nejm.org",
        "thelancet.com",
        "ascopubs.org",
        "meetinglibrary.asco.org",
        "aacrjournals.org",
        "jamanetwork.com",
        "nature.com",
        "sciencedirect.com",
        "springer.com",
        "wiley.com",
        "academic.oup.com",
        "annalsofoncology.org",
        "esmoopen.com",
        "bmj.com",
        "tandfonline.com",
        "frontiersin.org",
        "mdpi.com",
        "cell.com",
        "jci.org",
        "jnccn.org",
        "karger.com",
        "dovepress.com",
        "bjs.co.uk",
    ),
    SourceKind.COMPANY: (
        "daiichisankyo.com",
        "daiichisankyo.co.jp",
        "astrazeneca.com",
        "roche.com",
        "gene.com",
        "genentech.com",
        "genentech-access.com",
        "chugai-pharm.co.jp",
        "pfizer.com",
        "pfizer.co.jp",
        "amgen.com",
        "seagen.com",
        "seattlegenetics.com",
        "pumabiotechnology.com",
        "nerlynx.com",
        "henlius.com",
        "biocon.com",
        "biocon-biologics.com",
        "celltrion.com",
        "samsungbioepis.com",
        "jazzpharma.com",
        "zymeworks.com",
        "beigene.com",
        "boehringer-ingelheim.com",
        "bayer.com",
        "merus.nl",
        "macrogenics.com",
        "remegen.com",
        "hengrui.com",
        "gsk.com",
        "novartis.com",
        "organon.com",
        "fosun.com",
        "kluspharma.com",
        "enhertu.com",
        "enhertuhcp.com",
        "kadcyla.com",
        "perjeta.com",
        "herceptin.com",
        "tukysa.com",
        # Press-release wires carry the companies' own announcements.
        "businesswire.com",
        "prnewswire.com",
        "globenewswire.com",
        "cision.com",
        "sec.gov",
    ),
    SourceKind.PRESS: (
        "thepharmaletter.com",
        "ascopost.com",
        "fdanews.com",
        "onclive.com",
        "biospace.com",
        "cancernetwork.com",
        "targetedonc.com",
        "cancerletter.com",
        "reuters.com",
        "bloomberg.com",
        "fiercepharma.com",
        "fiercebiotech.com",
        "biopharmadive.com",
        "statnews.com",
        "endpts.com",
        "pharmaceutical-technology.com",
        "europeanpharmaceuticalreview.com",
        "bioworld.com",
        "biocentury.com",
        "pharmacytimes.com",
        "ajmc.com",
        "healio.com",
        "medscape.com",
        "precisionmedicineonline.com",
        "genomeweb.com",
        "marketscreener.com",
        "nasdaq.com",
        "finanznachrichten.de",
        "gabionline.net",
        "centerforbiosimilars.com",
        "ecancer.org",
        "physiciansweekly.com",
        "clinicaloncology.com",
        "docwirenews.com",
        "pharmabiz.com",
        "business-standard.com",
        "seekingalpha.com",
        "channelnewsasia.com",
        "univadis.co.uk",
        "firstwordpharma.com",
        "news-medical.net",
        "healthday.com",
        "cerclefinance.com",
        "medicaldevice-network.com",
        "mlo-online.com",
        "oncnursingnews.com",
        "oncologynurseadvisor.com",
        "cancertherapyadvisor.com",
        "empr.com",
        "mixonline.jp",
        "nikkeibp.co.jp",
        "yakuji.co.jp",
        "insights.citeline.com",
        "pipelinereview.com",
        "einpresswire.com",
        "einnews.com",
        "particle.news",
        "aijourn.com",
        "drugstorenews.com",
        "beckershospitalreview.com",
        "spglobal.com",
        "indianpharmapost.com",
    ),
}


def _host(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".")


def _on_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


# A page shows the same sources again and again (an agency's announcement behind each of its approvals); the
# classification walks some hundred domains, so each URL is classified once per process.
@functools.lru_cache(maxsize=4096)
def classify_source_url(url: str) -> SourceKind:
    """The kind of document `url` points to, by its domain (and, for labels, its path)."""
    host = _host(url)
    if not host:
        return SourceKind.SECONDARY
    path = urlsplit(url.strip()).path
    for domain, prefix in LABEL_LOCATIONS:
        if _on_domain(host, domain) and path.startswith(prefix):
            return SourceKind.LABEL
    for kind, domains in DOMAINS.items():
        if any(_on_domain(host, domain) for domain in domains):
            return kind
    return SourceKind.SECONDARY


KIND_ORDER = {kind: position for position, kind in enumerate(SourceKind)}


@dataclass(frozen=True)
class ClassifiedSource:
    url: str
    kind: SourceKind

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def is_news(self) -> bool:
        return self.kind == SourceKind.PRESS

    @property
    def is_primary(self) -> bool:
        """The agency's own words: its pages or the label it approved."""
        return self.kind in (SourceKind.AGENCY, SourceKind.LABEL)


def classified_sources(urls: Iterable[str]) -> list[ClassifiedSource]:
    """`urls` with their kinds, agency sources first and news last; the curator's order within a kind."""
    classified = [ClassifiedSource(url, classify_source_url(url)) for url in urls if url]
    return sorted(classified, key=lambda source: KIND_ORDER[source.kind])
