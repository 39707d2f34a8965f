"""
Text in another script than the page's English, marked with its language so that screen readers pronounce it and
browsers pick the right glyphs (WCAG 3.1.2): Chinese names of drugs (赛普汀) and Japanese words in the curated
lists (本日).

    mark_languages("Cipterbin, 赛普汀")  # 'Cipterbin, <span lang="zh">赛普汀</span>'

A run of Han characters is Chinese unless it holds kana, which only Japanese uses.
"""

from __future__ import annotations

import re

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# Han ideographs (with extension A and compatibility forms), CJK punctuation, kana and full-width forms; a run may
# hold spaces between its characters.
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_RUN = re.compile(f"[{_CJK}](?:[{_CJK} ]*[{_CJK}])?")
_KANA = re.compile("[\u3040-\u30ff]")
_TAG = re.compile(r"(<[^>]*>)")


def _language(run: str) -> str:
    return "ja" if _KANA.search(run) else "zh"


def mark_languages(value: object) -> SafeString:
    """`value` as HTML (escaped unless already safe) with each run of Chinese or Japanese in a <span lang>; tags and
    their attributes are left alone."""
    html = str(conditional_escape(value))
    parts = _TAG.split(html)
    for index in range(0, len(parts), 2):  # the even parts are text between tags
        parts[index] = _RUN.sub(lambda match: f'<span lang="{_language(match[0])}">{match[0]}</span>', parts[index])
    return mark_safe("".join(parts))  # escaped above; only spans added
