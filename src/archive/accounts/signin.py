"""Signing in with a password from a browser: sessions, their CSRF tokens, and the limit on
guessing. Never commits: a sign-in is two short transactions the endpoint opens, with the
slow password check between them (`stored_credentials`, `check_password`, `open_session`).

A session is a random token in an `HttpOnly` cookie; the database keeps only its SHA-256, so a
copy of the database signs nobody in, and signing out revokes the row. Each session has a CSRF
token too, readable by the page's script (a cookie without `HttpOnly`, and the sign-in answer):
a request that rides on the cookie and changes something must send it back as `X-CSRF-Token`.
Another site can make a browser send our cookie, but cannot read it to copy the token.

A wrong username and a wrong password get the same answer in about the same time: for a name
nobody has, a dummy hash is verified, so timing does not tell which names exist.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from archive.accounts import repository
from archive.accounts.passwords import Passwords
from archive.accounts.service import viewer_for_user
from archive.db.base import utcnow
from archive.domain.access import Viewer
from archive.domain.ratelimit import TokenBuckets, share_of
from archive.domain.tokens import token_digest
from archive.errors import Forbidden, TooManyRequests, Unauthorized
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import User
from archive.models.accounts import WebSession
from archive.settings import Settings

log = logging.getLogger(__name__)

SESSION_COOKIE = "archive_session"
CSRF_COOKIE = "archive_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_PREFIX = "sess_"

WRONG_CREDENTIALS = (
    "The username or the password is wrong. Check both (letter case matters) and try again; "
    "after several misses you will have to wait a little between tries."
)


class LoginLimiter:
    """Sign-in attempts per username and per client address, each a token bucket. Thread-safe:
    endpoints run in a thread pool."""

    def __init__(self, by_username: TokenBuckets, by_address: TokenBuckets) -> None:
        self._by_username = by_username
        self._by_address = by_address
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimiter:
        processes = settings.http_processes
        return cls(
            share_of(settings.login_burst, 1 / settings.login_refill_seconds, processes=processes),
            share_of(
                settings.login_address_burst,
                1 / settings.login_address_refill_seconds,
                processes=processes,
            ),
        )

    def take(self, username: str, address: str, *, now: float) -> None:
        """Counts one attempt (`now` in monotonic seconds); `TooManyRequests` when either the
        name or the address has had too many. The answer is the same whether the name exists."""
        with self._lock:
            wait = max(
                self._by_username.take(username.casefold(), now),
                self._by_address.take(address, now),
            )
        if wait:
            # Whole seconds, rounded up; `wait` is already rounded up to the millisecond.
            seconds = max(1, math.ceil(wait - 0.001))
            raise TooManyRequests(
                f"Too many sign-in attempts for this account or from your network. Wait "
                f"{seconds} s and try again; if you forgot your password, ask an administrator.",
                headers={"Retry-After": str(seconds)},
            )


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    session_token: str
    """For the `HttpOnly` cookie; only its digest is stored."""
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the first of a sign-in's two transactions read: whose password hash to check."""

    user_id: uuid.UUID
    password_hash: str


def stored_credentials(
    session: Session, limiter: LoginLimiter, *, username: str, address: str
) -> Credentials | None:
    """The user's stored password hash, or None for an unknown name or an account without a
    password. Counts the attempt first and raises `TooManyRequests` before any hashing, so a
    flood of guesses costs us little."""
    limiter.take(username, address, now=time.monotonic())
    user = repository.get_user_by_username(session, username)
    if user is None or user.password_hash is None:
        return None
    return Credentials(user.id, user.password_hash)


def check_password(
    passwords: Passwords, credentials: Credentials | None, *, username: str, password: str
) -> str | None:
    """Verifies the password, slowly: call it outside any transaction (on SQLite a
    transaction holds the database's one write lock, and no one should wait on a hash).
    `Unauthorized` alike for an unknown name, an account without a password and a wrong
    password. Returns the password hashed anew when the stored hash was made with other
    argon2 parameters, else None."""
    if credentials is None:
        passwords.verify_nobody(password)
        log.info("auth.sign_in_failed username=%r reason=unknown", username)
        raise Unauthorized(WRONG_CREDENTIALS)
    if not passwords.verify(credentials.password_hash, password):
        log.info("auth.sign_in_failed username=%r reason=password", username)
        raise Unauthorized(WRONG_CREDENTIALS)
    return passwords.hash(password) if passwords.needs_rehash(credentials.password_hash) else None


def open_session(
    session: Session,
    passwords: Passwords,
    *,
    credentials: Credentials,
    password: str,
    upgraded: str | None,
    lifetime: timedelta,
    actor: Actor,
) -> SignedIn:
    """Opens a browser session for a password `check_password` accepted, storing `upgraded`
    as the new hash when given. `Unauthorized` when the account was deleted, or its password
    changed, since the check."""
    session_token = SESSION_PREFIX + secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    user = repository.get_user(session, credentials.user_id)
    if user is None or user.password_hash is None:
        raise Unauthorized(WRONG_CREDENTIALS)  # deleted while we were checking
    if user.password_hash != credentials.password_hash:
        # Changed meanwhile (a new password, or another sign-in's upgrade): rare enough to
        # check again here, holding the transaction.
        if not passwords.verify(user.password_hash, password):
            raise Unauthorized(WRONG_CREDENTIALS)
    elif upgraded is not None:
        user.password_hash = upgraded
    now = utcnow()
    repository.delete_ended_web_sessions(session, user.id, now=now)
    web_session = repository.add_web_session(
        session,
        WebSession(
            user_id=user.id,
            token_hash=token_digest(session_token),
            csrf_hash=token_digest(csrf_token),
            created_at=now,
            expires_at=now + lifetime,
        ),
    )
    record(session, actor.as_user(user.id), action="auth.signed_in", subject=web_session)
    log.info("auth.signed_in username=%r rehashed=%s", user.username, upgraded is not None)
    return SignedIn(user, session_token, csrf_token, web_session.expires_at)


def sign_out(session: Session, session_token: str | None, *, actor: Actor) -> None:
    """Revokes the session the cookie names, if it is live; nothing otherwise."""
    if not session_token:
        return
    ended = repository.revoke_web_session(session, token_digest(session_token), now=utcnow())
    if ended is not None:
        session_id, user_id = ended
        web_session = repository.get_web_session(session, session_id)
        assert web_session is not None
        record(session, actor.as_user(user_id), action="auth.signed_out", subject=web_session)


def viewer_for_session(
    session: Session, session_token: str, *, method: str, csrf_token: str | None
) -> Viewer | None:
    """The signed-in user for a session cookie, or None when the session has ended (the caller
    is then anonymous). A request that changes something must carry the session's CSRF token,
    else `Forbidden`."""
    found = repository.find_live_web_session(session, token_digest(session_token), now=utcnow())
    if found is None:
        return None
    web_session, user = found
    if method.upper() not in SAFE_METHODS and not (
        csrf_token and hmac.compare_digest(token_digest(csrf_token), web_session.csrf_hash)
    ):
        raise Forbidden(
            f"This request is signed in by cookie but lacks the {CSRF_HEADER} header, or it "
            f"does not match. Send the value of the `{CSRF_COOKIE}` cookie (also given as "
            f"`csrf_token` at sign-in) as {CSRF_HEADER} with every request that changes "
            "something."
        )
    return viewer_for_user(session, user)
