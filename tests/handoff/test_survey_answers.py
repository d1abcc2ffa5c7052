"""Specification of how a reply to the satisfaction survey is understood."""

from __future__ import annotations

import pytest

from handoff.policy.survey_answers import MAX_ANSWER_LENGTH, SurveyAnswer, parse_survey_answer


def score(value: int) -> SurveyAnswer:
    return SurveyAnswer(score=value, satisfied=value >= 4)


SATISFIED = SurveyAnswer(score=None, satisfied=True)
UNSATISFIED = SurveyAnswer(score=None, satisfied=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", score(5)),
        ("1", score(1)),
        (" 4 ", score(4)),
        ("５", score(5)),  # full-width digit
        ("5/5", score(5)),
        ("4 out of 5", score(4)),
        ("4 stars", score(4)),
        ("5★", score(5)),
        ("★★★★", score(4)),
        ("★★★☆☆", score(3)),
        ("⭐️⭐️⭐️⭐️⭐️", score(5)),
        ("I give it 5 stars!", score(5)),
        ("5分", score(5)),
        ("五分", score(5)),
        ("四", score(4)),
        ("三", score(3)),
        ("打5分", score(5)),
        ("五星好评", score(5)),
        ("满分", score(5)),
        ("5 баллов", score(5)),
        ("4 балла", score(4)),
        ("оценка 4", score(4)),
        ("Оценка: 2", score(2)),
        ("5 из 5", score(5)),
    ],
)
def test_scores_in_every_form_are_understood(text: str, expected: SurveyAnswer) -> None:
    assert parse_survey_answer(text) == expected


def test_score_of_three_is_not_satisfied() -> None:
    assert parse_survey_answer("3") == SurveyAnswer(score=3, satisfied=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("satisfied", SATISFIED),
        ("Very satisfied!", SATISFIED),
        ("good", SATISFIED),
        ("Great, thanks", SATISFIED),
        ("yes", SATISFIED),
        ("I'm very satisfied with the service", SATISFIED),
        ("bad", UNSATISFIED),
        ("terrible", UNSATISFIED),
        ("unsatisfied", UNSATISFIED),
        ("dissatisfied", UNSATISFIED),
        ("no", UNSATISFIED),
        ("so-so", UNSATISFIED),
        ("5 stars, great service", score(5)),
    ],
)
def test_english_replies(text: str, expected: SurveyAnswer) -> None:
    assert parse_survey_answer(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("满意", SATISFIED),
        ("非常满意", SATISFIED),
        ("很满意，谢谢", SATISFIED),
        ("好", SATISFIED),
        ("挺好的", SATISFIED),
        ("服务很好", SATISFIED),
        ("不错", SATISFIED),
        ("差", UNSATISFIED),
        ("差评", UNSATISFIED),
        ("一般", UNSATISFIED),
        ("滿意", SATISFIED),  # traditional
        ("非常滿意！", SATISFIED),  # traditional
    ],
)
def test_chinese_replies(text: str, expected: SurveyAnswer) -> None:
    assert parse_survey_answer(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("доволен", SATISFIED),
        ("Довольна", SATISFIED),
        ("очень доволен, спасибо", SATISFIED),
        ("удовлетворён", SATISFIED),
        ("отлично", SATISFIED),
        ("хорошо", SATISFIED),
        ("плохо", UNSATISFIED),
        ("ужасно", UNSATISFIED),
        ("так себе", UNSATISFIED),
    ],
)
def test_russian_replies(text: str, expected: SurveyAnswer) -> None:
    assert parse_survey_answer(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("👍", SATISFIED),
        ("👍🏽", SATISFIED),
        ("😊", SATISFIED),
        ("👎", UNSATISFIED),
        ("😡", UNSATISFIED),
    ],
)
def test_emoji_replies(text: str, expected: SurveyAnswer) -> None:
    assert parse_survey_answer(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "not satisfied",
        "Not very satisfied",
        "not good at all",
        "I am not satisfied",
        "不满意",
        "很不满意",
        "不太满意",
        "不好",
        "不滿意",
        "не доволен",
        "не довольна",
        "недоволен",
        "недовольна",
        "не очень",
        "нет, не доволен",
    ],
)
def test_negation_wins_over_the_word_it_negates(text: str) -> None:
    assert parse_survey_answer(text) == UNSATISFIED


@pytest.mark.parametrize("text", ["not bad", "неплохо", "не плохо"])
def test_negated_complaint_word_is_satisfied(text: str) -> None:
    assert parse_survey_answer(text) == SATISFIED


@pytest.mark.parametrize(
    "text",
    [
        "my order 12345 arrived broken",
        "I waited 5 days",
        "5 days",
        "12345",
        "10/10",
        "0",
        "where is my refund?",
        "5?",
        "我的订单12345还没到",
        "等了5天了",
        "等了五分钟",
        "满意吗？",
        "为什么还没有退款",
        "заказ 12345 пришел сломанным",
        "жду уже 5 дней",
        "почему не вернули деньги?",
    ],
)
def test_complaints_and_questions_that_contain_a_digit_or_a_word_are_not_answers(
    text: str,
) -> None:
    assert parse_survey_answer(text) is None


@pytest.mark.parametrize("text", ["", "   ", "!!!", "thanks", "ok", "спасибо", "谢谢", "好的"])
def test_replies_without_an_opinion_are_not_answers(text: str) -> None:
    assert parse_survey_answer(text) is None


@pytest.mark.parametrize("text", ["5, bad", "4 5", "3 stars, great", "满意 差", "yes 👎"])
def test_self_contradicting_replies_are_not_answers(text: str) -> None:
    assert parse_survey_answer(text) is None


def test_long_reply_is_not_an_answer_even_with_only_known_words() -> None:
    text = "very very very very satisfied, thank you so much"

    assert len(text) > MAX_ANSWER_LENGTH
    assert parse_survey_answer(text) is None
