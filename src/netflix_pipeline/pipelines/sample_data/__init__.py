"""Sample data: regenerate data/01_raw with the seeded generator.

``generator`` holds the presets and the command line; ``raw_data.generate`` writes the files.
The film catalogue (``films``) feeds ``movielens`` (movies, links, tags), ``ratings`` and
``tmdb`` (movies_metadata); each part draws from its own random stream (``streams``).
"""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
