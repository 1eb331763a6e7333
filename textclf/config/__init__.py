"""The config stage: a YAML file read safely, overridden, and validated once into frozen typed objects.

The schema (``schema``, ``model_sections``, ``search_space``) is the one
source of truth for every setting; ``loading`` is the only way a config
enters textclf. The names below are what the other stages use.
"""

from textclf.config.loading import load_config, to_yaml, validate
from textclf.config.model_sections import MODEL_CONFIGS
from textclf.config.overrides import apply_override, apply_value, source_of
from textclf.config.safe_yaml import parse_yaml, quoted, read_yaml
from textclf.config.schema import Config, DataConfig, TrainConfig, declares_multi_label, higher_is_better

__all__ = ["MODEL_CONFIGS", "Config", "DataConfig", "TrainConfig", "apply_override", "apply_value",
           "declares_multi_label", "higher_is_better", "load_config", "parse_yaml", "quoted", "read_yaml", "source_of",
           "to_yaml", "validate"]
