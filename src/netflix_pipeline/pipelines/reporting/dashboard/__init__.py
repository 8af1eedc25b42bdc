"""The offline dashboard: one self-contained HTML page with the charts a decision maker reads."""

from .charts import render_dashboard

__all__ = ["render_dashboard"]
