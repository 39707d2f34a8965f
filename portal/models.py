"""The site's front keeps one table of its own: the words of the data, for search's "Did you mean …"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from django.db import connections, models, transaction
from django.urls import reverse

# A typed word is taken for a misspelling of a vocabulary word this close to it (difflib's ratio: one wrong, missing
# or swapped letter in a seven-letter word scores about 0.86), and only words this long are corrected: below it
# every word is close to many others.
CLOSENESS = 0.8
SHORTEST_CORRECTED = 4
# How many candidates of each typed word are compared: on PostgreSQL the most trigram-similar (pg_trgm's `%`,
# similarity at least 0.3); elsewhere those with the same first letter and a length at most two letters apart.
TRIGRAM_CANDIDATES = 20
LENGTH_SLACK = 2


class SearchWordQuerySet(models.QuerySet):
    def replace_with(self, documents: Mapping[str, int], *, batch_size: int = 1000) -> None:
        """Make the vocabulary these words, each held by this many records, in one transaction (readers see the old
        words until it commits)."""
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        with transaction.atomic(using=self.db), connections[self.db].cursor() as cursor:
            # One DELETE: Model.delete() would fetch every row first, to send each its post_delete signal.
            cursor.execute(f"DELETE FROM {table}")
            self.bulk_create(
                (self.model(word=word, length=len(word), documents=count) for word, count in documents.items()),
                batch_size=batch_size,
            )

    def closest_to(self, words: Iterable[str]) -> dict[str, str]:
        """
        For each of `words` (lower case) that is not in the vocabulary, the vocabulary word it is most likely a
        misspelling of — the closest by difflib's ratio, at least CLOSENESS, the more frequent of equals — where
        there is one: {"gastirc": "gastric"}. Words in the vocabulary, and words too short, are left out. One query.
        """
        typed = sorted({word for word in words if len(word) >= SHORTEST_CORRECTED})
        if not typed:
            return {}
        candidates = list(self.candidates_for(typed).values_list("word", "documents"))
        known = {word for word, _ in candidates}
        corrections = {}
        for word in typed:
            if word in known:
                continue
            scored = sorted(
                (-difflib.SequenceMatcher(None, word, candidate).ratio(), -documents, candidate)
                for candidate, documents in candidates
            )
            if scored and -scored[0][0] >= CLOSENESS:
                corrections[word] = scored[0][2]
        return corrections

    def candidates_for(self, typed: list[str]) -> SearchWordQuerySet:
        """The words `closest_to` compares each of `typed` with (see TRIGRAM_CANDIDATES)."""
        if connections[self.db].vendor == "postgresql":
            from django.contrib.postgres.lookups import TrigramSimilar
            from django.contrib.postgres.search import TrigramSimilarity

            # One index scan per word (the trigram index answers `word % 'gastirc'`), as one UNION ALL.
            parts = [
                self.filter(TrigramSimilar(models.F("word"), word))
                .annotate(closeness=TrigramSimilarity("word", word))
                .order_by("-closeness", "-documents")
                .values("pk")[:TRIGRAM_CANDIDATES]
                for word in typed
            ]
            return self.filter(pk__in=parts[0].union(*parts[1:], all=True))
        condition = models.Q(pk__in=[])
        for word in typed:
            # A range of the word index rather than LIKE 'g%', which SQLite's case-blind LIKE cannot read an index for.
            condition |= models.Q(
                word__gte=word[0],
                word__lt=chr(ord(word[0]) + 1),
                length__gte=len(word) - LENGTH_SLACK,
                length__lte=len(word) + LENGTH_SLACK,
            )
        return self.filter(condition)


class SearchWord(models.Model):
    """
    A word of the data's names, titles, indications and conditions, with how many records hold it: the vocabulary a
    misspelt query word is corrected from ("gastirc" → "gastric"). Rebuilt from the records when the data changes
    (`portal.vocabulary`), never edited.
    """

    word = models.CharField(max_length=100, unique=True)
    length = models.PositiveSmallIntegerField(help_text="Letters in the word: candidates are chosen by it.")
    documents = models.PositiveIntegerField(help_text="How many records hold the word.")

    objects = SearchWordQuerySet.as_manager()

    class Meta:
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word

    def get_absolute_url(self) -> str:
        return f"{reverse('site_search')}?{urlencode({'q': self.word})}"
