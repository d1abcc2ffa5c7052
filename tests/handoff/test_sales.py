"""Importing sales per product and month: CSV and JSON parsing, and the upsert."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from handoff.policy.sales import (
    SalesError,
    SalesRow,
    import_sales,
    parse_sales_csv,
    parse_sales_json,
)
from handoff.schema import sales


def test_csv_with_a_byte_order_mark_and_blank_lines() -> None:
    text = (
        "\ufeffproduct,month,units\r\nKettle,2026-10,1200\r\n\r\n  \r\n"
        '"Toaster, 2-slot",2026-11, 30\r\n'
    )

    assert parse_sales_csv(text) == [
        SalesRow("Kettle", "2026-10", 1200),
        SalesRow("Toaster, 2-slot", "2026-11", 30),
    ]


def test_csv_columns_may_come_in_any_order() -> None:
    assert parse_sales_csv("Units,Product,Month\n5,Kettle,2026-01\n") == [
        SalesRow("Kettle", "2026-01", 5)
    ]


def test_csv_reports_every_bad_line_by_number() -> None:
    text = "\n".join(
        [
            "product,month,units",
            "Kettle,2026-10,100",
            "Kettle,2026-13,100",
            "",
            "Toaster,2026-11,-4",
            ",2026-11,1.5",
            "Kettle,2026-10,7",
            "Mixer,2026-11",
        ]
    )

    with pytest.raises(SalesError) as caught:
        parse_sales_csv(text)

    assert caught.value.problems == [
        "line 3: month '2026-13' is not YYYY-MM",
        "line 5: units '-4' is not a non-negative integer",
        "line 6: product is empty, units '1.5' is not a non-negative integer",
        "line 7: Kettle 2026-10 was already given at line 2",
        "line 8: expected 3 fields, got 2",
    ]
    assert str(caught.value).startswith("line 3: month '2026-13' is not YYYY-MM; line 5:")


@pytest.mark.parametrize("text", ["", "\n\n", "name,month,units\nKettle,2026-10,1\n"])
def test_csv_without_the_header_is_refused(text: str) -> None:
    with pytest.raises(SalesError, match=r"line \d+: expected the header product,month,units"):
        parse_sales_csv(text)


def test_json_items_are_checked_like_csv_lines() -> None:
    assert parse_sales_json([{"product": "Kettle", "month": "2026-10", "units": 3}]) == [
        SalesRow("Kettle", "2026-10", 3)
    ]
    with pytest.raises(SalesError) as caught:
        parse_sales_json(
            [
                {"product": "Kettle", "month": "2026-10", "units": 3},
                {"product": "Kettle", "month": "2026-10", "units": True},
                {"product": "Kettle", "month": "10/2026", "units": 3},
                {"product": "Kettle", "month": "2026-11"},
                "Kettle,2026-11,3",
            ]
        )
    assert caught.value.problems == [
        "items[1]: units True is not an integer",
        "items[2]: month '10/2026' is not YYYY-MM",
        "items[3]: expected an object with exactly product, month, units",
        "items[4]: expected an object with exactly product, month, units",
    ]
    with pytest.raises(SalesError, match="expected a list"):
        parse_sales_json({"product": "Kettle"})


def _stored(conn: Connection) -> list[tuple[str, str, int]]:
    query = sa.select(sales.c.product, sales.c.month, sales.c.units).order_by(
        sales.c.product, sales.c.month
    )
    return [(product, month, int(units)) for product, month, units in conn.execute(query)]


async def test_import_replaces_the_units_of_a_product_month(db: Database) -> None:
    first = parse_sales_csv("product,month,units\nKettle,2026-10,100\nKettle,2026-11,200\n")
    assert await db.write(import_sales, first) == 2

    again = [SalesRow("Kettle", "2026-11", 250), SalesRow("Toaster", "2026-11", 40)]
    assert await db.write(import_sales, again) == 2

    assert await db.read(_stored) == [
        ("Kettle", "2026-10", 100),
        ("Kettle", "2026-11", 250),
        ("Toaster", "2026-11", 40),
    ]
    assert await db.write(import_sales, []) == 0
