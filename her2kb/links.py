"""
`reverse()` for the links every list and export writes by the thousand: a drug's, a trial's, a reference's URL.

Django's `reverse()` walks the URL patterns on every call (tens of microseconds); a list of 200 records with
nested summaries calls it a thousand times, the bulk export millions of times. `link()` reverses each route
once with a placeholder and then only substitutes the identifier, which is safe for identifiers made of
letters, digits, `-` and `_` (slugs, PMIDs, NCT numbers, primary keys): they need no quoting. Anything else
goes through `reverse()` itself.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, reverse

# Identifiers that a URL holds as they are: no percent-encoding, and no character a route's converter could
# treat specially.
PLAIN_IDENTIFIER = re.compile(r"[-A-Za-z0-9_]+\Z")
# Tried in turn: a route for slugs or text takes the first, one for numbers (PMIDs) the second.
PLACEHOLDERS = ("her2kbplaceholder", "987654321")

_templates: dict[tuple, tuple[str, str] | None] = {}
# The script prefix as read once by `script_prefix_read_once`, else None (read it per link).
_script_prefix: ContextVar[str | None] = ContextVar("her2kb_script_prefix", default=None)


@contextlib.contextmanager
def script_prefix_read_once() -> Iterator[None]:
    """Within the block, `link()` reads the script prefix once instead of per link: Django keeps it in an asgiref
    Local, whose every read costs about as much as the rest of a link (the bulk export writes a million links).
    It is set once per request, before the view runs, so it does not change within a block."""
    token = _script_prefix.set(get_script_prefix())
    try:
        yield
    finally:
        _script_prefix.reset(token)


def link(view_name: str, kwarg: str, value: object) -> str:
    """`reverse(view_name, kwargs={kwarg: value})`, without walking the URL patterns each time."""
    text = str(value)
    if PLAIN_IDENTIFIER.match(text):
        # The script prefix (a site served under a path) is part of every reversed URL. Per-request URLconfs
        # (`request.urlconf`) are not used by this site.
        key = (view_name, kwarg, _script_prefix.get() or get_script_prefix())
        try:
            template = _templates[key]
        except KeyError:
            template = _templates[key] = _template(view_name, kwarg)
        if template is not None:
            return template[0] + text + template[1]
    return reverse(view_name, kwargs={kwarg: value})


def _template(view_name: str, kwarg: str) -> tuple[str, str] | None:
    """The reversed URL split around the identifier, or None when no placeholder fits the route."""
    for placeholder in PLACEHOLDERS:
        try:
            url = reverse(view_name, kwargs={kwarg: placeholder})
        except NoReverseMatch:
            continue
        if url.count(placeholder) == 1:
            before, after = url.split(placeholder)
            return before, after
    return None


def site_url(path: str) -> str:
    """The public address of a path the site reversed: SITE_URL + path, or the path itself without SITE_URL.
    Never built from the request's Host header: answers are cached and shared between clients, so a Host a
    client chose must not end up in links others are served."""
    return settings.SITE_URL + path
