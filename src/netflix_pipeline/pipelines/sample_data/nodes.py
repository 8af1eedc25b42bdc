"""Sample data node: rewrite the raw layout with the seeded generator."""

from __future__ import annotations

import logging

# raw_data, not generator: importing the command-line module with the package would make
# `python -m ...sample_data.generator` warn that it runs a module already imported
from .raw_data import generate

logger = logging.getLogger(__name__)


def generate_sample_data(sample_data: dict) -> dict:
    """Write MovieLens + TMDB shaped files (DESIGN §3) to ``sample_data.out_dir``."""
    params = dict(sample_data)
    out_dir = params.pop("out_dir")
    counts = generate(out_dir, **params)
    logger.info("Sample data written to %s: %s", out_dir, counts)
    return counts
