"""
Property-based test of the whole API against its own published OpenAPI schema (schemathesis).

Every operation in /api/schema/ is called with generated valid and invalid inputs (query parameters,
path parameters, undocumented methods), and every response goes through all of schemathesis's checks:
no server error, status code / content type / headers / body conform to the schema, invalid input is
rejected, valid input accepted, unsupported methods answer 405. The number of examples per operation
is bounded (SCHEMATHESIS_MAX_EXAMPLES, default 40) so the run takes a minute or two.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from references.tests.factories import ReferenceFactory
from testing.api_data import make_linked_dataset
from trials.tests.factories import TrialFactory

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "40"))


@pytest.fixture(autouse=True)
def keep_the_test_transaction_open():
    """Django closes "old" connections after each request; inside a test's transaction that would close
    it. Django's test client avoids this the same way: by unhooking the handler while a test runs."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def linked_data(db):
    """A small but fully linked dataset, so that lists and detail URLs have something to show."""
    make_linked_dataset(2)
    TrialFactory(nct_id=None, slug="trial-without-nct")
    ReferenceFactory(pub_year=None, pub_month=None, title="", authors=[], doi="")


# Loaded from the application itself (no server, no network) when the module is collected.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# NUL characters are rejected with a 400 by design (PostgreSQL cannot compare them); generating them in
# "valid" strings would only re-test that rule, which test_api_errors covers.
schema.config.generation.update(max_examples=MAX_EXAMPLES, allow_x00=False, database="none")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the project: every run explores afresh
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case):
    # A sparse fieldset holds only the fields it names, on purpose: the schema's required fields are those of a whole
    # record (the parameter's description says so). Every other check still applies to it.
    sparse = bool(case.query) and "fields" in case.query
    # The in-process client does not inflate gzip as a real client does; the gzip export has tests of its own.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"}, excluded_checks=[response_schema_conformance] if sparse else []
    )
