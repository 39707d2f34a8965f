"""What every page's footer says about the dataset: when its newest record changed, and its latest release."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from curation.releases import latest_release
from her2kb.api.caching import dataset_last_modified
from her2kb.cache import cached_for_data_version


def dataset_facts() -> dict[str, Any]:
    """The date of the newest record change and the latest release's version and date (None without one). One
    query, kept under the data version, so a curator's edit moves it at once."""

    def compute() -> dict[str, Any]:
        release = latest_release()
        return {
            "as_of": dataset_last_modified(),
            "release_version": release.version if release else None,
            "release_published_at": release.published_at if release else None,
        }

    return cached_for_data_version("footer:dataset_facts", compute, in_process=True)


def footer(request: HttpRequest) -> dict[str, Any]:
    """`dataset_facts` for the footer, looked up only if the page shows it (the about page does not)."""
    return {"dataset_facts": SimpleLazyObject(dataset_facts)}
