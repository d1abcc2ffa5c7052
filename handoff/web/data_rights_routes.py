"""A customer's data rights (role admin): export everything held about them, or erase it.

`GET /api/v1/admin/customers/{id}/export` answers the JSON document of
`handoff.data_rights.export_customer`; `POST /api/v1/admin/customers/{id}/erase`
erases their personal data, keeps the figures, and deletes attachment files no other
message uses.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from gateway.blobs import ATTACHMENTS
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, SETTINGS
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.responses import json_response
from handoff import data_rights

routes = web.RouteTableDef()


@routes.get("/api/v1/admin/customers/{id:[0-9]{1,18}}/export")
@requires_role("admin")
async def export(request: web.Request) -> web.Response:
    customer_id = int(request.match_info["id"])
    try:
        document = await request.app[DATABASE].read(data_rights.export_customer, customer_id)
    except data_rights.UnknownCustomer:
        raise ApiError(404, "not_found", f"no customer {customer_id}") from None
    return json_response(document)


@routes.post("/api/v1/admin/customers/{id:[0-9]{1,18}}/erase")
@requires_role("admin")
async def erase(request: web.Request) -> web.Response:
    customer_id = int(request.match_info["id"])
    actor = request[STAFF].name
    try:
        unused = await request.app[DATABASE].write(
            data_rights.erase_customer, customer_id, actor, request.app[CLOCK]()
        )
    except data_rights.UnknownCustomer:
        raise ApiError(404, "not_found", f"no customer {customer_id}") from None
    deleted = delete_attachments(request.app[SETTINGS].data_dir, unused)
    return json_response({"customer": customer_id, "attachments_deleted": deleted})


def delete_attachments(data_dir: Path, hashes: list[str]) -> int:
    """Deletes the attachment files (after the erasure committed); returns how many."""
    deleted = 0
    for digest in hashes:
        path = data_dir / ATTACHMENTS / digest
        if path.is_file():
            path.unlink()
            deleted += 1
    return deleted
