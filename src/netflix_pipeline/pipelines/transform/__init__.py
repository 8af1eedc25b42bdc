"""dbt: staging and intermediate models, then the marts, around the genre node."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
