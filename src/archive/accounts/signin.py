"""Signing in with a password from a browser: sessions, their CSRF tokens, and the limit on
guessing. `sign_in` commits on its own (see there); the rest never commits.

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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from archive.accounts import repository
from archive.accounts.passwords import Passwords
from archive.accounts.service import viewer_for_user
from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Viewer
from archive.domain.ratelimit import TokenBuckets
from archive.domain.tokens import token_digest
from archive.errors import Forbidden, TooManyRequests, Unauthorized
from archive.events.repository import add_event
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
        return cls(
            TokenBuckets(settings.login_burst, 1 / settings.login_refill_seconds),
            TokenBuckets(settings.login_address_burst, 1 / settings.login_address_refill_seconds),
        )

    def take(self, username: str, address: str, now: float) -> None:
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


def sign_in(
    sessions: sessionmaker[Session],
    passwords: Passwords,
    limiter: LoginLimiter,
    address: str,
    username: str,
    password: str,
    lifetime: timedelta,
) -> SignedIn:
    """Checks the password and opens a session, or raises `Unauthorized` (the same for an
    unknown name, an account without a password and a wrong password) or `TooManyRequests`
    (before any hashing, so a flood of guesses costs us little). Upgrades the stored hash
    when it was made with other argon2 parameters.

    Commits in two short transactions of its own, the slow hashing outside both: on SQLite a
    transaction holds the database's one write lock, and no one should wait on a hash.
    """
    limiter.take(username, address, time.monotonic())
    with transaction(sessions) as session:
        user = repository.get_user_by_username(session, username)
        user_id = None if user is None else user.id
        stored_hash = None if user is None else user.password_hash
    if user_id is None or stored_hash is None:
        passwords.verify_nobody(password)
        log.info("auth.sign_in_failed username=%r reason=unknown", username)
        raise Unauthorized(WRONG_CREDENTIALS)
    if not passwords.verify(stored_hash, password):
        log.info("auth.sign_in_failed username=%r reason=password", username)
        raise Unauthorized(WRONG_CREDENTIALS)
    upgraded = passwords.hash(password) if passwords.needs_rehash(stored_hash) else None
    session_token = SESSION_PREFIX + secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    with transaction(sessions) as session:
        user = repository.get_user(session, user_id)
        if user is None or user.password_hash is None:
            raise Unauthorized(WRONG_CREDENTIALS)  # deleted while we were checking
        if user.password_hash != stored_hash:
            # Changed meanwhile (a new password, or another sign-in's upgrade): rare enough
            # to check again here, holding the transaction.
            if not passwords.verify(user.password_hash, password):
                raise Unauthorized(WRONG_CREDENTIALS)
        elif upgraded is not None:
            user.password_hash = upgraded
        now = utcnow()
        repository.delete_ended_web_sessions(session, user.id, now)
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
        add_event(
            session,
            actor_id=user.id,
            action="auth.signed_in",
            subject_type="web_session",
            subject_id=web_session.id,
        )
    log.info("auth.signed_in username=%r rehashed=%s", username, upgraded is not None)
    return SignedIn(user, session_token, csrf_token, web_session.expires_at)


def sign_out(session: Session, session_token: str | None) -> None:
    """Revokes the session the cookie names, if it is live; nothing otherwise."""
    if not session_token:
        return
    ended = repository.revoke_web_session(session, token_digest(session_token), utcnow())
    if ended is not None:
        session_id, user_id = ended
        add_event(
            session,
            actor_id=user_id,
            action="auth.signed_out",
            subject_type="web_session",
            subject_id=session_id,
        )


def viewer_for_session(
    session: Session, session_token: str, method: str, csrf_token: str | None
) -> Viewer | None:
    """The signed-in user for a session cookie, or None when the session has ended (the caller
    is then anonymous). A request that changes something must carry the session's CSRF token,
    else `Forbidden`."""
    found = repository.find_live_web_session(session, token_digest(session_token), utcnow())
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
