"""
Who is asking: the address of the client a request came from, behind as many proxies as the deployment trusts.

Every per-address limit (the API's anonymous rate, the page rate, the admin sign-in limiter) counts by this one
address. `X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as the
deployment says: with TRUSTED_PROXY_COUNT = n, the n proxies in front of the site each appended the address they
saw, and the client is the n-th entry from the right. Anything further left was written by the client and is
ignored. With the default 0 the header is ignored altogether and the client is the socket's peer (REMOTE_ADDR).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

UNKNOWN_ADDRESS = "unknown"


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry the outermost trusted proxy wrote in X-Forwarded-For."""
    remote = request.META.get("REMOTE_ADDR") or UNKNOWN_ADDRESS
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(entries) < proxies:
        # Fewer entries than proxies: the request did not come through all of them (or the header is the
        # client's own). Only the socket's peer is known for sure.
        return remote
    return entries[-proxies]
