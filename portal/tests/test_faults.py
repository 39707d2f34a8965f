"""Surviving the loss of a part: the database dropping our connection (on the real PostgreSQL in CI)."""

import json

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory

from drugs.tests.factories import DrugFactory


def serve(path: str) -> tuple[str, bytes]:
    """One request through the real WSGI handler, as gunicorn makes it (the test Client skips the
    connection housekeeping that runs at the start of every real request)."""
    environ = RequestFactory().get(path).environ
    status = {}
    body = b"".join(WSGIHandler()(environ, lambda code, headers: status.setdefault("code", code)))
    return status["code"], body


@pytest.mark.django_db(transaction=True)
def test_next_request_reconnects_after_postgres_drops_the_connection(postgres):
    DrugFactory(name="still here")
    assert serve("/api/v1/drugs/")[0].startswith("200")
    backend_pid = postgres.connection.info.backend_pid
    params = postgres.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [backend_pid]).fetchone()[0]
    # A query not asked before, so the response cannot come from the API cache: it needs the database.
    status, body = serve("/api/v1/drugs/?ordering=-name")
    assert status.startswith("200")
    assert "still here" in [drug["name"] for drug in json.loads(body)["results"]]
    assert postgres.connection.info.backend_pid != backend_pid
