"""Root URLs: the site-wide pages, public pages per app, the releases, the read-only API, the curators' admin.

Rooms are included by name, so the project package imports no app."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("portal.urls")),
    path("", include("drugs.urls")),
    path("trials/", include("trials.urls")),
    path("references/", include("references.urls")),
    path("releases/", include("curation.urls")),
    path("api/", include("portal.api.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "her2kb curation"
admin.site.site_title = "her2kb curation"
admin.site.index_title = "Curate drugs, approvals, trials and literature"
