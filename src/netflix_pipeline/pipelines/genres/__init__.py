"""Genre normalization: raw genre lists of every film into canonical genres and a primary genre."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
