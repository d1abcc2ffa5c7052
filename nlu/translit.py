"""Russian typed in Latin letters ("zakaz ne prishel") back into Cyrillic before analysis.

Customers on phones without a Cyrillic keyboard write Russian in Latin letters. The features,
the signal vocabulary and the sentence encoder all know Russian in Cyrillic, so such a
message is converted (``cyrtranslit``, its Russian table) before any of them sees it. The
conversion is only tried on Latin-only text that reads as Russian: at least two distinct
common Russian words (function words and complaint vocabulary that are not English words)
making up a fair share of its words; English text is left alone.
"""

from __future__ import annotations

import re

import cyrtranslit

_LATIN_WORD = re.compile(r"[a-z']+")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_a-zA-Z]")

# Common in Russian written in Latin letters, and not English words.
_MARKERS = frozenset(
    """
    ne ya mne menya menia chto shto chto-to kak uzhe uje eshche esche eshe ili dlya dlia
    pochemu kogda gde zdes tut vy vas vam vami nas nam moy moi moya moe moego moyu svoy
    vse vsyo vsio vsego eto etot eta nichego nikto nikogda tolko segodnya vchera zavtra
    seychas potom byl byla bylo byli budet est net nado nuzhno mozhno ochen pozhaluysta
    pozhalujsta pojaluista pozhalusta spasibo zdravstvuyte zdravstvuite privet dobryy
    dobryi den zakaz zakaza zakazal zakazala tovar tovara dengi deneg dostavka dostavku
    dostavki kurer kurier magazin oplata oplatil oplatila vernite vernut vozvrat karty
    kartu akkaunt akaunt vzlomali pomogite srochno prishel prishla prishlo priehal
    opyat opiat raza raz snyali spisali sdelayte sdelaite khochu hochu mogu mozhete
    pochta pochtu telefon zvonil zvonila otvet otveta otvechaet nikak uzhasno plokho ploho
    v s k po pro cherez esli chtoby tak tozhe vot bolshe mnogo malo khorosho horosho odin
    odna odno dva tri dnya dney nedelyu nedeli mesyats mesyatsa vremya rabotaet rabotat
    sdelat skazal skazali govoryat pishu napishu pozvonite otkazyvayut otkazali novosti
    zayavka zayavku zayavke obrashchenie obrashcheniyu predlozhenie prilozhenie prilozhenii
    zhaloba zhalobu pretenziya pretenziyu sud garantii garantiya slomalsya slomalas slomalis
    """.split()
)

MIN_MARKERS = 2
MIN_SHARE = 0.2


def looks_translit_russian(text: str) -> bool:
    """True for Latin-only text with enough common Russian words (see the module doc)."""
    if _NON_LATIN_LETTER.search(text):  # Cyrillic, Han or other scripts: not this case
        return False
    words = _LATIN_WORD.findall(text.lower())
    if not words:
        return False
    hits = [w for w in words if w in _MARKERS]
    return len(set(hits)) >= MIN_MARKERS and len(hits) >= MIN_SHARE * len(words)


def to_cyrillic(text: str) -> str:
    """``text`` in Cyrillic when it is Russian in Latin letters, else unchanged."""
    if not looks_translit_russian(text):
        return text
    return str(cyrtranslit.to_cyrillic(text, "ru"))
