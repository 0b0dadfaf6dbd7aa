"""Charts as server-rendered SVG: no JavaScript, no CDN, readable by screen readers.

Each function returns markup safe to insert in a template: an <svg role="img"> with a
<title> and <desc> that say what the chart shows in words. Pages put the same numbers in
a table next to it for those who prefer reading them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ACCENT = "#1d4ed8"
MUTED = "#4b5563"
GRID = "#d1d5db"
TRACK = "#e5e7eb"
OK = "#166534"

_counter = {"n": 0}


def _uid(prefix: str) -> str:
    _counter["n"] = (_counter["n"] + 1) % 1_000_000
    return f"{prefix}-{_counter['n']}"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` whose quarters are whole round numbers
    (4, 8, 20, 40, 80, 100, 200, …), so the five grid lines read well for counts."""
    quarter = value / 4
    if quarter <= 1:
        return 4
    exponent = math.floor(math.log10(quarter))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10):
        candidate = step * 10**exponent
        if candidate >= quarter and candidate == int(candidate):
            return candidate * 4
    return 4 * 10 ** (exponent + 1)


def _fmt(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{value:g}"


def _day(value: date) -> str:
    return value.strftime("%-d %b")


def _frame(uid: str, title: str, desc: str, width: int, height: int, body: str) -> SafeString:
    return mark_safe(  # noqa: S308  (every text inside was escaped)
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="15">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def _axes(max_value: float, left: int, top: int, plot_w: int, plot_h: int) -> list[str]:
    parts = []
    for i in range(5):
        value = max_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(_fmt(value))}</text>"
        )
    return parts


def _x_labels(points: Sequence[date], left: int, top: int, plot_w: int, plot_h: int, step: float):
    if not points:
        return []
    picks = {0, len(points) - 1}
    if len(points) > 4:
        picks |= {len(points) // 3, 2 * len(points) // 3}
    parts = []
    for i in sorted(picks):
        x = left + step * i + step / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 22}" text-anchor="middle" fill="{MUTED}">'
            f"{escape(_day(points[i]))}</text>"
        )
    return parts


def bar_chart(
    series: Sequence[tuple[date, int]],
    *,
    title: str,
    unit: str = "responses",
    width: int = 560,
    height: int = 240,
) -> SafeString:
    """One bar per day (or per week: the caller buckets)."""
    uid = _uid("bars")
    left, top, right, bottom = 52, 14, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in series]
    total = sum(values)
    peak = max(values, default=0)
    max_value = _nice_max(peak)
    desc = (
        f"{len(series)} bars from {_day(series[0][0])} to {_day(series[-1][0])}; "
        f"{total:,} {unit} in all, at most {peak:,} in one bar."
        if series
        else f"No {unit} yet."
    )
    parts = _axes(max_value, left, top, plot_w, plot_h)
    step = plot_w / max(1, len(series))
    bar_w = max(1.0, step * 0.8)
    for i, (day, value) in enumerate(series):
        h = plot_h * value / max_value if max_value else 0
        x = left + step * i + (step - bar_w) / 2
        y = top + plot_h - h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{ACCENT}"><title>{escape(_day(day))}: {value:,} {escape(unit)}</title></rect>'
        )
    parts += _x_labels([d for d, _ in series], left, top, plot_w, plot_h, step)
    if not series:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            f'fill="{MUTED}">No {escape(unit)} yet</text>'
        )
    return _frame(uid, title, desc, width, height, "".join(parts))


