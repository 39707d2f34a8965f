"""The paginator of every numbered list, page and API alike: counts kept per data version, deep pages by key."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .cache import cached_for_data_version

# From this offset on, a page first finds its rows' keys (an index-only scan on the list's ordering), then
# fetches only those rows: OFFSET then skips index entries instead of whole rows.
KEYS_FIRST_FROM_OFFSET = 500


class DataVersionPaginator(Paginator):
    """
    A Django paginator whose row count is computed once per filter and data version (every page, ordering and
    page size of one filter shares it), and whose deep pages select keys first.
    """

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None:  # a plain list
            return super().count
        # The SQL names the filter exactly; ordering does not change a count, so it is left out.
        unordered = self.object_list.order_by()
        try:
            sql = str(unordered.query)
        except EmptyResultSet:  # `.none()`: an invalid filter lists nothing
            return 0
        return cached_for_data_version(f"count:{sql}", unordered.count)

    def page(self, number):
        """As Django's, with the rows of a deep page found by their keys first."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom < KEYS_FIRST_FROM_OFFSET or not hasattr(self.object_list, "query"):
            return self._get_page(self.object_list[bottom:top], number, self)
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=keys).order_by()}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
