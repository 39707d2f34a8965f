"""
Charts drawn on the server as inline SVG: the approvals timeline and the forest plot of hazard ratios.

No JavaScript and no CDN, so the charts work offline, print well and reach screen readers (each SVG
has a <title> and <desc>, and every page also shows the same numbers in a table). The drawing code
takes plain data (`TimelinePoint`, `ForestRow`) so it is tested without a database; the small
`*_from_*` helpers turn already-fetched model instances into that data and never query.

Every text that reaches the SVG passes through `escape()`; the result is marked safe only once,
when it is complete.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# One colour per agency, dark enough for 3:1 contrast against white (WCAG non-text contrast).
AGENCY_COLOURS = {
    "FDA": "#1f5fa8",
    "EMA": "#9a4d00",
    "NMPA": "#a4262c",
    "PMDA": "#6b3fa0",
    "MHRA": "#2b7a3d",
    "HC": "#7a5000",
    "TGA": "#00697c",
}
DEFAULT_COLOUR = "#4a4a4a"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@dataclass(frozen=True)
class TimelinePoint:
    """One approval (a dot) or other regulatory event (a diamond) on the timeline: its row (a drug or an agency),
    date, colour key, tooltip and link."""

    row: str
    date: datetime.date
    label: str
    category: str = ""
    href: str = ""
    marker: str = "dot"  # "dot": an approval; "diamond": another decision (refusal, withdrawal, label change …)


@dataclass(frozen=True)
class ForestRow:
    """One hazard ratio with its 95% confidence interval, drawn as a square on a horizontal line."""

    label: str
    hazard_ratio: float
    ci_lower: float
    ci_upper: float
    detail: str = ""
    href: str = ""


def _num(value: float) -> str:
    """Coordinates with one decimal: enough for a screen, short enough to keep the page light."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg_open(
    width: int, height: int, title: str, desc: str, css_class: str, *, layout: str = "wide", interactive: bool = False
) -> list[str]:
    """The <svg> start with its title and description. A chart holding links (focusable dots) keeps the implicit
    role of an SVG document, not role="img": an image's children are hidden from assistive technology, so its links
    would be unreachable (axe's "nested-interactive"). Each layout has its own ids, since a page holds both (one
    hidden by CSS)."""
    ids = f"{css_class}-{layout}"
    role = "" if interactive else ' role="img"'
    font_size = 12 if layout == "wide" else NARROW_FONT_SIZE
    return [
        f'<svg class="chart {css_class} chart--{layout}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet"{role} aria-labelledby="{ids}-title {ids}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="{FONT}" font-size="{font_size}">',
        f'<title id="{ids}-title">{escape(title)}</title>',
        f'<desc id="{ids}-desc">{escape(desc)}</desc>',
    ]


# The phone layout is drawn 300 units wide, about the width a chart gets on a 390 px screen, so its 13-unit text
# shows at 12 px or more there (WCAG reflow: the chart redraws to the width instead of shrinking the desktop one).
NARROW_WIDTH = 300
NARROW_FONT_SIZE = 13


def _year_ticks(first: int, last: int, *, most: int = 13) -> list[int]:
    """Years to label on the axis: every year for short spans, every 2, 5 or 10 for longer ones, at most about
    `most` labels."""
    span = last - first
    step = next((step for step in (1, 2, 5, 10, 20) if span / step <= most - 1), 50)
    start = first + (-first % step)
    return list(range(start, last + 1, step))


