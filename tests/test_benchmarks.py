"""The speed benchmark compares like with like: the reference script builds the same models."""

import sys
from pathlib import Path

import pytest

from textclf import models
from textclf.config import load_config

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from reference_keras import build_model  # noqa: E402
from speed import CONFIGS  # noqa: E402

SAME_MATH = {"BagDense": "Dense"}  # a Dense layer that reads the bag's non-zero entries only


@pytest.mark.parametrize("name", CONFIGS)
def test_reference_script_builds_the_same_model_as_textclf(name):
    cfg = load_config(ROOT / "configs" / f"{name}.yaml")
    ours = models.build(cfg.model, vocab_size=cfg.data.vocab_size, num_classes=2)
    reference = build_model(cfg.model, cfg.data.vocab_size, cfg.data.maxlen)
    assert reference.count_params() == ours.count_params()
    assert [type(layer).__name__ for layer in reference.layers] == [
        SAME_MATH.get(type(layer).__name__, type(layer).__name__) for layer in ours.layers
        if type(layer).__name__ != "InputLayer"
    ]
