"""Numbers for people: money, percentages, film counts and decades as the reports write them.

One source for the terminal summary, the recommendation's reason and the dashboard, so that a
figure reads the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def is_missing(value) -> bool:
    """None or NaN: a figure the marts do not have."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, digits: int = 1) -> str:
    """$89.2B, $412.0M, -$3.1M; ``n/a`` for a missing figure."""
    if is_missing(value):
        return "n/a"
    sign, value = ("-" if value < 0 else ""), abs(value)
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if round(value / size, digits) >= 1:
            return f"{sign}${value / size:.{digits}f}{unit}"
    return f"{sign}${value:.0f}"


def pct(value: float | None, digits: int = 1) -> str:
    """28.9% for 0.289, 1,234% for 12.34 (no decimals from 1,000% on); ``n/a`` when missing."""
    if is_missing(value):
        return "n/a"
    return f"{100 * value:,.{0 if abs(value) >= 10 else digits}f}%"


def signed_money(value: float | None) -> str:
    """+$4.2B, -$2.3B: a difference, with its sign even when it is a gain."""
    return ("+" if not is_missing(value) and value >= 0 else "") + money(value)


def films_label(count: int) -> str:
    """'1 film', '3,229 films'."""
    return f"{count:,} film" + ("" if count == 1 else "s")


def decade_label(decade: int | float) -> str:
    """'1990s' for 1990 (or 1990.0)."""
    return f"{int(decade)}s"


def window_label(decades: Sequence[int]) -> str:
    """'the 2000s and 2010s' (the recent window), or 'the 2010s' when there is one decade."""
    labels = [decade_label(d) for d in decades]
    return "the " + " and ".join(labels) if labels else "no decade"
