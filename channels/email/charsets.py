"""Bytes to text for the charsets Chinese and Russian mail clients declare, and the ones they
get wrong.

A declared charset is a hint, not a fact: GB2312 is declared over GBK or GB18030 text,
ISO-8859-1 or KOI8-R over UTF-8, Big5 over Microsoft's CP950 additions. Each declared name
is widened to the superset its senders really use; when that still fails, or when the bytes
are valid UTF-8 under a legacy label, the decoder says so in a note instead of failing.
"""

from __future__ import annotations

import codecs

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
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",  # what Windows clients mean by it
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "koi8-r": "koi8-r",
    "x-mac-cyrillic": "mac-cyrillic",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}

#: Labels whose single-byte tables also accept UTF-8's bytes, so mislabelled UTF-8 would come
#: out as mojibake without an error; valid UTF-8 under them is taken as UTF-8.
SINGLE_BYTE = frozenset({"cp1252", "koi8-r", "cp1251", "iso8859-5", "cp866", "mac-cyrillic"})


def codec_for(declared: str | None) -> str | None:
    """The Python codec to use for a declared charset, or None when Python knows no such one."""
    if not declared:
        return None
    name = declared.strip().strip('"').lower()
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, declared: str | None, where: str) -> tuple[str, list[str]]:
    """Decodes `data`; returns the text and notes on what had to be guessed (`where` names
    the part in them). Never raises."""
    codec = codec_for(declared)
    notes: list[str] = []
    if declared and codec is None:
        notes.append(f"{where}: unknown charset {declared!r}, guessed")
    if codec in (None, "ascii") or codec in SINGLE_BYTE:
        try:
            text = data.decode("utf-8")
            if codec in SINGLE_BYTE and not data.isascii():
                notes.append(f"{where}: declared {declared}, but the bytes are UTF-8")
            return text, notes
        except UnicodeDecodeError:
            pass
    if codec is not None:
        try:
            return data.decode(codec), notes
        except UnicodeDecodeError:
            notes.append(f"{where}: not valid {declared}, guessed")
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best), [*notes, f"{where}: decoded as {best.encoding} (best effort)"]
    return data.decode(codec or "utf-8", errors="replace"), [
        *notes,
        f"{where}: undecodable bytes replaced",
    ]
