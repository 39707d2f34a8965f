"""
The admin sign-in limiter's counters: failed sign-ins per account and per address, and how staff clear them.

Every attempt is counted *before* its password is checked (`count_hit`, atomic), so parallel attempts cannot slip
past the limit between a check and its count; an attempt that signs in is given back. An account is locked after
LOGIN_FAILURE_LIMIT attempts within LOGIN_FAILURE_WINDOW_SECONDS from anywhere (guessing one curator's password
from many addresses), an address after LOGIN_FAILURE_LIMIT_PER_ADDRESS attempts at any accounts (trying many
accounts). A lock-out holds against the right password too, or a guesser would learn when they guessed right: it
ends when the window passes, or when staff clear it with `manage.py clear_login_lockout`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .cache import count_hit, uncount_hit

KEY_PREFIX = "her2kb:login-attempts"


def account_key(username: str) -> str:
    # Normalised as Django's sign-in form does (NFKC, stripped), so spelling variants of a name count as one.
    name = unicodedata.normalize("NFKC", username.strip())
    return f"{KEY_PREFIX}:account:{hashlib.sha256(name.encode()).hexdigest()}"


def address_key(address: str) -> str:
    return f"{KEY_PREFIX}:address:{address}"


@dataclass(frozen=True)
class SignInAttempt:
    """One counted attempt: whether it may be checked, and the counters to give it back to if it signs in."""

    allowed: bool
    account: str
    address: str

    def succeeded(self) -> None:
        """The password was right: the account's failures are forgotten; the address gets this attempt back
        (only back: one's own account must not wipe the failures an address made at other accounts)."""
        cache.delete(self.account)
        uncount_hit(self.address)


def count_sign_in_attempt(*, username: str, address: str) -> SignInAttempt:
    """Count an attempt at `username` from `address`. Raises CacheUnavailable when nothing can be counted."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    account, where = account_key(username), address_key(address)
    allowed = count_hit(account, window) <= settings.LOGIN_FAILURE_LIMIT
    # Counted even when the account is already locked: an address trying locked accounts is still guessing.
    allowed = count_hit(where, window) <= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS and allowed
    return SignInAttempt(allowed=allowed, account=account, address=where)


def clear_login_failures(*, username: str | None = None, address: str | None = None) -> list[str]:
    """Lift the lock-out of an account and/or an address; returns what was cleared, for the command to say."""
    cleared = []
    if username is not None:
        cache.delete(account_key(username))
        cleared.append(f"account {username!r}")
    if address is not None:
        cache.delete(address_key(address))
        cleared.append(f"address {address}")
    return cleared
