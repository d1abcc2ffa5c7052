"""Signal vocabulary matching rules and the urgency decision."""

from __future__ import annotations

import pytest

from nlu.model import NluModel
from nlu.result import Urgency
from nlu.signals import Signal, SignalMatcher
from nlu.training_data import SHIPPED_DATA_DIR, read_training_data
from nlu.urgency import SIGNAL_CONFIDENCE as SIGNAL_CONFIDENCE_FLOOR
from nlu.urgency import decide

MATCHER = SignalMatcher(
    lookups={
        "critical.legal": ["lawyer", "律师", "юрист"],
        "critical.regulator": ["12315", "消保官"],
        "high.deadline": ["wedding"],
        "low.minor": ["not a big deal"],
        "not.a_table": ["ignored"],
    },
    regexes={"critical.legal": [r"\bsu(e|ing|ed)\b", "(broken"]},
)


def reasons(text: str) -> list[str]:
    return [s.reason for s in MATCHER.match(text)]


def test_latin_entries_match_at_a_word_start_and_run_on() -> None:
    assert reasons("my LAWYERS will call") == ["legal"]
    assert reasons("a flawyer") == []


def test_cyrillic_and_chinese_entries() -> None:
    assert reasons("обращусь к юристу") == ["legal"]
    assert reasons("我要找律师") == ["legal"]
    assert reasons("我要找律師") == ["legal"]  # traditional text, simplified entry


def test_numbers_do_not_match_inside_longer_numbers() -> None:
    assert reasons("打12315投诉") == ["regulator"]
    assert reasons("单号123156789") == []


def test_regex_entries_and_broken_regexes_are_skipped() -> None:
    assert reasons("I will sue you") == ["legal"]
    assert reasons("a suede jacket") == []


def test_signals_come_most_urgent_first() -> None:
    assert [s.level for s in MATCHER.match("not a big deal, but my wedding and my lawyer")] == [
        "critical",
        "high",
        "low",
    ]


def test_signal_sets_a_floor_and_gives_reasons() -> None:
    probs = {"low": 0.1, "normal": 0.7, "high": 0.1, "critical": 0.1}
    urgency = decide("delivery", probs, [Signal("high", "deadline")])
    assert urgency.level == "high" and urgency.reasons == ("deadline",)


def test_model_alone_may_raise_the_level_without_reasons() -> None:
    probs = {"low": 0.0, "normal": 0.05, "high": 0.1, "critical": 0.85}
    assert decide("product_quality", probs, []) == Urgency("critical", 0.85, ())


def test_model_alone_makes_a_message_critical_only_when_sure() -> None:
    probs = {"low": 0.0, "normal": 0.1, "high": 0.2, "critical": 0.7}
    assert decide("product_quality", probs, []) == Urgency("high", pytest.approx(0.9), ())


def test_minor_signal_lowers_only_an_ordinary_complaint() -> None:
    normal = {"low": 0.2, "normal": 0.6, "high": 0.1, "critical": 0.1}
    high = {"low": 0.1, "normal": 0.2, "high": 0.6, "critical": 0.1}
    assert decide("other", normal, [Signal("low", "minor")]).level == "low"
    assert decide("other", high, [Signal("low", "minor")]).level == "high"


def test_dialogue_turns_are_low_unless_a_signal_fires() -> None:
    probs = {"low": 0.1, "normal": 0.1, "high": 0.1, "critical": 0.7}
    assert decide("greet", probs, []).level == "low"
    assert decide("check_status", probs, [Signal("critical", "legal")]).level == "critical"


def test_shipped_signals_fire_in_every_language(shipped_model: NluModel) -> None:
    for text in (
        "my lawyer will contact you",
        "обращусь в Роспотребнадзор",
        "我要打12315投诉你们",
        "我要去消基會申訴",
    ):
        urgency = shipped_model.parse(text).urgency
        assert urgency is not None and urgency.level == "critical", text
        assert urgency.reasons, text


def _shipped_matcher() -> SignalMatcher:
    data = read_training_data(SHIPPED_DATA_DIR / "signals")
    return SignalMatcher(data.lookups, data.regexes)


SHIPPED = _shipped_matcher()


@pytest.mark.parametrize(
    "text",
    [
        "The new heater smells of gas and my 82-year-old dad is alone in the flat",
        "От новой плиты пахнет газом, дома бабушка 85 лет одна",
        "新买的燃气灶有股煤气味，家里只有我七十多岁的奶奶",
        "新買的瓦斯爐一直有瓦斯味，家裡只有八十歲的阿公在",
    ],
)
def test_gas_and_an_elderly_person_name_both_reasons(text: str) -> None:
    found = SHIPPED.match(text)
    urgency = decide("product_quality", {"normal": 0.6, "high": 0.3, "critical": 0.1}, found)
    assert urgency.level == "critical"
    assert {"safety", "vulnerable_person"} <= set(urgency.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "pls help my acount hacked, someone change password and take all money",
        "someone go in my account and take all my money, balance now zero",
        "hacker steal my account",
    ],
)
def test_account_takeover_in_broken_english(text: str) -> None:
    assert [s.reason for s in SHIPPED.match(text)] == ["account_takeover"]


@pytest.mark.parametrize(
    "text", ["the wallet i bought lost all its colour", "I took my account details off the site"]
)
def test_account_words_alone_are_no_takeover(text: str) -> None:
    assert SHIPPED.match(text) == []


def test_polite_low_stakes_requests_are_minor() -> None:
    for text in (
        "whenever it's convenient, please take me off the promo text list",
        "при случае отпишите меня от рассылки",
        "方便的时候帮我取消营销短信",
        "方便的話幫我取消推廣短訊",
    ):
        assert [s.reason for s in SHIPPED.match(text)] == ["minor"], text


def test_confidence_map_turns_the_combined_confidence_into_measured_accuracy() -> None:
    signals = [Signal("critical", "legal")]
    probs = {"normal": 0.7, "critical": 0.3}
    assert decide("billing", probs, signals).confidence == SIGNAL_CONFIDENCE_FLOOR
    mapped = decide("billing", probs, signals, ([0.5, 0.9], [0.4, 0.8]))
    assert mapped.level == "critical" and mapped.reasons == ("legal",)
    assert mapped.confidence == pytest.approx(0.8)


@pytest.mark.parametrize(
    "text",
    [
        "我已经打了12315",
        "处理不好我就打12315，再找消协",
        "我在全国12315平台上提交了",
        "I will call 12345",
    ],
)
def test_a_hotline_called_or_named_is_a_regulator_signal(text: str) -> None:
    assert "regulator" in [s.reason for s in SHIPPED.match(text)]


@pytest.mark.parametrize(
    "text",
    ["my order 12345 never arrived", "订单12345还没到", "付了12305元", "order #12315 is late"],
)
def test_a_hotline_number_used_as_an_order_number_or_amount_is_not(text: str) -> None:
    assert "regulator" not in [s.reason for s in SHIPPED.match(text)]
