"""The search vocabulary's look-up is answered by its trigram index (EXPLAIN on PostgreSQL)."""

import pytest

from her2kb.tests.explain import answered_by_index, index_lines
from portal.models import SearchWord

pytestmark = pytest.mark.django_db


def test_similar_words_are_found_through_the_trigram_index(postgres):
    queryset = SearchWord.objects.candidates_for(["gastirc", "destny"])

    assert answered_by_index(queryset, "searchword_word_trgm_idx"), index_lines(queryset)
