"""The inbox on the admin index: how many proposals wait for a decision. Load with {% load inbox %}."""

from django import template
from django.urls import reverse

from curation.models import Proposal

register = template.Library()


@register.inclusion_tag("admin/curation/_inbox_count.html", takes_context=True)
def inbox_count(context) -> dict:
    user = context["request"].user
    if not user.has_perm("curation.view_proposal"):
        return {"visible": False}
    return {
        "visible": True,
        "count": Proposal.objects.open().count(),
        "url": reverse("admin:curation_proposal_changelist") + "?status__exact=proposed",
    }
