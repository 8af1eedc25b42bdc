"""The dashboard's data colours: one per stacked genre, and the recommendation's three states."""

from __future__ import annotations

# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
OTHER = "#B8B8B8"
PICK = "#D55E00"  # the recommended genre
MET = "#0072B2"  # genres that clear the recommendation's bar
UNMET = "#A7B4C2"  # genres that do not
GAIN, LOSS = "#1A7F37", "#B42318"


def genre_colour(g, pick: str | None) -> str:
    """The colour of a genre row: recommended, clears the bar, or below it."""
    return PICK if g.genre == pick else MET if g.meets_bar else UNMET
