import factory

from references.models import Reference


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    pmid = factory.Sequence(lambda n: str(10_000_000 + n))
    doi = factory.Sequence(lambda n: f"10.1000/test.{n}")
    title = factory.Sequence(lambda n: f"A test article number {n}")
    authors = [{"last_name": "Doe", "fore_name": "Jane", "initials": "J"}, {"collective_name": "TEST Investigators"}]
    journal = "Journal of Tests"
    journal_iso = "J Tests"
    pub_year = 2020
    pub_month = 5
    volume = "10"
    issue = "2"
    pages = "100-110"
