"""The numpy-only vectoriser and heads reproduce scikit-learn's numbers exactly."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlu.classifier import HeadConfig, fit_head, fit_vectoriser, to_matrix
from nlu.features import FeatureConfig, char_ngrams, word_ngrams
from nlu.normalise import for_features

TEXTS = [
    for_features(t)
    for t in [
        "My parcel has NOT arrived!!!!! order 20261103558712",
        "посылка не пришла, заказ ЗК-4471",
        "快遞到現在還沒到",
        "退款¥399还没到账",
        "you charged me twice",
        "списали деньги дважды",
    ]
]
LABELS = ["delivery", "delivery", "delivery", "billing", "billing", "billing"]


def test_char_ngrams_match_sklearn_char_wb() -> None:
    sk = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4)).build_analyzer()
    for text in TEXTS:
        assert sorted(char_ngrams(text, 1, 4)) == sorted(sk(text))


def test_word_ngrams() -> None:
    assert word_ngrams("a b c", 1, 2) == ["a", "b", "c", "a b", "b c"]


def test_normalisation_folds_scripts_case_and_numbers() -> None:
    assert for_features("快遞 ORDER 123") == "快递 order 0"
    assert for_features("Ёлка!!!!!!") == "елка!!"


def test_vectoriser_matches_sklearn_tfidf() -> None:
    config = FeatureConfig(word_weight=1.0)
    vectoriser = fit_vectoriser(TEXTS, config)
    char_block = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
    expected = char_block.fit_transform(TEXTS).toarray()
    ours = to_matrix(vectoriser, TEXTS).toarray()
    vocab = vectoriser.blocks[0].vocabulary
    for gram, column in char_block.vocabulary_.items():
        np.testing.assert_allclose(ours[:, vocab[gram]], expected[:, column], rtol=1e-5)


def test_head_probabilities_match_logistic_regression() -> None:
    vectoriser = fit_vectoriser(TEXTS, FeatureConfig())
    matrix = to_matrix(vectoriser, TEXTS)
    head = fit_head(matrix, LABELS, HeadConfig(kind="logreg", C=10.0, calibrate=False))
    sk = LogisticRegression(C=10.0, max_iter=2000, random_state=0).fit(matrix, LABELS)
    for row, text in enumerate(TEXTS):
        idx, val = vectoriser.transform(text)
        np.testing.assert_allclose(
            head.probabilities(idx, val), sk.predict_proba(matrix[row])[0], atol=1e-4
        )


def test_unknown_text_gives_the_prior_not_an_error() -> None:
    vectoriser = fit_vectoriser(TEXTS, FeatureConfig())
    head = fit_head(to_matrix(vectoriser, TEXTS), LABELS, HeadConfig(calibrate=False))
    idx, val = vectoriser.transform("")
    assert len(idx) == 0
    probs = head.probabilities(idx, val)
    assert abs(float(probs.sum()) - 1.0) < 1e-5
