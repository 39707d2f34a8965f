from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    """The site's front: the pages that span every kind of record (home, about, search) and the API's root
    (one router over every app's endpoints, search, the bulk export, the docs)."""

    name = "portal"
    verbose_name = "Site pages and API root"

    def ready(self) -> None:
        # Search reads the FTS5 tables on SQLite: a migration that rebuilt a table dropped their triggers, and they
        # come back (with the rows indexed afresh) after every migrate. A look at sqlite_master when nothing is amiss.
        post_migrate.connect(_ensure_sqlite_search_tables, dispatch_uid="portal.ensure_sqlite_search_tables")


def _ensure_sqlite_search_tables(sender, using="default", **kwargs) -> None:
    from her2kb.fulltext import ensure_sqlite_search_tables

    ensure_sqlite_search_tables(using)
