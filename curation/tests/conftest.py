"""The loopback fakes of every upstream, for the tests of the watchers together (the scheduled run)."""

from drugs.tests.conftest import fake_openfda, openfda_settings, tracking  # noqa: F401 - fixtures
from references.tests.conftest import fake_eutils, pubmed_settings  # noqa: F401 - fixtures
from trials.tests.conftest import ctgov_settings, fake_ctgov  # noqa: F401 - fixtures
