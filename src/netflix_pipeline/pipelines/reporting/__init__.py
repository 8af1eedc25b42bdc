"""Reports: insights.json, mart CSVs, rejected rows and the dashboard."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
