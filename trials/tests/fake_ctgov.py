"""
A fake ClinicalTrials.gov API v2 on loopback, for tests, the benchmark and local demos. No network leaves the machine.

It answers `GET /api/v2/studies` (with `filter.ids`, `fields`, `pageSize`, `pageToken`, `countTotal`) and
`GET /api/v2/studies/{nctId}` in the real format: recorded studies from `ctgov_samples/` are served as recorded,
trimmed to the requested `fields` as the API does; `add_study` builds a synthetic study (obviously fake title,
sponsor and NCT number) on the shape of the recorded NCT03630471. As the real API it pages with `nextPageToken`
(none on the last page), gives `totalCount` on the first page only, finds a study by an alias (`nctIdAliases`),
answers an unknown NCT number with a plain-text 404 and an unknown parameter with a plain-text 400. Faults are those
of `her2kb.tests.fake_upstream`, plus

    "emptypage"                   a page with an empty studies array that still carries a nextPageToken

Run it standalone: `python -m trials.tests.fake_ctgov --port 8766`.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from her2kb.tests.fake_upstream import FakeUpstream, LoggedRequest, Reply

SAMPLES_DIR = Path(__file__).resolve().parent / "ctgov_samples"
FULL_RECORDS = ("ctgov_study_NCT02552212.json", "ctgov_study_NCT03630471.json")
TEMPLATE = "ctgov_study_NCT03630471.json"
KNOWN_PARAMETERS = {
    "format",
    "markupFormat",
    "fields",
    "sort",
    "countTotal",
    "pageSize",
    "pageToken",
    "aggFilters",
    "geoDecay",
}
KNOWN_PREFIXES = ("query.", "filter.", "postFilter.")
# `fields` names → where they live in a study (what the API keeps of a study for each).
FIELD_PATHS = {
    "IdentificationModule": ("protocolSection", "identificationModule"),
    "StatusModule": ("protocolSection", "statusModule"),
    "SponsorCollaboratorsModule": ("protocolSection", "sponsorCollaboratorsModule"),
    "DesignModule": ("protocolSection", "designModule"),
    "ReferencesModule": ("protocolSection", "referencesModule"),
    "ProtocolSection": ("protocolSection",),
    "ResultsSection": ("resultsSection",),
    "DerivedSection": ("derivedSection",),
    "HasResults": ("hasResults",),
}


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES_DIR / name).read_text(encoding="utf-8"))


def synthetic_study(nct_id: str, **changes: Any) -> dict[str, Any]:
    """A study with the recorded NCT03630471's shape and obviously fake identity. `changes` sets the status module's
    `overallStatus`, date structs and `lastUpdatePostDateStruct`, `phases`, `enrollmentInfo`, `leadSponsor` name,
    `references` and `hasResults`."""
    study = copy.deepcopy(load_sample(TEMPLATE))
    protocol = study["protocolSection"]
    number = nct_id[3:]
    protocol["identificationModule"] = {
        "nctId": nct_id,
        "orgStudyIdInfo": {"id": f"FAKE-{number}"},
        "organization": {"fullName": "Fake Test Sponsor", "class": "INDUSTRY"},
        "briefTitle": f"Synthetic test study {nct_id} for the her2kb sync tests",
        "acronym": f"FAKE-{number[-4:]}",
    }
    protocol["sponsorCollaboratorsModule"] = {
        "responsibleParty": {"type": "SPONSOR"},
        "leadSponsor": {"name": changes.pop("sponsor", "Fake Test Sponsor"), "class": "INDUSTRY"},
    }
    protocol["referencesModule"] = {"references": changes.pop("references", [])}
    protocol["designModule"]["phases"] = changes.pop("phases", ["PHASE3"])
    if "enrollment" in changes:
        protocol["designModule"]["enrollmentInfo"] = changes.pop("enrollment")
    study["hasResults"] = changes.pop("hasResults", False)
    protocol["statusModule"].update(changes)
    return study


def _trim(study: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """What the API keeps of a study for these `fields` (only the requested parts; no `hasResults` unless asked)."""
    if not fields:
        return study
    trimmed: dict[str, Any] = {}
    for name in fields:
        path = FIELD_PATHS.get(name)
        if path is None or path[0] not in study:
            continue
        source, target = study, trimmed
        for key in path[:-1]:
            source = source.get(key, {})
            target = target.setdefault(key, {})
        if path[-1] in source:
            target[path[-1]] = copy.deepcopy(source[path[-1]])
    # The NCT number always comes back, as in the recorded fields-restricted answers.
    identification = trimmed.setdefault("protocolSection", {}).setdefault("identificationModule", {})
    identification.setdefault("nctId", study["protocolSection"]["identificationModule"]["nctId"])
    return trimmed


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"fake-page-{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except ValueError:
        return None
    return int(text.removeprefix("fake-page-")) if text.startswith("fake-page-") else None


@dataclass
class FakeCtGov(FakeUpstream):
    """The fake registry's state; `start()` serves it on 127.0.0.1 on a free port in a background thread."""

    studies: dict[str, dict[str, Any]] = field(default_factory=dict)

    base_path = "/api/v2/"
    thread_name = "fake-ctgov"

    # -- configuration -----------------------------------------------------------------------
    def add_samples(self) -> FakeCtGov:
        for name in FULL_RECORDS:
            study = load_sample(name)
            self.studies[study["protocolSection"]["identificationModule"]["nctId"]] = study
        return self

    def add_study(self, nct_id: str, **changes: Any) -> dict[str, Any]:
        self.studies[nct_id] = synthetic_study(nct_id, **changes)
        return self.studies[nct_id]

    def set_status(self, nct_id: str, **changes: Any) -> None:
        """Change a served study's status module (e.g. overallStatus="COMPLETED"), as the registry would."""
        self.studies[nct_id]["protocolSection"]["statusModule"].update(changes)

    def rename(self, old: str, new: str) -> None:
        """Serve the study `old` under the number `new`, with `old` as its alias (NCTIdAlias)."""
        study = self.studies.pop(old)
        identification = study["protocolSection"]["identificationModule"]
        identification["nctId"] = new
        identification["nctIdAliases"] = [old]
        self.studies[new] = study

    def studies_requests(self) -> list[LoggedRequest]:
        return self.requests_to("/studies")

    # -- answers -----------------------------------------------------------------------------
    def _find(self, nct_id: str) -> dict[str, Any] | None:
        if nct_id in self.studies:
            return self.studies[nct_id]
        return next(
            (
                study
                for study in self.studies.values()
                if nct_id in study["protocolSection"]["identificationModule"].get("nctIdAliases", [])
            ),
            None,
        )

    def answer(self, request: LoggedRequest, fault: str) -> Reply:
        params = request.params
        for name in params:
            if name not in KNOWN_PARAMETERS and not name.startswith(KNOWN_PREFIXES):
                return Reply(400, f"`{name}` is unknown parameter".encode(), "text/plain")
        fields = request.listed("fields")
        if request.path.endswith("/studies"):
            return self._search(request, fields, fault)
        nct_id = request.path.rsplit("/", 1)[-1]
        study = self._find(nct_id.upper()) if request.path.startswith(f"{self.base_path}studies/") else None
        if study is None:
            return Reply(404, f"Study {nct_id} not found".encode(), "text/plain")
        return Reply.json(_trim(study, fields))

    def _search(self, request: LoggedRequest, fields: list[str], fault: str) -> Reply:
        try:
            page_size = min(int(request.params.get("pageSize", "10")), 1000)
        except ValueError:
            return Reply(400, b"pageSize must be an integer", "text/plain")
        offset = _offset(request.params["pageToken"]) if request.params.get("pageToken") else 0
        if offset is None:
            return Reply(400, b"pageToken is invalid", "text/plain")
        matched: list[dict[str, Any]] = []
        for nct_id in request.listed("filter.ids"):
            study = self._find(nct_id.upper())
            if study is not None and study not in matched:
                matched.append(study)
        if fault == "emptypage":
            return Reply.json({"studies": [], "nextPageToken": _token(offset)})
        page = matched[offset : offset + page_size]
        body: dict[str, Any] = {"studies": [_trim(study, fields) for study in page]}
        if request.params.get("countTotal") == "true" and offset == 0:
            body["totalCount"] = len(matched)
        if offset + page_size < len(matched):
            body["nextPageToken"] = _token(offset + page_size)
        return Reply.json(body)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a fake ClinicalTrials.gov API v2 on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    fake = FakeCtGov().add_samples()
    fake.serve_until_interrupted(
        args.port,
        f"Fake ClinicalTrials.gov at {{base_url}} ({len(fake.studies)} recorded studies)",
        "Try: CTGOV_API_BASE_URL={base_url} python manage.py sync_ctgov --all",
    )


if __name__ == "__main__":
    main()
