"""Accounts: passwords hashed with argon2, sign-in with throttled failures, everything on the account trail.

    add_user(store, "anna", "lead", password, by="admin")
    actor = sign_in(store, "anna", password)       # Actor("anna", "lead"), or SignInRefused in words
    sign_out(store, actor)
    actor = sign_in_identity(store, st_user_claims)  # single sign-on (OIDC): the account named after the e-mail

While the store has no account the app and the command line run in single-user
mode as before (a typed name goes on record); the first account switches the
store to sign-in for everyone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from slm_psr.store import Store, StoreError
from slm_psr.store.errors import NotFound
from slm_psr.store.team import ROLES, TeamStore

PASSWORD_ENV = "SLM_PSR_PASSWORD"  # scripts give the password here instead of at the prompt
LOGIN_PASSWORD_ENV = "SLM_PSR_LOGIN_PASSWORD"  # the signing-in account's, when PASSWORD_ENV is a new one
MIN_PASSWORD = 10
MAX_FAILURES = 5  # failed sign-ins in a row before a name is held back
HOLD = dt.timedelta(minutes=15)  # how long; a success (or the hold running out) clears it

ROLE_WORDS = {
    "lead": "lead buyer",
    "evaluator": "evaluator",
    "observer": "observer",
    "admin": "administrator",
}

_hasher = PasswordHasher()  # argon2id with the library's current defaults (RFC 9106 low-memory)
# A hash of a password nobody has: checking it for an unknown name costs the same time.
_NOBODY = _hasher.hash("no account has this password")


@dataclass(frozen=True)
class Actor:
    """Who is working: a signed-in account and its role."""

    name: str
    role: str

    @property
    def words(self) -> str:
        return f"{self.name} ({ROLE_WORDS.get(self.role, self.role)})"


class Refused(StoreError):
    """A team rule said no (not signed in, wrong password, role, sealed envelope): the message is for people."""


class SignInRefused(Refused):
    """The name and password did not sign in; the message says why in words (never which one was wrong)."""


class NotSignedIn(Refused):
    """The store has accounts and nobody signed in."""


def check_password(password: str) -> str:
    """The password if it is acceptable, else ValueError saying what a password needs."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if password.strip() != password:
        raise ValueError("a password may not start or end with a space (they are easily lost when typed)")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


def team_mode(store: Store) -> bool:
    """True when the store has accounts: everyone signs in and roles apply."""
    return TeamStore(_raw(store)).has_users()


def add_user(store: Store, name: str, role: str, password: str, *, by: str) -> Actor:
    if role not in ROLES:
        raise ValueError(f"a role is one of {', '.join(ROLES)}, not '{role}'")
    user = TeamStore(_raw(store)).add_user(name, role, hash_password(password), by=by)
    return Actor(user.name, user.role)


def set_password(store: Store, name: str, password: str, *, by: str) -> None:
    TeamStore(_raw(store)).set_password(name, hash_password(password), by=by)


def sign_in(store: Store, name: str, password: str, *, now: dt.datetime | None = None) -> Actor:
    """The account ``name`` signed in, or ``SignInRefused``; both go on the account trail.

    After ``MAX_FAILURES`` failed attempts for a name (known or not) it is held back
    for ``HOLD`` from the last failure: nothing is checked then, so guessing stays slow.
    """
    team = TeamStore(_raw(store))
    now = now or dt.datetime.now(dt.UTC)
    name = (name or "").strip()
    failures, latest = team.failures_since(name, now - HOLD)
    if failures >= MAX_FAILURES and latest is not None:
        wait = math.ceil((latest + HOLD - now).total_seconds() / 60)
        team.record_event(name, "login_held", f"{failures} failed sign-ins")
        raise SignInRefused(
            f"too many failed sign-ins for '{name}': try again in {max(wait, 1)} minute(s), "
            "or ask the administrator to reset the password"
        )
    try:
        user = team.user(name)
    except NotFound:
        user = None
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _NOBODY, password or "") and user is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
        team.record_event(name, "login_failed", "account switched off" if ok and user else None)
        raise SignInRefused("the name or the password is not right (or the account is switched off)")
    _untouched(team, user.name)
    if _hasher.check_needs_rehash(user.password_hash):
        team.set_password(user.name, _hasher.hash(password), by=user.name)
    team.record_event(user.name, "login")
    return Actor(user.name, user.role)


def identity_email(claims: Mapping[str, Any]) -> str:
    """The e-mail address a single sign-on identity (OIDC claims, ``st.user``) vouches for, else ``SignInRefused``."""
    email = str(claims.get("email") or "").strip()
    if "@" not in email or any(c.isspace() for c in email):
        raise SignInRefused(
            "the single sign-on gave no e-mail address: ask the administrator to have the provider "
            "send the 'email' claim (scope 'openid profile email')"
        )
    if claims.get("email_verified") is False:  # absent: the provider does not say; false: it says no
        raise SignInRefused(f"the single sign-on has not verified the address {email}")
    return email


def sign_in_identity(store: Store, claims: Mapping[str, Any]) -> Actor:
    """The account a single sign-on identity maps to: the one named after its e-mail address.

    The provider has checked the password; here the address must name an active account
    (``users add anna@example.org --role lead``, compared case-insensitively). Both
    outcomes go on the account trail, marked as single sign-on.
    """
    team = TeamStore(_raw(store))
    email = identity_email(claims)
    try:
        user = team.user(email)
    except NotFound:
        user = None
    if user is None or not user.active:
        team.record_event(
            email, "login_failed", "single sign-on: " + ("switched off" if user else "no account")
        )
        raise SignInRefused(
            f"{email} signed in with the provider, but no active account here is called {email}: ask the "
            "administrator to add it (python -m slm_psr users add EMAIL --role ROLE)"
        )
    _untouched(team, user.name)
    team.record_event(user.name, "login", "single sign-on")
    return Actor(user.name, user.role)


def _untouched(team: TeamStore, name: str) -> None:
    """Refuse the sign-in of an account whose row differs from its trail (a role or password set in SQL)."""
    broken = team.account_breaks(name)
    if broken:
        team.record_event(name, "login_failed", "account changed outside slm-psr")
        raise SignInRefused(
            f"{broken[0]}; it may not sign in until an administrator has checked it (users log) and set it "
            "again with users role / users passwd"
        )


def sign_out(store: Store, actor: Actor, reason: str | None = None) -> None:
    """Record the end of a session (``reason``: e.g. 'idle for 30 minutes')."""
    TeamStore(_raw(store)).record_event(actor.name, "logout", reason)


def _raw(store: Store) -> Store:
    """The store under a role guard (accounts are checked here, not by the project guard)."""
    return getattr(store, "raw", store)
