"""`GET /openapi.json` describes every route the gateway serves, with the request models it
validates; a bounded property-based run against it never gets a 5xx, and every refusal is
in the contract's error shape."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import LiveGateway

ROOT = Path(__file__).resolve().parents[2]

CONTRACT_ROUTES = [
    ("get", "/healthz"),
    ("post", "/model/parse"),
    ("post", "/api/v1/messages"),
    ("get", "/api/v1/messages"),
    ("get", "/api/v1/tickets/{number}"),
    ("get", "/api/v1/tickets"),
    ("get", "/ws/chat"),
    ("post", "/api/v1/tickets/{number}/replies"),
    ("post", "/api/v1/tickets/{number}/status"),
    ("get", "/api/v1/stats"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
]


async def _spec(live: LiveGateway) -> dict[str, Any]:
    async with live.http.get(f"{live.url}/openapi.json") as resp:
        assert resp.status == 200
        return dict(await resp.json())


async def test_every_route_is_described(sqlite_gateway: LiveGateway) -> None:
    spec = await _spec(sqlite_gateway)
    assert spec["openapi"].startswith("3.1")
    described = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    for route in sqlite_gateway.app.router.routes():
        info = route.get_info()
        if route.method == "HEAD" or "prefix" in info:
            continue
        path = info.get("path") or info["formatter"]
        path = path.replace("{id:[0-9]{1,18}}", "{id}")
        assert (route.method.lower(), path) in described, (route.method, path)
    assert set(CONTRACT_ROUTES) <= described
    intake = spec["paths"]["/api/v1/messages"]["post"]
    ref = intake["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"external_id", "sender", "text"} <= set(body["required"])
    assert spec["paths"]["/api/v1/tickets"]["get"]["security"] == [{"bearer": []}]


def _query_names(spec: dict[str, Any], path: str, method: str = "get") -> set[str]:
    parameters = spec["paths"][path][method].get("parameters", [])
    return {p["name"] for p in parameters if p["in"] == "query"}


async def test_query_parameters_are_described_with_their_bounds(
    sqlite_gateway: LiveGateway,
) -> None:
    spec = await _spec(sqlite_gateway)
    assert _query_names(spec, "/api/v1/stats") == {"from", "to"}
    assert _query_names(spec, "/api/v1/messages") == {"limit", "before", "channel"}
    assert {"limit", "before", "channel", "status", "category", "sort"} <= _query_names(
        spec, "/api/v1/tickets"
    )
    assert _query_names(spec, "/api/v1/messages", "post") == {"wait"}
    (limit,) = [
        p for p in spec["paths"]["/api/v1/tickets"]["get"]["parameters"] if p["name"] == "limit"
    ]
    assert limit["schema"]["minimum"] == 1 and limit["schema"]["maximum"] == 500


def test_no_handler_reads_the_query_around_its_model() -> None:
    # A parameter read straight from request.query would be missing from /openapi.json.
    readers = [
        str(path.relative_to(ROOT))
        for package in ("gateway", "channels", "handoff")
        for path in (ROOT / package).rglob("*.py")
        if "request.query" in path.read_text() and path.name != "query.py"
    ]
    assert readers == []


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


def _from_schema(schema: dict[str, Any], schemas: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that mostly match the JSON Schema pydantic emits (objects, strings with
    lengths, enums, anyOf, $ref, formats), with any JSON value now and then instead, so both
    the accepted and the refused side of each model are exercised."""
    if "$ref" in schema:
        return _from_schema(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
    if "anyOf" in schema:
        return st.one_of(*(_from_schema(s, schemas) for s in schema["anyOf"]))
    if "enum" in schema:
        matching: st.SearchStrategy[Any] = st.sampled_from(schema["enum"])
    elif schema.get("type") == "object":
        properties = {k: _from_schema(v, schemas) for k, v in schema["properties"].items()}
        required = set(schema.get("required", []))
        matching = st.fixed_dictionaries(
            {k: v for k, v in properties.items() if k in required},
            optional={k: v for k, v in properties.items() if k not in required},
        )
    elif schema.get("type") == "string":
        if schema.get("format") == "email":
            matching = st.emails()
        elif schema.get("format") == "date-time":
            matching = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
        else:
            matching = st.text(
                min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 60), 60)
            )
    elif schema.get("type") == "integer":
        matching = st.integers(schema.get("minimum"), schema.get("maximum"))
    elif schema.get("type") == "number":
        matching = st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False)
    elif schema.get("type") == "null":
        matching = st.none()
    else:
        matching = JSON_VALUES
    return st.one_of(matching, matching, matching, JSON_VALUES)


