"""Inline SVG primitives: scales, ticks, marks and labels, as strings.

Every mark that carries data gets ``class="mark"`` and a ``<title>`` (the browser's tooltip and
what a screen reader announces); text is escaped by the caller.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

INK, MUTED, GRID, AXIS = "#1B1F24", "#5B6470", "#E3E6EA", "#9AA3AD"


@dataclass(frozen=True)
class Scale:
    """Linear map from data values (d0..d1) to pixels (p0..p1)."""

    d0: float
    d1: float
    p0: float
    p1: float

    def __call__(self, value: float) -> float:
        span = self.d1 - self.d0 or 1.0
        return self.p0 + (value - self.d0) / span * (self.p1 - self.p0)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], 1, 2, 2.5 or 5 times a power of ten apart."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [math.floor(low / step) * step]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def f(x: float) -> str:
    return f"{x:.1f}"


def text(x, y, label, *, anchor="start", size=12, fill=INK, weight=None, rotate=None) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    extra += f' transform="rotate({rotate} {f(x)} {f(y)})"' if rotate is not None else ""
    return (
        f'<text x="{f(x)}" y="{f(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{extra}>{label}</text>'
    )


def axis_title(x, y, label, rotate=None) -> str:
    return text(x, y, label, anchor="middle", size=12, fill=MUTED, rotate=rotate)


def rect(x, y, w, h, fill, tip, *, stroke=None, dash=None) -> str:
    """A data mark; negative widths and heights grow left and up. Never thinner than 0.5 px,
    so that a tiny value still shows."""
    if w < 0:
        x, w = x + w, -w
    if h < 0:
        y, h = y + h, -h
    line = f' stroke="{stroke}" stroke-width="1.5"' if stroke else ""
    line += f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<rect class="mark" x="{f(x)}" y="{f(y)}" width="{f(max(w, 0.5))}" '
        f'height="{f(max(h, 0.5))}" fill="{fill}"{line}><title>{tip}</title></rect>'
    )


def line(x1, y1, x2, y2, stroke=GRID, width=1, dash=None) -> str:
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{f(x1)}" y1="{f(y1)}" x2="{f(x2)}" y2="{f(y2)}" stroke="{stroke}" '
        f'stroke-width="{width}"{extra}/>'
    )


def reference(x, top, bottom, label) -> list[str]:
    """A dashed vertical reference line (a threshold, a baseline) labelled at its top."""
    return [
        line(x, top - 8, x, bottom, stroke=INK, width=1.5, dash="4 3"),
        text(x + 4, top - 1, label, size=11),
    ]


def svg(chart: str, title: str, width: float, height: float, body: list[str]) -> str:
    return (
        f'<svg data-chart="{chart}" role="img" aria-label="{html.escape(title)}" '
        f'viewBox="0 0 {f(width)} {f(height)}" width="100%" preserveAspectRatio="xMidYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{html.escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def legend(items: Sequence[tuple[str, str]], x: float, y: float, width: float) -> list[str]:
    """Colour chips with names, wrapped onto lines within ``width``."""
    out, cx, cy = [], x, y
    for label, colour in items:
        w = 22 + 7.2 * len(label)
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 20
        out.append(
            f'<rect x="{f(cx)}" y="{f(cy - 10)}" width="12" height="12" rx="2" fill="{colour}"/>'
        )
        out.append(text(cx + 17, cy, html.escape(label)))
        cx += w + 10
    return out


def x_axis(scale: Scale, ticks, top, bottom, fmt: Callable[[float], str]) -> list[str]:
    """Vertical grid lines with their values under the plot (zero drawn darker)."""
    out = []
    for t in ticks:
        out.append(line(scale(t), top, scale(t), bottom, stroke=AXIS if t == 0 else GRID))
        out.append(text(scale(t), bottom + 16, fmt(t), anchor="middle", size=11, fill=MUTED))
    return out


def y_axis(scale: Scale, ticks, left, right, fmt: Callable[[float], str]) -> list[str]:
    """Horizontal grid lines with their values left of the plot (zero drawn darker, dashed)."""
    out = []
    for t in ticks:
        zero = t == 0
        out.append(
            line(
                left,
                scale(t),
                right,
                scale(t),
                stroke=AXIS if zero else GRID,
                dash="4 3" if zero else None,
            )
        )
        out.append(text(left - 8, scale(t) + 4, fmt(t), anchor="end", size=11, fill=MUTED))
    return out


def _label_box(cx: float, cy: float, anchor: str, width: float) -> tuple[float, ...]:
    x0 = cx if anchor == "start" else cx - width
    return (x0, cy - 11, x0 + width, cy + 3)


def place_labels(points, bounds) -> list[tuple[float, float, str, str]]:
    """Greedy placement of a label beside each ``(x, y, radius, label)`` point, clear of every
    dot, of the labels already placed and of the plot's ``(x0, x1, y0, y1)`` bounds; the first
    candidate when nothing fits. Returns ``(x, y, text-anchor, label)``."""
    x_min, x_max, y_min, y_max = bounds
    taken = [(px - r, py - r, px + r, py + r) for px, py, r, _ in points]

    def fits(b) -> bool:
        inside = b[0] >= x_min and b[2] <= x_max and b[1] >= y_min and b[3] <= y_max
        return inside and all(
            b[2] < o[0] or b[0] > o[2] or b[3] < o[1] or b[1] > o[3] for o in taken
        )

    out = []
    for px, py, r, label in points:
        width = 7.2 * len(label) + 4
        candidates = [(px + r + 4, py + 4 + d, "start") for d in (0, -14, 14)]
        candidates += [(px - r - 4, py + 4 + d, "end") for d in (0, -14, 14)]
        candidates += [(px + 4, py - r - 4 - d, "start") for d in (0, 14, 28)]
        candidates += [(px + 4, py + r + 14 + d, "start") for d in (0, 14, 28)]
        cx, cy, anchor = next((c for c in candidates if fits(_label_box(*c, width))), candidates[0])
        taken.append(_label_box(cx, cy, anchor, width))
        out.append((cx, cy, anchor, label))
    return out
