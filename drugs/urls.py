from django.urls import path

from . import views

app_name = "drugs"
urlpatterns = [
    path("drugs/", views.DrugListView.as_view(), name="drug_list"),
    path("drugs/<slug:slug>/", views.DrugDetailView.as_view(), name="drug_detail"),
    path("approvals/", views.ApprovalListView.as_view(), name="approval_list"),
    path("landscape/", views.LandscapeView.as_view(), name="landscape"),
    path("diagnostics/", views.CompanionDiagnosticListView.as_view(), name="diagnostic_list"),
]
