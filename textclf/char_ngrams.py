"""Character n-grams of words next to the word n-grams: the split a bag vectorizer uses with ``data.char_ngrams``.

On sentence-length texts most words are seen a handful of times, and a word
met only in testing carries nothing. Its pieces do: "unforgettable" shares
" unf", "forget" and "able " with words seen in training. scikit-learn calls
these ``char_wb`` n-grams (each word padded with a space on either side, no
n-gram crossing words). They lift scikit-learn's TF-IDF + LR and NB-weighted
LR in cross-validation on each of the three sentence sets, but not every
textclf config on every test split: an option for ``tune`` and for users
to try, not a default (benchmarks/RESULTS.md, "Design measurements").

``TermSplit`` is the vectorizer's ``split``: it turns a batch of
standardized texts into all of a text's terms at once, so the saved model
stays a raw-string-in Keras model and serving computes the very terms
training counted. The vectorizer then gets ``ngrams=None``.
"""

from __future__ import annotations

import keras
import tensorflow as tf

MARK = "#"  # leads every character n-gram: standardization leaves "#" in no word, so no term is both


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
