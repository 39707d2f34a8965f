"""Reading a query the way PostgreSQL's websearch_to_tsquery does, for SQLite's FTS5 (her2kb.fulltext)."""

import pytest

from her2kb.fulltext import STOP_WORDS, WebQuery, identifier_key, is_code


@pytest.mark.parametrize(
    ("text", "fts5"),
    [
        ("trastuzumab", '("trastuzumab")'),
        # every word, stop words left out as PostgreSQL leaves them out
        ("trastuzumab for the gastric cancer", '("trastuzumab" AND "gastric" AND "cancer")'),
        # a hyphenated word is a phrase of its parts
        ("HER2-low", '("her2 low")'),
        ('"lung cancer" -breast', '(("lung cancer") NOT "breast")'),
        ("ILD or pneumonitis", '("ild") OR ("pneumonitis")'),
        ('"unterminated phrase', '("unterminated phrase")'),
        ("Müller", '("müller")'),
    ],
)
def test_a_query_is_read_as_websearch_reads_it(text, fts5):
    assert WebQuery.parse(text).fts5() == fts5


@pytest.mark.parametrize("text", ["", "   ", "the of and", "-breast", "%_%", "()", '"'])
def test_a_query_of_stop_words_exclusions_or_punctuation_matches_nothing(text):
    assert not WebQuery.parse(text).can_match


def test_stop_words_are_postgresqls_english_ones():
    assert {"the", "for", "her", "t", "s"} <= STOP_WORDS
    assert "cancer" not in STOP_WORDS and "her2" not in STOP_WORDS


@pytest.mark.parametrize(("word", "code"), [("DS8201", True), ("T-DXd", True), ("HER2", True), ("gastric", False)])
def test_codes_are_told_from_words(word, code):
    assert is_code(word) is code


def test_an_identifier_is_its_letters_and_digits():
    assert identifier_key("DS-8201a") == identifier_key("ds 8201A") == "ds8201a"
