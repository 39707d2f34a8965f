"""The public Atom feed of what changed in her2kb: every accepted proposal, newest first, with its source."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .models import Proposal

FEED_LENGTH = 50


class AcceptedChangesFeed(Feed):
    """What changed in her2kb after ClinicalTrials.gov, openFDA or PubMed showed it, as accepted into the dataset.
    Each entry names the record, the change and the upstream page it was read in."""

    feed_type = Atom1Feed
    title = "What changed in her2kb"
    subtitle = "Changes to the HER2 therapy knowledge base found at ClinicalTrials.gov, openFDA and PubMed."
    author_name = "her2kb"

    def link(self) -> str:
        return reverse("home")

    def feed_url(self) -> str:
        return reverse("changes_feed")

    def items(self) -> list[Proposal]:
        return list(Proposal.objects.accepted()[:FEED_LENGTH])

    def item_title(self, proposal: Proposal) -> str:
        return proposal.title

    def item_description(self, proposal: Proposal) -> str:
        lines = [f"{proposal.result_label}." if proposal.result_label else ""]
        lines += [
            f"{field}: {change.get('current') or '—'} → {change.get('proposed') or '—'}"
            for field, change in proposal.diff.items()
        ]
        lines.append(f"Source ({proposal.get_source_display()}): {proposal.upstream_url}")
        return "\n".join(line for line in lines if line)

    def item_link(self, proposal: Proposal) -> str:
        return proposal.result_url or reverse("home")

    def item_guid(self, proposal: Proposal) -> str:
        return f"urn:her2kb:change:{proposal.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, proposal: Proposal):
        return proposal.decided_at

    def item_updateddate(self, proposal: Proposal):
        return proposal.decided_at
