"""The calendar of the data: release years, and when MovieLens users rated and tagged."""

from __future__ import annotations

import numpy as np

FIRST_YEAR, LAST_YEAR = 1920, 2020
START_TS = 820_454_400  # 1996-01-01 00:00:00 UTC: first rating
END_TS = 1_704_067_199  # 2023-12-31 23:59:59 UTC: last rating
HALF_STARS_TS = 1_045_526_400  # 2003-02-18: MovieLens allows half stars from then on
TAGS_START_TS = 1_136_073_600  # 2006-01-01: MovieLens tags start about then
DAY = 86_400


def release_ts(release: np.ndarray) -> np.ndarray:
    """Release dates (datetime64[D]) as Unix seconds."""
    return release.astype("datetime64[s]").astype(np.int64)
