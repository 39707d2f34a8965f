"""The site-wide pages."""

from django.urls import path

from curation.feeds import AcceptedChangesFeed

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("about/", views.AboutView.as_view(), name="about"),
    path("missing/<str:name>/", views.MissingListView.as_view(), name="missing_list"),
    path("search/", views.SearchView.as_view(), name="site_search"),
    path("healthz", views.healthz, name="healthz"),
    path("changes.atom", AcceptedChangesFeed(), name="changes_feed"),
]
