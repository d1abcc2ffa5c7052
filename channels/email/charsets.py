"""Bytes to text for the charsets mail clients declare, and the ones they get wrong.

A declared charset is trusted part by part, widened to the superset its senders really use
(GB2312 is declared over GBK or GB18030 text, Big5 over HKSCS and CP950 additions,
ISO-2022-JP over the NEC and IBM extensions Windows writes). Bytes it cannot read are
replaced and noted, not a reason to re-guess a whole part; only valid UTF-8 under a legacy
label, or a part that is mostly errors, is read another way. Undeclared 8-bit bytes are
decoded with the charset found for the whole mail (`mail_charset`), so a sender name in raw
GBK bytes reads like the GBK subject next to it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable

from charset_normalizer import from_bytes

#: Declared name → the codec that decodes what clients labelled so. Supersets first: a
#: superset decodes every byte its subset does, the same way.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-8859-1": "cp1252",  # what Windows clients mean by it
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "x-mac-cyrillic": "mac-cyrillic",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}
#: Every ISO-2022-JP label is read with the Windows extensions (①, ㈱, 髙): see `_iso2022jp`.
ISO2022JP = "iso2022-jp-ms"
#: Unknown labels: a known name inside them ("iso-gb2312", "win-1251", "x-koi8u").
_LABEL_HINTS = (
    (re.compile(r"gb_?18030|gbk|gb_?2312|euc-?cn|cp936"), "gb18030"),
    (re.compile(r"big-?5|cp950"), "big5hkscs"),
    (re.compile(r"2022-?jp"), ISO2022JP),
    (re.compile(r"s(?:hift)?[-_]?jis|cp932|ms932|windows-31j"), "cp932"),
    (re.compile(r"koi8-?u"), "koi8-u"),
    (re.compile(r"koi8"), "koi8-r"),
    (re.compile(r"(?:windows|win|cp)-?(125[0-8])"), r"cp\1"),
    (re.compile(r"utf-?8"), "utf-8"),
)

#: Labels whose single-byte tables also accept UTF-8's bytes, so mislabelled UTF-8 would come
#: out as mojibake without an error; valid UTF-8 under them is taken as UTF-8.
SINGLE_BYTE = frozenset(
    {"cp1250", "cp1251", "cp1252", "koi8-r", "koi8-u", "iso8859-5", "cp866", "mac-cyrillic"}
)
#: Charsets written in ASCII bytes: those bytes still need their codec.
SEVEN_BIT = frozenset({"utf-7", "hz"})
#: When the detector finds several charsets equally plausible (short CJK text fits several
#: double-byte tables), the one mail to this helpdesk most likely is.
PREFERENCE = ("utf_8", "gb18030", "big5hkscs", "cp1251", "koi8_r", "cp932", "euc_jp", "cp1252")
#: A part with more undecodable characters than this share of its non-ASCII ones was not
#: written in its declared charset at all: then, and only then, the part is guessed.
MOSTLY_ERRORS = 0.25


def codec_for(declared: str | None) -> str | None:
    """The codec to use for a declared charset, or None when no codec fits the label."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    name = SUPERSETS.get(name, name)
    if "2022-jp" in name or "2022_jp" in name:
        return ISO2022JP
    try:
        return codecs.lookup(name).name
    except LookupError:
        pass
    for pattern, codec in _LABEL_HINTS:
        found = pattern.search(name)
        if found:
            return found.expand(codec)
    return None


def decode(
    data: bytes, declared: str | None, where: str, context: str | None = None
) -> tuple[str, list[str]]:
    """Decodes `data`; returns the text and notes on what had to be guessed (`where` names
    the part in them). `context` is the whole mail's charset for undeclared bytes. Never
    raises."""
    codec = codec_for(declared)
    notes: list[str] = []
    if declared and codec is None:
        notes.append(f"{where}: unknown charset {declared!r}, guessed")
    if codec == ISO2022JP:
        return _iso2022jp(data, where)
    if data.isascii() and codec not in SEVEN_BIT:
        return data.decode("ascii"), notes
    if codec is None or codec in SINGLE_BYTE:
        try:
            text = data.decode("utf-8")
            if codec in SINGLE_BYTE:
                notes.append(f"{where}: declared {declared}, but the bytes are UTF-8")
            return text, notes
        except UnicodeDecodeError:
            pass
    if codec is None and context is not None and (declared is None or context != "utf-8"):
        text = data.decode(context, errors="replace")
        return text, [*notes, *_replaced(text, where, context)]
    if codec is not None:
        text = data.decode(codec, errors="replace")
        bad = text.count("\ufffd")
        if not bad:
            return text, notes
        if codec != "utf-8" and _is_utf8(data):
            return data.decode("utf-8"), [*notes, f"{where}: declared {declared}, but UTF-8"]
        if bad <= MOSTLY_ERRORS * sum(not c.isascii() for c in text):
            return text, [*notes, f"{where}: {bad} bytes not valid {declared}, replaced"]
        notes.append(f"{where}: not valid {declared}, guessed")
    found = guess(data)
    if found is not None:
        text = data.decode(found, errors="replace")
        return text, [*notes, f"{where}: decoded as {found} (best effort)"]
    text = data.decode(codec or "utf-8", errors="replace")
    return text, [*notes, f"{where}: undecodable bytes replaced"]


