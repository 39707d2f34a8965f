"""
The vocabulary behind search's "Did you mean …": every word of the data's names, titles, indications and conditions
(`SearchWord`), and the query rewritten word by word from it ("pertuzumab gastirc" → "pertuzumab gastric").

The words are read from the records in Python, the same way on PostgreSQL and SQLite (rather than from ts_stat or an
FTS5 vocabulary table, which hold stems — "destini" — not words to offer), and stored in one table that PostgreSQL
reads through a trigram index. The table is rebuilt when the data version changes (`her2kb.cache.data_version`):
the first search that wants a suggestion after a change queues a rebuild in the background (a Celery task, a
thread when tasks run in-process) and uses the words it has meanwhile; no request waits for it. Abstracts are left
out: a clinician's words are in the titles too, and reading 200,000 abstracts would make each rebuild slow.
"""

from __future__ import annotations

import logging
import re
import string
from collections import Counter
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from drugs.models import Approval, Drug
from her2kb.background import start_in_background
from her2kb.cache import data_version
from her2kb.fulltext import query_words
from references.models import Reference
from trials.models import Trial

from .models import SearchWord

logger = logging.getLogger(__name__)

# Where the words come from: the fields a clinician's words are in (JSON lists of strings: their items).
VOCABULARY_SOURCES = (
    (Drug, ("name", "brand_names", "synonyms", "mechanism", "payload")),
    (Approval, ("indication", "line_of_therapy")),
    (Trial, ("acronym", "title", "conditions")),
    (Reference, ("title",)),
)
# A word: letters only (a code is corrected by its drug's name, `Drug.objects.spelled_like`), at most as long as
# SearchWord.word holds.
_WORD = re.compile(r"[^\W\d_]{4,100}")
READ_CHUNK = 2000
WRITE_BATCH = 1000
VERSION_KEY = "her2kb:search-vocabulary-version"
LOCK_KEY = "her2kb:search-vocabulary-rebuild"
# One rebuild at a time; should its worker die, another may start after this long.
LOCK_SECONDS = 600


def words_of(value: object) -> set[str]:
    """The vocabulary words of one field's value (text, or a list of texts), lower-cased."""
    if isinstance(value, list):
        return set().union(*(words_of(item) for item in value))
    return set(_WORD.findall(value.lower())) if isinstance(value, str) else set()


def _record_words() -> Iterator[set[str]]:
    for model, fields in VOCABULARY_SOURCES:
        for values in model.objects.order_by().values_list(*fields).iterator(chunk_size=READ_CHUNK):
            yield set().union(*(words_of(value) for value in values))


def vocabulary_rebuild() -> int:
    """Replace the vocabulary with the words the records hold now, each with how many records hold it; how many."""
    version = data_version()
    documents: Counter[str] = Counter()
    for words in _record_words():
        documents.update(words)
    SearchWord.objects.replace_with(documents, batch_size=WRITE_BATCH)
    cache.set(VERSION_KEY, version, timeout=settings.DATA_VERSION_SECONDS)
    return len(documents)


def schedule_vocabulary_rebuild() -> None:
    """Queue a rebuild when the vocabulary is older than the data, unless one is queued or running already."""
    if cache.get(VERSION_KEY) == data_version() or not cache.add(LOCK_KEY, True, timeout=LOCK_SECONDS):
        return
    transaction.on_commit(_start_rebuild)


def _start_rebuild() -> None:
    from .tasks import rebuild_search_vocabulary

    start_in_background(rebuild_search_vocabulary, vocabulary_rebuild_locked, name="her2kb-search-vocabulary")


def vocabulary_rebuild_locked() -> int:
    """`vocabulary_rebuild`, then let the next change queue another."""
    try:
        return vocabulary_rebuild()
    finally:
        cache.delete(LOCK_KEY)


def corrected_query(query: str) -> str | None:
    """
    `query` with each misspelt word replaced by the vocabulary word it is closest to ("trastuzmab deruxtecan" →
    "trastuzumab deruxtecan", "destny breast" → "destiny breast"), or None when no word needed correcting. One query;
    queues a rebuild of the vocabulary if the data changed since it was built.
    """
    schedule_vocabulary_rebuild()
    words = query_words(query)
    # A word's letters, without the punctuation around it ("gastirc," is "gastirc").
    cores = {word: word.strip(string.punctuation) for word in words}
    corrections = SearchWord.objects.closest_to(core.lower() for core in cores.values() if _WORD.fullmatch(core))
    if not corrections:
        return None
    return " ".join(
        word.replace(cores[word], corrections[cores[word].lower()]) if cores[word].lower() in corrections else word
        for word in words
    )
