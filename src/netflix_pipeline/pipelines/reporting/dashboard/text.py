"""Text as the page shows it: escaped for HTML, with a typographic minus, and axis tick labels."""

from __future__ import annotations

import html
import re

from ..formatting import money, pct


def ui(text: str) -> str:
    """Escaped for HTML, with a typographic minus before negative numbers."""
    return re.sub(r"(?<![\w-])-(?=[\d$])", "\u2212", html.escape(text))


def tick_money(value: float) -> str:
    return ui(re.sub(r"\.0(?=[KMBT])", "", money(value)))  # $20B rather than $20.0B


def tick_pct(value: float) -> str:
    return ui(pct(value, 0))
