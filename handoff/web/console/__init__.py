"""The agent console: a static page for agents and supervisors, served by the gateway.

`GET /console` is the page and `/console/static/{name}` its script and style sheet. The page
talks to the staff API with a token it keeps in the tab's sessionStorage; nothing here
authenticates, so the page itself holds no data. The Content-Security-Policy allows only
this origin's scripts and styles (no inline script), which with the page's rule of
inserting every customer text as text keeps mail that carries HTML or script inert.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

routes = web.RouteTableDef()

STATIC_DIR = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

_CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}

_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _file_response(path: Path, *, cache: str) -> web.FileResponse:
    response = web.FileResponse(path, headers={**_SECURITY_HEADERS, "Cache-Control": cache})
    response.content_type = _CONTENT_TYPES[path.suffix]
    response.charset = "utf-8"
    return response


def _assets() -> dict[str, Path]:
    """The files the page may load, by name: a fixed list, so no path ever leaves the folder."""
    return {
        path.name: path
        for path in STATIC_DIR.iterdir()
        if path.is_file() and path.suffix in _CONTENT_TYPES and path.name != "index.html"
    }


ASSETS = _assets()


@routes.get("/console")
async def console_page(request: web.Request) -> web.StreamResponse:
    return _file_response(STATIC_DIR / "index.html", cache="no-store")


@routes.get("/console/static/{name}")
async def console_asset(request: web.Request) -> web.StreamResponse:
    path = ASSETS.get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    # No build step means no content hashes in the names: revalidate on every load.
    return _file_response(path, cache="no-cache")
