from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ReferencesConfig(AppConfig):
    name = "references"
    verbose_name = "Literature"

    def ready(self) -> None:
        from her2kb.cache import invalidate_public_caches

        # Registered once, here, for every curated app: references is the app allowed to know the others.
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(invalidate_public_caches, dispatch_uid=f"her2kb-invalidate-{signal!r}")
