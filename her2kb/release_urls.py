"""Public URLs of the dataset releases."""

from django.urls import path

from . import release_views

app_name = "releases"

urlpatterns = [
    path("", release_views.ReleaseListView.as_view(), name="release_list"),
    path("latest/", release_views.release_latest_download, name="release_latest"),
    path("<str:version>/", release_views.release_download, name="release_download"),
    path("<str:version>/manifest.json", release_views.release_manifest, name="release_manifest"),
]
