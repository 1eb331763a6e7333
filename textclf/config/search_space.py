"""The ``search:`` section of a config: what ``textclf tune`` may vary, checked by the config schema itself.

A key is a dotted config path. Its value is a list of choices, a range
(``{uniform: [lo, hi]}``, ``{log_uniform: [lo, hi]}``, ``{int: [lo, hi]}``)
or, under ``per_model``, a fixed value for that model type. Every choice and
both ends of every range are validated by building a config with them, so a
misspelt key or an impossible value fails at load time (``--dry-run`` too),
not in the middle of a search. Pure Python: no TensorFlow, no Optuna; how a
search samples and uses the space is the tuning stage's (``tuning.space``).
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from textclf.config.model_sections import MODEL_CONFIGS
from textclf.config.overrides import apply_value
from textclf.errors import TextclfError

RANGES = ("uniform", "log_uniform", "int")


class SearchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    space: dict[str, Any] = {}  # key → choices or a range, for every trial
    per_model: dict[str, dict[str, Any]] = {}  # model type → its own keys (choices, ranges or fixed values)
    first: list[dict[str, Any]] = []  # trials to run first, in order: the ones most likely to win
    metric: Literal["val_accuracy", "val_macro_f1", "val_loss"] = "val_accuracy"  # macro-F1: imbalanced classes
    prune_after: Annotated[int, Field(ge=1)] = 2  # epochs a trial runs before it can be pruned
    # validation folds per trial; auto: 5 below tuning.space.AUTO_FOLDS_BELOW examples (a small validation split
    # is noisy), else 1
    folds: Annotated[int, Field(ge=1, le=10)] | Literal["auto"] = "auto"
    # members of the winner's final training (``train.ensemble``); auto: 3 where the budget allows, 1 for
    # multi-label data and distributed training (``tuning.space.member_count``)
    members: Annotated[int, Field(ge=1, le=10)] | Literal["auto"] = "auto"
    # the final run: the weighted ensemble of trials whose held-out predictions average best (``tuning.selection``);
    # false: the winning trial alone
    ensemble: bool = True


def is_range(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in RANGES


def _check_range(where: str, value: dict) -> tuple[float, float]:
    kind, bounds = next(iter(value.items()))
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, (int, float)) for b in bounds)):
        raise TextclfError(f"{where}: {kind} needs [low, high], got {bounds!r}")
    low, high = bounds
    if not low < high:
        raise TextclfError(f"{where}: {kind} range [{low}, {high}] is empty (low must be below high)")
    if kind == "log_uniform" and low <= 0:
        raise TextclfError(f"{where}: log_uniform needs a low above 0, got {low}")
    if kind == "int" and not all(isinstance(b, int) for b in bounds):
        raise TextclfError(f"{where}: int needs whole numbers, got {bounds!r}")
    return low, high


def candidates(where: str, value: Any, fixed_allowed: bool) -> list[Any]:
    """The values a key can take that are worth validating: every choice, or both ends of a range."""
    if is_range(value):
        return list(_check_range(where, value))
    if isinstance(value, list):
        if not value:
            raise TextclfError(f"{where}: no choices given")
        return value
    if fixed_allowed:
        return [value]
    raise TextclfError(f"{where}: expected a list of choices or a range ({', '.join(RANGES)}), got {value!r}")


def model_types(raw_config: dict[str, Any], search: SearchConfig) -> list[str]:
    """The model types trials can have: the searched ones, or the config's own."""
    searched = search.space.get("model.type")
    if searched is not None:
        return candidates("search.space.model.type", searched, fixed_allowed=False)
    return [raw_config.get("model", {}).get("type")]


def check(raw_config: dict[str, Any], search: SearchConfig, validate) -> None:
    """Validate every choice and range end of ``search`` with the config schema (``validate``, handed in by
    the validation that is checking this section)."""

    types = model_types(raw_config, search)
    unknown = set(search.per_model) - set(types)
    if unknown:
        raise TextclfError(f"search.per_model: {', '.join(sorted(unknown))} is not among the searched model types "
                           f"({', '.join(map(str, types))})")
    base = {key: value for key, value in raw_config.items() if key != "search"}
    for model_type in types:
        keys = {**{k: (v, False) for k, v in search.space.items()},
                **{k: (v, True) for k, v in search.per_model.get(model_type, {}).items()}}
        for key, (value, fixed_allowed) in keys.items():
            section = "space" if key in search.space else f"per_model.{model_type}"
            for candidate in candidates(f"search.{section}.{key}", value, fixed_allowed):
                trial = trial_config(base, {**{"model.type": model_type}, key: candidate})
                validate(trial, origin=f"search.{section}.{key}={candidate!r}")
    for index, first in enumerate(search.first):
        missing = set(first) - set(search.space) - {k for per in search.per_model.values() for k in per}
        if missing:
            raise TextclfError(f"search.first[{index}]: {', '.join(sorted(missing))} not in the search space")
        _check_first(f"search.first[{index}]", first, search, raw_config)
        validate(trial_config(base, first), origin=f"search.first[{index}]")


def _check_first(where: str, first: dict[str, Any], search: SearchConfig, raw_config: dict[str, Any]) -> None:
    """A first trial's values must be ones its trial can record: Optuna keeps a trial's values as draws of the
    space, and refuses, mid-search, a choice the space does not have."""
    model_type = first.get("model.type", raw_config.get("model", {}).get("type"))
    own = search.per_model.get(model_type, {})
    for key, value in first.items():
        allowed = own.get(key, search.space.get(key))
        if allowed is None:
            raise TextclfError(f"{where}: {key} is not searched for model type {model_type}")
        if is_range(allowed):
            kind, (low, high) = next(iter(allowed.items()))
            number = (int,) if kind == "int" else (int, float)
            fits = isinstance(value, number) and not isinstance(value, bool) and low <= value <= high
        else:
            fits = value in allowed if isinstance(allowed, list) else value == allowed
        if not fits:
            raise TextclfError(f"{where}: {key}={value!r} is not among what the search gives it ({allowed!r}); "
                               f"add it there")


def with_metric_logged(raw: Any) -> Any:
    """``raw`` whose trainings log what its search compares trials by (``val_macro_f1`` is not logged unless
    asked for): its config, and every trial's, which no longer has the ``search:`` section."""
    search, train = (raw.get(key) if isinstance(raw, dict) else None for key in ("search", "train"))
    if not isinstance(search, dict) or search.get("metric") != "val_macro_f1" or not isinstance(train or {}, dict):
        return raw
    metrics = (train or {}).get("metrics", ["accuracy"])
    if isinstance(metrics, list) and "macro_f1" not in metrics:
        return {**raw, "train": {**(train or {}), "metrics": [*metrics, "macro_f1"]}}
    return raw


def trial_config(base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The raw config of one trial: ``base`` with ``values`` set; a new model type starts a fresh model section,
    and a model that reads token sequences drops the base's character n-grams (a bag's setting): tune of
    configs/recommended.yaml tries Kim's CNN too."""
    raw = copy.deepcopy(with_metric_logged(base))
    model_type = values.get("model.type")
    if model_type is not None and raw.get("model", {}).get("type") != model_type:
        raw["model"] = {"type": model_type}
        kind = getattr(MODEL_CONFIGS.get(model_type), "input_kind", "bag")
        if kind == "sequence" and isinstance(raw.get("data"), dict):
            raw["data"].pop("char_ngrams", None)
    raw.pop("search", None)
    for key, value in values.items():
        apply_value(raw, key, value)
    return raw


