"""Sales per product and month, the denominator of incidence rates.

Administrators import them as CSV (`product,month,units`) or as JSON; an import replaces the
units of every product and month it names and leaves the others alone, so a corrected file
can simply be imported again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from handoff.schema import sales

HEADER = ("product", "month", "units")
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_UNITS = re.compile(r"[0-9]+")
_MAX_UNITS = 2**63 - 1  # the column is a BIGINT
_MAX_PRODUCT = 100  # the column's length


class SalesError(ValueError):
    """Sales data that cannot be imported; `problems` lists every one, each naming where."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class SalesRow:
    product: str
    month: str  # YYYY-MM
    units: int


def parse_sales_csv(text: str) -> list[SalesRow]:
    """The rows of a CSV with the header `product,month,units` (columns in any order, names
    in any case), UTF-8 text with or without a byte-order mark; blank lines are skipped.

    Raises SalesError listing every bad line by its 1-based line number in the file: a
    missing or wrong header, a wrong number of fields, an empty product or one over 100
    characters, a month not `YYYY-MM`, units not a non-negative integer, and a product and
    month given twice.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    rows: list[SalesRow] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    columns: dict[str, int] | None = None
    while True:
        # A quoted field may span lines: a record is named by the line it starts on.
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {line}: {exc}")
            break
        if not any(field.strip() for field in record):
            continue
        if columns is None:
            names = [field.strip().casefold() for field in record]
            if sorted(names) != sorted(HEADER):
                raise SalesError([f"line {line}: expected the header {','.join(HEADER)}"])
            columns = {name: names.index(name) for name in HEADER}
            continue
        if len(record) != len(HEADER):
            problems.append(f"line {line}: expected {len(HEADER)} fields, got {len(record)}")
            continue
        item = {name: record[index] for name, index in columns.items()}
        _check(f"line {line}", item, rows, problems, seen)
    if columns is None:
        problems.insert(0, f"line 1: expected the header {','.join(HEADER)}")
    if problems:
        raise SalesError(problems)
    return rows


def parse_sales_json(items: Any) -> list[SalesRow]:
    """The rows of a decoded JSON list of {"product", "month", "units"} objects.

    Same rules as `parse_sales_csv`, except that units must be a JSON integer; raises
    SalesError listing every bad item by its 0-based index, as `items[2]: ...`.
    """
    if not isinstance(items, list):
        raise SalesError(["expected a list of {product, month, units} objects"])
    rows: list[SalesRow] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item, dict) or set(item) != set(HEADER):
            problems.append(f"{where}: expected an object with exactly {', '.join(HEADER)}")
            continue
        units = item["units"]
        # bool is an int subclass, but `true` units is a mistake, not 1.
        if not isinstance(units, int) or isinstance(units, bool):
            problems.append(f"{where}: units {units!r} is not an integer")
            continue
        if not isinstance(item["product"], str) or not isinstance(item["month"], str):
            problems.append(f"{where}: product and month must be strings")
            continue
        _check(where, {**item, "units": str(units)}, rows, problems, seen)
    if problems:
        raise SalesError(problems)
    return rows


def import_sales(conn: Connection, rows: Sequence[SalesRow]) -> int:
    """Writes the rows, replacing the units of a product and month already stored; returns
    how many product-months were written (a later row for the same one wins)."""
    latest = {(row.product, row.month): row.units for row in rows}
    if not latest:
        return 0
    values = [
        {"product": product, "month": month, "units": units}
        for (product, month), units in latest.items()
    ]
    insert = postgresql.insert(sales) if conn.dialect.name == "postgresql" else sqlite.insert(sales)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[sales.c.product, sales.c.month],
            set_={"units": insert.excluded.units},
        ),
        values,
    )
    return len(values)


def _check(
    where: str,
    item: dict[str, str],
    rows: list[SalesRow],
    problems: list[str],
    seen: dict[tuple[str, str], str],
) -> None:
    """Appends the item as a row, or what is wrong with it to `problems`."""
    product, month, units = item["product"].strip(), item["month"].strip(), item["units"].strip()
    found = []
    if not product:
        found.append("product is empty")
    elif len(product) > _MAX_PRODUCT:
        found.append(f"product is longer than {_MAX_PRODUCT} characters")
    if not _MONTH.fullmatch(month):
        found.append(f"month {month!r} is not YYYY-MM")
    if not _UNITS.fullmatch(units) or int(units) > _MAX_UNITS:
        found.append(f"units {units!r} is not a non-negative integer")
    if not found and (product, month) in seen:
        found.append(f"{product} {month} was already given at {seen[(product, month)]}")
    if found:
        problems.append(f"{where}: {', '.join(found)}")
        return
    seen[(product, month)] = where
    rows.append(SalesRow(product, month, int(units)))
