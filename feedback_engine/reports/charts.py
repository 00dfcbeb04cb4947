"""Inline SVG charts for the HTML report: no JavaScript, no network, every label escaped.

Each function returns one ``<svg>`` element as a string, with ``data-chart`` naming it (the
browser test looks for them) and a ``<title>`` for screen readers. Labels may come from
customer data (channel, team, topic names), so every piece of text goes through
:func:`html.escape`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

PALETTE = ("#2f6fb0", "#d9822b", "#3a9c6b", "#c23b4a", "#7a5ab8", "#8c6d46", "#3b9fb5",
           "#b5508f")
INK, MUTED, GRID = "#1d232b", "#66707c", "#e3e8ee"
NEG, POS = "#c23b4a", "#3a9c6b"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _svg(name: str, title: str, width: int, height: int, body: list[str]) -> str:
    return (f'<svg data-chart="{_e(name)}" role="img" aria-label="{_e(title)}" '
            f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
            f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
            f'font-size="11"><title>{_e(title)}</title>' + "".join(body) + "</svg>")


def trend_chart(name: str, title: str, weeks: Sequence[str],
                series: Sequence[tuple[str, Sequence[float | None],
                                       Sequence[tuple[float, float] | None] | None]],
                fmt: Callable[[float], str] = lambda v: f"{v:.0f}",
                highlight: Sequence[str] = (), width: int = 640, height: int = 230) -> str:
    """Lines over weeks, each with an optional shaded confidence band.

    Args:
        series: (name, values per week, (low, high) per week or None).
        highlight: weeks to shade (the report's period).
    """
    left, right, bottom = 46, 12, 34
    per_row = len(series) if len(series) <= 4 else 3  # legend: up to 4 in a row, else 3
    rows = -(-len(series) // per_row) if series else 1
    top = 10 + 16 * rows
    slot = (width - left - right) / max(per_row, 1)
    values = [v for _, vals, _ in series for v in vals if v is not None]
    values += [x for _, _, band in series if band for b in band if b for x in b]
    if not weeks or not values:
        return _svg(name, title, width, 60, [
            f'<text x="8" y="34" fill="{MUTED}">{_e(title)}: no data</text>'])
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or 1.0
    lo, hi = lo - pad, hi + pad
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(weeks) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(weeks) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    body = [f'<rect x="{x(i) - step / 2:.1f}" y="{top}" width="{step:.1f}" height="{plot_h}" '
            'fill="#f1f6fd"/>' for i, week in enumerate(weeks) if week in highlight]
    for t in _ticks(lo, hi):
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                    f'stroke="{GRID}"/><text x="{left - 6}" y="{y(t) + 4:.1f}" '
                    f'text-anchor="end" fill="{MUTED}">{_e(fmt(t))}</text>')
    every = max(1, math.ceil(len(weeks) / 8))
    for i, week in enumerate(weeks):
        if i % every == 0 or i == len(weeks) - 1:
            body.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                        f'fill="{MUTED}">{_e(week[5:] if len(week) > 5 else week)}</text>')
    for k, (label, vals, band) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        if band:
            upper = [(x(i), y(b[1])) for i, b in enumerate(band) if b]
            lower = [(x(i), y(b[0])) for i, b in enumerate(band) if b]
            if len(upper) >= 2:
                points = " ".join(f"{a:.1f},{b:.1f}" for a, b in upper + lower[::-1])
                body.append(f'<polygon points="{points}" fill="{color}" fill-opacity="0.15" '
                            'stroke="none"/>')
        pts = [(x(i), y(v)) for i, v in enumerate(vals) if v is not None]
        if len(pts) >= 2:
            body.append(f'<polyline points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}" '
                        f'fill="none" stroke="{color}" stroke-width="2"/>')
        for a, b in pts:
            body.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{color}"/>')
        lx, ly = left + 4 + slot * (k % per_row), 6 + 16 * (k // per_row)
        room = max(int((slot - 20) / 6.2), 4)
        short = label if len(label) <= room else label[: room - 1] + "…"
        body.append(f'<rect x="{lx:.1f}" y="{ly}" width="10" height="10" fill="{color}"/>'
                    f'<text x="{lx + 14:.1f}" y="{ly + 9}" fill="{INK}">{_e(short)}'
                    f'<title>{_e(label)}</title></text>')
    return _svg(name, title, width, height, body)


def bar_chart(name: str, title: str,
              items: Sequence[tuple[str, float, tuple[float, float] | None]],
              fmt: Callable[[float], str] = lambda v: f"{v:+.1f}",
              domain: tuple[float, float] | None = None, signed_colors: bool = True,
              width: int = 640, bar_h: int = 18, color: str = PALETTE[0]) -> str:
    """Horizontal bars from a zero line, with optional interval whiskers.

    Args:
        items: (label, value, (low, high) or None), drawn top to bottom.
        domain: the value range; default from the data, always including 0.
        signed_colors: red for negative values, green for positive; else ``color``.
    """
    if not items:
        return _svg(name, title, width, 60, [
            f'<text x="8" y="34" fill="{MUTED}">{_e(title)}: no data</text>'])
    label_w, right, top = 220, 60, 8
    height = top + len(items) * (bar_h + 6) + 22
    values = [v for _, v, _ in items] + [x for _, _, ci in items if ci for x in ci]
    lo, hi = domain or (min(min(values), 0.0), max(max(values), 0.0))
    if hi <= lo:
        hi = lo + 1.0
    plot_w = width - label_w - right

    def x(v: float) -> float:
        return label_w + plot_w * (min(max(v, lo), hi) - lo) / (hi - lo)

    body = [f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top - 4}" y2="{height - 20}" '
            f'stroke="{MUTED}"/>']
    for t in _ticks(lo, hi):
        body.append(f'<text x="{x(t):.1f}" y="{height - 6}" text-anchor="middle" '
                    f'fill="{MUTED}">{_e(fmt(t))}</text>')
    for i, (label, value, ci) in enumerate(items):
        yy = top + i * (bar_h + 6)
        fill = (NEG if value < 0 else POS) if signed_colors else color
        a, b = sorted((x(0), x(value)))
        short = label if len(label) <= 34 else label[:33] + "…"
        body.append(f'<text x="{label_w - 8}" y="{yy + bar_h - 5}" text-anchor="end" '
                    f'fill="{INK}">{_e(short)}<title>{_e(label)}</title></text>'
                    f'<rect x="{a:.1f}" y="{yy}" width="{max(b - a, 1):.1f}" height="{bar_h}" '
                    f'fill="{fill}" fill-opacity="0.85"/>')
        if ci:
            body.append(f'<line x1="{x(ci[0]):.1f}" x2="{x(ci[1]):.1f}" '
                        f'y1="{yy + bar_h / 2}" y2="{yy + bar_h / 2}" stroke="{INK}"/>')
        tx = max(b, x(ci[1]) if ci else b) + 4
        body.append(f'<text x="{tx:.1f}" y="{yy + bar_h - 5}" fill="{INK}">'
                    f'{_e(fmt(value))}</text>')
    return _svg(name, title, width, height, body)
