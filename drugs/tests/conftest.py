"""Fixtures for the openFDA watcher tests: a fake openFDA on loopback, settings pointing at it, and what the dataset
tracks (issue 13's application numbers and labels, set through the watcher's `tracked_*` functions)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

from drugs.openfda import TrackedApplication, TrackedLabel
from drugs.tests.fake_openfda import FakeOpenFda

# The recorded NDA203094 (TYBOST): its approved ORIG and efficacy supplements, by action date.
NDA203094_APPROVALS = {
    "ORIG 1, 2": datetime.date(2014, 9, 24),
    "SUPPL 3": datetime.date(2015, 11, 25),
    "SUPPL 12": datetime.date(2018, 10, 30),
    "SUPPL 13": datetime.date(2019, 8, 22),
    "SUPPL 14": datetime.date(2019, 10, 3),
    "SUPPL 17, 18": datetime.date(2025, 6, 20),
}
PHESGO_SET_ID = "27dd5e6b-72cd-458d-a015-cf4dab5800da"  # recorded label with a boxed warning, effective 20260521
HERCEPTIN_SET_ID = "492dbdb2-077e-4064-bff3-372d6af0a7a2"  # recorded label without one, effective 20260529


@pytest.fixture
def fake_openfda() -> Iterator[FakeOpenFda]:
    """A running fake openFDA serving the recorded applications and labels."""
    with FakeOpenFda().add_samples() as fake:
        yield fake


@pytest.fixture
def openfda_settings(settings, fake_openfda: FakeOpenFda):
    settings.OPENFDA_BASE_URL = fake_openfda.base_url
    settings.OPENFDA_API_KEY = ""
    settings.UPSTREAM_TIMEOUT_SECONDS = 0.5
    settings.OPENFDA_REQUESTS_PER_MINUTE = 60_000.0
    settings.OPENFDA_RETRY_ATTEMPTS = 4
    settings.OPENFDA_RETRY_BACKOFF_SECONDS = 0.01
    settings.OPENFDA_RETRY_BACKOFF_MAX_SECONDS = 0.05
    settings.OPENFDA_PHARM_CLASSES = ["HER2/Neu/cerbB2 Antagonists [MoA]"]
    return settings


class Tracking:
    """What the watcher sees the dataset track; tests fill it in."""

    def __init__(self) -> None:
        self.applications: list[TrackedApplication] = []
        self.labels: list[TrackedLabel] = []

    def application(self, number: str, drug, dates) -> None:
        self.applications.append(TrackedApplication(number, drug.pk, drug.name, frozenset(dates)))

    def label(self, set_id: str, drug, revised: str, boxed: tuple[str, ...] = (), label_id: int = 0) -> None:
        self.labels.append(TrackedLabel(set_id, label_id, drug.pk, drug.name, revised, boxed))


@pytest.fixture
def tracking(monkeypatch) -> Tracking:
    tracked = Tracking()
    monkeypatch.setattr("drugs.services.tracked_fda_applications", lambda: tracked.applications)
    monkeypatch.setattr("drugs.services.tracked_fda_labels", lambda: tracked.labels)
    return tracked