def _call(url: str, method: str, body: bytes, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        data=body,
        method=method.upper(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _assert_no_5xx(status: int, answer: bytes, case: tuple[str, ...]) -> None:
    assert status < 500, (*case, answer)
    if status >= 400:
        error = json.loads(answer)["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)


async def _run_then_healthy(live: LiveGateway, run: Callable[[], None]) -> None:
    """Runs a hypothesis test off the loop (its client blocks), then checks the gateway."""
    await asyncio.to_thread(run)
    async with live.http.get(f"{live.url}/healthz") as resp:
        assert resp.status == 200


async def test_generated_bodies_never_get_a_5xx(sqlite_gateway: LiveGateway) -> None:
    live = sqlite_gateway
    spec = await _spec(live)
    token = live.tokens["admin"]
    operations = []
    for path, ops in spec["paths"].items():
        for method, operation in ops.items():
            if method not in ("post", "put") or "requestBody" not in operation:
                continue
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            filled = path.replace("{number}", "TS-202601-000001")
            operations.append((method, filled, schema))
    assert len(operations) >= 4
    bodies = st.one_of(
        st.sampled_from(operations).flatmap(
            lambda op: st.tuples(
                st.just(op[0]),
                st.just(op[1]),
                _from_schema(op[2], spec["components"]["schemas"]).map(json.dumps),
            )
        ),
        st.tuples(
            st.sampled_from([op[0] for op in operations]),
            st.sampled_from([op[1] for op in operations]),
            JSON_VALUES.map(json.dumps),
        ),
    )

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(bodies)
    def no_5xx(case: tuple[str, str, str]) -> None:
        method, path, body = case
        status, answer = _call(f"{live.url}{path}?wait=0", method, body.encode(), token)
        _assert_no_5xx(status, answer, (method, path, body))

    await _run_then_healthy(live, no_5xx)


def _as_query_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


async def test_generated_query_parameters_never_get_a_5xx(sqlite_gateway: LiveGateway) -> None:
    live = sqlite_gateway
    spec = await _spec(live)
    schemas = spec["components"]["schemas"]
    operations = []
    for path, ops in spec["paths"].items():
        if path.startswith("/ws/"):
            continue  # a websocket's query is read at the handshake; see the chat tests
        for method, operation in ops.items():
            query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            if query and method == "get":
                filled = path.replace("{number}", "TS-202601-000001")
                operations.append((filled, query))
    assert len(operations) >= 8

    def queries(op: tuple[str, list[dict[str, Any]]]) -> st.SearchStrategy[tuple[str, str]]:
        path, parameters = op
        values = st.fixed_dictionaries(
            {},
            optional={
                p["name"]: _from_schema(p["schema"], schemas).map(_as_query_value)
                for p in parameters
            },
        )
        return st.tuples(st.just(path), values.map(urllib.parse.urlencode))

    @settings(
        max_examples=80,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.sampled_from(operations).flatmap(queries))
    def no_5xx(case: tuple[str, str]) -> None:
        path, query = case
        status, answer = _call(f"{live.url}{path}?{query}", "get", b"", live.tokens["admin"])
        _assert_no_5xx(status, answer, (path, query))

    await _run_then_healthy(live, no_5xx)
