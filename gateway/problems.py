"""Pydantic's validation errors in words a person can act on: where (a dotted path) and what.

One place for it, so a refused request body, query, Telegram update, policy document or
setting names its problems the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError


def where(loc: tuple[int | str, ...], root: str = "body") -> str:
    """`sender.email`, `0.intent`; `root` for the document itself."""
    return ".".join(str(part) for part in loc) or root


def first_problem(exc: ValidationError, root: str = "body") -> str:
    """The first problem, and how many more there are: one line for an error message."""
    first = exc.errors()[0]
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where(first['loc'], root)}: {first['msg']}{more}"


def all_problems(exc: ValidationError, root: str = "body", name: Callable[[str], str] = str) -> str:
    """Every problem, `; `-separated; `name` turns a path into what the reader knows it as
    (a setting's environment variable, say)."""
    return "; ".join(f"{name(where(e['loc'], root))}: {e['msg']}" for e in exc.errors())


def details(exc: ValidationError, root: str = "body") -> list[dict[str, Any]]:
    """Every problem as `{"field", "problem"}`, for an error body's `details`."""
    return [
        {"field": where(e["loc"], root), "problem": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]
