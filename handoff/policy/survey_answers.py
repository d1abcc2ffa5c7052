"""Understanding a customer's reply to a satisfaction survey, in English, Russian and Chinese.

The reply is read against a closed vocabulary rather than searched for keywords: after
normalising (NFKC, so full-width "５" is "5"; case; traditional to simplified characters for
the words we know), the text is split into words, Chinese characters, numbers and symbols,
and every piece must be a score ("4", "4/5", "4 stars", "★★★★", "四分", "4 балла"), a
mood word ("satisfied", "不满意", "доволен", "👍"), a negation, an intensifier or a
harmless filler ("thanks", "服务", "спасибо"). Anything else makes the text a normal
message, which is what keeps complaints that merely contain a digit ("my order 12345
arrived broken", "I waited 5 days") from being taken as scores: they are always
unrecognised as a whole. Questions and texts over `MAX_ANSWER_LENGTH` characters are normal
messages too.

A negation flips the next mood word ("not satisfied", "不满意", "не доволен" are
unsatisfied; "not bad" is satisfied); a negation with nothing to flip ("не очень") is
unsatisfied. A reply that contradicts itself (two different scores, "5" with "bad") is not
understood, so it reaches a person instead of the statistics.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

#: Longer replies are conversations, not answers, whatever words they contain.
MAX_ANSWER_LENGTH = 40

_Kind = Literal["number", "unit", "out_of", "mood", "not", "skip"]
_Token = tuple[_Kind, int]

# Traditional forms of the characters in the Chinese vocabulary below.
_TO_SIMPLIFIED = str.maketrans(
    "滿錯還別較蠻謝們務對親評給兩極顆級讚贊優態爛個幫",
    "满错还别较蛮谢们务对亲评给两极颗级赞赞优态烂个帮",
)
# Emoji presentation selectors and skin tones change how an emoji looks, not what it says.
_EMOJI_MODIFIERS = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_ATOM = re.compile(
    r"[0-9]+"
    r"|[a-zа-я]+(?:'[a-z]+)?"
    r"|[\u3400-\u4dbf\u4e00-\u9fff]"
    r"|[★⭐☆]+"
    r"|\S"
)
_STARS = "★⭐☆"
_FILLED_STARS = "★⭐"

_NUMBERS = {
    **{word: n for n, word in enumerate(["one", "two", "three", "four", "five"], start=1)},
    **{word: n for n, word in enumerate(["один", "два", "три", "четыре", "пять"], start=1)},
    **{word: n for n, word in enumerate("一二三四五", start=1)},
    "两": 2,
    "满分": 5,
}
_UNITS = [
    "star", "stars", "point", "points", "pts",
    "звезда", "звезды", "звезд", "балл", "балла", "баллов",
    "分", "星", "颗星",
]  # fmt: skip
_OUT_OF = ["/", "out of", "of", "из"]
_SATISFIED = [
    "satisfied", "happy", "pleased", "good", "great", "excellent", "perfect", "awesome",
    "amazing", "nice", "fantastic", "wonderful", "yes", "yeah", "yep",
    "доволен", "довольна", "довольны", "удовлетворен", "удовлетворена", "удовлетворены",
    "отлично", "хорошо", "прекрасно", "замечательно", "супер", "класс", "неплохо", "да",
    "满意", "好", "不错", "好评", "棒", "赞", "完美", "优秀", "是",
    "👍", "👌", "👏", "😊", "🙂", "😀", "😃", "😄", "😁", "😍", "🥰", "❤",
]  # fmt: skip
_UNSATISFIED = [
    "unsatisfied", "dissatisfied", "unhappy", "displeased", "disappointed", "bad",
    "terrible", "awful", "horrible", "poor", "no", "nope", "so so",
    "недоволен", "недовольна", "недовольны", "неудовлетворен", "неудовлетворена",
    "плохо", "ужасно", "отвратительно", "нехорошо", "так себе", "нет",
    "差", "差评", "糟糕", "失望", "一般", "一般般", "否", "烂",
    "👎", "😡", "😠", "🤬", "😞", "🙁", "☹", "😢", "😤",
]  # fmt: skip
_NEGATIONS = ["not", "isn't", "wasn't", "aren't", "weren't", "не", "不"]
_CHINESE_INTENSIFIERS = [
    "非常",
    "很",
    "挺",
    "太",
    "特别",
    "超",
    "超级",
    "十分",
    "比较",
    "还",
    "真",
    "蛮",
]
_SKIPPED = [
    # intensifiers: they strengthen a mood without changing it
    "very", "really", "so", "quite", "extremely", "totally", "completely", "fully",
    "absolutely", "pretty", "at all",
    "очень", "вполне", "совсем", "полностью", "крайне", "абсолютно", "совершенно",
    "весьма", "вообще",
    *_CHINESE_INTENSIFIERS,
    # politeness, pronouns and what was rated
    "thanks", "thank", "you", "thx", "ty", "much", "a", "lot", "guys", "team", "ok", "okay",
    "i", "i'm", "im", "am", "we", "we're", "it", "it's", "its", "was", "is", "the", "my",
    "your", "with", "service", "support", "experience", "overall", "everything", "all",
    "rating", "score", "rate", "rated", "give", "i'd",
    "спасибо", "большое", "ок", "ну", "я", "мы", "это", "был", "была", "было", "были",
    "все", "всем", "вами", "вас", "в", "целом", "сервис", "сервисом", "обслуживание",
    "обслуживанием", "работой", "оценка", "оценку", "ставлю",
    "谢谢", "感谢", "你们", "你", "我", "的", "了", "啊", "呀", "哦", "哈", "嗯", "吧", "都",
    "亲", "服务", "态度", "打", "给", "个", "评分", "评价", "整体",
]  # fmt: skip


def _atoms(text: str) -> list[str]:
    """Words, Chinese characters, numbers, star runs and symbols; punctuation only separates
    (so "so-so" is "so so"), except the "/" of "4/5"."""
    return [
        atom
        for atom in _ATOM.findall(text)
        if atom == "/" or not unicodedata.category(atom[0]).startswith("P")
    ]


def _build_vocabulary() -> dict[tuple[str, ...], _Token]:
    entries: list[tuple[str, _Token]] = [
        *((word, ("skip", 0)) for word in _SKIPPED),
        *((word, ("number", n)) for word, n in _NUMBERS.items()),
        *((word, ("unit", 0)) for word in _UNITS),
        *((word, ("out_of", 0)) for word in _OUT_OF),
        *((word, ("not", 0)) for word in _NEGATIONS),
        *((word, ("mood", 1)) for word in _SATISFIED),
        *((word, ("mood", 0)) for word in _UNSATISFIED),
        # A bare 好的 / 好吧 is "OK" (acknowledging, not rating), but 很好的 is "very good":
        # longer entries win, so the intensified forms must be entries of their own.
        ("好的", ("skip", 0)),
        ("好吧", ("skip", 0)),
        *((f"{word}好", ("mood", 1)) for word in _CHINESE_INTENSIFIERS),
    ]
    return {tuple(_atoms(phrase)): token for phrase, token in entries}


_VOCABULARY = _build_vocabulary()
_LONGEST_ENTRY = max(len(key) for key in _VOCABULARY)


@dataclass(frozen=True)
class SurveyAnswer:
    """An understood survey reply: the 1-5 score if one was given, and whether the customer
    is satisfied (always `score >= 4` when there is a score)."""

    score: int | None
    satisfied: bool


def parse_survey_answer(text: str) -> SurveyAnswer | None:
    """The survey answer `text` gives, or None when it is not one.

    None means: treat the text as a normal message (a new complaint, a question, small talk,
    a bare "ok", or a reply that contradicts itself). Otherwise the answer carries a score
    from 1 to 5 when the customer gave one, and `satisfied` follows the score (4 and 5 are
    satisfied, 3 is not) or, without one, the customer's words with negation applied.
    """
    normalized = _normalize(text)
    if not normalized or len(normalized) > MAX_ANSWER_LENGTH or "?" in normalized:
        return None
    tokens = _tokens(normalized)
    return None if tokens is None else _interpret(tokens)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("ё", "е").replace("’", "'").translate(_TO_SIMPLIFIED)
    text = _EMOJI_MODIFIERS.sub("", text)
    return " ".join(text.split())


def _tokens(text: str) -> list[_Token] | None:
    """The text as vocabulary tokens (longest entry first), or None if a piece is unknown."""
    atoms = _atoms(text)
    tokens: list[_Token] = []
    i = 0
    while i < len(atoms):
        for length in range(min(_LONGEST_ENTRY, len(atoms) - i), 0, -1):
            token = _VOCABULARY.get(tuple(atoms[i : i + length]))
            if token is not None:
                tokens.append(token)
                i += length
                break
        else:
            atom = atoms[i]
            if atom.isdigit():
                tokens.append(("number", int(atom)))
            elif atom in _FILLED_STARS and tokens and tokens[-1][0] == "number":
                tokens.append(("unit", 0))  # "5★"
            elif atom[0] in _STARS:
                stars = sum(char in _FILLED_STARS for char in atom)
                # A run of stars is a complete score on its own: "★★★★" needs no unit.
                tokens.extend([("number", stars), ("unit", 0)])
            else:
                return None
            i += 1
    return tokens


def _interpret(tokens: list[_Token]) -> SurveyAnswer | None:
    scores: set[int] = set()
    moods: set[bool] = set()
    negated = False
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "number":
            score, i = _read_score(tokens, i)
            if score is None:
                return None
            scores.add(score)
            continue
        if kind in ("unit", "out_of"):
            return None  # "stars" or "out of" without a number before it
        if kind == "not":
            negated = True
        elif kind == "mood":
            moods.add(bool(value) != negated)
            negated = False
        i += 1
    if negated:
        moods.add(False)  # "не очень", "not really": a negation of an unsaid "satisfied"
    if len(scores) > 1:
        return None
    score = scores.pop() if scores else None
    if score is not None:
        moods.add(score >= 4)
    if len(moods) != 1:
        return None  # no opinion at all, or a contradictory one
    return SurveyAnswer(score=score, satisfied=moods.pop())


def _read_score(tokens: list[_Token], i: int) -> tuple[int | None, int]:
    """A score at tokens[i]: number [unit] [out_of 5 [unit]]; None if not a 1-5 score.

    Also returns the index after the score.
    """
    score = tokens[i][1]
    i += 1
    if i < len(tokens) and tokens[i][0] == "unit":
        i += 1
    if i < len(tokens) and tokens[i][0] == "out_of":
        if i + 1 >= len(tokens) or tokens[i + 1] != ("number", 5):
            return None, i  # "8/10" is a score on another scale, not ours
        i += 2
        if i < len(tokens) and tokens[i][0] == "unit":
            i += 1
    return (score if 1 <= score <= 5 else None), i
