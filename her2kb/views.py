"""Project-wide pages: home, about, and the health check."""

from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView

from drugs.models import Approval, Drug
from references.models import Reference
from trials.models import Trial


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = {
            "drugs": Drug.objects.count(),
            "approvals": Approval.objects.count(),
            "trials": Trial.objects.count(),
            "references": Reference.objects.count(),
        }
        context["latest_approvals"] = Approval.objects.for_list().latest_first()[:8]
        return context


class AboutView(TemplateView):
    template_name = "about.html"


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe that touches nothing: the framework's floor in the benchmark."""
    return HttpResponse("ok", content_type="text/plain")