def _lanes(xs: Sequence[float], gap: float) -> list[int]:
    """The lane of each dot of one row (x positions in date order): dots closer than `gap` go to the next lane, so
    two approvals on the same day are stacked, both visible, never drawn one over the other."""
    lane_ends: list[float] = []
    lanes = []
    for x in xs:
        lane = next((index for index, end in enumerate(lane_ends) if x - end >= gap), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(x)
        else:
            lane_ends[lane] = x
        lanes.append(lane)
    return lanes


def timeline_svg(
    points: Sequence[TimelinePoint], *, title: str = "Approvals over time", layout: str = "wide"
) -> SafeString:
    """
    A dot per approval: one row per `row` value (in order of first approval), x = date. Dots of one row closer than
    a dot's width (the same day, or days apart) are stacked in lanes, the row growing to hold them.

    `layout="wide"` puts each row's label left of its track (desktop); `layout="narrow"` (phones) puts it above the
    track so the dates get the whole width, with larger dots to touch and fewer year labels.

    Returns an empty string for no points, so templates can `{% if chart %}`.
    """
    if not points:
        return mark_safe("")
    narrow = layout == "narrow"
    ordered = sorted(points, key=lambda p: (p.date, p.row, p.category, p.label))
    rows: list[str] = []
    for point in ordered:
        if point.row not in rows:
            rows.append(point.row)
    first_year = min(p.date.year for p in points)
    last_year = max(p.date.year for p in points) + 1  # the axis ends on 1 January after the last approval
    start = datetime.date(first_year, 1, 1)
    end = datetime.date(last_year, 1, 1)
    total_days = (end - start).days

    if narrow:
        label_width, plot_left, plot_width, right_pad = 0, 20, NARROW_WIDTH - 40, 20  # room for a year's label
        radius, lane_height, row_label_height, top, axis_height = 8, 20, 18, 6, 36
        width = NARROW_WIDTH
    else:
        label_width, plot_left, plot_width, right_pad = 200, 200, 560, 20
        radius, lane_height, row_label_height, top, axis_height = 6, 15, 0, 12, 34
        width = label_width + plot_width + right_pad

    def x_of(day: datetime.date) -> float:
        return plot_left + plot_width * (day - start).days / total_days

    # Each row's dots in date order, with their lanes; a row is as tall as its lanes need.
    lane_of: dict[int, int] = {}
    row_lanes: dict[str, int] = {}
    for row in rows:
        members = [(index, point) for index, point in enumerate(ordered) if point.row == row]
        lanes = _lanes([x_of(point.date) for _, point in members], gap=2 * radius + 2)
        lane_of.update({index: lane for (index, _), lane in zip(members, lanes, strict=True)})
        row_lanes[row] = max(lanes) + 1
    row_heights = [max(26, row_label_height + lane_height * row_lanes[row] + 6) for row in rows]
    row_tops = [top + sum(row_heights[:index]) for index in range(len(rows))]

    categories = sorted({p.category for p in points if p.category})
    legend_rows = _legend_rows(categories, width - plot_left, narrow=narrow)
    legend_height = 24 * len(legend_rows)
    axis_y = top + sum(row_heights)
    height = axis_y + axis_height + legend_height

    events = sum(1 for p in points if p.marker == "diamond")
    counted = f"{len(points) - events} approvals" + (f" and {events} other regulatory events" if events else "")
    desc = (
        f"{counted} from {min(p.date for p in points):%Y} to {max(p.date for p in points):%Y}, "
        f"in {len(rows)} rows ({', '.join(rows)}). The tables on this page list every one."
    )
    out = _svg_open(width, height, title, desc, "timeline", layout=layout, interactive=any(p.href for p in points))
    # Row bands first, so grid lines show on top of them.
    for index in range(0, len(rows), 2):
        out.append(
            f'<rect x="0" y="{_num(row_tops[index])}" width="{width if narrow else label_width + plot_width}" '
            f'height="{row_heights[index]}" fill="#f4f6f9"/>'
        )
    # Year grid lines and labels.
    for year in _year_ticks(first_year, last_year, most=6 if narrow else 13):
        x = x_of(datetime.date(year, 1, 1))
        out.append(f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{axis_y}" stroke="#d9dde3"/>')
        out.append(f'<text x="{_num(x)}" y="{axis_y + 18}" text-anchor="middle" fill="#333">{year}</text>')
    out.append(f'<line x1="{plot_left}" y1="{axis_y}" x2="{plot_left + plot_width}" y2="{axis_y}" stroke="#555"/>')
    for index, row in enumerate(rows):
        if narrow:
            out.append(
                f'<text x="{plot_left}" y="{_num(row_tops[index] + 15)}" fill="#1a1a1a" font-weight="600">'
                f"{escape(_shorten(row, 36))}</text>"
            )
        else:
            out.append(
                f'<text x="{label_width - 8}" y="{_num(row_tops[index] + row_heights[index] / 2 + 4)}" '
                f'text-anchor="end" fill="#1a1a1a">{escape(_shorten(row, 30))}</text>'
            )
    for index, point in enumerate(ordered):
        row_index = rows.index(point.row)
        lanes_height = lane_height * row_lanes[point.row]
        spare = row_heights[row_index] - row_label_height - lanes_height  # the lanes sit in the middle of the row
        lanes_top = row_tops[row_index] + row_label_height + spare / 2
        x = x_of(point.date)
        y = lanes_top + lane_height * lane_of[index] + lane_height / 2
        colour = AGENCY_COLOURS.get(point.category, DEFAULT_COLOUR)
        if point.marker == "diamond":
            r = radius + 1
            corners = f"{_num(x)},{_num(y - r)} {_num(x + r)},{_num(y)} {_num(x)},{_num(y + r)} {_num(x - r)},{_num(y)}"
            dot = (
                f'<polygon class="timeline__event" points="{corners}" fill="#fff" stroke="{colour}" stroke-width="2.5">'
                f"<title>{escape(point.label)}</title></polygon>"
            )
        else:
            dot = (
                f'<circle class="timeline__dot" cx="{_num(x)}" cy="{_num(y)}" r="{radius}" fill="{colour}" '
                f'stroke="#fff" stroke-width="1.5"><title>{escape(point.label)}</title></circle>'
            )
        if point.href:
            dot = f'<a href="{escape(point.href)}" aria-label="{escape(point.label)}">{dot}</a>'
        out.append(dot)
    legend_y = axis_y + axis_height + 6
    for line in legend_rows:
        for category, x in line:
            colour = AGENCY_COLOURS.get(category, DEFAULT_COLOUR)
            out.append(f'<circle cx="{_num(x + 6)}" cy="{legend_y}" r="6" fill="{colour}"/>')
            out.append(f'<text x="{_num(x + 16)}" y="{legend_y + 4}" fill="#1a1a1a">{escape(category)}</text>')
        legend_y += 24
    out.append("</svg>")
    return mark_safe("".join(out))  # every interpolated text above is escaped


def _legend_rows(categories: Sequence[str], room: float, *, narrow: bool) -> list[list[tuple[str, float]]]:
    """The legend's entries (colour key and its x), wrapped onto as many lines as the chart's width needs."""
    char_width = 9 if narrow else 8
    left = 12 if narrow else 200
    lines: list[list[tuple[str, float]]] = []
    x = left
    for category in categories:
        item_width = 24 + char_width * len(category) + 16
        if not lines or x + item_width > left + room:
            lines.append([])
            x = left
        lines[-1].append((category, x))
        x += item_width
    return lines


def responsive_timeline(points: Sequence[TimelinePoint], *, title: str = "Approvals over time") -> SafeString:
    """The timeline in both layouts: the stylesheet shows the wide one on larger screens and in print, the narrow
    one on phones (the hidden one is `display: none`, so neither screen readers nor the keyboard meet it twice)."""
    if not points:
        return mark_safe("")
    return mark_safe(timeline_svg(points, title=title) + timeline_svg(points, title=title, layout="narrow"))


def _log_ticks(low: float, high: float) -> list[float]:
    candidates = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 4, 5, 10, 20, 50, 100]
    return [t for t in candidates if low <= t <= high and t not in (0.25, 4)]


def forest_plot_svg(
    rows: Sequence[ForestRow],
    *,
    title: str = "Hazard ratios with 95% confidence intervals",
    layout: str = "wide",
) -> SafeString:
    """
    A forest plot on a log scale: a square at each hazard ratio, a line across its 95% CI, a dashed
    line at 1 (no difference). Left of 1 favours the experimental arm.

    `layout="wide"`: endpoint labels left of the plot, the numbers right of it (desktop); `layout="narrow"`
    (phones): each endpoint's label above its line, so the plot and the numbers share the width.

    Returns an empty string for no rows.
    """
    if not rows:
        return mark_safe("")
    narrow = layout == "narrow"
    low = min(min(r.ci_lower for r in rows), 0.5)
    high = max(max(r.ci_upper for r in rows), 2.0)
    # Round the axis out to the ticks either side so every interval fits.
    log_low = math.floor(math.log10(low) * 2) / 2
    log_high = math.ceil(math.log10(high) * 2) / 2
    if narrow:
        label_width, plot_left, plot_width, value_width = 0, 12, 160, NARROW_WIDTH - 172
        label_height, top, axis_height = 34, 26, 50
        heights = [label_height + (16 if r.detail else 0) + 22 for r in rows]
        width = NARROW_WIDTH
    else:
        label_width, plot_left, plot_width, value_width = 270, 270, 330, 170
        top, axis_height = 30, 46
        heights = [40 for _ in rows]
        width = label_width + plot_width + value_width
    tops = [top + sum(heights[:index]) for index in range(len(rows))]
    axis_y = top + sum(heights)
    height = axis_y + axis_height

    def x_of(value: float) -> float:
        value = min(max(value, 10**log_low), 10**log_high)
        return plot_left + plot_width * (math.log10(value) - log_low) / (log_high - log_low)

    desc = "; ".join(
        f"{r.label}{' (' + r.detail + ')' if r.detail else ''}: HR {format_ratio(r.hazard_ratio)} "
        f"(95% CI {format_ratio(r.ci_lower)} to {format_ratio(r.ci_upper)})"
        for r in rows
    )
    out = _svg_open(width, height, title, desc, "forest", layout=layout, interactive=any(r.href for r in rows))
    value_x = plot_left + plot_width + 10
    for index in range(0, len(rows), 2):
        out.append(f'<rect x="0" y="{_num(tops[index])}" width="{width}" height="{heights[index]}" fill="#f4f6f9"/>')
    if narrow:
        out.append(f'<text x="{plot_left}" y="18" font-weight="600" fill="#1a1a1a">Endpoint</text>')
    else:
        out.append(
            f'<text x="{label_width - 8}" y="18" text-anchor="end" font-weight="600" fill="#1a1a1a">Endpoint</text>'
        )
    out.append(f'<text x="{value_x}" y="18" font-weight="600" fill="#1a1a1a">HR (95% CI)</text>')
    for tick in _log_ticks(10**log_low, 10**log_high):
        x = x_of(tick)
        out.append(f'<line x1="{_num(x)}" y1="{axis_y}" x2="{_num(x)}" y2="{axis_y + 5}" stroke="#555"/>')
        out.append(f'<text x="{_num(x)}" y="{axis_y + 18}" text-anchor="middle" fill="#333">{tick:g}</text>')
    out.append(f'<line x1="{plot_left}" y1="{axis_y}" x2="{plot_left + plot_width}" y2="{axis_y}" stroke="#555"/>')
    one = x_of(1.0)
    out.append(
        f'<line x1="{_num(one)}" y1="{top - 6}" x2="{_num(one)}" y2="{axis_y}" stroke="#555" stroke-dasharray="4 3"/>'
    )
    if narrow:  # two lines under the axis: the phone's width holds one phrase a line
        out.append(f'<text x="{plot_left}" y="{axis_y + 34}" fill="#333">← favours experimental</text>')
        out.append(
            f'<text x="{plot_left + plot_width}" y="{axis_y + 48}" text-anchor="end" fill="#333">'
            "favours control →</text>"
        )
    else:
        out.append(
            f'<text x="{_num(one - 6)}" y="{axis_y + 36}" text-anchor="end" fill="#333">← favours experimental</text>'
        )
        out.append(f'<text x="{_num(one + 6)}" y="{axis_y + 36}" fill="#333">favours control →</text>')
    for index, row in enumerate(rows):
        if narrow:
            # Endpoint, then population/analysis, each on a line of its own across the width; the plot below.
            text = (
                f'<text x="{plot_left}" y="{_num(tops[index] + 16)}" fill="#1a1a1a" font-weight="600">'
                f"{escape(_shorten(row.label, 38))}</text>"
            )
            if row.detail:
                text += (
                    f'<text x="{plot_left}" y="{_num(tops[index] + 32)}" fill="#4a4a4a">'
                    f"{escape(_shorten(row.detail, 40))}</text>"
                )
            y = tops[index] + heights[index] - 14
        else:
            y = tops[index] + heights[index] / 2
            # Endpoint on the first line, population/analysis below: both fit the label column.
            label_y = y - 3 if row.detail else y + 4
            text = (
                f'<text x="{label_width - 8}" y="{_num(label_y)}" text-anchor="end" fill="#1a1a1a" font-weight="600">'
                f"{escape(_shorten(row.label, 38))}</text>"
            )
            if row.detail:
                text += (
                    f'<text x="{label_width - 8}" y="{_num(y + 13)}" text-anchor="end" fill="#4a4a4a">'
                    f"{escape(_shorten(row.detail, 40))}</text>"
                )
        if row.href:
            text = f'<a href="{escape(row.href)}">{text}</a>'
        out.append(text)
        x_low, x_high, x_hr = x_of(row.ci_lower), x_of(row.ci_upper), x_of(row.hazard_ratio)
        out.append(
            f'<line x1="{_num(x_low)}" y1="{_num(y)}" x2="{_num(x_high)}" y2="{_num(y)}" stroke="#1f5fa8" '
            f'stroke-width="2"/>'
        )
        out.append(
            f'<rect x="{_num(x_hr - 5)}" y="{_num(y - 5)}" width="10" height="10" fill="#1f5fa8">'
            f"<title>{escape(row.label)}: HR {format_ratio(row.hazard_ratio)} "
            f"({format_ratio(row.ci_lower)}–{format_ratio(row.ci_upper)})</title></rect>"
        )
        out.append(
            f'<text x="{value_x}" y="{_num(y + 4)}" fill="#1a1a1a">'
            f"{format_ratio(row.hazard_ratio)} ({format_ratio(row.ci_lower)}–{format_ratio(row.ci_upper)})</text>"
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # every interpolated text above is escaped


def responsive_forest_plot(
    rows: Sequence[ForestRow], *, title: str = "Hazard ratios with 95% confidence intervals"
) -> SafeString:
    """The forest plot in both layouts, as `responsive_timeline` draws the timeline."""
    if not rows:
        return mark_safe("")
    return mark_safe(forest_plot_svg(rows, title=title) + forest_plot_svg(rows, title=title, layout="narrow"))


def format_ratio(value: float | Decimal) -> str:
    """A hazard ratio as published: two decimals, or three when the third is not zero (0.625)."""
    text = f"{float(value):.3f}"
    return text[:-1] if text.endswith("0") else text


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


# --- From already-fetched model instances (no queries) -------------------------------------------


def timeline_points_from_approvals(approvals: Iterable, *, row: str = "drug") -> list[TimelinePoint]:
    """Approvals as timeline points, one row per drug (`row="drug"`) or per agency (`row="agency"`). The tooltip
    names the approval's designations (priority review, breakthrough therapy …) when they were fetched with it."""
    points = []
    for approval in approvals:
        row_label = approval.drug.name if row == "drug" else approval.get_agency_display()
        designations = ", ".join(item.get_designation_display() for item in approval.designation_list)
        points.append(
            TimelinePoint(
                row=row_label,
                date=approval.date,
                label=f"{approval.drug.name}: {approval.agency} {approval.date:%Y-%m-%d}, "
                f"{approval.get_her2_category_display()} {approval.get_tumour_type_display()}"
                + (f" ({approval.get_approval_type_display().lower()})" if approval.approval_type else "")
                + (f"; {designations}" if designations else ""),
                category=approval.agency,
                href=f"#approval-{approval.pk}" if row == "agency" else approval.get_absolute_url(),
            )
        )
    return points


def timeline_points_from_events(events: Iterable, *, row: str = "agency") -> list[TimelinePoint]:
    """Regulatory events (refusals, withdrawals, label changes …) as diamonds on the same rows as approvals."""
    return [
        TimelinePoint(
            row=event.drug.name if row == "drug" else event.get_agency_display(),
            date=event.date,
            label=f"{event.drug.name}: {event.agency} {event.date:%Y-%m-%d}, {event.get_event_type_display()}",
            category=event.agency,
            href=f"#event-{event.pk}" if row == "agency" else event.get_absolute_url(),
            marker="diamond",
        )
        for event in events
    ]


def forest_rows_from_outcomes(outcomes: Iterable) -> list[ForestRow]:
    """Outcomes that have a hazard ratio and both CI bounds, as forest plot rows; others are skipped."""
    rows = []
    for outcome in outcomes:
        if outcome.hazard_ratio is None or outcome.ci_lower is None or outcome.ci_upper is None:
            continue
        detail = ", ".join(part for part in [outcome.population, outcome.analysis] if part)
        rows.append(
            ForestRow(
                label=outcome.endpoint_label or outcome.get_endpoint_display(),
                hazard_ratio=float(outcome.hazard_ratio),
                ci_lower=float(outcome.ci_lower),
                ci_upper=float(outcome.ci_upper),
                detail=detail,
                href=f"#outcome-{outcome.pk}",
            )
        )
    return rows
