"""The ``search:`` section of a config: what ``textclf tune`` may vary, checked by the config schema itself.

A key is a dotted config path. Its value is a list of choices, a range
(``{uniform: [lo, hi]}``, ``{log_uniform: [lo, hi]}``, ``{int: [lo, hi]}``)
or, under ``per_model``, a fixed value for that model type. Every choice and
both ends of every range are validated by building a config with them, so a
misspelt key or an impossible value fails at load time (``--dry-run`` too),
not in the middle of a search. Pure Python: no TensorFlow; Optuna's trials are
only handed in (``trial_values``).
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from textclf.errors import TextclfError

if TYPE_CHECKING:
    from textclf.config import Config

RANGES = ("uniform", "log_uniform", "int")
# The winner's final training holds back this share of the non-test texts (at least REFIT_HELD_OUT texts,
# at most REFIT_MAX_SHARE of them): a check on a run that no longer chooses anything by them.
REFIT_SHARE, REFIT_HELD_OUT, REFIT_MAX_SHARE = 0.01, 100, 0.1
AUTO_FOLDS_BELOW = 20_000
DEFAULT_SPACE = Path(__file__).resolve().parent.parent / "configs" / "search" / "default.yaml"


class SearchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    space: dict[str, Any] = {}  # key → choices or a range, for every trial
    per_model: dict[str, dict[str, Any]] = {}  # model type → its own keys (choices, ranges or fixed values)
    first: list[dict[str, Any]] = []  # trials to run first, in order: the ones most likely to win
    metric: Literal["val_accuracy", "val_loss"] = "val_accuracy"
    prune_after: Annotated[int, Field(ge=1)] = 2  # epochs a trial runs before it can be pruned
    # validation folds per trial; auto: 5 below AUTO_FOLDS_BELOW examples (a small validation split is noisy), else 1
    folds: Annotated[int, Field(ge=1, le=10)] | Literal["auto"] = "auto"
    # members of the winner's final training (``train.ensemble``); auto: 3 below AUTO_FOLDS_BELOW examples, else 1
    members: Annotated[int, Field(ge=1, le=10)] | Literal["auto"] = "auto"


def fold_count(search: SearchConfig, examples: int) -> int:
    """How many folds a trial is scored on: ``search.folds``, or 5 for fewer than 20,000 non-test examples."""
    if search.folds != "auto":
        return search.folds
    return 5 if examples < AUTO_FOLDS_BELOW else 1


def member_count(search: SearchConfig, examples: int) -> int:
    """How many members the winner's final training averages: ``search.members``, or 3 for fewer than 20,000
    non-test examples, where one training's luck in its draw and batch order is worth a point (``ensemble.py``)."""
    if search.members != "auto":
        return search.members
    return 3 if examples < AUTO_FOLDS_BELOW else 1


def refit_config(cfg: Config, best_epochs: list[int], examples: int, members: int = 1) -> Config:
    """The winner's config for its final training: on all but a sliver of the ``examples`` non-test texts,
    for the median of the epochs its trial kept (over its folds), to the last epoch; ``members`` such trainings,
    averaged (``train.ensemble``).

    The search has chosen the settings and the epoch count; the texts its trial held out to choose them
    are worth more as training data (benchmarks/RESULTS.md, "Design measurements"). Early stopping and
    plateau cuts would choose again on the sliver, so they are off. A normal config: ``textclf train``
    reruns it.
    """
    from textclf.config import validate  # config.py imports this module

    raw = cfg.model_dump(mode="json")
    share = min(REFIT_MAX_SHARE, max(REFIT_SHARE, REFIT_HELD_OUT / max(1, examples)))
    raw["data"]["validation_split"] = round(share, 4)
    raw["train"].update(epochs=max(1, round(statistics.median(best_epochs))), checkpoint_monitor="loss",
                        ensemble=members)
    raw["train"]["early_stopping"]["enabled"] = False
    raw["train"]["reduce_lr_on_plateau"]["enabled"] = False
    return validate(raw, origin=f"{cfg.name} refit")


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
    """Per-model keys get their own Optuna parameter: the same key may range differently per model type."""
    return key if key in space.space else f"{model_type}:{key}"


