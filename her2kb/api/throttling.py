"""Throttles: rates read from settings per request, clients counted by the address her2kb.clients trusts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from her2kb.clients import client_address


class _SettingsRateMixin:
    scope: str

    def get_rate(self) -> str | None:
        # DRF reads rates once at import; reading them per request honours settings overrides.
        # No rate (None) means the throttle lets everything through.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request: Request) -> str:
        # DRF's own get_ident believes any X-Forwarded-For unless NUM_PROXIES is set: a client could then name a
        # new address on every request and never reach its limit.
        return client_address(request)


class AnonymousRateThrottle(_SettingsRateMixin, throttling.AnonRateThrottle):
    """Anonymous clients, counted per IP address."""


class TokenRateThrottle(_SettingsRateMixin, throttling.UserRateThrottle):
    """Authenticated clients (API token or staff session), counted per user: a higher rate."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        # DRF's UserRateThrottle also counts anonymous clients (per address): they have their own rate, and only
        # that one must apply to them. None means "not mine to throttle".
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class DownloadRateThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """Whole lists in file formats (CSV, RIS, BibTeX, CSL-JSON), counted per address whoever asks: each can be a
    large file to build, so they have a stricter rate of their own (API_THROTTLE_RATE_DOWNLOAD) on top of the
    client's usual one."""

    scope = "download"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@dataclass(frozen=True)
class RateLimitState:
    """Where a client stands against one throttle: its limit per window, what is left, and when it resets."""

    limit: int
    remaining: int
    reset: int  # seconds until the oldest counted request leaves the window
    window: int


def rate_limit_state(throttle: Any) -> RateLimitState | None:
    """The state a throttle left after `allow_request`, or None when it did not count this request (no rate set,
    or not its kind of client)."""
    history = getattr(throttle, "history", None)
    if getattr(throttle, "rate", None) is None or history is None or not hasattr(throttle, "now"):
        return None
    limit, window = int(throttle.num_requests), int(throttle.duration)
    reset = math.ceil(history[-1] + window - throttle.now) if history else window
    return RateLimitState(limit=limit, remaining=max(0, limit - len(history)), reset=max(0, reset), window=window)
