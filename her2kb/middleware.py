"""Project-wide middleware: the input guard, the public page cache, the security headers Django does not set
itself, and the admin sign-in limiter."""

import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import set_response_etag

from .api.errors import problem_response
from .cache import CacheUnavailable, count_hit, data_version, one_data_version_per_request
from .clients import client_address
from .login_limits import count_sign_in_attempt

API_PREFIX = "/api/"


class InputGuardMiddleware:
    """
    Refuses requests that carry a NUL character in the path, a query parameter or a posted form field: a 400 in
    the API's JSON shape under /api/, the 400 page elsewhere.

    PostgreSQL cannot store or compare NUL characters (the driver raises, which would be a 500), and no real
    name, identifier or query contains one. Checking here, before any view, answers the same way everywhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self._nul_in(request)
        if problem is None:
            return self.get_response(request)
        where, parameter = problem
        message = f"The {where} contains a NUL character (%00), which no her2kb address or query uses."
        if request.path.startswith(API_PREFIX):
            # The API's problem shape (her2kb.api.errors): a query parameter is named under "errors".
            errors = {parameter: [f"{parameter} contains a NUL character."]} if parameter is not None else None
            return problem_response(400, f"Invalid request: {message}", errors)
        return render(request, "400.html", {"message": message}, status=400)

    @staticmethod
    def _nul_in(request: HttpRequest) -> tuple[str, str | None] | None:
        """Where a NUL character is (and in which parameter), or None."""
        if "\x00" in request.path:
            return "address", None
        if (name := _name_with_nul(request.GET)) is not None:
            return f"query parameter '{name}'", name
        posts_a_form = request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        if request.method == "POST" and posts_a_form and (name := _name_with_nul(request.POST)) is not None:
            return f"form field '{name}'", None
        return None


def _name_with_nul(data) -> str | None:
    """The first name in a QueryDict whose name or values hold a NUL character (a NUL in it shown as %00)."""
    for name, values in data.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "%00")
    return None


# Paths never served from the cache: the admin, the API (throttled per client), health and static files.
UNCACHED_PREFIXES = ("/admin/", "/api/", "/healthz", "/static/")


PAGE_RATE_WINDOW_SECONDS = 60


class PageRateLimitMiddleware:
    """
    At most PAGE_RATE_LIMIT_PER_MINUTE HTML pages a minute per client address (her2kb.clients, behind the trusted
    proxies), cached or not; past it, the 429 page with Retry-After. The API has its own throttles; the admin, static
    files and the health check are not counted. While the cache is down nothing is counted: pages keep serving.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.PAGE_RATE_LIMIT_PER_MINUTE
        if limit <= 0 or request.method not in ("GET", "HEAD") or request.path.startswith(UNCACHED_PREFIXES):
            return self.get_response(request)
        window = int(time.time() // PAGE_RATE_WINDOW_SECONDS)
        address = hashlib.sha256(client_address(request).encode()).hexdigest()[:24]
        try:
            hits = count_hit(f"her2kb:page-rate:{address}:{window}", PAGE_RATE_WINDOW_SECONDS)
        except CacheUnavailable:
            return self.get_response(request)
        if hits <= limit:
            return self.get_response(request)
        retry_after = max(1, int(PAGE_RATE_WINDOW_SECONDS - time.time() % PAGE_RATE_WINDOW_SECONDS))
        response = render(request, "429.html", {"limit": limit, "retry_after": retry_after}, status=429)
        response["Retry-After"] = str(retry_after)
        return response


class DataVersionMiddleware:
    """Each request reads the data version once (`her2kb.cache.one_data_version_per_request`): its page cache key and
    every piece its page keeps under the version (content, counts, rows, the footer) share that one look-up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with one_data_version_per_request():
            return self.get_response(request)


class PublicPageCacheMiddleware:
    """
    Serves anonymous GETs of public HTML pages from the cache.

    The key holds the URL (with its query string) and the data version, so any curator edit invalidates
    every page at once. Only complete 200 responses without cookies are stored, and only for query strings made
    of the parameters the page knows (its filters and page number, the search's `q`): a random `?x=…` on every
    request is rendered, never stored, so it cannot fill the cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.PAGE_CACHE_SECONDS <= 0 or not self._cacheable_request(request):
            return self.get_response(request)
        if request.GET and not set(request.GET) <= known_query_parameters(request.path_info):
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
            # The ETag kept with the page: ConditionalGetMiddleware would otherwise hash the whole page on every hit.
            set_response_etag(response)
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


def known_query_parameters(path: str) -> frozenset[str]:
    """The query parameters the page at `path` reads: a filtered list's filters and page number, and those a view
    names in `cached_query_parameters` (the search's `q`). Unknown pages know none."""
    return _known_query_parameters(settings.ROOT_URLCONF, path)


# Kept per path: resolving it again took a good part of serving a cached list page.
@functools.lru_cache(maxsize=4096)
def _known_query_parameters(urlconf: str, path: str) -> frozenset[str]:
    try:
        view_class = getattr(resolve(path, urlconf).func, "view_class", None)
    except Resolver404:
        return frozenset()
    known = set(getattr(view_class, "cached_query_parameters", ()))
    filterset_class = getattr(view_class, "filterset_class", None)
    if filterset_class is not None:
        known |= {*filterset_class.base_filters, view_class.page_kwarg}
    return frozenset(known)


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
    Slows password guessing on the admin sign-in: attempts are counted per account and per address before the
    password is checked (her2kb/login_limits.py), and refused with a 429 past either limit. Counting needs the
    cache: while it is down, sign-ins are refused with a 503 rather than let through uncounted. Signed-in
    curators and the public site are not affected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path != settings.ADMIN_LOGIN_PATH:
            return self.get_response(request)
        try:
            attempt = count_sign_in_attempt(username=request.POST.get("username", ""), address=client_address(request))
        except CacheUnavailable:
            return HttpResponse(
                "Signing in is unavailable for a moment: the store that counts sign-in attempts cannot be reached. "
                "Try again in a minute; the public site is not affected.",
                status=503,
                content_type="text/plain",
                headers={"Retry-After": "60"},
            )
        if not attempt.allowed:
            minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
            return HttpResponse(
                "Too many failed sign-in attempts for this account or from your address. Try again in "
                f"{minutes} minutes, or ask the site's administrators to lift the lock.",
                status=429,
                content_type="text/plain",
                headers={"Retry-After": str(settings.LOGIN_FAILURE_WINDOW_SECONDS)},
            )
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:  # the admin's login view signed the user in
            attempt.succeeded()
        return response