def trial_values(trial, raw: dict, space: SearchConfig) -> dict:
    """The values an Optuna trial proposes for every key of the space, its model type's own keys included."""
    values = {key: _suggest(trial, key, value) for key, value in space.space.items()}
    model_type = values.get("model.type", raw.get("model", {}).get("type"))
    for key, value in space.per_model.get(model_type, {}).items():
        values[key] = _suggest(trial, param_name(key, model_type, space), value)
    return values


def model_types(raw_config: dict[str, Any], search: SearchConfig) -> list[str]:
    """The model types trials can have: the searched ones, or the config's own."""
    searched = search.space.get("model.type")
    if searched is not None:
        return candidates("search.space.model.type", searched, fixed_allowed=False)
    return [raw_config.get("model", {}).get("type")]


def check(raw_config: dict[str, Any], search: SearchConfig, validate) -> None:
    """Validate every choice and range end of ``search`` with the config schema (``validate``)."""
    from textclf.config import apply_value

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
                trial = trial_config(base, {**{"model.type": model_type}, key: candidate}, apply_value)
                validate(trial, origin=f"search.{section}.{key}={candidate!r}")
    for index, first in enumerate(search.first):
        missing = set(first) - set(search.space) - {k for per in search.per_model.values() for k in per}
        if missing:
            raise TextclfError(f"search.first[{index}]: {', '.join(sorted(missing))} not in the search space")


def trial_config(base: dict[str, Any], values: dict[str, Any], apply_value) -> dict[str, Any]:
    """The raw config of one trial: ``base`` with ``values`` set; a new model type starts a fresh model section."""
    import copy

    raw = copy.deepcopy(base)
    model_type = values.get("model.type")
    if model_type is not None and raw.get("model", {}).get("type") != model_type:
        raw["model"] = {"type": model_type}
    raw.pop("search", None)
    for key, value in values.items():
        apply_value(raw, key, value)
    return raw


def _guess_source(path: Path) -> str:
    if path.name.endswith((".tar.gz", ".tgz")) or (path / "train" / "pos").is_dir() or path.name == "aclImdb":
        return "imdb"
    return "directory" if path.is_dir() else "csv"


def search_config(target: Path, overrides: list[str], output_dir: str | None) -> tuple[Config, dict]:
    """The validated config to tune and its raw mapping: a config with ``search:``, or data with the default space."""
    from textclf.config import apply_override, read_yaml, validate

    if not target.exists():
        raise TextclfError(f"{target}: no such config or data file")
    is_config = target.suffix in (".yaml", ".yml")
    if not is_config and not DEFAULT_SPACE.is_file():
        raise TextclfError(f"{DEFAULT_SPACE}: the default search space is missing; "
                           "pass a config with a search: section")
    raw = read_yaml(target if is_config else DEFAULT_SPACE)
    if not is_config:
        raw.setdefault("data", {}).update(source=_guess_source(target), path=str(target.resolve()))
        stem = re.sub(r"[^A-Za-z0-9_.-]", "-", target.name.split(".")[0]) or "data"
        raw["name"] = stem if stem[0].isalnum() else f"data{stem}"  # the study's folder: tune-<data file name>
    for assignment in overrides:
        apply_override(raw, assignment)
    if output_dir is not None:
        raw["output_dir"] = output_dir
    data = raw.setdefault("data", {})
    if isinstance(data, dict) and data.get("stream", "auto") == "auto":
        data["stream"] = False  # trials share one read held in memory, however large the table
    cfg = validate(raw, origin=str(target))
    if cfg.search is None:
        raise TextclfError(f"{target}: the config has no search: section (see configs/search/default.yaml)")
    return cfg, raw
