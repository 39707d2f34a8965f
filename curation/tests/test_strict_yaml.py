"""The strict reader's two paths (libyaml's composer for files that cannot hold anchors, PyYAML's otherwise) agree."""

from pathlib import Path

import pytest
from django.conf import settings

from curation import strict_yaml
from curation.strict_yaml import StrictLoader, StrictYamlError, parse_strict

DATA = Path(settings.BASE_DIR) / "data"


def careful_parse(text: str):
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def test_this_pyyaml_has_libyaml_so_the_fast_path_is_the_one_tested():
    assert strict_yaml.ON_LIBYAML


def test_every_curated_file_reads_the_same_on_both_paths():
    files = sorted(DATA.rglob("*.yaml"))
    assert len(files) > 300
    for path in files:
        text = path.read_text(encoding="utf-8")
        expected = careful_parse(text)
        assert parse_strict(text) == expected, path
        if "&" not in text and "*" not in text:
            assert strict_yaml._parse_composed_in_c(text) == expected, path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a:\n" + "".join("  " * level + "- \n" for level in range(1, 25)), "deeper than 20"),
        ("a: 1\na: 2\n", "appears twice"),
        ("a: 2020-13-45\n", "cannot be read"),
        ("a: &x [1]\nb: *x\n", "anchor"),
    ],
)
def test_the_fast_path_refuses_what_the_careful_path_refuses_in_its_words(text, message):
    with pytest.raises(StrictYamlError, match=message):
        parse_strict(text)
