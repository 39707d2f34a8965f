"""
The base of the loopback fakes that stand in for upstream APIs (E-utilities, ClinicalTrials.gov, openFDA) in tests,
the benchmark and local demos. No network leaves the machine.

A fake serves on 127.0.0.1 on a free port in a background thread, logs every request with its arrival time, can
hold the upstream's own rate limit (answering 429 above it, as the real services do), and plays queued faults,
one per request:

    "429" / "429:<retry-after>"   HTTP 429 with the upstream's rate-limit body (and a Retry-After header)
    "500", "502", "503"           the upstream's error for that status (an HTML page unless the fake knows better)
    "slow:<seconds>"              wait, then answer normally (clients with a shorter timeout give up)
    "truncated"                   a 200 whose body is cut in half (Content-Length matches the cut body)
    "reset"                       close the connection without answering
    "drip:<seconds>"              the normal answer, its body one byte every <seconds> (a per-read timeout never trips)
    "gzip-bomb:<megabytes>"       a 200 with Content-Encoding: gzip whose small body inflates to <megabytes> of zeros

Subclasses answer the endpoints (`answer`) in the upstream's real format and may know further faults.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class LoggedRequest:
    at: float  # time.monotonic() on arrival
    method: str
    path: str
    params: dict[str, str]
    status: int = 0
    fault: str = ""

    def listed(self, name: str) -> list[str]:
        """A comma-separated parameter as a list (e.g. the ids of a batch)."""
        return [value for value in self.params.get(name, "").split(",") if value]


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    drip_seconds: float = 0.0  # > 0: the body is sent one byte at a time, this long apart

    @classmethod
    def json(cls, value: Any, status: int = 200, **headers: str) -> Reply:
        return cls(status, json.dumps(value).encode(), "application/json; charset=utf-8", headers)


@dataclass
class FakeUpstream:
    """A fake upstream's state; `start()` serves it. `rate_limit` requests per `rate_window` seconds are allowed."""

    rate_limit: float | None = None
    rate_window: float = 1.0
    faults: deque[str] = field(default_factory=deque)
    requests: list[LoggedRequest] = field(default_factory=list)

    # The URL path the fake serves under, e.g. "/api/v2/", and its thread's name.
    base_path = "/"
    thread_name = "fake-upstream"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- answers: subclasses ---------------------------------------------------------------
    def answer(self, request: LoggedRequest, fault: str) -> Reply:
        """The upstream's answer to `request` (`fault` is a queued fault this base does not handle, or "")."""
        return Reply(404, b"Not found.\n", "text/plain")

    def rate_limited_reply(self) -> Reply:
        return Reply(429, b"Too Many Requests\n", "text/plain")

    def error_reply(self, status: int) -> Reply:
        page = f"<html><head><title>{status} Error</title></head><body><h1>{status} Error</h1></body></html>"
        return Reply(status, page.encode(), "text/html")

    def extra_headers(self) -> dict[str, str]:
        return {}

    # -- configuration and serving ------------------------------------------------------------
    def add_fault(self, *faults: str) -> None:
        with self._lock:
            self.faults.extend(faults)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.base_path}"

    def start(self, port: int = 0) -> FakeUpstream:
        state = self

        class Handler(_Handler):
            fake = state

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_until_interrupted(self, port: int, *lines: str) -> None:
        """Serve on `port` in the foreground (a local demo), printing `lines` ({base_url} filled in), until Ctrl-C."""
        self.start(port)
        for line in lines:
            print(line.format(base_url=self.base_url))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()

    def requests_to(self, suffix: str) -> list[LoggedRequest]:
        """The logged requests whose path ends with `suffix`, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(suffix)]

    # -- internals ---------------------------------------------------------------------------
    def _admit(self, request: LoggedRequest) -> tuple[str, bool]:
        """Log the request; return the fault to apply and whether the upstream's rate limit was exceeded."""
        with self._lock:
            self.requests.append(request)
            fault = self.faults.popleft() if self.faults else ""
            over = False
            if self.rate_limit:
                recent = [r for r in self.requests if request.at - r.at < self.rate_window]
                over = len(recent) > self.rate_limit
            return fault, over

    def _reply(self, request: LoggedRequest) -> Reply | None:
        fault, over_limit = self._admit(request)
        request.fault = fault
        if over_limit and not fault:
            fault = "429"
        kind, _, argument = fault.partition(":")
        if kind == "reset":
            return None
        if kind == "429":
            reply = self.rate_limited_reply()
            if argument:
                reply.headers["Retry-After"] = argument
            return reply
        if kind in ("500", "502", "503"):
            return self.error_reply(int(kind))
        if kind == "slow":
            time.sleep(float(argument or 2.0))
            fault = ""
        if kind == "gzip-bomb":
            return Reply(200, gzip_bomb(int(argument or 100)), "application/json", {"Content-Encoding": "gzip"})
        if kind == "drip":
            reply = self.answer(request, "")
            reply.drip_seconds = float(argument or 2.0)
            return reply
        truncated = kind == "truncated"
        reply = self.answer(request, "" if truncated else fault)
        if truncated:
            reply.body = reply.body[: len(reply.body) // 2]
        return reply


class _Handler(BaseHTTPRequestHandler):
    fake: FakeUpstream
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        pass  # keep test output quiet

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle(parse_qs(urlsplit(self.path).query, keep_blank_values=True))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        params.update(parse_qs(body, keep_blank_values=True))
        self._handle(params)

    def _handle(self, raw_params: dict[str, list[str]]) -> None:
        params = {key: ",".join(values) for key, values in raw_params.items()}
        request = LoggedRequest(at=time.monotonic(), method=self.command, path=urlsplit(self.path).path, params=params)
        reply = self.fake._reply(request)
        if reply is None:  # "reset": close the connection without answering
            request.status = 0
            self.close_connection = True
            self.connection.close()
            return
        request.status = reply.status
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in {**self.fake.extra_headers(), **reply.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            if reply.drip_seconds:
                for index in range(len(reply.body)):
                    self.wfile.write(reply.body[index : index + 1])
                    self.wfile.flush()
                    time.sleep(reply.drip_seconds)
            else:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to do


@functools.cache
def gzip_bomb(megabytes: int) -> bytes:
    """A gzip body that inflates to `megabytes` MB of zeros (about 1 KB per MB), made without holding the inflated
    bytes: the way a hostile or broken server fills a client's memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: the gzip container
    zeros = bytes(1024 * 1024)
    return b"".join(compressor.compress(zeros) for _ in range(megabytes)) + compressor.flush()


def fast_client_options(fake: FakeUpstream, **overrides: Any) -> dict[str, Any]:
    """Client options for tests against a fake: its URL, short timeouts and backoff, no real sleeping."""
    from her2kb.ratelimit import LocalRateLimiter

    return {
        "base_url": fake.base_url,
        "timeout": 0.5,
        "limiter": LocalRateLimiter(500),
        "max_attempts": 3,
        "backoff_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "sleep": lambda seconds: None,
        **overrides,
    }
