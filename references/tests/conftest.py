"""Fixtures for the PubMed sync tests: a fake E-utilities server on loopback, and settings pointing at it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from references.tests.fake_eutils import FakeEutils


@pytest.fixture
def fake_eutils() -> Iterator[FakeEutils]:
    """A running fake E-utilities: the recorded samples, plus synthetic records for any other PMID."""
    with FakeEutils(synthetic=True).add_samples() as fake:
        yield fake


@pytest.fixture
def pubmed_settings(settings, fake_eutils: FakeEutils):
    """Point the sync at the fake server, with tiny timeouts and delays so fault runs stay fast.

    The API key is unique per test, so when REDIS_URL is set each test gets its own limiter bucket in Redis.
    """
    settings.NCBI_EUTILS_BASE_URL = fake_eutils.base_url
    settings.NCBI_EMAIL = "sync-tests@example.org"
    settings.NCBI_API_KEY = f"test-key-{uuid.uuid4().hex}"
    settings.UPSTREAM_TIMEOUT_SECONDS = 0.5
    settings.PUBMED_REQUESTS_PER_SECOND = 200.0
    settings.PUBMED_RETRY_ATTEMPTS = 4
    settings.PUBMED_RETRY_BACKOFF_SECONDS = 0.01
    settings.PUBMED_RETRY_BACKOFF_MAX_SECONDS = 0.05
    settings.PUBMED_BATCH_SIZE = 200
    return settings
