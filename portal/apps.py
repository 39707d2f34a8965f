from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The site's front: the pages that span every kind of record (home, about, search) and the API's root
    (one router over every app's endpoints, search, the bulk export, the docs)."""

    name = "portal"
    verbose_name = "Site pages and API root"
