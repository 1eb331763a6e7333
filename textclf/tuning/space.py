"""What a search does with its space and its data: each trial's values, its folds, and the winner's refit.

Optuna's trials are handed in (``trial_values``); the schema of the space
itself, and its checks, are the config stage's (``config.search_space``).
``search_config`` turns ``textclf tune DATA`` into a config with the default space.
"""

from __future__ import annotations

import copy
import json
import re
import statistics
from pathlib import Path

from textclf.config import Config, apply_override, apply_value, read_yaml, source_of, validate
from textclf.config.search_space import SearchConfig, is_range
from textclf.errors import TextclfError

# The winner's final training holds back this share of the non-test texts (at least REFIT_HELD_OUT texts,
# at most REFIT_MAX_SHARE of them): a check on a run that no longer chooses anything by them.
REFIT_SHARE, REFIT_HELD_OUT, REFIT_MAX_SHARE = 0.01, 100, 0.1


AUTO_FOLDS_BELOW = 20_000


DEFAULT_SPACE = Path(__file__).resolve().parents[2] / "configs" / "search" / "default.yaml"


def fold_count(search: SearchConfig, examples: int) -> int:
    """How many folds a trial is scored on: ``search.folds``, or 5 for fewer than 20,000 non-test examples."""
    if search.folds != "auto":
        return search.folds
    return 5 if examples < AUTO_FOLDS_BELOW else 1


def member_count(search: SearchConfig, multi_label: bool = False, distributed: bool = False) -> int:
    """How many members the winner's final training averages: ``search.members``, or 3, where the budget
    allows: one training's luck in its sliver and batch order is worth a point on small data and a little on
    IMDB's 25,000 reviews, by cross-validation on training rows (``ensemble.py``; benchmarks/RESULTS.md,
    "design-cv": ``ensemble``, ``long_members``). 1 for multi-label data, whose seed ensemble was measured
    on one set only (GoEmotions: "multi-label-cv"; a multi-label config sets ``train.ensemble`` itself), and
    for a distributed training, which trains one model (``train.distribute``). A 3-member final run that
    would not fit in the budget is one training (``final_run.promote``)."""
    if multi_label or distributed:
        return 1
    if search.members != "auto":
        return search.members
    return 3


def refit_share(examples: int, multi_label: bool = False, configured: float = 0.1) -> float:
    """The share of the ``examples`` non-test texts a final training holds back: a sliver, as a check.
    Multi-label, the config's own share (``configured``): each label's threshold is tuned there, and a sliver
    holds a rare label a few times at most (benchmarks/RESULTS.md, "Design measurements")."""
    if multi_label:
        return configured
    return round(min(REFIT_MAX_SHARE, max(REFIT_SHARE, REFIT_HELD_OUT / max(1, examples))), 4)


def refit_values(best_epochs: list[int]) -> dict:
    """A trial's config, trained once more to be final: for the median of the epochs its trial kept (over its
    folds), to the last epoch. Early stopping and plateau cuts would choose again on the sliver: off."""
    return {"train.epochs": max(1, round(statistics.median(best_epochs))), "train.checkpoint_monitor": "loss",
            "train.early_stopping.enabled": False, "train.reduce_lr_on_plateau.enabled": False}


def refit_config(cfg: Config, best_epochs: list[int], examples: int, members: int = 1,
                 multi_label: bool = False) -> Config:
    """The winner's config for its final training: on all but a sliver of the ``examples`` non-test texts
    (``refit_share``), as ``refit_values`` says; ``members`` such trainings, averaged (``train.ensemble``).

    The search has chosen the settings and the epoch count; the texts its trial held out to choose them
    are worth more as training data (benchmarks/RESULTS.md, "Design measurements"). A normal config:
    ``textclf train`` reruns it.
    """
    raw = cfg.model_dump(mode="json")
    raw["data"]["validation_split"] = refit_share(examples, multi_label, cfg.data.validation_split)
    raw["train"]["ensemble"] = members
    for key, value in refit_values(best_epochs).items():
        apply_value(raw, key, value)
    return validate(raw, origin=f"{cfg.name} refit")


