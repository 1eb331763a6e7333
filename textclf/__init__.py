"""textclf: train Keras text classifiers from YAML configs.

The stages, one subpackage each, in the order a run goes through them:
``config`` → ``data`` → ``features`` → ``model`` → ``training`` → ``results``
(and ``runs``, the run folder; ``tuning``, the search), driven by ``launch``
and the command line, ``cli``. Imports point one way; ``lint-imports``
checks the contract in pyproject.toml.
"""

from textclf.version import __version__

__all__ = ["__version__", "load_model"]


def load_model(path):
    """A run's ``model.keras``, ready for ``model.predict(["a text", ...])``; ``model.class_names`` names its
    outputs. TensorFlow is imported here, not when ``textclf`` is, so the command line starts fast."""
    from textclf.quiet import import_tensorflow

    import_tensorflow()  # without TensorFlow's C++ start-up lines
    from pathlib import Path

    from textclf.results.loading import load_safely

    return load_safely(Path(path))
