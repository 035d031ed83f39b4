"""values.languages: language lists read into ISO 639-1 codes."""

from __future__ import annotations

import pytest

from slm_psr.values import (
    parse_languages,
)
from tests.values_kit import (
    LANGUAGES,
    NEEDS_REVIEW,
    UNREADABLE,
    answer,
)

# --- languages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("DE, EN; FR", ["de", "en", "fr"]),
        ("de/en/fr", ["de", "en", "fr"]),
        ("Deutsch und Englisch", ["de", "en"]),
        ("German, English", ["de", "en"]),
        ("Deutsch, Englisch, Französisch", ["de", "en", "fr"]),
        ("English only", ["en"]),
        ("EN + FR", ["en", "fr"]),
        ("Italienisch", ["it"]),
        ("français", ["fr"]),
        ("Franzoesisch", ["fr"]),
        ("FR, DE", ["de", "fr"]),
        ("Deutsch (Muttersprache), Englisch (fließend)", ["de", "en"]),
        ("EN native, DE", ["de", "en"]),
        ("deutsche und englische Sprache", ["de", "en"]),
    ],
)
def test_languages(text, codes):
    a = answer(LANGUAGES, text)
    assert a.value == codes and a.flags == []


def test_unknown_language_word_keeps_the_known_ones():
    a = answer(LANGUAGES, "Deutsch, Englisch, Klingonisch")
    assert a.value == ["de", "en"] and a.flags == [NEEDS_REVIEW]
    assert "'Klingonisch' is not a language we know; kept DE, EN" in a.notes[-1]


def test_no_language_at_all_is_unreadable():
    a = answer(LANGUAGES, "alle gängigen")
    assert a.value is None and a.flags == [UNREADABLE]


def test_two_letter_words_in_a_sentence_are_not_codes():
    # 'is' is Icelandic's code; in a sentence it is just a word.
    assert parse_languages("English is fine").value == ["en"]


def test_negated_language_is_left_out():
    a = answer(LANGUAGES, "Deutsch, Englisch (kein Französisch)")
    assert a.value == ["de", "en"] and a.flags == [NEEDS_REVIEW]
