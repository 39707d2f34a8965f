from django.apps import AppConfig


class CurationConfig(AppConfig):
    """The curator's workbench: the dataset files (load and export), releases, quick entry, the inbox of the
    watchers' proposals and the admin tools that span apps."""

    name = "curation"
    verbose_name = "Curation"

    def ready(self) -> None:
        # The inbox receives the watchers' findings (her2kb.inbox.findings_reported).
        from . import inbox  # noqa: F401
