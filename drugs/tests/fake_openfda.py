"""
A fake openFDA on loopback (drug/drugsfda.json and drug/label.json), for tests, the benchmark and local demos. No
network leaves the machine.

It holds the records of the recorded responses in `openfda_samples/` (applications NDA210251, NDA203094, NDA213051,
NDA215256, NDA209637, NDA215866, NDA021588; the Herceptin, Ogivri and Phesgo labels) and answers searches of the
form `field:"value" field:"value"` (a space is OR, as in openFDA's syntax) over them, in the real envelope: `meta`
with `results.skip/limit/total`, search_after paging through a `Link: <…>; rel="next"` header that is absent on the
last page (where `skip` is 0 again), and a 404 NOT_FOUND body for "no match". Synthetic records for tests are
obviously fake (`add_application`, `add_label`). Faults are those of `her2kb.tests.fake_upstream` (429 with openFDA's
OVER_RATE_LIMIT body, 500 with its SERVER_ERROR body), plus

    "400" / "403"                 the recorded BAD_REQUEST / API_KEY_INVALID answers

`rate_limit` answers 429 above that many requests per `rate_window` seconds (openFDA: 240 per 60 s).

Run it standalone: `python -m drugs.tests.fake_openfda --port 8767`.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from her2kb.tests.fake_upstream import FakeUpstream, LoggedRequest, Reply

SAMPLES_DIR = Path(__file__).resolve().parent / "openfda_samples"
APPLICATION_SAMPLES = (
    "openfda_drugsfda_search_gilead_skip10_limit2_NDA210251_NDA203094.json",
    "openfda_drugsfda_semaglutide_limit2_page1_NDA213051_NDA215256.json",
    "openfda_drugsfda_semaglutide_limit2_page2_search_after_NDA209637.json",
    "openfda_drugsfda_tirzepatide_limit1_NDA215866.json",
    "openfda_drugsfda_imatinib_NDA021588_minimized.json",
)
LABEL_SAMPLES = (
    "openfda_label_herceptin_search_trimmed.json",
    "openfda_label_phesgo_boxed_warning_empty_openfda_trimmed.json",
    "openfda_label_trastuzumab_search_trimmed_rows_removed.json",
)
TERM_RE = re.compile(r'([\w.]+):"([^"]*)"')
REFUSALS = {"400": "openfda_drugsfda_400_bad_request_sort.json", "403": "openfda_drugsfda_403_api_key_invalid.json"}
ENDPOINTS = {"/drug/drugsfda.json": "applications", "/drug/label.json": "labels"}


def load_sample(name: str) -> Any:
    return json.loads((SAMPLES_DIR / name).read_text(encoding="utf-8"))


def _values(record: dict[str, Any], path: str) -> list[str]:
    """Every value at a dotted path (lists are searched inside, as openFDA does)."""
    current: list[Any] = [record]
    for key in path.split("."):
        nxt: list[Any] = []
        for item in current:
            value = item.get(key) if isinstance(item, dict) else None
            nxt.extend(value if isinstance(value, list) else [value] if value is not None else [])
        current = nxt
    return [str(value) for value in current]


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"0={offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    return int(text.removeprefix("0="))


@dataclass
class FakeOpenFda(FakeUpstream):
    """The fake openFDA's state; `start()` serves it on 127.0.0.1 on a free port in a background thread."""

    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    rate_window: float = 60.0

    base_path = "/"
    thread_name = "fake-openfda"

    # -- configuration -----------------------------------------------------------------------
    def add_samples(self) -> FakeOpenFda:
        for name in APPLICATION_SAMPLES:
            for record in load_sample(name)["results"]:
                self.applications[record["application_number"]] = record
        for name in LABEL_SAMPLES:
            for record in load_sample(name)["results"]:
                self.labels[record["set_id"]] = record
        return self

    def add_application(self, number: str, *, substance: str, submissions: list[dict[str, Any]]) -> dict[str, Any]:
        """A synthetic application (obviously fake sponsor and brand) of `substance`."""
        self.applications[number] = {
            "application_number": number,
            "sponsor_name": "FAKE TEST SPONSOR INC",
            "openfda": {"application_number": [number], "brand_name": ["FAKEBRAND"], "substance_name": [substance]},
            "products": [{"product_number": "001", "brand_name": "FAKEBRAND", "active_ingredients": []}],
            "submissions": submissions,
        }
        return self.applications[number]

    def add_label(self, set_id: str, *, effective_time: str, boxed_warning: str = "") -> dict[str, Any]:
        record: dict[str, Any] = {"set_id": set_id, "effective_time": effective_time, "openfda": {}}
        if boxed_warning:
            record["boxed_warning"] = [boxed_warning]
        self.labels[set_id] = record
        return record

    def drugsfda_requests(self) -> list[LoggedRequest]:
        return self.requests_to("/drug/drugsfda.json")

    def label_requests(self) -> list[LoggedRequest]:
        return self.requests_to("/drug/label.json")

    # -- answers -----------------------------------------------------------------------------
    def rate_limited_reply(self) -> Reply:
        return Reply(
            429, (SAMPLES_DIR / "openfda_429_over_rate_limit_from_issue.json").read_bytes(), "application/json"
        )

    def error_reply(self, status: int) -> Reply:
        if status == 500:
            body = (SAMPLES_DIR / "openfda_drugsfda_500_server_error.json").read_bytes()
            return Reply(500, body, "application/json; charset=utf-8")
        return super().error_reply(status)

    def extra_headers(self) -> dict[str, str]:
        limit = int(self.rate_limit or 240)
        return {"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(max(0, limit - 1))}

    def answer(self, request: LoggedRequest, fault: str) -> Reply:
        if fault in ("400", "403"):
            return Reply(int(fault), (SAMPLES_DIR / REFUSALS[fault]).read_bytes(), "application/json")
        kind = ENDPOINTS.get(request.path)
        if kind is None:
            return Reply(404, b'{"error":{"code":"NOT_FOUND","message":"Not found"}}', "application/json")
        terms = TERM_RE.findall(request.params.get("search", ""))
        records = getattr(self, kind).values()
        matched = [
            record
            for record in records
            if any(value.upper() in (v.upper() for v in _values(record, path)) for path, value in terms)
        ]
        if not matched:
            return Reply(404, (SAMPLES_DIR / "openfda_drugsfda_404_not_found.json").read_bytes(), "application/json")
        limit = min(int(request.params.get("limit", "1")), 1000)
        offset = _offset(request.params["search_after"]) if request.params.get("search_after") else 0
        page = matched[offset : offset + limit]
        meta = copy.deepcopy(load_sample(APPLICATION_SAMPLES[1])["meta"])
        meta["results"] = {"skip": 0, "limit": limit, "total": len(matched)}
        headers = {}
        if offset + limit < len(matched):
            query = urlencode(
                {"search": request.params["search"], "limit": limit, "skip": 0, "search_after": _token(offset + limit)}
            )
            headers["Link"] = f'<{self.base_url}{request.path.lstrip("/")}?{query}>; rel="next"'
        return Reply.json({"meta": meta, "results": page}, **headers)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a fake openFDA (drugsfda, label) on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    fake = FakeOpenFda(rate_limit=240).add_samples()
    fake.serve_until_interrupted(
        args.port,
        f"Fake openFDA at {{base_url}} ({len(fake.applications)} applications, {len(fake.labels)} labels)",
        "Try: OPENFDA_BASE_URL={base_url} python manage.py watch_openfda",
    )


if __name__ == "__main__":
    main()
