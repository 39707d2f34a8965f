"""The server-drawn SVG charts: correct geometry, accessible text, and no way for data to inject markup."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest

from her2kb.charts import (
    ForestRow,
    TimelinePoint,
    forest_plot_svg,
    format_ratio,
    responsive_forest_plot,
    responsive_timeline,
    timeline_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    """Parsing proves the markup is well-formed XML (escaping worked)."""
    return ET.fromstring(svg)


def _point(row: str, date: datetime.date, category: str = "FDA", label: str = "an approval") -> TimelinePoint:
    return TimelinePoint(row=row, date=date, label=label, category=category, href="/drugs/x/")


def test_timeline_is_empty_without_points():
    assert timeline_svg([]) == ""


def test_timeline_has_one_row_per_group_in_order_of_first_approval():
    svg = timeline_svg(
        [
            _point("later drug", datetime.date(2020, 6, 1)),
            _point("earlier drug", datetime.date(2012, 1, 1)),
            _point("later drug", datetime.date(2021, 6, 1), category="EMA"),
        ]
    )
    root = _parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.index("earlier drug") < texts.index("later drug")
    assert len(list(root.iter(f"{SVG}circle"))) == 3 + 2  # three approvals and a two-agency legend
    assert {"EMA", "FDA"} <= set(texts)


def test_timeline_places_dates_left_to_right():
    svg = timeline_svg(
        [_point("a", datetime.date(2019, 1, 1), label="later"), _point("b", datetime.date(2015, 1, 1), label="earlier")]
    )
    x_by_label = {
        c.find(f"{SVG}title").text: float(c.get("cx"))
        for c in _parse(svg).iter(f"{SVG}circle")
        if c.find(f"{SVG}title") is not None
    }
    assert x_by_label["earlier"] < x_by_label["later"]


def test_timeline_axis_labels_cover_the_years():
    svg = timeline_svg([_point("a", datetime.date(2010, 3, 1)), _point("a", datetime.date(2014, 3, 1))])
    years = {t.text for t in _parse(svg).iter(f"{SVG}text")}
    assert {"2010", "2011", "2012", "2013", "2014", "2015"} <= years


def test_long_timelines_label_fewer_years():
    svg = timeline_svg([_point("a", datetime.date(1990, 1, 1)), _point("a", datetime.date(2025, 1, 1))])
    years = [t.text for t in _parse(svg).iter(f"{SVG}text") if t.text and t.text.isdigit()]
    assert len(years) <= 10


def test_timeline_is_labelled_for_screen_readers():
    root = _parse(timeline_svg([_point("a", datetime.date(2020, 1, 1))], title="Approvals of fakeximab"))
    # Its dots are links, so it is no image: an image's children are presentational, its links unreachable.
    assert root.get("role") is None
    assert root.get("aria-labelledby") == "timeline-wide-title timeline-wide-desc"
    assert root.find(f"{SVG}title").text == "Approvals of fakeximab"
    assert "1 approvals from 2020 to 2020" in root.find(f"{SVG}desc").text


def test_timeline_without_links_is_an_image():
    point = TimelinePoint(row="a", date=datetime.date(2020, 1, 1), label="an approval")
    assert _parse(timeline_svg([point])).get("role") == "img"


def _dots(svg: str) -> list[tuple[float, float]]:
    return [(float(c.get("cx")), float(c.get("cy"))) for c in _parse(svg).iter(f"{SVG}circle") if c.get("class")]


@pytest.mark.parametrize("layout", ["wide", "narrow"])
def test_timeline_stacks_dots_of_the_same_day_instead_of_hiding_one(layout):
    day = datetime.date(2021, 3, 15)
    points = [_point("a", day, category="FDA"), _point("a", day, category="EMA"), _point("a", day, category="PMDA")]
    dots = _dots(timeline_svg(points, layout=layout))
    assert len(dots) == 3
    assert len({x for x, _ in dots}) == 1  # the same date
    ys = sorted(y for _, y in dots)
    radius = 8 if layout == "narrow" else 6
    assert all(b - a >= 2 * radius for a, b in zip(ys, ys[1:], strict=False)), ys  # none covers another


def test_timeline_keeps_dots_far_apart_on_one_line():
    points = [_point("a", datetime.date(2012, 1, 1)), _point("a", datetime.date(2020, 1, 1))]
    assert len({y for _, y in _dots(timeline_svg(points))}) == 1


def test_each_layout_has_its_own_ids_so_a_page_can_hold_both():
    svg = responsive_timeline([_point("a", datetime.date(2020, 1, 1))])
    ids = re.findall(r' id="([^"]+)"', svg)
    assert len(ids) == 4 and len(set(ids)) == 4
    assert 'class="chart timeline chart--wide"' in svg and 'class="chart timeline chart--narrow"' in svg


def test_narrow_layouts_are_drawn_at_phone_width_with_larger_text():
    narrow = _parse(timeline_svg([_point("a", datetime.date(2020, 1, 1))], layout="narrow"))
    assert narrow.get("viewBox").split()[2] == "300" and narrow.get("font-size") == "13"
    forest = _parse(forest_plot_svg([_row(0.5, 0.4, 0.6)], layout="narrow"))
    assert forest.get("viewBox").split()[2] == "300" and forest.get("font-size") == "13"
    assert all(t.get("font-size") is None for t in forest.iter(f"{SVG}text"))  # no text smaller than the chart's


def test_responsive_charts_are_empty_without_data():
    assert responsive_timeline([]) == "" and responsive_forest_plot([]) == ""


def test_timeline_escapes_labels_and_links():
    evil = '<script>alert("x")</script>'
    svg = timeline_svg(
        [TimelinePoint(row=evil, date=datetime.date(2020, 1, 1), label=evil, href='/x/" onload="alert(1)')]
    )
    assert "<script>" not in svg
    root = _parse(svg)
    link = next(root.iter(f"{SVG}a"))
    assert link.get("href") == '/x/" onload="alert(1)'  # kept as text inside the attribute, not a new attribute
    assert link.get("onload") is None


def _row(hr: float, lo: float, hi: float, label: str = "PFS", detail: str = "ITT") -> ForestRow:
    return ForestRow(label=label, hazard_ratio=hr, ci_lower=lo, ci_upper=hi, detail=detail, href="#outcome-1")


def _square_centre(svg: str) -> list[float]:
    return [float(r.get("x")) + 5 for r in _parse(svg).iter(f"{SVG}rect") if r.get("width") == "10"]


def _reference_line_x(svg: str) -> float:
    dashed = [line for line in _parse(svg).iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 1
    return float(dashed[0].get("x1"))


def test_forest_plot_is_empty_without_rows():
    assert forest_plot_svg([]) == ""


def test_forest_plot_puts_benefit_left_of_the_line_at_one():
    svg = forest_plot_svg([_row(0.5, 0.4, 0.6), _row(1.5, 1.2, 1.9)])
    benefit, harm = _square_centre(svg)
    assert benefit < _reference_line_x(svg) < harm


def test_forest_plot_uses_a_log_scale():
    # On a log scale 0.5 and 2 sit at the same distance either side of 1.
    svg = forest_plot_svg([_row(0.5, 0.45, 0.55), _row(2.0, 1.8, 2.2)])
    low, high = _square_centre(svg)
    one = _reference_line_x(svg)
    assert abs((one - low) - (high - one)) < 1.0


def test_forest_plot_draws_the_confidence_interval_around_the_estimate():
    svg = forest_plot_svg([_row(0.7, 0.5, 0.9)])
    ci_lines = [line for line in _parse(svg).iter(f"{SVG}line") if line.get("stroke-width") == "2"]
    assert len(ci_lines) == 1
    (centre,) = _square_centre(svg)
    assert float(ci_lines[0].get("x1")) < centre < float(ci_lines[0].get("x2"))


def test_forest_plot_fits_extreme_intervals():
    svg = forest_plot_svg([_row(0.05, 0.01, 0.3), _row(5.0, 2.0, 30.0)])
    xs = [float(line.get("x2")) for line in _parse(svg).iter(f"{SVG}line") if line.get("stroke-width") == "2"]
    width = float(_parse(svg).get("viewBox").split()[2])
    assert all(0 < x < width for x in xs)


def test_forest_plot_prints_the_numbers_and_describes_them():
    svg = forest_plot_svg([_row(0.51, 0.4, 0.64, label="PFS by BICR", detail="HR-positive cohort")])
    root = _parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "0.51 (0.40–0.64)" in texts
    assert "PFS by BICR" in texts
    assert "HR-positive cohort" in texts
    assert "PFS by BICR (HR-positive cohort): HR 0.51 (95% CI 0.40 to 0.64)" in root.find(f"{SVG}desc").text


def test_forest_plot_escapes_labels():
    svg = forest_plot_svg([_row(0.5, 0.4, 0.6, label="<b>PFS</b> & more", detail="</svg><script>")])
    assert "<script>" not in svg and "<b>" not in svg
    assert "<b>PFS</b> & more" in [t.text for t in _parse(svg).iter(f"{SVG}text")]


def test_forest_plot_shortens_long_labels():
    svg = forest_plot_svg([_row(0.5, 0.4, 0.6, label="x" * 200, detail="y" * 200)])
    drawn = [t.text for t in _parse(svg).iter(f"{SVG}text") if t.text and t.text[0] in "xy"]
    assert len(drawn) == 2
    assert all(len(text) <= 44 and text.endswith("…") for text in drawn)


def test_ratio_format_keeps_two_decimals_or_a_published_third():
    assert format_ratio(0.5) == "0.50"
    assert format_ratio(0.51) == "0.51"
    assert format_ratio(0.625) == "0.625"
    assert format_ratio(1) == "1.00"


def test_timeline_draws_other_regulatory_events_as_diamonds_and_counts_them():
    points = [
        _point("FDA", datetime.date(2019, 1, 1)),
        TimelinePoint(row="FDA", date=datetime.date(2020, 1, 1), label="a refusal", category="FDA", marker="diamond"),
    ]
    root = ET.fromstring(str(timeline_svg(points)))
    assert len(list(root.iter(f"{SVG}polygon"))) == 1
    assert "1 approvals and 1 other regulatory events" in root.find(f"{SVG}desc").text
