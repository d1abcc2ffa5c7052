"""The administrators' pages (`/admin`) and the admin API they use.

The pages are plain ES modules in `static/`, with no build step; they keep the admin's API
token in the tab's sessionStorage and call the same REST routes a script would.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from gateway.web.keys import NLU, SETTINGS
from handoff.web.admin import (
    corrections,
    model_routes,
    nlu_routes,
    staff_routes,
    template_routes,
)
from handoff.web.admin.model_scores import ModelScores
from handoff.web.console import _SECURITY_HEADERS

STATIC_DIR = Path(__file__).parent / "static"
_CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
#: The files the pages may load, by name: a fixed list, so no path ever leaves the folder.
ASSETS = {
    path.name: path
    for path in STATIC_DIR.iterdir()
    if path.suffix in _CONTENT_TYPES and path.name != "index.html"
}

pages = web.RouteTableDef()


def _file(path: Path) -> web.FileResponse:
    # No content hashes in the names (no build step): revalidate on every load.
    response = web.FileResponse(path, headers={**_SECURITY_HEADERS, "Cache-Control": "no-cache"})
    response.content_type = _CONTENT_TYPES[path.suffix]
    response.charset = "utf-8"
    return response


@pages.get("/admin")
async def admin_page(request: web.Request) -> web.StreamResponse:
    return _file(STATIC_DIR / "index.html")


@pages.get("/admin/static/{name}")
async def admin_asset(request: web.Request) -> web.StreamResponse:
    path = ASSETS.get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    return _file(path)


ROUTE_TABLES = (
    pages,
    staff_routes.routes,
    template_routes.routes,
    nlu_routes.routes,
    model_routes.routes,
    corrections.routes,
)


def setup(app: web.Application) -> None:
    app[model_routes.SCORES] = ModelScores(app[NLU], app[SETTINGS].data_dir)
    for table in ROUTE_TABLES:
        app.add_routes(table)
    app[nlu_routes.JOBS] = set()
    app.cleanup_ctx.append(nlu_routes.training_tasks)
