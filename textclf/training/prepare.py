"""Data stage: the run's texts read and split, the vocabulary learned, train and validation batched.

``read_data`` settles what the config leaves to the training texts;
``prepare_data`` hands the later steps a ``Prepared``: the vectorizer, the
batches, and what the model's data-made weights (NB ratios) need. The test
split waits until training has let its data go (``Prepared.test_set``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from textclf import faults
from textclf.config import Config
from textclf.data import label_sets, splits, stream
from textclf.data.read_ahead import ReadAhead
from textclf.features import char_ngrams, featurize, inputs
from textclf.features.bag_input import BagInput
from textclf.features.feature_cache import FeatureCache
from textclf.features.inputs import EVALUATION_BATCH
from textclf.features.sequence_input import SequenceInput
from textclf.model.head import Head
from textclf.runs import rundir
from textclf.training import distribute, run_record


@dataclass(frozen=True)
class Prepared:
    """The data, ready to train on: what ``prepare_data`` hands the later steps."""

    corpus: splits.Corpus
    kind: BagInput | SequenceInput  # inputs.of(cfg.model)
    vectorizer: keras.layers.TextVectorization
    train_features: object  # kept for weights that come from the data (NB ratios); None once trained
    train_ds: tf.data.Dataset | None
    val_ds: tf.data.Dataset
    steps: int  # training batches per epoch
    cache: FeatureCache | None = None  # data.cache: where the vectorized splits are kept
    cached_test: object = None  # the test split's features, read from the cache

    @property
    def num_classes(self) -> int:
        return len(self.corpus.class_names)

    @property
    def head(self) -> Head:
        return Head(self.num_classes, self.corpus.train.multi_label)

    def ratio_data(self, cfg: Config) -> tuple:
        """Training bags and their labels for NB ratios: the training split's, or a stream's sample's."""
        if not self.corpus.streamed:
            return self.train_features, self.corpus.train.labels
        sample = self.corpus.sample
        if self.cache is not None:
            return self.cache.sample_features(self.vectorizer, sample, cfg.data)
        return self.kind.encode(self.vectorizer, sample.texts, cfg.data, "vectorizing the sample"), sample.labels

    def test_set(self, cfg: Config) -> tf.data.Dataset:
        """The test batches: streamed, from the cache, or vectorized now (and then kept in the cache)."""
        if self.corpus.streamed:
            return stream.datasets(self.corpus, "test", self.kind, self.vectorizer, EVALUATION_BATCH, cfg.data,
                                   cache=self.cache)
        features = self.cached_test
        if features is None:
            features = self.kind.encode(self.vectorizer, self.corpus.test.texts, cfg.data, "vectorizing test")
            if self.cache is not None:
                self.cache.add("test", features)
        return _scoring(self.kind, features, self.corpus.test, cfg)

    def trained(self) -> Prepared:
        """The same without the training data, whose memory the test split can then use."""
        return dataclasses.replace(self, train_features=None, train_ds=None)


def _scoring(kind, features, split, cfg: Config) -> tf.data.Dataset:
    """Validation or test batches: batched as ``predict`` batches, never shuffled."""
    return kind.dataset(features, _targets(split), EVALUATION_BATCH, cfg.data)


def _targets(split) -> np.ndarray:
    """What the loss compares outputs with: class numbers, or (multi-label) a float 0/1 row per text."""
    return split.labels.astype(np.float32) if split.multi_label else split.labels


def batches(dataset) -> int | None:
    """Batches per epoch, where tf.data knows it without a pass (not for length-bucketed sequences)."""
    count = int(dataset.cardinality())
    return count if count > 0 else None


def _record_data(cfg: Config, run_dir: Path, corpus: splits.Corpus, vectorizer, resuming: bool, strategy) -> None:
    """``run.json`` learns the data and vocabulary; a resumed run checks they are the ones it started with."""
    info = run_record.data_info(cfg, corpus, vectorizer)
    if resuming:
        run_record.check_same_data(run_dir, info)
    else:
        rundir.update_run_info(run_dir, data=info, class_names=list(corpus.class_names))
    rundir.update_run_info(run_dir, distribute={"strategy": cfg.train.distribute,
                                                "replicas": strategy.num_replicas_in_sync})


def corpus_of(cfg: Config, given: splits.Corpus | ReadAhead | None, strategy=None) -> splits.Corpus:
    """The run's texts, split: given, being read ahead, or read now (a streaming worker: its share)."""
    if isinstance(given, ReadAhead):
        corpus = given.result()
    else:
        share = distribute.share(strategy, cfg.output_dir) if cfg.sharded else None
        corpus = given or splits.load_corpus(cfg.data, cfg.seed, share)
    faults.kill_point("reading")
    return corpus


