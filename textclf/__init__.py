"""textclf: train Keras text classifiers from YAML configs."""

__version__ = "0.1.0"


def load_model(path):
    """A run's ``model.keras``, ready for ``model.predict(["a text", ...])``; ``model.class_names`` names its
    outputs. TensorFlow is imported here, not when ``textclf`` is, so the command line starts fast."""
    from textclf.quiet import import_tensorflow

    import_tensorflow()  # without TensorFlow's C++ start-up lines
    from pathlib import Path

    from textclf.text_model import load_safely

    return load_safely(Path(path))
