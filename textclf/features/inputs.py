"""Which input kind a model takes, bag vectors or token sequences: the one place that decides it.

A config's model class declares its kind (``input_kind``, a string, so that
the schema stays free of TensorFlow); a saved end-to-end model shows it by
its padding layer. Both questions are answered here, and everything else asks
the kind object (``bag_input.BagInput``, ``sequence_input.SequenceInput``):
its vectorizer, encoding, batching, serving layer and prediction.

TensorFlow is imported when a kind is first asked for (``kinds()``), so the command line
can read ``EVALUATION_BATCH`` without it.
"""

from __future__ import annotations

import functools

# Texts per batch wherever nothing is trained (validation, testing, predict, evaluate, export): without
# gradients the size changes no result, only how often the per-batch overhead is paid.
EVALUATION_BATCH = 512


@functools.cache
def kinds() -> dict:
    """Each input kind by name."""
    from textclf.features.bag_input import BagInput
    from textclf.features.sequence_input import SequenceInput

    return {kind.name: kind for kind in (BagInput(), SequenceInput())}


def of(model_cfg):
    """The input kind a model config declares."""
    return kinds()[model_cfg.input_kind]


def of_model(model):
    """The input kind of a saved end-to-end model: sequences pass through a padding layer, bags do not."""
    from textclf.features.text_layers import SequencePadding

    padded = any(isinstance(layer, SequencePadding) for layer in model.layers)
    return kinds()["sequence" if padded else "bag"]
