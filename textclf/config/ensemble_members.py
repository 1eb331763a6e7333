"""``train.members``: an ensemble of different configs, each member a set of dotted values over the run's own
config, with a weight.

``textclf tune`` writes one when ensemble selection picks several trials
(``tuning.selection``): each member is a trial's values plus its refit, and
``textclf train`` retrains it as any config. Members share the run's one read
of the data and its test split, so they may change how texts become features
(``FEATURE_SETTINGS``) but not which texts are read or how they are split.
Pure Python; the loader validates every member's config (``check``).
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

from pydantic import Field

from textclf.config.model_sections import Strict
from textclf.config.search_space import trial_config
from textclf.errors import TextclfError

# The data settings that shape features but not the texts read and their split.
FEATURE_SETTINGS = frozenset({"split", "punctuation", "vocab_size", "maxlen", "padding", "truncating", "output_mode",
                              "ngrams", "char_ngrams", "cache"})
_RUN_WIDE = ("name", "seed", "output_dir", "search", "train.members", "train.ensemble")


class EnsembleMember(Strict):
    weight: Annotated[float, Field(gt=0.0, le=1e6)]  # relative: the model averages by weight / sum of weights
    set: dict[str, Any] = {}  # dotted config keys, as a search trial's values (a new model.type: a fresh model)


def member_raw(raw: dict[str, Any], index: int) -> dict[str, Any]:
    """Member ``index``'s raw config: the run's, without members, seeded ``seed + index``, with its values."""
    base = copy.deepcopy(raw)
    members = base.get("train", {}).get("members") or []
    base["train"] = {**base.get("train", {}), "members": [], "ensemble": 1}
    base["seed"] = int(base.get("seed", 42)) + index
    return trial_config(base, members[index].get("set") or {})


def check(raw: dict[str, Any], count: int, validate) -> None:
    """Every member's values are keys a member may set, and make a valid config (``validate`` handed in)."""
    for index in range(count):
        where = f"train.members[{index}]"
        values = raw["train"]["members"][index].get("set") or {}
        for key in values:
            section, _, name = key.partition(".")
            if key in _RUN_WIDE or (section == "data" and name not in FEATURE_SETTINGS):
                raise TextclfError(f"{where}.set: {key!r} is the whole ensemble's (members share one read of the "
                                   f"data and its split); a member sets model.*, train.* or data.{{"
                                   f"{', '.join(sorted(FEATURE_SETTINGS))}}}")
        validate(member_raw(raw, index), origin=where)
