"""The config schema: the one source of truth for every setting, its default and every rule between settings.

A YAML file is read once, overrides are applied to the raw mapping, and the
result is validated into frozen pydantic objects (``loading``). Every
cross-field rule lives here, so ``--dry-run`` refuses what ``train`` would.
Nothing here imports TensorFlow, so validating a config is instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field, PositiveInt, model_validator

from textclf import files
from textclf.config.ensemble_members import EnsembleMember
from textclf.config.model_sections import ModelConfig, RuleError, Strict
from textclf.config.search_space import SearchConfig, with_metric_logged
from textclf.errors import TextclfError

Monitor = Literal["val_loss", "val_accuracy", "val_auc", "val_f1", "val_macro_f1", "loss", "accuracy", "auc", "f1",
                  "macro_f1"]
TrainMetric = Literal["accuracy", "auc", "f1", "macro_f1"]


def higher_is_better(monitor: str) -> bool:
    """Whether a larger value of a logged quantity (``val_auc``, ``loss``…) is better."""
    return monitor.removeprefix("val_") in ("accuracy", "auc", "f1", "macro_f1")


def declares_multi_label(task: Any, separator: Any) -> bool:
    """Whether data settings say the texts hold several labels: ``data.task: multi_label``, or a label separator
    under ``auto``. The one place a config answers "multi-label?" (``DataConfig.multi_label``; the raw mapping's
    rules below, before it is validated; the label format of a table). A loaded model answers through its head
    (``Head.of_model``), read data through its labels (``Split.multi_label``)."""
    return task == "multi_label" or (task == "auto" and separator is not None)


# data.stream: auto streams single-label .csv/.tsv tables larger than this: held in memory, a table takes
# about ten times its size (benchmarks/RESULTS.md, "scale"), and streamed it trains as fast from here on.
AUTO_STREAM_BYTES = 512 * 2**20
GZIP_RATIO = 4  # a gzip-compressed table's text: about four times the file


def _large_table(raw: dict) -> bool:
    """``data.stream: auto``: whether the data is a table that can stream (single-label .csv or .tsv; JSONL may
    hold label lists) and is larger than ``AUTO_STREAM_BYTES``. Unreadable paths are left to the path checks."""
    if raw.get("source") != "csv" or declares_multi_label(raw.get("task", "auto"), raw.get("label_separator")):
        return False
    total = 0
    for field in ("path", "test_path"):
        value = raw.get(field)
        if not isinstance(value, str):
            continue
        try:
            paths = files.matching(value, f"data.{field}") if files.is_pattern(value) else [Path(value).expanduser()]
            for path in paths:
                kind = path.name.removesuffix(".gz").rsplit(".", 1)[-1].lower()
                if kind not in ("csv", "tsv"):
                    return False
                total += path.stat().st_size * (GZIP_RATIO if path.name.endswith(".gz") else 1)
        except (TextclfError, OSError):
            return False
    return total > AUTO_STREAM_BYTES


class DataConfig(Strict):
    source: Literal["imdb", "csv", "directory"] = "imdb"
    path: str | None = None
    test_path: str | None = None
    test_split: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.2
    text_column: Annotated[str, Field(min_length=1)] = "text"
    label_column: Annotated[str, Field(min_length=1)] = "label"
    split: Literal["word", "character"] = "word"
    # strip: punctuation marks are dropped, as Keras' TextVectorization does; keep: each is a word of its own
    punctuation: Literal["strip", "keep"] = "strip"
    vocab_size: Annotated[int, Field(ge=3, le=50_000_000)] = 10_000
    maxlen: Annotated[int, Field(ge=1, le=100_000)] = 200
    padding: Literal["pre", "post"] = "pre"
    truncating: Literal["pre", "post"] = "pre"
    output_mode: Literal["multi_hot", "count", "tf_idf"] = "multi_hot"
    ngrams: Annotated[int, Field(ge=1, le=3)] = 1
    # bag models: each word's character n-grams of these sizes too, e.g. [2, 5] (char_ngrams.py); auto: [2, 4]
    # where the training texts average under char_ngrams.SHORT_TEXT_WORDS words (phrases), else none
    char_ngrams: Union[tuple[Annotated[int, Field(ge=1, le=8)], Annotated[int, Field(ge=1, le=8)]],
                       Literal["auto"], None] = None
    validation_split: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.2
    # one label per text: test and validation texts drawn class by class, so a rare class lands in each split
    stratify: bool = True
    # a row whose text is empty once stripped: skip it (a warning counts them), or refuse the data (error)
    empty_text: Literal["skip", "error"] = "skip"
    limit: PositiveInt | None = None
    # single_label: one label per text; multi_label: any number (label_separator, or a JSONL list);
    # auto: multi_label when some row holds several
    task: Literal["auto", "single_label", "multi_label"] = "auto"
    label_separator: Annotated[str, Field(min_length=1)] | None = None  # "|" or ",": several labels in one field
    label_names: Optional[list[Annotated[str, Field(min_length=1)]]] = None  # labels are ids 0, 1, … into this list
    columns: Optional[list[Annotated[str, Field(min_length=1)]]] = None  # the column names of a table without a header
    cache: bool = False  # keep the vocabulary and vectorized splits in <output_dir>/.cache/features for the next run
    # csv: read the files each epoch instead of holding every text (stream.py); auto: true for tables
    # larger than AUTO_STREAM_BYTES that can stream, decided when the config is read (it is then a bool)
    stream: Union[bool, Literal["auto"]] = "auto"
    vocabulary_sample: PositiveInt = 100_000  # stream: training texts the vocabulary is learned from

    @property
    def multi_label(self) -> bool:
        """Whether the settings declare several labels per text (``declares_multi_label``); under ``task: auto``
        without a separator the data decides, when it is read."""
        return declares_multi_label(self.task, self.label_separator)

    @model_validator(mode="before")
    @classmethod
    def _stream_when_large(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and raw.get("stream", "auto") == "auto":
            return {**raw, "stream": _large_table(raw)}
        return raw

    @model_validator(mode="after")
    def _source_needs(self) -> DataConfig:
        if self.source == "imdb" and self.test_path is not None:
            raise RuleError("test_path", "only for source csv or directory (IMDB has its own test split)")
        for key in ("label_separator", "label_names", "columns"):
            if getattr(self, key) is not None and self.source != "csv":
                raise RuleError(key, "only for source csv (a table's label column)")
        if self.stream and self.source != "csv":
            raise RuleError("stream", "only for source csv (.csv, .tsv or .jsonl files, gzip-compressed or not)")
        if self.stream and self.multi_label:
            raise RuleError("stream", "not with data.task multi_label yet")
        if isinstance(self.char_ngrams, tuple) and self.char_ngrams[0] > self.char_ngrams[1]:
            raise RuleError("char_ngrams", f"[smallest, largest]: {list(self.char_ngrams)} is the wrong way round")
        if self.char_ngrams is not None and self.split == "character":
            raise RuleError("char_ngrams", "only with split word (character n-grams of words)")
        if self.label_names is not None and len(set(self.label_names)) != len(self.label_names):
            raise RuleError("label_names", "holds a name twice")
        if self.source != "imdb" and self.path is None:
            raise RuleError("path", f"required for source {self.source} (a file or folder of labeled texts); "
                                    "pass --data PATH")
        return self


class EarlyStoppingConfig(Strict):
    enabled: bool = True
    monitor: Monitor = "val_loss"
    patience: Annotated[int, Field(ge=0)] = 2
    min_delta: Annotated[float, Field(ge=0.0)] = 0.0


class ReduceLROnPlateauConfig(Strict):
    enabled: bool = True
    monitor: Monitor = "val_loss"
    factor: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    patience: Annotated[int, Field(ge=0)] = 1
    min_lr: Annotated[float, Field(ge=0.0)] = 1e-6


class TrainConfig(Strict):
    # lazy_adam: Adam that updates only the table rows a batch touches (bag models' large tables)
    optimizer: Literal["adam", "lazy_adam", "adamw", "adagrad", "rmsprop", "sgd"] = "adam"
    learning_rate: Annotated[float, Field(gt=0.0, le=10.0)] = 1e-3
    batch_size: Annotated[int, Field(ge=1, le=65_536)] = 128
    epochs: Annotated[int, Field(ge=1, le=10_000)] = 10
    early_stopping: EarlyStoppingConfig = EarlyStoppingConfig()
    reduce_lr_on_plateau: ReduceLROnPlateauConfig = ReduceLROnPlateauConfig()
    checkpoint_monitor: Monitor = "val_loss"
    class_weight: Literal["none", "balanced"] = "none"  # balanced: weight each class by n / (classes × count)
    deterministic: bool = False  # TensorFlow op determinism: reproducible to the bit, somewhat slower
    mixed_precision: bool = False  # float16 compute, float32 weights and output: for GPUs; slower on CPU
    distribute: Literal["none", "mirrored", "multi_worker"] = "none"
    devices: Optional[list[Annotated[str, Field(min_length=1)]]] = None  # mirrored: e.g. ["/gpu:0", "/gpu:1"]
    metrics: list[TrainMetric] = ["accuracy"]  # logged per epoch (and val_…); accuracy always is
    # constant, or Keras' CosineDecay over all training steps (warmup_cosine: the first 10% rise from 0)
    lr_schedule: Literal["constant", "cosine", "warmup_cosine"] = "constant"
    # multi-label: a label applies above its threshold; tuned: per label, for the best F1 on validation
    threshold: Union[Literal["tuned"], Annotated[float, Field(gt=0.0, lt=1.0)]] = "tuned"
    # temperature: after training, one temperature fitted on the validation split divides the logits (Guo et
    # al., 2017), so that probabilities mean what they say; auto: that, for one label per text; none: off
    calibrate: Literal["auto", "temperature", "none"] = "auto"
    # members trained with seeds seed … seed + ensemble − 1, their probabilities averaged (``ensemble.py``)
    ensemble: Annotated[int, Field(ge=1, le=10)] = 1
    # members of different configs, with weights (``ensemble_members``); train.ensemble is then their count
    members: Annotated[list[EnsembleMember], Field(max_length=10)] = []

    @model_validator(mode="before")
    @classmethod
    def _schedule_replaces_plateau(cls, raw: Any) -> Any:
        """A schedule sets the rate every step, so a plateau cut cannot apply: off unless asked for (an error)."""
        if not isinstance(raw, dict) or raw.get("lr_schedule", "constant") == "constant":
            return raw
        plateau = raw.get("reduce_lr_on_plateau")
        if plateau is None:
            return {**raw, "reduce_lr_on_plateau": {"enabled": False}}
        if isinstance(plateau, dict) and plateau.get("enabled", True):
            raise RuleError("lr_schedule", f"{raw['lr_schedule']!r} sets the learning rate itself; it cannot be "
                                           "combined with reduce_lr_on_plateau (set its enabled: false)")
        return raw

    @model_validator(mode="after")
    def _class_weight_is_local(self) -> TrainConfig:
        if self.class_weight != "none" and self.distribute == "multi_worker":
            raise RuleError("class_weight", "not supported with train.distribute: multi_worker")
        return self

    @model_validator(mode="after")
    def _members_are_the_ensemble(self) -> TrainConfig:
        if self.members and self.ensemble not in (1, len(self.members)):
            raise RuleError("ensemble", f"{self.ensemble}, but train.members lists {len(self.members)}; "
                                        "leave train.ensemble out")
        if self.members:
            object.__setattr__(self, "ensemble", len(self.members))
        return self

    @model_validator(mode="after")
    def _monitors_are_logged(self) -> TrainConfig:
        if "accuracy" not in self.metrics or len(set(self.metrics)) != len(self.metrics):
            object.__setattr__(self, "metrics", ["accuracy", *dict.fromkeys(m for m in self.metrics
                                                                            if m != "accuracy")])
        for key, monitor in (("checkpoint_monitor", self.checkpoint_monitor),
                             ("early_stopping.monitor", self.early_stopping.monitor),
                             ("reduce_lr_on_plateau.monitor", self.reduce_lr_on_plateau.monitor)):
            name = monitor.removeprefix("val_")
            if name not in ("loss", *self.metrics):
                raise RuleError(key, f"{monitor!r} is not logged; add {name} to train.metrics")
        return self


class Config(Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]
    search: Optional[SearchConfig] = None  # what `textclf tune` varies; `train` ignores it
    seed: Annotated[int, Field(ge=0, lt=2**32)] = 42
    data: DataConfig = DataConfig()
    model: ModelConfig
    train: TrainConfig = TrainConfig()
    output_dir: str = "outputs"

    @property
    def sharded(self) -> bool:
        """Whether each worker reads only its share of the files: a stream under ``multi_worker``."""
        return self.data.stream and self.train.distribute == "multi_worker"

    @model_validator(mode="before")
    @classmethod
    def _multi_label_defaults(cls, raw: Any) -> Any:
        """Multi-label data is judged by micro-F1, not accuracy: unless set, it picks the best epoch and stops.

        Multi-label: ``data.task: multi_label``, or a label separator under
        ``auto`` (the data is then multi-label, or the separator an error).
        """
        data, train = (raw.get(key) if isinstance(raw, dict) else None for key in ("data", "train"))
        if not isinstance(data, dict) or not isinstance(train or {}, dict):
            return raw
        if not declares_multi_label(data.get("task", "auto"), data.get("label_separator")):
            return raw
        train = dict(train or {})
        stopping = train.get("early_stopping", {})
        if isinstance(stopping, dict) and "monitor" not in stopping:
            train["early_stopping"] = {**stopping, "monitor": "val_f1"}
        train.setdefault("checkpoint_monitor", "val_f1")
        metrics = train.get("metrics", ["accuracy"])
        if isinstance(metrics, list) and "f1" not in metrics:
            train["metrics"] = [*metrics, "f1"]
        return {**raw, "train": train}

    @model_validator(mode="before")
    @classmethod
    def _search_metric_is_logged(cls, raw: Any) -> Any:
        """Multi-label data is searched by macro-F1 unless said (accuracy counts right (text, label) pairs);
        the trainings log the metric their search compares."""
        search, data = (raw.get(key) if isinstance(raw, dict) else None for key in ("search", "data"))
        if isinstance(search, dict) and "metric" not in search and isinstance(data, dict) and \
                declares_multi_label(data.get("task", "auto"), data.get("label_separator")):
            raw = {**raw, "search": {**search, "metric": "val_macro_f1"}}
        return with_metric_logged(raw)

    @model_validator(mode="after")
    def _data_fits_model_and_training(self) -> Config:
        if self.data.char_ngrams is not None and self.model.input_kind != "bag":
            raise RuleError("data.char_ngrams", f"only for bag models; {self.model.type} reads token sequences")
        if self.train.ensemble > 1 and (self.data.stream or self.train.distribute != "none"):
            raise RuleError("train.ensemble", "members are trained one after another on data held in memory: "
                                              "not with data.stream or train.distribute")
        if self.train.calibrate == "temperature" and self.data.multi_label:
            raise RuleError("train.calibrate", "temperature scaling fits one label per text; a multi-label run "
                                               "decides by its tuned thresholds: leave it at auto")
        if self.sharded and self.train.metrics != ["accuracy"]:
            raise RuleError("train.metrics", "a streamed multi_worker run scores accuracy (and loss) only: each "
                                             "worker scores its share, and these two add up across shares")
        return self


