"""Proposals with obviously fake values, as a watcher would write them."""

import factory
from django.contrib.contenttypes.models import ContentType

from curation.models import Proposal
from her2kb.inbox import FindingKind, FindingSource
from trials.tests.factories import TrialFactory


class TrialPublicationProposalFactory(factory.django.DjangoModelFactory):
    """A proposal to cite a (fake) PMID on a (fake) trial, as the ClinicalTrials.gov sync finds one."""

    class Meta:
        model = Proposal
        exclude = ["trial", "pmid"]

    trial = factory.SubFactory(TrialFactory)
    pmid = factory.Sequence(lambda n: str(810_000 + n))
    source = FindingSource.CTGOV
    sources = factory.LazyAttribute(lambda o: [o.source])
    kind = FindingKind.TRIAL_PUBLICATION
    key = factory.LazyAttribute(lambda o: f"trial-publication:{o.trial.nct_id}:{o.pmid}")
    title = factory.LazyAttribute(lambda o: f"New publication for {o.trial.acronym}: PMID {o.pmid}")
    subject_type = factory.LazyFunction(lambda: ContentType.objects.get(app_label="trials", model="trial"))
    subject_id = factory.LazyAttribute(lambda o: o.trial.pk)
    subject_label = factory.LazyAttribute(lambda o: str(o.trial))
    upstream_url = factory.LazyAttribute(lambda o: f"https://clinicaltrials.gov/study/{o.trial.nct_id}")
    raw_value = factory.LazyAttribute(lambda o: {"pmid": o.pmid, "type": "RESULT", "citation": "A fake citation."})
    diff = factory.LazyAttribute(lambda o: {"references": {"current": "", "proposed": f"PMID {o.pmid}"}})
