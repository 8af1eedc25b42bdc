"""Sample data: regenerate data/01_raw with the seeded generator."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
