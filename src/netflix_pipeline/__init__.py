"""netflix-pipeline: which movie genres perform best, decade by decade."""

__version__ = "0.1.0"
