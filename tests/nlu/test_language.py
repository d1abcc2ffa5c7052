"""Language and script, including one-word messages and the caller's hint."""

from __future__ import annotations

import pytest

from nlu.language import detect_language, normalise_tag


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", "zh-Hans"),
        ("转人工", "zh-Hans"),
        ("您好", "zh-Hans"),
        ("請問", "zh-Hant"),
        ("謝謝", "zh-Hant"),
        ("Здравствуйте", "ru"),
        ("Hi", "en"),
        ("Hello", "en"),
        ("my parcel has not arrived", "en"),
        ("Где моя посылка?", "ru"),
        ("我的iPhone壞了", "zh-Hant"),
        ("我的iPhone坏了，订单20261103558712", "zh-Hans"),
        ("Мой iPhone 15 Pro не включается", "ru"),
    ],
)
def test_short_and_mixed_messages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_shared_characters_follow_the_hint() -> None:
    assert detect_language("你好", "zh-TW") == "zh-Hant"
    assert detect_language("你好", "zh-hant") == "zh-Hant"
    assert detect_language("你好", "zh-CN") == "zh-Hans"
    assert detect_language("你好", "en") == "zh-Hans"


def test_script_beats_the_hint() -> None:
    assert detect_language("謝謝", "zh-CN") == "zh-Hant"
    assert detect_language("Здравствуйте", "en") == "ru"


def test_other_languages_get_their_own_tag() -> None:
    assert detect_language("Guten Tag, meine Bestellung ist nicht angekommen") == "de"
    assert detect_language("こんにちは、注文が届きません") == "ja"
    assert detect_language("안녕하세요") == "ko"


def test_no_letters_is_the_hint_or_undetermined() -> None:
    assert detect_language("😀😀😀") == "und"
    assert detect_language("12345", "ru") == "ru"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("zh-TW", "zh-Hant"), ("zh_HK", "zh-Hant"), ("zh", "zh-Hans"), ("RU", "ru"), ("", None)],
)
def test_hint_normalisation(hint: str, expected: str | None) -> None:
    assert normalise_tag(hint) == expected


def test_language_library_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from nlu.language import _Library

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    guess = _Library().detect("Guten Tag, meine Bestellung ist nicht angekommen")
    assert guess is not None and guess[0] == "de"
