"""dbt: two builds around the genre node, and one watcher node per dbt model."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
