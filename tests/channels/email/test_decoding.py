"""What the NLU and the agents get from a mail: the right text whatever the charset, HTML
without script, and the customer's new words without the quoted mail and signature."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from channels.email.mime import parse_mail
from channels.email.quoting import new_text
from gateway.blobs import relink_inline_images, store_attachment

from .conftest import mail


@pytest.mark.parametrize(
    ("charset", "subject", "text"),
    [
        ("gb2312", "快递投诉", "我的快递三天没有更新了，请尽快处理。"),
        ("gbk", "退款问题", "订单已取消，但是钱还没有退回来，喆。"),
        ("gb18030", "质量问题", "电水壶坏了𠀀，要求更换。"),
        ("big5", "客訴：物流延誤", "我的包裹一直沒有送到，請儘快處理。"),
        ("koi8-r", "Жалоба на доставку", "Мой заказ не доставили уже неделю."),
        ("windows-1251", "Возврат денег", "Верните деньги за отменённый заказ."),
        ("utf-8", "Жалоба / 投诉", "Смешанный текст и 中文."),
    ],
)
def test_chinese_and_russian_charsets_decode_to_the_right_text(
    charset: str, subject: str, text: str
) -> None:
    parsed = parse_mail(mail(text, subject=subject, charset=charset))
    assert parsed.subject == subject
    assert parsed.text == text
    assert parsed.notes == []


def test_gbk_text_under_a_gb2312_label_decodes_as_gb18030() -> None:
    # 喆 and 镕 are in GBK but not in GB2312: a strict GB2312 decoder would lose them.
    raw = mail("朱镕基和陶喆", subject="镕", charset="gbk").replace(b"gbk", b"gb2312")
    parsed = parse_mail(raw)
    assert parsed.subject == "镕"
    assert parsed.text == "朱镕基和陶喆"


def test_a_wrong_declared_charset_is_decoded_best_effort_with_a_note() -> None:
    raw = mail("Посылка не пришла, верните деньги.", charset="utf-8").replace(
        b"charset=utf-8", b"charset=iso-8859-1"
    )
    parsed = parse_mail(raw)
    assert parsed.text == "Посылка не пришла, верните деньги."
    assert any("declared iso-8859-1" in note for note in parsed.notes)


def test_an_unknown_charset_is_guessed_with_a_note() -> None:
    raw = mail("Мой заказ не доставили уже неделю.", charset="windows-1251").replace(
        b"charset=windows-1251", b"charset=x-unknown-cyrillic"
    )
    parsed = parse_mail(raw)
    assert parsed.text == "Мой заказ не доставили уже неделю."
    assert any("unknown charset" in note for note in parsed.notes)


def test_a_broken_encoded_word_is_kept_raw_with_a_note() -> None:
    parsed = parse_mail(b"From: a@example.cn\r\nSubject: =?utf-8?B?####?=\r\n\r\nhello\r\n")
    assert parsed.text.strip() == "hello"
    assert parsed.notes, "the broken header is noted"


def test_script_and_event_handlers_are_gone_from_customer_html() -> None:
    html = (
        '<p onclick="steal()">Kettle broken<script>fetch("//evil")</script></p>'
        '<img src="x" onerror="alert(1)"><a href="javascript:alert(2)">link</a>'
    )
    parsed = parse_mail(mail("Kettle broken", html=html))
    assert parsed.html is not None
    assert "Kettle broken" in parsed.html
    for dangerous in ("<script", "steal", "onerror", "onclick", "javascript:"):
        assert dangerous not in parsed.html


def test_an_html_only_mail_gets_plain_text_without_its_quoted_part() -> None:
    html = "<p>订单20261103558712还没到<br>请处理</p><blockquote>您的工单已受理</blockquote>"
    raw = (
        b"From: a@example.cn\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(html.encode())
    )
    assert parse_mail(raw).text == "订单20261103558712还没到\n请处理"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "My parcel is two weeks late.\n\nBest regards,\nJohn\n\n"
            "On Mon, Nov 23, 2026 at 10:00 AM Support <support@shop.test> wrote:\n"
            "> Your complaint TS-202611-000001 was received.",
            "My parcel is two weeks late.",
        ),
        (
            "我的快递还没到，请尽快处理。\n\n-- \n张伟\n\n"
            "2026年11月23日 10:00，客服 <support@shop.test> 写道：\n> 您的投诉已受理",
            "我的快递还没到，请尽快处理。",
        ),
        (
            "包装是破的。\n\n发件人: 客服 <support@shop.test>\n发送时间: 2026年11月23日 10:00\n"
            "收件人: 张伟\n主题: 回复: 投诉\n\n您的投诉已受理",
            "包装是破的。",
        ),
        (
            "Посылка так и не пришла.\n\nС уважением,\nИван\n\n"
            "23 нояб. 2026 г., в 10:00, Support <support@shop.test> написал(а):\n"
            "> Ваша жалоба принята",
            "Посылка так и не пришла.",
        ),
        (
            "Верните деньги.\n\n-----Исходное сообщение-----\nОт: Support\n"
            "Отправлено: 23 ноября 2026 г. 10:00\nТема: Жалоба",
            "Верните деньги.",
        ),
    ],
    ids=["en", "zh-wrote", "zh-outlook", "ru-wrote", "ru-outlook"],
)
def test_quoted_reply_and_signature_are_stripped_from_the_nlu_text(
    body: str, expected: str
) -> None:
    assert new_text(body) == expected


def test_inline_images_are_shown_and_other_cid_links_dropped(tmp_path: Path) -> None:
    png, svg = b"\x89PNG\r\n\x1a\n-pixels", b"<svg onload='alert(1)'/>"
    png_sha, svg_sha = store_attachment(tmp_path, png), store_attachment(tmp_path, svg)
    attachments = [
        {"content_id": "a@x", "content_type": "image/png", "sha256": png_sha},
        {"content_id": "b@x", "content_type": "image/svg+xml", "sha256": svg_sha},
    ]
    html = '<img src="cid:a@x"><img src="cid:b@x"><img src="cid:missing@x">'
    shown = relink_inline_images(html, attachments, tmp_path)
    assert shown.count('src=""') == 2  # the SVG (it can carry script) and the unknown one
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in shown


def test_nh3_keeps_cid_links_for_the_ticket_view() -> None:
    parsed = parse_mail(mail("see photo", html='<p>see photo</p><img src="cid:p1@x" alt="p">'))
    assert parsed.html is not None and 'src="cid:p1@x"' in parsed.html
