from django.urls import path

from . import views

app_name = "references"
urlpatterns = [
    path("", views.ReferenceListView.as_view(), name="reference_list"),
    path("<int:pmid>/", views.ReferenceDetailView.as_view(), name="reference_detail"),
]
