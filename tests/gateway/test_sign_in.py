"""Console sign-in over HTTP: the session cookie, its CSRF guard, lockout, signing out
everywhere while API tokens keep working, and the CLI that sets a password."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import aiohttp
import pytest

from gateway.cli import main
from gateway.store.sessions import MAX_FAILED_SIGN_INS, hash_password, set_password
from tests.conftest import LiveGateway

PASSWORD = "correct horse battery"


async def new_client(live: LiveGateway) -> aiohttp.ClientSession:
    # unsafe=True: aiohttp's jar would otherwise keep no cookie for the 127.0.0.1 address.
    return aiohttp.ClientSession(base_url=live.url, cookie_jar=aiohttp.CookieJar(unsafe=True))


async def signed_in(
    live: LiveGateway, name: str = "test-agent", *, new_password: bool = True
) -> tuple[aiohttp.ClientSession, str]:
    if new_password:  # setting a password ends the member's sessions
        await live.database.write(set_password, name, hash_password(PASSWORD))
    client = await new_client(live)
    async with client.post("/api/v1/session", json={"name": name, "password": PASSWORD}) as resp:
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        cookie = resp.headers["Set-Cookie"]
    assert body["name"] == name and body["role"] == "agent"
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    return client, body["csrf_token"]


async def test_a_session_reads_freely_but_changes_only_with_its_csrf_token(
    sqlite_gateway: LiveGateway,
) -> None:
    client, csrf = await signed_in(sqlite_gateway)
    async with client:
        async with client.get("/api/v1/tickets") as resp:
            assert resp.status == 200
        presence = {"status": "away"}
        async with client.put("/api/v1/agents/me/presence", json=presence) as resp:
            assert resp.status == 403
            assert (await resp.json())["error"]["code"] == "csrf_failed"
        headers = {"X-CSRF-Token": csrf}
        async with client.put("/api/v1/agents/me/presence", json=presence, headers=headers) as r:
            assert r.status == 200
        async with client.get("/api/v1/session") as resp:
            assert (await resp.json())["csrf_token"] == csrf  # a reloaded page gets it again


async def test_wrong_name_and_wrong_password_look_the_same_and_lock_out(
    sqlite_gateway: LiveGateway,
) -> None:
    live = sqlite_gateway
    await live.database.write(set_password, "test-agent", hash_password(PASSWORD))
    async with await new_client(live) as client:
        async with client.post("/api/v1/session", json={"name": "nobody", "password": "x"}) as r:
            assert r.status == 401
            assert (await r.json())["error"]["code"] == "wrong_credentials"
        for _ in range(MAX_FAILED_SIGN_INS):
            wrong = {"name": "test-agent", "password": "not it at all"}
            async with client.post("/api/v1/session", json=wrong) as resp:
                last = resp.status, resp.headers.get("Retry-After")
        assert last == (429, "900")
        right = {"name": "test-agent", "password": PASSWORD}
        async with client.post("/api/v1/session", json=right) as resp:
            assert resp.status == 429
            assert (await resp.json())["error"]["code"] == "locked_out"
    # Lockout stops passwords only: the API token of an integration keeps working.
    async with live.http.get(f"{live.url}/api/v1/tickets", headers=live.auth("agent")) as resp:
        assert resp.status == 200


async def test_signing_out_everywhere_ends_every_session_but_not_the_api_token(
    sqlite_gateway: LiveGateway,
) -> None:
    live = sqlite_gateway
    first, csrf = await signed_in(live)
    second, _ = await signed_in(live, new_password=False)
    async with first, second:
        async with first.post(
            "/api/v1/session/sign-out-everywhere", headers={"X-CSRF-Token": csrf}
        ) as resp:
            assert (await resp.json()) == {"signed_out": 2}
        for client in (first, second):
            async with client.get("/api/v1/tickets") as resp:
                assert resp.status == 401
    async with live.http.get(f"{live.url}/api/v1/tickets", headers=live.auth("agent")) as resp:
        assert resp.status == 200


def test_the_cli_creates_an_account_with_a_password_and_changes_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_env: None,
) -> None:
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "stdin", io.StringIO("first password here\n"))
    with pytest.raises(SystemExit) as done:
        main(["users", "add", "olga", "--role", "agent", "--password-stdin"])
    assert done.value.code == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("cgw_")

    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    with pytest.raises(SystemExit) as done:
        main(["users", "password", "olga"])
    assert done.value.code == 2
    assert "at least 10 characters" in capsys.readouterr().err

    monkeypatch.setattr(sys, "stdin", io.StringIO("second password here\n"))
    with pytest.raises(SystemExit) as done:
        main(["users", "password", "olga"])
    assert done.value.code == 0
    assert "Console password set for 'olga'" in capsys.readouterr().out
