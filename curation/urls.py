"""Public URLs of the dataset releases."""

from django.urls import path

from . import views

app_name = "releases"

urlpatterns = [
    path("", views.ReleaseListView.as_view(), name="release_list"),
    path("latest/", views.release_latest_download, name="release_latest"),
    path("<str:version>/", views.release_download, name="release_download"),
    path("<str:version>/manifest.json", views.release_manifest, name="release_manifest"),
]
