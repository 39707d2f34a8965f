"""Fixtures for the ClinicalTrials.gov sync tests: a fake registry on loopback, and settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from trials.tests.fake_ctgov import FakeCtGov


@pytest.fixture
def fake_ctgov() -> Iterator[FakeCtGov]:
    """A running fake registry serving the recorded studies."""
    with FakeCtGov().add_samples() as fake:
        yield fake


@pytest.fixture
def ctgov_settings(settings, fake_ctgov: FakeCtGov):
    """Point the sync at the fake registry, with tiny timeouts and delays so fault runs stay fast."""
    settings.CTGOV_API_BASE_URL = fake_ctgov.base_url
    settings.UPSTREAM_TIMEOUT_SECONDS = 0.5
    settings.CTGOV_REQUESTS_PER_MINUTE = 12_000.0
    settings.CTGOV_RETRY_ATTEMPTS = 4
    settings.CTGOV_RETRY_BACKOFF_SECONDS = 0.01
    settings.CTGOV_RETRY_BACKOFF_MAX_SECONDS = 0.05
    settings.CTGOV_BATCH_SIZE = 100
    return settings
