# ruff: noqa: E501  (real reply headers are long lines; kept whole, one sample per line)
"""Quoted earlier mail and signatures cut off in every language the helpdesk answers, in the
forms Outlook, Gmail, Apple Mail, Foxmail, QQ Mail, Yandex and Mail.ru write them."""

from __future__ import annotations

import pytest

from channels.email.quoting import new_text

SAMPLES = {
    "en-gmail": (
        "The kettle is still broken.\n\nOn Mon, Nov 2, 2026 at 3:00 PM Support <support@shop.test> wrote:\n> We received your complaint.\n",
        "The kettle is still broken.",
    ),
    "en-outlook": (
        "The kettle is still broken.\n\nFrom: Support <support@shop.test>\nSent: Monday, November 2, 2026 3:00 PM\nTo: Anna <anna@example.com>\nSubject: RE: Kettle\n\nWe received your complaint.\n",
        "The kettle is still broken.",
    ),
    "ru-gmail": (
        "Чайник всё ещё не работает.\n\nпн, 2 нояб. 2026 г. в 15:00, Поддержка <support@shop.test>:\n> Мы получили вашу жалобу.\n",
        "Чайник всё ещё не работает.",
    ),
    "ru-yandex": (
        'Чайник всё ещё не работает.\n\n02.11.2026, 15:00, "Поддержка" <support@shop.test>:\n> Мы получили вашу жалобу.\n',
        "Чайник всё ещё не работает.",
    ),
    "ru-mailru": (
        "Чайник всё ещё не работает.\n\n\nПонедельник, 2 ноября 2026, 15:00 +03:00 от Поддержка <support@shop.test>:\n\n> Мы получили вашу жалобу.\n",
        "Чайник всё ещё не работает.",
    ),
    "ru-outlook": (
        "Чайник всё ещё не работает.\n\nС уважением,\nИван\n\nОт: Поддержка <support@shop.test>\nОтправлено: 2 ноября 2026 г. 15:00\nКому: Иван\nТема: RE: Чайник\n\nМы получили вашу жалобу.\n",
        "Чайник всё ещё не работает.",
    ),
    "zh-hans-outlook": (
        "水壶还是坏的。\n\n发件人: 客服 <support@shop.test>\n发送时间: 2026年11月2日 15:00\n收件人: 张伟\n主题: 回复: 水壶\n\n您的投诉已收到。\n",
        "水壶还是坏的。",
    ),
    "zh-hans-foxmail": (
        '水壶还是坏的。\n\n\n\n------------------ 原始邮件 ------------------\n发件人: "客服"<support@shop.test>;\n发送时间: 2026年11月2日(星期一) 下午3:00\n收件人: "张伟"<zhang.wei@example.cn>;\n主题: 回复: 水壶\n\n您的投诉已收到。\n',
        "水壶还是坏的。",
    ),
    "zh-hans-qq": (
        '水壶还是坏的。\n\n此致\n张伟\n\n\u00a0\n------------------\u00a0原始邮件\u00a0------------------\n发件人: "客服"<support@shop.test>;\n发送时间:\u00a02026年11月2日(星期一) 下午3:00\n\n您的投诉已收到。\n',
        "水壶还是坏的。",
    ),
    "zh-hans-apple": (
        "水壶还是坏的。\n\n> 在 2026年11月2日，15:00，客服 <support@shop.test> 写道：\n> \n> 您的投诉已收到。\n",
        "水壶还是坏的。",
    ),
    "zh-hant-outlook": (
        "熱水壺還是壞的。\n\n寄件者: 客服 <support@shop.test>\n寄件日期: 2026年11月2日 下午 03:00\n收件者: 陳大文\n主旨: 回覆: 熱水壺\n\n您的投訴已收到。\n",
        "熱水壺還是壞的。",
    ),
    "zh-hant-gmail": (
        "熱水壺還是壞的。\n\n客服 <support@shop.test> 於 2026年11月2日 週一 下午3:00寫道：\n> 您的投訴已收到。\n",
        "熱水壺還是壞的。",
    ),
    "zh-hant-sig": (
        "熱水壺還是壞的，請盡快處理。\n\n敬祝\n商祺\n陳大文\n",
        "熱水壺還是壞的，請盡快處理。",
    ),
    "de-gmail": (
        "Der Wasserkocher ist immer noch kaputt.\n\nAm Mo., 2. Nov. 2026 um 15:00 Uhr schrieb Support <support@shop.test>:\n> Wir haben Ihre Beschwerde erhalten.\n",
        "Der Wasserkocher ist immer noch kaputt.",
    ),
    "de-outlook": (
        "Der Wasserkocher ist immer noch kaputt.\n\nMit freundlichen Grüßen\nAnna Schmidt\n\nVon: Support <support@shop.test>\nGesendet: Montag, 2. November 2026 15:00\nAn: Anna Schmidt <anna@example.de>\nBetreff: AW: Wasserkocher\n\nWir haben Ihre Beschwerde erhalten.\n",
        "Der Wasserkocher ist immer noch kaputt.",
    ),
    "de-apple": (
        "Der Wasserkocher ist immer noch kaputt.\n\nViele Grüße\nAnna\n\n> Am 02.11.2026 um 15:00 schrieb Support <support@shop.test>:\n> \n> Wir haben Ihre Beschwerde erhalten.\n",
        "Der Wasserkocher ist immer noch kaputt.",
    ),
    "ja-gmail": (
        "ケトルがまだ壊れています。\n\n2026年11月2日(月) 15:00 サポート <support@shop.test>:\n> お問い合わせを受け付けました。\n",
        "ケトルがまだ壊れています。",
    ),
    "ja-outlook": (
        "ケトルがまだ壊れています。\n\n差出人: サポート <support@shop.test>\n送信日時: 2026年11月2日 15:00\n宛先: 山田太郎\n件名: RE: ケトル\n\nお問い合わせを受け付けました。\n",
        "ケトルがまだ壊れています。",
    ),
    "ja-apple": (
        "ケトルがまだ壊れています。\n\n> 2026/11/02 15:00、サポート <support@shop.test>のメール:\n> \n> お問い合わせを受け付けました。\n",
        "ケトルがまだ壊れています。",
    ),
    "ja-sig": (
        "ケトルがまだ壊れています。\n\n--\n山田太郎\n株式会社山田商店\n",
        "ケトルがまだ壊れています。",
    ),
}


@pytest.mark.parametrize(("sample", "expected"), SAMPLES.values(), ids=list(SAMPLES))
def test_only_the_customers_new_words_are_left(sample: str, expected: str) -> None:
    assert new_text(sample) == expected


def test_a_mail_that_is_all_quote_keeps_its_text() -> None:
    quoted = "> 您的投诉已收到。\n> 客服"
    assert new_text(quoted) == quoted
