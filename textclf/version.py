"""textclf's version: one place, read by the package metadata (pyproject.toml), run records and the feature cache."""

__version__ = "0.1.0"


def stack_versions() -> dict[str, str]:
    """textclf's version and those that decide its numbers (TensorFlow, Keras, Python), without importing them."""
    import platform
    from importlib import metadata

    def installed(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {"textclf": __version__, "tensorflow": installed("tensorflow"), "keras": installed("keras"),
            "python": platform.python_version()}
