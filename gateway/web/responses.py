"""JSON answers in UTF-8 as written: Chinese and Russian stay readable in a plain `curl`."""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web

#: `json.dumps` without `\u` escapes; aiohttp encodes the text as UTF-8 and says so.
dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(data, status=status, headers=headers, dumps=dumps)  # noqa: TID251