def encode_choice(value):
    """Optuna's categorical choices must be scalars: other values travel as their JSON text."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else "json:" + json.dumps(value)


def _decode(value):
    return json.loads(value[5:]) if isinstance(value, str) and value.startswith("json:") else value


def _suggest(trial, name: str, value):
    if is_range(value):
        kind, (low, high) = next(iter(value.items()))
        if kind == "int":
            return trial.suggest_int(name, low, high)
        return trial.suggest_float(name, low, high, log=kind == "log_uniform")
    if isinstance(value, list):
        return _decode(trial.suggest_categorical(name, [encode_choice(v) for v in value]))
    return value


def param_name(key: str, model_type: str, space: SearchConfig) -> str:
    """Per-model keys get their own Optuna parameter: the same key may range differently per model type (a
    model type's own value of a key searched for every model, too)."""
    return key if key in space.space and key not in space.per_model.get(model_type, {}) else f"{model_type}:{key}"


def trial_values(trial, raw: dict, space: SearchConfig) -> dict:
    """The values an Optuna trial proposes for every key of the space, its model type's own keys included; a key
    its model type sets itself is not drawn from the shared range (which may not hold its value)."""
    values = {}
    if "model.type" in space.space:
        values["model.type"] = _suggest(trial, "model.type", space.space["model.type"])
    model_type = values.get("model.type", raw.get("model", {}).get("type"))
    own = space.per_model.get(model_type, {})
    for key, value in space.space.items():
        if key not in values and key not in own:
            values[key] = _suggest(trial, key, value)
    for key, value in own.items():
        values[key] = _suggest(trial, param_name(key, model_type, space), value)
    return values


def with_config_first(raw: dict, origin: str) -> dict:
    """``raw``'s search section (the default space, given to a config without one) with the config's own model
    and values as its first trial, each value joining its key's choices (or range) where the space lacks it:
    tune never ends below the config it was given for not having tried it."""
    dump = validate({key: value for key, value in raw.items() if key != "search"}, origin=origin).model_dump(
        mode="json")
    search, model_type, values = copy.deepcopy(raw["search"]), dump["model"]["type"], {}
    for section in (search.get("space", {}), search.get("per_model", {}).get(model_type, {})):
        for key, choices in section.items():
            value = _value_at(dump, key)
            if isinstance(choices, list):
                section[key] = choices if value in choices else [*choices, value]
            elif is_range(choices):
                kind, (low, high) = next(iter(choices.items()))
                section[key] = {kind: [min(low, value), max(high, value)]}
            elif value != choices:  # a model type's fixed value: the config's own becomes a second choice
                section[key] = [choices, value]
            values[key] = value
    search["first"] = [values, *[first for first in search.get("first", []) if first != values]]
    return search


def _value_at(dump: dict, key: str):
    value = dump
    for part in key.split("."):
        value = value[part]
    return value


def search_config(target: Path, overrides: list[str], output_dir: str | None) -> tuple[Config, dict]:
    """The validated config to tune and its raw mapping: a config with its ``search:`` (or the default space's,
    where it has none), or data with the default space."""
    if not target.exists():
        raise TextclfError(f"{target}: no such config or data file")
    is_config = target.suffix in (".yaml", ".yml")
    if not is_config and not DEFAULT_SPACE.is_file():
        raise TextclfError(f"{DEFAULT_SPACE}: the default search space is missing; "
                           "pass a config with a search: section")
    raw = read_yaml(target if is_config else DEFAULT_SPACE)
    own_first = is_config and "search" not in raw and DEFAULT_SPACE.is_file()
    if own_first:  # its data and training, the default space
        raw["search"] = read_yaml(DEFAULT_SPACE)["search"]
    if not is_config:
        raw.setdefault("data", {}).update(source=source_of(target), path=str(target.resolve()))
        stem = re.sub(r"[^A-Za-z0-9_.-]", "-", target.name.split(".")[0]) or "data"
        raw["name"] = stem if stem[0].isalnum() else f"data{stem}"  # the study's folder: tune-<data file name>
    for assignment in overrides:
        apply_override(raw, assignment)
    if output_dir is not None:
        raw["output_dir"] = output_dir
    if own_first:
        raw["search"] = with_config_first(raw, str(target))
    data = raw.setdefault("data", {})
    if isinstance(data, dict) and data.get("stream", "auto") == "auto":
        data["stream"] = False  # trials share one read held in memory, however large the table
    cfg = validate(raw, origin=str(target))
    if cfg.search is None:
        raise TextclfError(f"{target}: the config has no search: section (see configs/search/default.yaml)")
    raw["search"]["metric"] = cfg.search.metric  # as the schema settled it: each trial's config logs it
    return cfg, raw
