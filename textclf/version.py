"""textclf's version: one place, read by the package metadata (pyproject.toml), run records and the feature cache."""

__version__ = "0.1.0"
