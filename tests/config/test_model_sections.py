"""The ``model:`` sections: one class per model type, each declaring its input kind; sizes bounded."""

import pytest

from textclf.config import MODEL_CONFIGS, validate
from textclf.config.model_sections import MODEL_CLASSES, RuleError
from textclf.errors import TextclfError
from textclf.model.builders import REGISTRY


@pytest.mark.parametrize("model_type", sorted(MODEL_CONFIGS))
def test_each_model_type_has_its_section_its_input_kind_and_a_builder(model_type):
    section = MODEL_CONFIGS[model_type]
    assert section in MODEL_CLASSES and section.input_kind in ("bag", "sequence")
    assert model_type in REGISTRY  # the schema and the builders cannot drift apart
    cfg = validate({"name": "x", "model": {"type": model_type}})
    assert type(cfg.model) is section and cfg.model.type == model_type


@pytest.mark.parametrize(("key", "value"), [("units", 0), ("units", 100_000), ("num_layers", 33),
                                            ("kernel_sizes", []), ("dropout", 1.0)])
def test_sizes_out_of_bounds_name_their_key(key, value):
    model_type = "cnn" if key == "kernel_sizes" else "lstm"
    with pytest.raises(TextclfError, match=rf"model\.{key}"):
        validate({"name": "x", "model": {"type": model_type, key: value}})


def test_a_rule_error_names_its_key_and_says_why():
    error = RuleError("char_ngrams", "only with split word")
    assert str(error) == "char_ngrams: only with split word" and (error.key, error.message) == ("char_ngrams",
                                                                                                "only with split word")


@pytest.mark.parametrize("model_type", sorted(MODEL_CONFIGS))
def test_unseen_terms_is_a_setting_of_bag_models_only_and_skips_by_default(model_type):
    if MODEL_CONFIGS[model_type].input_kind == "bag":
        assert validate({"name": "x", "model": {"type": model_type}}).model.unseen_terms == "skip"
        with pytest.raises(TextclfError, match=r"model\.unseen_terms"):
            validate({"name": "x", "model": {"type": model_type, "unseen_terms": "drop"}})
    else:  # a token sequence has its own OOV token, whose embedding trains
        with pytest.raises(TextclfError, match=r"model\.unseen_terms"):
            validate({"name": "x", "model": {"type": model_type, "unseen_terms": "skip"}})
