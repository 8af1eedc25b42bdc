"""Publishing: audited marts into the schema Power BI reads, then the Power BI refresh."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
