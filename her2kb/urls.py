"""Root URLs: public pages per app, the read-only API, the curators' admin."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("about/", views.AboutView.as_view(), name="about"),
    path("search/", views.SearchView.as_view(), name="site_search"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("drugs.urls")),
    path("trials/", include("trials.urls")),
    path("references/", include("references.urls")),
    path("releases/", include("her2kb.release_urls")),
    path("api/", include("her2kb.api_router")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "her2kb curation"
admin.site.site_title = "her2kb curation"
admin.site.index_title = "Curate drugs, approvals, trials and literature"
