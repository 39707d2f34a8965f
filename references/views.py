"""Public pages for the literature."""

from django.views.generic import DetailView, ListView

from .models import Reference


class ReferenceListView(ListView):
    model = Reference
    paginate_by = 50


class ReferenceDetailView(DetailView):
    model = Reference
    slug_field = "pmid"
    slug_url_kwarg = "pmid"
