"""Public pages for drugs and approvals."""

from django.views.generic import DetailView, ListView

from .models import Approval, Drug


class DrugListView(ListView):
    queryset = Drug.objects.for_list()


class DrugDetailView(DetailView):
    model = Drug


class ApprovalListView(ListView):
    queryset = Approval.objects.for_list()
