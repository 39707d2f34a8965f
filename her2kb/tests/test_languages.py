"""Chinese and Japanese text is marked with its language; nothing else changes, and escaping still holds."""

from django.template import Context, Template

from her2kb.languages import mark_languages


def test_a_chinese_name_is_marked_zh():
    assert mark_languages("Cipterbin, 赛普汀") == 'Cipterbin, <span lang="zh">赛普汀</span>'


def test_a_run_with_kana_is_marked_ja():
    assert mark_languages("条件付き approval") == '<span lang="ja">条件付き</span> approval'


def test_latin_text_is_left_alone_and_escaped():
    assert mark_languages("<b>T-DXd</b>") == "&lt;b&gt;T-DXd&lt;/b&gt;"


def test_tags_of_safe_html_are_not_touched():
    html = Template("{% load her2kb %}{{ html|safe|lang_marked }}").render(
        Context({"html": '<a title="本日" href="/x/">本日</a>'})
    )
    assert html == '<a title="本日" href="/x/"><span lang="zh">本日</span></a>'


def test_a_list_of_names_is_joined_then_marked():
    html = Template("{% load her2kb %}{{ names|lang_marked }}").render(Context({"names": ["Irene", "艾瑞妮"]}))
    assert html == 'Irene, <span lang="zh">艾瑞妮</span>'
