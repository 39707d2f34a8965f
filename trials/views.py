"""Public pages for trials."""

from django.http import Http404
from django.views.generic import DetailView, ListView

from .models import Trial


class TrialListView(ListView):
    queryset = Trial.objects.for_list()


class TrialDetailView(DetailView):
    model = Trial

    def get_object(self, queryset=None) -> Trial:
        try:
            return Trial.objects.get_by_identifier(self.kwargs["identifier"])
        except Trial.DoesNotExist as missing:
            raise Http404("No trial with this NCT number or name.") from missing