def line_chart(
    series: Sequence[tuple[date, int]],
    *,
    title: str,
    target: int | None = None,
    unit: str = "records completed",
    width: int = 560,
    height: int = 240,
) -> SafeString:
    """A cumulative line, with the target as a dashed line when there is one."""
    uid = _uid("line")
    left, top, right, bottom = 52, 14, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in series]
    last = values[-1] if values else 0
    # Scaled to the target (with room for its label) once half of it is reached; before
    # that to the data, so early progress shows instead of hugging the bottom, with the
    # target named at the top.
    near_target = bool(target) and last >= target * 0.5
    peak = max([last, *values, (target or 0) * 1.1 if near_target else 0])
    max_value = _nice_max(peak * (1 if near_target else 1.2))
    desc = (
        f"From {_day(series[0][0])} to {_day(series[-1][0])}, {unit} grew to {last:,}"
        + (f" of a target of {target:,}." if target else ".")
        if series
        else f"No {unit} yet."
    )
    parts = _axes(max_value, left, top, plot_w, plot_h)
    step = plot_w / max(1, len(series))
    points = []
    for i, (_, value) in enumerate(series):
        x = left + step * i + step / 2
        y = top + plot_h - plot_h * value / max_value
        points.append(f"{x:.1f},{y:.1f}")
    if target and target > max_value:
        parts.append(
            f'<text class="target" x="{left + plot_w - 4}" y="{top + 12}" text-anchor="end" '
            f'fill="{OK}">target {escape(_fmt(target))} (above the chart)</text>'
        )
    elif target:
        y = top + plot_h - plot_h * target / max_value
        parts.append(
            f'<line class="target" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{OK}" stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{left + plot_w - 4}" y="{y - 5:.1f}" text-anchor="end" fill="{OK}">'
            f"target {escape(_fmt(target))}</text>"
        )
    if points:
        base = f"{points[0].split(',')[0]},{top + plot_h} "
        end = f" {points[-1].split(',')[0]},{top + plot_h}"
        parts.append(
            f'<polygon points="{base}{" ".join(points)}{end}" fill="{ACCENT}" '
            'fill-opacity="0.12" stroke="none"/>'
        )
        parts.append(
            f'<polyline class="line" points="{" ".join(points)}" fill="none" stroke="{ACCENT}" '
            'stroke-width="2.5" stroke-linejoin="round"/>'
        )
        if len(points) == 1:
            x, y = points[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="4" fill="{ACCENT}"/>')
    parts += _x_labels([d for d, _ in series], left, top, plot_w, plot_h, step)
    return _frame(uid, title, desc, width, height, "".join(parts))


def donut(done: int, total: int, *, title: str, size: int = 160) -> SafeString:
    """Share of `total` that is done, as a ring with the percentage in the middle."""
    uid = _uid("donut")
    share = min(1.0, done / total) if total else 0.0
    radius = size / 2 - 12
    circumference = 2 * math.pi * radius
    c = size / 2
    percent = f"{share * 100:.0f}%" if share < 0.995 or done >= total else "99%"
    desc = f"{done:,} of {total:,} ({percent})." if total else "No target yet."
    body = (
        f'<circle cx="{c}" cy="{c}" r="{radius:.1f}" fill="none" stroke="{TRACK}" '
        'stroke-width="16"/>'
        f'<circle class="done" cx="{c}" cy="{c}" r="{radius:.1f}" fill="none" stroke="{ACCENT}" '
        f'stroke-width="16" stroke-dasharray="{circumference * share:.2f} {circumference:.2f}" '
        f'transform="rotate(-90 {c} {c})" stroke-linecap="butt"/>'
        f'<text x="{c}" y="{c + 8}" text-anchor="middle" font-size="24" font-weight="700" '
        f'fill="#111827">{escape(percent if total else "–")}</text>'
    )
    return _frame(uid, title, desc, size, size, body)


# Colour-blind-safe categorical palette (Okabe–Ito, black left out); with more series than
# colours, lines repeat the colours with a dash pattern so each stays distinguishable.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7a6a00")
DASHES = ("", "8 4", "2 4", "10 4 2 4")


def multi_line_chart(
    series: Sequence[tuple[str, Sequence[tuple[date, float]]]],
    *,
    title: str,
    unit: str = "% of the target",
    width: int = 720,
    height: int = 280,
) -> SafeString:
    """One line per named series over a shared axis of days, 0–100 (a share in percent),
    with a legend naming each line; every series has the same dates."""
    uid = _uid("lines")
    left, top, right, bottom = 52, 14, 14, 30
    legend_rows = (len(series) + 2) // 3
    height += 22 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom - 22 * legend_rows
    dates = [d for d, _ in series[0][1]] if series else []
    max_value = 100.0
    finals = [(name, points[-1][1] if points else 0.0) for name, points in series]
    desc = (
        "; ".join(f"{name}: {value:.0f}{unit}" for name, value in finals)
        if dates
        else f"No progress yet ({unit})."
    )
    parts = _axes(max_value, left, top, plot_w, plot_h)
    step = plot_w / max(1, len(dates))
    for i, (name, points) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        dash = DASHES[(i // len(PALETTE)) % len(DASHES)]
        coords = [
            f"{left + step * j + step / 2:.1f},{top + plot_h - plot_h * min(v, 100) / 100:.1f}"
            for j, (_, v) in enumerate(points)
        ]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(coords) == 1:
            x, y = coords[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/>')
        elif coords:
            parts.append(
                f'<polyline class="series" points="{" ".join(coords)}" fill="none" '
                f'stroke="{colour}" stroke-width="2.5" stroke-linejoin="round"{dash_attr}>'
                f"<title>{escape(name)}</title></polyline>"
            )
        row, col = divmod(i, 3)
        lx = left + col * (plot_w / 3)
        ly = top + plot_h + 44 + row * 22
        parts.append(
            f'<line x1="{lx:.1f}" x2="{lx + 22:.1f}" y1="{ly - 5}" y2="{ly - 5}" '
            f'stroke="{colour}" stroke-width="3"{dash_attr}/>'
            f'<text class="legend" x="{lx + 28:.1f}" y="{ly}" fill="#111827">{escape(name)} '
            f"{finals[i][1]:.0f}%</text>"
        )
    parts += _x_labels(dates, left, top, plot_w, plot_h, step)
    if not dates:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            f'fill="{MUTED}">No progress yet</text>'
        )
    return _frame(uid, title, desc, width, height, "".join(parts))
