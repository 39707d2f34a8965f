from django.apps import AppConfig


class CurationConfig(AppConfig):
    """The curator's workbench: the dataset files (load and export), releases, quick entry and the admin tools
    that span apps."""

    name = "curation"
    verbose_name = "Curation"
