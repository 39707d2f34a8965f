from django.urls import path

from . import views

app_name = "trials"
urlpatterns = [
    path("", views.TrialListView.as_view(), name="trial_list"),
    path("<str:identifier>/", views.TrialDetailView.as_view(), name="trial_detail"),
]
