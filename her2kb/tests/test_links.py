"""Fast links give exactly what Django's reverse gives."""

import pytest
from django.urls import reverse, set_script_prefix

from her2kb.links import link

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("view_name", "kwarg", "value"),
    [
        ("drugs:drug_detail", "slug", "trastuzumab-deruxtecan"),
        ("trials:trial_detail", "identifier", "NCT03529110"),
        ("references:reference_detail", "pmid", "35665782"),
        ("drug-detail", "slug", "t-dxd"),
        ("approval-detail", "pk", 12),
        ("trial-detail", "identifier", "destiny_breast03"),
    ],
)
def test_link_is_what_reverse_gives(view_name, kwarg, value):
    assert link(view_name, kwarg, value) == reverse(view_name, kwargs={kwarg: value})


def test_link_follows_the_script_prefix():
    try:
        set_script_prefix("/kb/")
        assert link("drugs:drug_detail", "slug", "pertuzumab") == "/kb/drugs/pertuzumab/"
    finally:
        set_script_prefix("/")
    assert link("drugs:drug_detail", "slug", "pertuzumab") == "/drugs/pertuzumab/"


def test_identifiers_that_need_quoting_go_through_reverse():
    assert (
        link("drug-detail", "slug", "a b") == reverse("drug-detail", kwargs={"slug": "a b"}) == "/api/v1/drugs/a%20b/"
    )
