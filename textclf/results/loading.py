"""Loading what a run saved: a ``.keras`` file in Keras safe mode, checked to be a textclf model, and its names.

Saved models refer to textclf's layers, losses, metrics and optimizers by
their registered names (``textclf>BagDense``…), not by module path; importing
the modules that register them here is what lets every ``model.keras``, from
any textclf version, load.
"""

from __future__ import annotations

from pathlib import Path

import keras

import textclf.features.char_ngrams  # noqa: F401  the split of a vectorizer with character n-grams
import textclf.features.text_layers  # noqa: F401  standardization, padding and bag ids inside saved models
import textclf.model.text_model  # noqa: F401  the end-to-end model and the network's layers, losses, metrics
from textclf.errors import TextclfError
from textclf.model.head import Head
from textclf.model.text_model import class_names_of, members_of
from textclf.runs import rundir


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _outside_files(config) -> list[str]:
    """Paths a saved config would make Keras read from outside the ``.keras`` file (a vocabulary "file")."""
    found = []
    if isinstance(config, dict):
        for key, value in config.items():
            if key in ("vocabulary", "idf_weights") and isinstance(value, str):
                found.append(value)
            found += _outside_files(value)
    elif isinstance(config, list):
        for value in config:
            found += _outside_files(value)
    return found


def load_safely(path: Path):
    """A ``.keras`` file loaded in Keras safe mode; anything refused or broken is one line saying what and why.

    Safe mode refuses Lambda layers and other code (a ``TFSMLayer``), but
    lets a layer's config name a vocabulary file anywhere on disk (say
    ``/etc/passwd``): textclf's own models keep theirs inside the file, so
    such a model is refused before Keras reads anything.
    """
    import json
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise TextclfError(f"{path}: cannot load model ({_first_line(exc)})") from None
    outside = _outside_files(config)
    if outside:
        raise TextclfError(f"{path}: refused: the model would read {outside[0]!r} from outside its own file")
    try:
        return keras.models.load_model(path, safe_mode=True)
    except ValueError as exc:
        message = _first_line(exc)
        if "Lambda" in str(exc) or "unsafe" in str(exc) or "safe_mode" in str(exc):
            raise TextclfError(f"{path}: refused by Keras safe mode, which loads no code: {message}") from None
        raise TextclfError(f"{path}: cannot load model ({message})") from None
    except Exception as exc:  # Keras raises many types for a bad file; all mean the same to the user
        raise TextclfError(f"{path}: cannot load model ({_first_line(exc)})") from None


def load_model(run_dir: Path) -> keras.Model:
    """Load ``model.keras`` in Keras safe mode (``load_safely``), and check textclf made it."""
    path = Path(run_dir) / rundir.MODEL_FILE
    if not path.is_file():
        raise TextclfError(f"{run_dir}: not a finished run (no {rundir.MODEL_FILE})")
    model = load_safely(path)
    for member in members_of(model):  # an ensemble: each of the models it averages
        _check_made_by_textclf(member, path)
    return model


def _check_made_by_textclf(model, path: Path) -> None:
    """A model textclf trained: one string input, a ``vectorizer`` inside, and a classifier network after it."""
    inputs = getattr(model, "inputs", None) or []
    names = {layer.name for layer in getattr(model, "layers", [])}
    if len(inputs) != 1 or inputs[0].dtype != "string" or "vectorizer" not in names or \
            not any(isinstance(layer, keras.Model) for layer in model.layers):
        raise TextclfError(f"{path}: not a textclf model (it needs one string input and a vectorizer layer); "
                           "textclf predicts and evaluates with models it trained")


def class_names(run_dir: Path, model: keras.Model | None = None) -> list[str]:
    """The names of the model's outputs: carried by the model itself, or (older runs) read from ``run.json``."""
    names = class_names_of(model)
    if names:
        return names
    path = Path(run_dir) / rundir.RUN_FILE
    names = rundir.read_json(path).get("class_names") or []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise TextclfError(f"{path}: damaged class_names (not a list of names)")
    classes = Head.of_model(model).num_classes if model is not None else len(names)
    if names and len(names) != classes:
        raise TextclfError(f"{path}: {len(names)} class names for a model of {classes} classes")
    return names


def thresholds_of(model) -> list[float] | None:
    """A multi-label model's per-label thresholds (a label applies above its own); None for one label per text."""
    return model.thresholds if Head.of_model(model).multi_label else None