def guess(data: bytes) -> str | None:
    """The most plausible charset of undeclared bytes (charset-normalizer's matches, ties
    broken by `PREFERENCE`); None when nothing fits."""
    if _is_utf8(data):
        return "utf-8"
    matches = list(from_bytes(data))
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    plausible = [m for m in matches if m.chaos <= least + 0.02]

    def rank(match: object) -> tuple[float, int]:
        name = str(getattr(match, "encoding", ""))
        order = PREFERENCE.index(name) if name in PREFERENCE else len(PREFERENCE)
        return (-round(float(getattr(match, "coherence", 0.0)), 2), order)

    best = min(plausible, key=rank)
    return codecs.lookup(best.encoding).name


def mail_charset(undeclared: Iterable[bytes], declared: Iterable[str | None]) -> str | None:
    """The charset for the undeclared 8-bit bytes of one mail (raw header values, parts
    without a label), read together: the first charset the mail declares elsewhere that
    decodes all of them, else a guess over all of them at once. None when all are ASCII."""
    blobs = [b for b in undeclared if not b.isascii()]
    if not blobs:
        return None
    joined = b"\n".join(blobs)
    if _is_utf8(joined):
        return "utf-8"
    for label in dict.fromkeys(declared):
        codec = codec_for(label)
        if codec in (None, ISO2022JP, "utf-8", "cp1252", "utf-7", "hz"):
            continue  # an ASCII, latin-1 or UTF-8 label says nothing about raw 8-bit bytes
        try:
            for blob in blobs:
                blob.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return guess(joined)


def _replaced(text: str, where: str, codec: str) -> list[str]:
    bad = text.count("\ufffd")
    note = f"{where}: no charset declared, read as {codec} like the rest of the mail"
    return [note if not bad else f"{note}; {bad} undecodable bytes replaced"]


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_ESCAPE = re.compile(rb"\x1b(\(B|\(J|\(I|\$@|\$B|\$\(D)")


def _iso2022jp(data: bytes, where: str) -> tuple[str, list[str]]:
    """ISO-2022-JP as Windows writes it (CP50220): JIS X 0208 with the NEC row 13 (①, ㈱)
    and IBM extensions, which Python's iso2022 codecs refuse. Each JIS pair is moved to its
    Shift_JIS position and read with cp932, which has those extensions."""
    for codec in ("iso2022_jp_2", "iso2022_jp_ext"):
        try:
            return data.decode(codec), []
        except UnicodeDecodeError:
            pass
    out: list[str] = []
    mode = b"(B"
    pos = 0
    for chunk in _ESCAPE.split(data):
        pos += 1
        if pos % 2 == 0:  # the escape sequence itself
            mode = chunk
            continue
        if mode in (b"$@", b"$B"):
            out.append(_jis_pairs_to_sjis(chunk).decode("cp932", errors="replace"))
        elif mode == b"$(D":  # JIS X 0212: Python's ISO-2022-JP-2 has it
            wrapped = b"\x1b$(D" + chunk + b"\x1b(B"
            out.append(wrapped.decode("iso2022_jp_2", errors="replace"))
        elif mode == b"(I":  # half-width katakana
            out.append(bytes(b | 0x80 for b in chunk).decode("cp932", errors="replace"))
        else:
            out.append(chunk.decode("ascii", errors="replace"))
    text = "".join(out)
    bad = text.count("\ufffd")
    return text, [f"{where}: {bad} bytes not valid ISO-2022-JP, replaced"] if bad else []


def _jis_pairs_to_sjis(chunk: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(chunk) - 1, 2):
        j1, j2 = chunk[i], chunk[i + 1]
        if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
            out += b"??"
            continue
        s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
        s2 = j2 + (0x1F if j2 <= 0x5F else 0x20) if j1 & 1 else j2 + 0x7E
        out += bytes((s1, s2))
    return bytes(out)
