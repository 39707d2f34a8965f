"""docs/researchers.md works as written: its Python example runs against a live server and answers its question in
one call; the curl and R examples' single calls return the CSV they describe."""

import contextlib
import datetime
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import requests
from django.conf import settings

from drugs.choices import Agency, DrugClass, Her2Category
from drugs.tests.factories import ApprovalFactory, DrugFactory
from trials.choices import Endpoint
from trials.tests.factories import OutcomeFactory, TrialDrugFactory, TrialFactory

GUIDE = Path(settings.BASE_DIR) / "docs" / "researchers.md"
LOCAL = "http://127.0.0.1:8000"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.fixture
def her2_low_world(transactional_db):
    """A HER2-low ADC approval of 2022 whose pivotal trial has a primary PFS result and an OS result, and an older
    HER2-positive approval that the question must leave out."""
    adc = DrugFactory(slug="guide-adc", name="guide-adc", drug_class=DrugClass.ADC)
    trial = TrialFactory(nct_id="NCT09000001", acronym="GUIDE-1")
    TrialDrugFactory(trial=trial, drug=adc)
    OutcomeFactory(trial=trial, endpoint=Endpoint.PFS, is_primary=True, hazard_ratio=Decimal("0.50"))
    OutcomeFactory(trial=trial, endpoint=Endpoint.OS, is_primary=False, hazard_ratio=Decimal("0.64"))
    approval = ApprovalFactory(
        drug=adc, agency=Agency.FDA, date=datetime.date(2022, 8, 5), her2_category=Her2Category.LOW
    )
    approval.pivotal_trials.set([trial])
    ApprovalFactory(drug=adc, agency=Agency.EMA, date=datetime.date(2019, 1, 1), her2_category=Her2Category.POSITIVE)


def test_the_python_example_answers_its_question_in_one_call(live_server, her2_low_world, monkeypatch):
    (code,) = _blocks("python")
    monkeypatch.setitem(os.environ, "HER2KB_API", f"{live_server.url}/api/v1")
    calls = []
    real_get = requests.get

    def counting_get(url, *args, **kwargs):
        calls.append(url)
        response = real_get(url, *args, **kwargs)
        assert response.status_code == 200, response.text
        return response

    monkeypatch.setattr(requests, "get", counting_get)
    printed = io.StringIO()
    namespace: dict = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(GUIDE), "exec"), namespace)  # noqa: S102 — the guide's own example, run as written
    assert len(calls) == 1
    evidence = namespace["evidence"]
    assert list(evidence["trial_nct_id"]) == ["NCT09000001"]
    assert list(evidence["approval_agency"]) == ["FDA"]
    assert list(evidence["endpoint"]) == ["pfs"]
    assert list(evidence["hazard_ratio"]) == [0.5]
    assert printed.getvalue().startswith("1 approval-result rows")


def test_the_curl_example_is_one_call_giving_the_adc_overall_survival_results(live_server, her2_low_world):
    (command,) = _blocks("sh")
    (url,) = re.findall(r"'(http[^']+)'", command)
    response = requests.get(url.replace(LOCAL, live_server.url), timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="her2kb-outcomes.csv"'
    table = pd.read_csv(io.StringIO(response.text))
    assert list(table["trial.nct_id"]) == ["NCT09000001"]
    assert list(table["hazard_ratio"]) == [0.64]


def test_the_r_example_is_one_call_giving_every_approval_as_csv(live_server, her2_low_world):
    (code,) = _blocks("r")
    (url,) = re.findall(r'"(http[^"]+)"', code)
    table = pd.read_csv(url.replace(LOCAL, live_server.url))  # what R's read.csv reads
    assert sorted(table["agency"]) == ["EMA", "FDA"]
    assert {"id", "agency", "date", "drug.slug", "her2_category"} <= set(table.columns)
