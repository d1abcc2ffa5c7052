"""Entities: offsets into the original text, values, and overlaps resolved."""

from __future__ import annotations

import itertools

import pytest

from nlu.entities import EntityExtractor
from nlu.training_data import SHIPPED_DATA_DIR, read_file


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    data = read_file(SHIPPED_DATA_DIR / "entities.yml")
    return EntityExtractor(data.regexes, data.lookups)


def found(extractor: EntityExtractor, text: str, language: str | None = None) -> list[tuple]:
    out = []
    for e in extractor.extract(text, language):
        assert text[e.start : e.end].strip(), "offsets must point into the text"
        out.append((e.entity, e.value, text[e.start : e.end], dict(e.extras).get("currency")))
    return out


def test_order_number_with_offsets(extractor: EntityExtractor) -> None:
    text = "订单20261103558712还没到"
    [entity] = extractor.extract(text)
    assert (entity.entity, entity.value, entity.start, entity.end) == (
        "order_number",
        "20261103558712",
        2,
        16,
    )
    assert entity.extractor == "regex"


def test_ticket_number_with_any_prefix(extractor: EntityExtractor) -> None:
    assert found(extractor, "any news on TS-202611-000123?") == [
        ("ticket_number", "TS-202611-000123", "TS-202611-000123", None)
    ]
    assert found(extractor, "ticket CMPL-202612-000007 please")[0][1] == "CMPL-202612-000007"


def test_phone_is_not_also_an_order_number(extractor: EntityExtractor) -> None:
    entities = found(extractor, "call me on 13812345678 or +7 999 123-45-67")
    assert [e[0] for e in entities] == ["phone", "phone"]
    assert entities[0][1] == "13812345678"
    assert entities[1][1] == "+79991234567"


def test_keyword_anchors_a_short_order_number(extractor: EntityExtractor) -> None:
    assert found(extractor, "order no. 12345678 is late")[0][:2] == ("order_number", "12345678")
    assert found(extractor, "Заказ ЗК-4471 не пришел")[0][:2] == ("order_number", "ЗК-4471")


@pytest.mark.parametrize(
    ("text", "language", "value", "currency"),
    [
        ("refund ¥399 please", "en", "399", "CNY"),
        ("退款399元", "zh-Hans", "399", "CNY"),
        ("退款399元", "zh-Hant", "399", "TWD"),
        ("списали 1 299 ₽", "ru", "1299", "RUB"),
        ("списали 500 рублей", "ru", "500", "RUB"),
        ("paid $45.99", "en", "45.99", "USD"),
        ("付了NT$1,200", "zh-Hant", "1200", "TWD"),
        ("HK$350 已付", "zh-Hant", "350", "HKD"),
        ("45,99 € refund", "en", "45.99", "EUR"),
        ("损失1.5万元", "zh-Hans", "15000", "CNY"),
        ("15 тыс. руб", "ru", "15000", "RUB"),
    ],
)
def test_amount_with_currency(
    extractor: EntityExtractor, text: str, language: str, value: str, currency: str
) -> None:
    amounts = [e for e in found(extractor, text, language) if e[0] == "amount"]
    assert amounts and amounts[0][1] == value and amounts[0][3] == currency


def test_email_and_dates(extractor: EntityExtractor) -> None:
    entities = found(extractor, "write to a.b@example.com before 2026-11-03 or 3 ноября, 明天")
    assert [(e[0], e[2]) for e in entities] == [
        ("email", "a.b@example.com"),
        ("date", "2026-11-03"),
        ("date", "3 ноября"),
        ("date", "明天"),
    ]


def test_offsets_count_characters_not_bytes(extractor: EntityExtractor) -> None:
    text = "😡😡 订单号：20261103558712"
    [entity] = extractor.extract(text)
    assert text[entity.start : entity.end] == "20261103558712"


def test_entities_never_overlap(extractor: EntityExtractor) -> None:
    entities = extractor.extract("TS-202611-000123 20261103558712 +86 138 1234 5678 ¥20261103")
    spans = sorted((e.start, e.end) for e in entities)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("order ab-2024-5567 missing", "ab-2024-5567"),
        ("посылка RU-00451-МСК потерялась", "RU-00451-МСК"),
        ("order #A-771-239 never came", "A-771-239"),
        ("where is 4471-KZ", "4471-KZ"),
        ("заказ 123456-МСК не пришел", "123456-МСК"),
        ("номер заказа 1234567-А", "1234567-А"),
        ("zakaz 778812-msk ne prishel", "778812-msk"),
        ("my ref is ORD-7781-XQ", "ORD-7781-XQ"),
    ],
)
def test_order_numbers_in_customers_forms(
    extractor: EntityExtractor, text: str, value: str
) -> None:
    assert found(extractor, text)[0][:2] == ("order_number", value)


@pytest.mark.parametrize("text", ["a 2-in-1 shampoo", "the 1500-W heater", "Covid-19 delays"])
def test_product_codes_are_not_order_numbers(extractor: EntityExtractor, text: str) -> None:
    assert found(extractor, text) == []
