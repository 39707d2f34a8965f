from django.urls import re_path

from . import views

app_name = "references"
urlpatterns = [
    re_path(r"^$", views.ReferenceListView.as_view(), name="reference_list"),
    # A PMID has no leading zero: /references/012/ is a 404, not PMID 12.
    re_path(r"^(?P<pmid>[1-9][0-9]{0,8})/$", views.ReferenceDetailView.as_view(), name="reference_detail"),
]
