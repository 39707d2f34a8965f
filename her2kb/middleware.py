"""Project-wide middleware: the public page cache and the security headers Django does not set itself."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from .cache import data_version

# Paths never served from the cache: the admin, the API (throttled per client), health and static files.
UNCACHED_PREFIXES = ("/admin/", "/api/", "/healthz", "/static/")


class PublicPageCacheMiddleware:
    """
    Serves anonymous GETs of public HTML pages from the cache.

    The key holds the URL (with its query string) and the data version, so any curator edit invalidates
    every page at once. Only complete 200 responses without cookies are stored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.PAGE_CACHE_SECONDS <= 0 or not self._cacheable_request(request):
            return self.get_response(request)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"her2kb:page:{data_version()}:{digest}"
        cached = cache.get(key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content, status=200)
            for name, value in headers.items():
                response[name] = value
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._cacheable_response(response):
            headers = {name: value for name, value in response.items() if name.lower() in ("content-type", "etag")}
            cache.set(key, (response.content, headers), settings.PAGE_CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return response

    @staticmethod
    def _cacheable_request(request: HttpRequest) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(UNCACHED_PREFIXES)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
        )

    @staticmethod
    def _cacheable_response(response: HttpResponse) -> bool:
        return response.status_code == 200 and not response.streaming and not response.cookies


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy: everything is served from our own origin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        return response


class AdminLoginRateLimitMiddleware:
    """
    Slows password guessing on the admin login: after LOGIN_FAILURE_LIMIT failed attempts from one address
    within LOGIN_FAILURE_WINDOW_SECONDS, further attempts get a 429 until the window passes.
    A failed Django admin login answers 200 (the form again); a successful one redirects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path != settings.ADMIN_LOGIN_PATH:
            return self.get_response(request)
        key = f"her2kb:login-failures:{request.META.get('REMOTE_ADDR', 'unknown')}"
        failures = cache.get(key, 0)
        if failures >= settings.LOGIN_FAILURE_LIMIT:
            response = HttpResponse(
                "Too many failed sign-in attempts from your address. Try again in a few minutes.",
                status=429,
                content_type="text/plain",
            )
            response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW_SECONDS)
            return response
        response = self.get_response(request)
        if response.status_code == 200:
            cache.set(key, failures + 1, settings.LOGIN_FAILURE_WINDOW_SECONDS)
        return response
