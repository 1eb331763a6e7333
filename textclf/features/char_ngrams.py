"""Character n-grams of words next to the word n-grams: the split a bag vectorizer uses with ``data.char_ngrams``.

On sentence-length texts most words are seen a handful of times, and a word
met only in testing carries nothing. Its pieces do: "unforgettable" shares
" unf", "forget" and "able " with words seen in training. scikit-learn calls
these ``char_wb`` n-grams (each word padded with a space on either side, no
n-gram crossing words). They lift scikit-learn's TF-IDF + LR and NB-weighted
LR in cross-validation on each of the three sentence sets, but not every
textclf config: ``tune``'s linear trial and phrases (``decide``) get them,
and users may (benchmarks/RESULTS.md, "Design measurements").

``TermSplit`` is the vectorizer's ``split``: it turns a batch of
standardized texts into all of a text's terms at once, so the saved model
stays a raw-string-in Keras model and serving computes the very terms
training counted. The vectorizer then gets ``ngrams=None``.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from textclf.config import Config
from textclf.features import counting
from textclf.features.text_layers import standardize
from textclf.progress import Progress

# Leads every character n-gram: stripping punctuation leaves "#" in no word, so no term is both. With
# data.punctuation keep, "#" is a word of its own, and a word n-gram starting with it ("# tbt") can be the
# same term as a character n-gram (" tbt" marked): two rare features merged, never a broken vocabulary.
MARK = "#"


@keras.saving.register_keras_serializable(package="textclf", name="TermSplit")
class TermSplit:
    """Standardized texts → ragged terms: word n-grams of sizes 1..``ngrams`` joined by a space (as
    TextVectorization joins them), then each word's character n-grams of sizes ``characters[0]``..
    ``characters[1]``, marked. A padded word shorter than an n-gram size gives no n-gram of that size."""

    def __init__(self, ngrams: int = 1, characters=(2, 5)):
        self.ngrams, self.characters = int(ngrams), (int(characters[0]), int(characters[1]))

    def __call__(self, texts):
        words = tf.strings.split(texts)
        word_terms = tf.strings.ngrams(words, ngram_width=tuple(range(1, self.ngrams + 1)), separator=" ")
        padded = tf.strings.join([" ", words.flat_values, " "])
        letters = tf.strings.unicode_split(padded, "UTF-8")
        smallest, largest = self.characters
        pieces = tf.strings.ngrams(letters, ngram_width=tuple(range(smallest, largest + 1)), separator="")
        marked = pieces.with_flat_values(tf.strings.join([MARK, pieces.flat_values]))
        per_text = tf.RaggedTensor.from_row_splits(marked, words.row_splits, validate=False).merge_dims(1, 2)
        return tf.concat([word_terms, per_text], axis=1)

    def get_config(self) -> dict:
        return {"ngrams": self.ngrams, "characters": list(self.characters)}

    @classmethod
    def from_config(cls, config: dict) -> TermSplit:
        return cls(**config)


def string_vocabulary(texts, split, standardizer, limit: int, tf_idf: bool = False) -> counting.Vocabulary:
    """The ``limit`` most frequent terms ``split`` gives the ``standardizer``'s texts, counted as strings: each
    chunk's distinct terms and counts in parallel, merged with one ``unique``; ties broken as Keras does.

    With ``tf_idf``, also each kept term's idf as Keras learns it, from the texts holding it (counted in the
    same pass): Keras' own ``adapt`` dedupes every text in a Python-level ``map_fn``, at about 1,000 texts/s.
    """
    def count(chunk):
        found = split(standardizer(chunk))
        terms, index, counts = tf.unique_with_counts(found.flat_values, out_idx=tf.int64)
        if not tf_idf:  # no document counts to pay for
            return terms, counts, tf.zeros([0], tf.int64)
        size = tf.size(terms, out_type=tf.int64)
        holding = tf.unique(found.value_rowids() * size + index)[0] % size  # each (text, term) once
        return terms, counts, tf.math.bincount(holding, minlength=size, maxlength=size, dtype=tf.int64)

    progress = Progress("learning the vocabulary", total=len(texts), unit="texts")
    distinct, counts, documents = [], [], []
    for done, (terms, found, holding) in counting.map_chunks(count, texts):
        distinct.append(terms)
        counts.append(found.numpy())
        documents.append(holding.numpy())
        progress.update(done)
    terms, index = tf.unique(tf.concat(distinct or [tf.zeros([0], tf.string)], axis=0), out_idx=tf.int64)
    terms, index = terms.numpy(), index.numpy()

    def total(parts):
        return np.bincount(index, np.concatenate(parts or [np.zeros(0, np.int64)]), minlength=len(terms))

    rank = np.empty(len(terms), np.int64)
    rank[np.argsort(terms, kind="stable")] = np.arange(len(terms))  # byte order, as Keras breaks ties
    kept = counting.most_frequent(rank, total(counts).astype(np.int64), max(0, limit))
    idf = np.log(1 + len(texts) / (1 + total(documents)[kept])) if tf_idf else None
    progress.done(f"{len(kept) + 1:,} tokens from {len(texts):,} texts", count=len(texts))
    return counting.Vocabulary(terms[kept], idf)


class TermBags:
    """The bag vectors of a vectorizer whose split is a ``TermSplit``, computed faster: each term looked up
    once, a text's distinct terms found with one ``unique`` over (row, term) keys, counts times idf for
    tf-idf. Keras gives tf-idf as a dense batch, one float per vocabulary term per text; this, only the
    entries. A row's entries come in order of first appearance (``ngram_bags.bag_vectorizer``)."""

    def __init__(self, vectorizer):
        lookup = vectorizer._lookup_layer
        self.split, self.standardize = vectorizer._split, vectorizer._standardize
        self.table, self.mode, self.size = lookup.lookup_table, lookup.output_mode, int(lookup.vocabulary_size())
        self.idf = tf.cast(lookup.idf_weights_const, tf.float32) if self.mode == "tf_idf" else None

    @classmethod
    def of(cls, vectorizer) -> TermBags | None:
        """These bags for ``vectorizer``; None where it is not such a vectorizer with a bag output."""
        lookup = vectorizer._lookup_layer
        plain = lookup.num_oov_indices == 1 and lookup.output_mode in ("multi_hot", "count", "tf_idf")
        learned = lookup.output_mode != "tf_idf" or hasattr(lookup, "idf_weights_const")
        return cls(vectorizer) if isinstance(vectorizer._split, TermSplit) and plain and learned else None

    def __call__(self, texts: tf.Tensor) -> tf.SparseTensor:
        terms = self.split(self.standardize(texts))
        keys = terms.value_rowids() * self.size + self.table.lookup(terms.flat_values)  # OOV: id 0
        keys, _, repeats = tf.unique_with_counts(keys)
        ids = keys % self.size
        values = tf.ones(tf.shape(keys), tf.float32) if self.mode == "multi_hot" else tf.cast(repeats, tf.float32)
        if self.idf is not None:
            values = values * tf.gather(self.idf, ids)
        count = tf.shape(texts, out_type=tf.int64)[0]
        return tf.SparseTensor(tf.stack([keys // self.size, ids], axis=1), values, tf.stack([count, self.size]))


SHORT_TEXT_WORDS = 8  # data.char_ngrams auto: texts averaging fewer words than this are phrases
SHORT_TEXT_SIZES = (2, 4)  # the character n-grams a phrase gets (benchmarks/RESULTS.md, "Design measurements")
WORDS_SAMPLE = 10_000  # the training texts whose words are counted


def decide(cfg: Config, texts) -> tuple[Config, dict]:
    """``cfg`` with ``data.char_ngrams: auto`` and nbsvm's ``model.normalize: auto`` settled from the training
    ``texts``, and what was decided, for the run's record (empty when nothing was left to the data).

    A phrase of two or three words mostly holds words seen a handful of times; their pieces carry over to
    words never seen. Texts of a sentence or more have enough words that the pieces add mostly noise.
    """
    data, model = cfg.data, cfg.model
    decided = {}
    if data.char_ngrams == "auto":
        sample = np.asarray(texts, dtype=object)[:WORDS_SAMPLE]
        words = float(tf.reduce_sum(tf.strings.split(standardize(sample)).row_lengths())) / max(1, len(sample))
        data = data.model_copy(update={"char_ngrams": SHORT_TEXT_SIZES if words < SHORT_TEXT_WORDS else None})
        sizes = list(data.char_ngrams) if data.char_ngrams else None
        decided = {"words_per_text": round(words, 1), "char_ngrams": sizes}
    if getattr(model, "normalize", None) == "auto":  # said only where the data decided the n-grams
        model = model.model_copy(update={"normalize": data.char_ngrams is not None})
        decided = {**decided, "normalize": model.normalize} if decided else decided
    return cfg.model_copy(update={"data": data, "model": model}), decided
