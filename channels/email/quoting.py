"""The customer's new words only: quoted earlier mail and the signature cut off for the NLU.

mail-parser-reply does the work; it knows the reply headers of many languages, Chinese
Outlook's (发件人/发送时间) among them. Two forms it misses get extra patterns here, kept to
what was seen missing (checked against mail-parser-reply 1.36):
- Russian has no entry at all: "… написал(а):", "-----Исходное сообщение-----", Outlook's
  "От:/Отправлено:" block, and "С уважением" as a valediction;
- the Chinese "2026年11月2日 … 写道：" header never matches its own pattern (a negative
  look-ahead of the same pattern), and Chinese signatures such as "此致" / "敬礼".
- Outlook's header block in German, Japanese and Traditional Chinese (Von/Gesendet,
  差出人/送信日時, 寄件者/寄件日期), and the "date, name <address>:" line Gmail writes in
  Russian and Japanese and Yandex and Mail.ru write;
- valedictions in German, Traditional Chinese and Japanese.
Plus the RFC 3676 signature separator "-- " and ">"-quoted lines, whatever the language.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "zh", "de", "fr", "es", "it", "nl", "pl", "ja", "ko"]

#: A line where the quoted earlier mail begins: cut there.
EXTRA_REPLY_HEADERS = re.compile(
    r"^(?:"
    r".*(?:написал|написала|написал\(а\)|пишет)\s*:\s*$"
    r"|-{3,}\s*(?:Исходное сообщение|Пересылаемое сообщение|原始邮件|原始郵件)\s*-{3,}"
    r"|(?:От|From|Von|寄件者|差出人|发件人)\s*[:：].*\n(?:.*\n)?\s*"
    r"(?:Отправлено|Дата|Sent|Gesendet|寄件日期|傳送時間|送信日時|发送时间)\s*[:：]"
    # Gmail (ru, ja), Yandex, Mail.ru: a date, the sender's address, a colon, nothing more.
    r"|.*\d.*<[^<>\s@]+@[^<>\s]+>\s*[:：]\s*$"
    r"|.*(?:写道|寫道)\s*[:：]\s*$"
    r"|>.*"
    r")",
    re.MULTILINE,
)

#: A line where the signature begins, looked for in the last lines only.
SIGNATURE_START = re.compile(
    r"^(?:-- ?|(?:Thanks|Thank you|Best regards|Kind regards|Regards|Best|Cheers)[,.!]?"
    r"|С уважением[,.!]?.*|С наилучшими пожеланиями.*|Спасибо[,.!]?"
    r"|Всего доброго[,.!]?|Mit freundlichen Grüßen[,.!]?|(?:Viele|Beste|Freundliche) Grüße[,.!]?"
    r"|MfG|Gruß[,.!]?|此致|敬礼[，,]?|顺祝商祺.*|祝好[，,]?|敬祝|順頌商祺.*|敬上"
    r"|よろしくお願いいたします。?|以上)\s*$",
    re.MULTILINE,
)
SIGNATURE_WINDOW = 8  # a signature is a few lines at the end, not a paragraph in the middle


def new_text(text: str) -> str:
    """The reply without quotes and signature; the whole text when nothing would be left."""
    text = text.replace("\r\n", "\n")
    reply = EmailReplyParser(languages=LANGUAGES).parse_reply(text) or text
    cut = EXTRA_REPLY_HEADERS.search(reply)
    if cut is not None:
        reply = reply[: cut.start()]
    lines = reply.rstrip().split("\n")
    for index in range(max(0, len(lines) - SIGNATURE_WINDOW), len(lines)):
        if index > 0 and SIGNATURE_START.match(lines[index]):
            lines = lines[:index]
            break
    stripped = "\n".join(lines).strip()
    return stripped or text.strip()