def read_data(cfg: Config, run_dir: Path, given: splits.Corpus | ReadAhead | None,
              strategy) -> tuple[Config, splits.Corpus]:
    """Read and split the texts; settle what the config leaves to the training texts (``char_ngrams.decide``),
    and say so in the output and in ``run.json``."""
    corpus = corpus_of(cfg, given, strategy)
    if corpus.train.multi_label:
        print(label_sets.summary(corpus.train.labels), flush=True)
    cfg, decided = char_ngrams.decide(cfg, corpus.sample.texts if corpus.streamed else corpus.train.texts)
    if decided:
        print("decided from the data: " + ", ".join(f"{key} {value}" for key, value in decided.items()), flush=True)
        rundir.update_run_info(run_dir, decided=decided)
    return cfg, corpus


def prepare_data(cfg: Config, corpus: splits.Corpus, run_dir: Path, resuming: bool, strategy) -> Prepared:
    """Learn the vocabulary from the training split, vectorize train and validation.

    The test split is vectorized by ``finalize``, once the training data is let go.
    """
    kind = inputs.of(cfg.model)
    vectorizer = kind.vectorizer(cfg.data)
    if corpus.streamed:
        return _prepare_stream(cfg, run_dir, corpus, kind, vectorizer, resuming, strategy)
    cache = FeatureCache(cfg, kind, corpus) if cfg.data.cache else None
    features = _vectorized(cfg, corpus, kind, vectorizer, cache)
    _record_data(cfg, run_dir, corpus, vectorizer, resuming, strategy)
    train_ds = kind.dataset(features["train"], _targets(corpus.train), cfg.train.batch_size, cfg.data, cfg.seed)
    steps = batches(train_ds) or -(-len(corpus.train) // cfg.train.batch_size)  # bucketed: about that many
    val_ds = _scoring(kind, features["validation"], corpus.validation, cfg)
    return Prepared(corpus, kind, vectorizer, features["train"], train_ds, val_ds, steps, cache, features.get("test"))


def _prepare_stream(cfg: Config, run_dir: Path, corpus, kind, vectorizer, resuming: bool, strategy) -> Prepared:
    """Streamed data: the vocabulary learned from the training sample; batches read and vectorized each epoch,
    or (``data.cache``) vectorized once into the cache, vocabulary included, and read from there."""
    cache = FeatureCache(cfg, kind, corpus) if cfg.data.cache else None
    if cache is not None and cache.load(vectorizer) is not None:
        print(f"vocabulary: reused from {cache.folder}", flush=True)
    else:
        featurize.adapt(vectorizer, corpus.sample.texts, cfg.data, kind)
        if cache is not None:
            cache.save(vectorizer, {})
    _record_data(cfg, run_dir, corpus, vectorizer, resuming, strategy)
    train_ds = stream.datasets(corpus, "train", kind, vectorizer, cfg.train.batch_size, cfg.data, cfg.seed, cache)
    val_ds = stream.datasets(corpus, "validation", kind, vectorizer, EVALUATION_BATCH, cfg.data, cache=cache)
    steps = batches(train_ds) or -(-len(corpus.train) // cfg.train.batch_size)  # cached: a partial batch a block
    if cfg.sharded:  # each worker takes as many batches as the smallest share makes
        steps = corpus.even_batches("train", cfg.train.batch_size)
        train_ds, val_ds = train_ds.take(steps), val_ds.take(corpus.even_batches("validation", EVALUATION_BATCH))
    return Prepared(corpus, kind, vectorizer, None, train_ds, val_ds, steps, cache)


def _vectorized(cfg: Config, corpus: splits.Corpus, kind, vectorizer, cache: FeatureCache | None) -> dict:
    """The training and validation features (and the test split's, if cached), the vocabulary learned or read
    from ``data.cache``; a new vocabulary's features are then kept there."""
    cached = cache.load(vectorizer) if cache is not None else None
    if cached is not None:
        print(f"vectorized features: reused from {cache.folder}", flush=True)
        return cached
    featurize.adapt(vectorizer, corpus.train.texts, cfg.data, kind)
    features = {name: kind.encode(vectorizer, getattr(corpus, name).texts, cfg.data, f"vectorizing {name}")
                for name in ("train", "validation")}
    if cache is not None:
        cache.save(vectorizer, features)
    return features
