"""Raw CSV files (disk or S3) into the warehouse's RAW tables."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
