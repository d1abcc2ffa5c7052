"""Cross-cutting request handling, written once: errors into JSON and staff auth."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.exc import DBAPIError

from gateway.store.sessions import session_for
from gateway.store.staff import StaffMember, staff_for_token
from gateway.web.errors import HTTP_CODES, ApiError, error_response
from gateway.web.keys import CLOCK, DATABASE, METRICS, RATE_LIMITER

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: The authenticated staff member, for handlers that record who acted.
STAFF = web.RequestKey("staff", StaffMember)
_ROLES_ATTR = "__staff_roles__"
#: The console's session cookie (HttpOnly, SameSite=Strict; see gateway.web.routes.session).
SESSION_COOKIE = "cgw_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def requires_role(*roles: str) -> Callable[[Handler], Handler]:
    """Marks a handler as a staff route open to `roles` (admin is always allowed)."""

    def mark(handler: Handler) -> Handler:
        setattr(handler, _ROLES_ATTR, frozenset(roles) | {"admin"})
        return handler

    return mark


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        response = error_response(exc.status, exc.code, exc.message, exc.details)
        response.headers.update(exc.headers)
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = HTTP_CODES.get(exc.status, "http_error")
        return error_response(exc.status, code, exc.reason or code)
    except (DBAPIError, OSError):
        # The database (or a disk) is away: nothing was accepted, so the client may retry.
        request.app[METRICS].errors.labels("database").inc()
        log.exception("storage unavailable on %s %s", request.method, request.path)
        response = error_response(503, "unavailable", "storage is unavailable; retry shortly")
        response.headers["Retry-After"] = "5"
        return response
    except Exception:
        request.app[METRICS].errors.labels("http").inc()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "internal error; it has been logged")


def bearer_token(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header, if the request has one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def authenticate(request: web.Request) -> StaffMember:
    """The staff member behind an `Authorization: Bearer` token (integrations) or the
    console's session cookie. A cookie alone never authorises a change: the request must
    also carry the session's CSRF token in `X-CSRF-Token` (SameSite=Strict is the first
    guard, this the second)."""
    token = bearer_token(request)
    if token is not None:
        member = await request.app[DATABASE].read(staff_for_token, token)
        if member is None:
            # Failed sign-ins are counted, so tokens cannot be guessed at full speed.
            limiter = request.app[RATE_LIMITER]
            await limiter.enforce(limiter.sign_in, request)
            raise ApiError(401, "unauthorized", "unknown or disabled token")
        return member
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token> or sign in")
    session = await request.app[DATABASE].read(session_for, session_id, request.app[CLOCK]())
    if session is None:
        raise ApiError(401, "unauthorized", "the session has ended; sign in again")
    if request.method not in SAFE_METHODS and not secrets.compare_digest(
        request.headers.get("X-CSRF-Token", ""), session.csrf_token
    ):
        raise ApiError(403, "csrf_failed", "send the session's X-CSRF-Token header")
    return session.member


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    roles: frozenset[str] | None = getattr(handler, _ROLES_ATTR, None)
    if roles is None:
        return await handler(request)
    member = await authenticate(request)
    if member.role not in roles:
        raise ApiError(403, "forbidden", f"role {member.role!r} may not use this route")
    request[STAFF] = member
    return await handler(request)
