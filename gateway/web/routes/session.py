"""Console sign-in with a name and password: a session cookie, sign-out, sign-out everywhere.

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
it) and Secure over HTTPS; each change a cookie-signed request asks for must also carry the
session's CSRF token, which only this origin's pages can read from these answers.
"""

from __future__ import annotations

import asyncio
import math
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, StringConstraints

from gateway.store import sessions
from gateway.web.body import read_json
from gateway.web.errors import ApiError, error_response
from gateway.web.keys import CLOCK, DATABASE, RATE_LIMITER
from gateway.web.middlewares import SESSION_COOKIE, authenticate
from gateway.web.openapi import accepts
from gateway.web.responses import json_response

routes = web.RouteTableDef()


class Credentials(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


def _answer(session: sessions.Session) -> dict[str, str]:
    return {
        "name": session.member.name,
        "role": session.member.role,
        "csrf_token": session.csrf_token,
    }


@routes.post("/api/v1/session")
@accepts(Credentials)
async def sign_in(request: web.Request) -> web.Response:
    """`{"name", "password"}` → 200 with the member and the CSRF token, and the cookie.
    A wrong name or password is 401 (the same for both); after
    `MAX_FAILED_SIGN_INS` wrong passwords in a row the account is locked: 429 with
    Retry-After, even for the right password, until the lockout ends."""
    # Per address as well as per account: password hashing is costly, guessing is cheap.
    limiter = request.app[RATE_LIMITER]
    await limiter.enforce(limiter.sign_in, request)
    body = await read_json(request, Credentials)
    database, now = request.app[DATABASE], request.app[CLOCK]()
    stored = await database.read(sessions.password_hash_for, body.name)
    verified = await asyncio.get_running_loop().run_in_executor(
        None, sessions.verify_password, stored, body.password
    )
    result = await database.write(sessions.record_sign_in, body.name, stored, verified, now)
    if result.locked_until is not None:
        wait = max(1, math.ceil((result.locked_until - now).total_seconds()))
        locked = error_response(
            429,
            "locked_out",
            f"too many wrong passwords; try again in {math.ceil(wait / 60)} minutes",
            {"retry_after": wait},
        )
        locked.headers["Retry-After"] = str(wait)
        return locked
    if result.session is None or result.session_id is None:
        raise ApiError(401, "wrong_credentials", "wrong name or password")
    response = json_response(_answer(result.session))
    response.set_cookie(
        SESSION_COOKIE,
        result.session_id,
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )
    return response


@routes.get("/api/v1/session")
async def current_session(request: web.Request) -> web.Response:
    """The signed-in member and the CSRF token, for a console page (re)loaded in a tab."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    session = (
        await request.app[DATABASE].read(sessions.session_for, session_id, request.app[CLOCK]())
        if session_id
        else None
    )
    if session is None:
        raise ApiError(401, "unauthorized", "not signed in")
    return json_response(_answer(session))


@routes.delete("/api/v1/session")
async def sign_out(request: web.Request) -> web.Response:
    """Ends this browser's session (needs the CSRF token, as every change does)."""
    await authenticate(request)
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if session_id:
        await request.app[DATABASE].write(sessions.end_session, session_id)
    response = json_response({"signed_out": 1})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.post("/api/v1/session/sign-out-everywhere")
async def sign_out_everywhere(request: web.Request) -> web.Response:
    """Ends every console session of the member; API tokens keep working."""
    member = await authenticate(request)
    ended = await request.app[DATABASE].write(sessions.end_all_sessions, member.id)
    response = json_response({"signed_out": ended})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
