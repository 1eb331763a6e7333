"""A config from its file to a frozen ``Config``: read, overridden, validated, and every error in one line.

Pydantic reports a list of errors with locations; a user wants the first one,
named by its dotted key, with a did-you-mean for a misspelt key. ``--dry-run``
and ``train`` both come through ``load_config``, so they refuse the same configs.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from textclf import files
from textclf.config import ensemble_members, search_space
from textclf.config.model_sections import MODEL_CONFIGS, RuleError
from textclf.config.overrides import apply_override, assign, source_of
from textclf.config.safe_yaml import quoted, read_yaml
from textclf.config.schema import Config
from textclf.errors import TextclfError

SOURCE_KINDS = {"imdb": "the IMDB archive or its folder", "csv": "a table (.csv, .tsv or .jsonl)",
                "directory": "a folder (of class folders)"}


def _fields_at(loc: tuple, root: type[BaseModel] = Config) -> list[str]:
    """The valid keys of the section a validation error points into."""
    cls: type[BaseModel] | None = root
    for part in loc:
        if cls is Config and part == "model":
            return []
        field = cls.model_fields.get(part) if cls else None
        annotation = getattr(field, "annotation", None)
        sections = [annotation, *typing.get_args(annotation)]  # an optional section: Optional[SearchConfig]
        cls = next((kind for kind in sections if isinstance(kind, type) and issubclass(kind, BaseModel)), None)
    return list(cls.model_fields) if cls else []


def _describe(error: dict, raw: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    if len(loc) >= 2 and loc[0] == "model" and loc[1] in MODEL_CONFIGS:
        model_cls, loc = MODEL_CONFIGS[loc[1]], ("model",) + loc[2:]
    else:
        model_cls = None
    field = ".".join(str(p) for p in loc) or "config"
    kind = error["type"]
    if kind == "union_tag_invalid":
        return f"model.type: unknown model type {error['ctx']['tag']!r}; valid types: {', '.join(MODEL_CONFIGS)}"
    if kind == "union_tag_not_found":
        return f"model.type: missing; valid types: {', '.join(MODEL_CONFIGS)}"
    if kind == "extra_forbidden":
        valid = _fields_at(loc[1:-1], model_cls) if model_cls else _fields_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(valid)}"
        return f"{field}: unknown key{hint}"
    if kind == "missing":
        return f"{field}: required key is missing"
    rule = (error.get("ctx") or {}).get("error")
    if isinstance(rule, RuleError):  # a rule of the whole config names its keys in full
        return f"{field}.{rule.key}: {rule.message}" if loc else f"{rule.key}: {rule.message}"
    return f"{field}: {error['msg']} (got {quoted(repr(error['input']))})"


def validate(raw: dict[str, Any], origin: str = "config") -> Config:
    """Validate a raw mapping into a frozen :class:`Config`."""
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        misspelt = [e for e in errors if e["type"] == "extra_forbidden"]  # explains a "missing" key too
        raise TextclfError(f"{origin}: {_describe((misspelt or errors)[0], raw)}") from None
    if cfg.search is not None:
        search_space.check(raw, cfg.search, validate)
    if cfg.train.members:
        ensemble_members.check(raw, len(cfg.train.members), validate)
    return cfg


def load_config(
    path: Path,
    overrides: list[str] = (),
    data_path: str | None = None,
    output_dir: str | None = None,
) -> Config:
    """Read, override and validate a config file: the only way configs enter textclf.

    ``--data`` sets ``data.path`` and the source its path names (``source_of``): a shipped IMDB config
    trains on a table as it is.
    """
    raw = read_yaml(Path(path))
    for assignment in overrides:
        apply_override(raw, assignment)
    if data_path is not None:
        location = Path(data_path).expanduser()
        assign(raw, "data.path", str(location if files.is_pattern(data_path) else location.resolve()), "--data")
        assign(raw, "data.source", source_of(location), "--data")
    if output_dir is not None:
        raw["output_dir"] = output_dir
    cfg = validate(raw, origin=str(path))
    for field, value in (("data.path", cfg.data.path), ("data.test_path", cfg.data.test_path)):
        if value is None:  # --dry-run says so too, before any work
            continue
        if files.is_pattern(value):
            files.matching(value, field)
        elif not Path(value).expanduser().exists():
            raise TextclfError(f"{field}: {value} does not exist")
    _check_source_fits(cfg)
    return cfg


def _check_source_fits(cfg: Config) -> None:
    """A path of another kind than ``data.source`` reads (a table for IMDB, a folder for a table) is refused
    now, saying which ``--set`` fixes it, rather than failing inside a reader with a stranger message."""
    if cfg.data.path is None:
        return
    named = source_of(Path(cfg.data.path).expanduser())
    if named != cfg.data.source and {named, cfg.data.source} != {"directory", "imdb"}:  # folders: either reads
        raise TextclfError(f"data.source: {cfg.data.source}, but data.path {cfg.data.path} is {SOURCE_KINDS[named]}; "
                           f"--set data.source={named} (or pass the path with --data, which sets both)")


def to_yaml(cfg: Config) -> str:
    """The fully resolved config, every default written out, as YAML."""
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
