"""The input kinds: each one's vectorizer, encoding and batches (bag vectors, token sequences)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from textclf.config import DataConfig
from textclf.features import counting, featurize, inputs
from textclf.features.text_layers import pad_and_truncate

BAG, SEQUENCE = inputs.kinds()["bag"], inputs.kinds()["sequence"]


def test_vocabulary_comes_from_training_texts_only():
    cfg = DataConfig(vocab_size=50, maxlen=10)
    vectorizer = SEQUENCE.vectorizer(cfg)
    featurize.adapt(vectorizer, np.array(["good film", "bad film"], dtype=object), cfg, SEQUENCE)
    ids = SEQUENCE.encode(vectorizer, np.array(["unseen film"], dtype=object), cfg)
    assert ids.to_list()[0][0] == 1  # out of vocabulary
    assert "unseen" not in vectorizer.get_vocabulary()


def test_bag_vectors_are_sparse_multi_hot_with_bigrams():
    cfg = DataConfig(vocab_size=50, ngrams=2)
    vectorizer = BAG.vectorizer(cfg)
    featurize.adapt(vectorizer, np.array(["good film", "bad film"], dtype=object), cfg, BAG)
    encoded = BAG.encode(vectorizer, np.array(["good film film"], dtype=object), cfg)
    vocabulary = vectorizer.get_vocabulary()
    assert encoded.ids.dtype == tf.int32 and encoded.values is None and encoded.width == len(vocabulary)  # all 1
    dense = tf.sparse.to_dense(encoded.to_sparse()).numpy()[0]
    assert dense[vocabulary.index("good film")] == 1 and dense[vocabulary.index("film")] == 1
    ((ids, values), _), = BAG.dataset(encoded, np.array([1], dtype=np.int32), 4, cfg)
    assert dict(zip(ids.numpy()[0], values.numpy()[0], strict=True)) == {i: v for i, v in enumerate(dense) if v}


def test_tf_idf_bags_are_kept_sparse_and_match_the_vectorizer():
    cfg = DataConfig(vocab_size=50, output_mode="tf_idf")
    vectorizer = BAG.vectorizer(cfg)
    featurize.adapt(vectorizer, np.array(["good film", "bad film", "good plot"], dtype=object), cfg, BAG)
    texts = np.array(["good good film", "plot"] * (counting.CHUNK // 2 + 1), dtype=object)
    bags = BAG.encode(vectorizer, texts, cfg)
    assert len(bags) == len(texts)
    np.testing.assert_allclose(tf.sparse.to_dense(bags.to_sparse()).numpy()[-2:],
                               vectorizer(tf.constant(texts[-2:])).numpy())


def test_character_split_gives_one_token_per_character():
    cfg = DataConfig(vocab_size=50, maxlen=10, split="character")
    vectorizer = SEQUENCE.vectorizer(cfg)
    featurize.adapt(vectorizer, np.array(["ab c", "abd"], dtype=object), cfg, SEQUENCE)
    ids = SEQUENCE.encode(vectorizer, np.array(["Ab!z"], dtype=object), cfg).to_list()[0]
    vocabulary = vectorizer.get_vocabulary()
    assert [vocabulary[i] for i in ids] == ["a", "b", " ", "[UNK]"]  # "!" became a space


def _ragged_rows(lengths, maxlen, seed=0):
    rng = np.random.default_rng(seed)
    rows = [list(rng.integers(2, 9, size=n)) for n in lengths]
    return rows, tf.ragged.constant(rows, dtype=tf.int32, row_splits_dtype=tf.int64)[:, -maxlen:]


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_evaluation_batches_are_padded_as_the_saved_model_pads_them(padding):
    cfg = DataConfig(maxlen=50, padding=padding, truncating="pre")  # bucket step 8: widths 8, 16, .., 48, 50
    rows, ids = _ragged_rows([0, 1, 8, 9, 16, 17, 47, 48, 49, 50, 80] * 3, cfg.maxlen)
    labels = np.arange(len(rows), dtype=np.int32)
    seen = []
    for x, y in SEQUENCE.dataset(ids, labels, batch_size=4, cfg=cfg):
        for row, index in zip(x.numpy(), y.numpy(), strict=True):
            alone = pad_and_truncate(tf.ragged.constant([rows[index]], dtype=tf.int32), 50, padding, "pre")
            np.testing.assert_array_equal(row, alone.numpy()[0])
            seen.append(int(index))
    assert sorted(seen) == labels.tolist()


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_training_batches_hold_similar_lengths_padded_to_their_longest(padding):
    cfg = DataConfig(maxlen=50, padding=padding, truncating="pre")
    lengths = np.random.default_rng(1).integers(0, 80, size=70)
    rows, ids = _ragged_rows(lengths, cfg.maxlen)
    labels = np.arange(len(rows), dtype=np.int32)
    dataset = SEQUENCE.dataset(ids, labels, batch_size=8, cfg=cfg, shuffle_seed=1)
    epochs = [[(x.numpy(), y.numpy()) for x, y in dataset] for _ in range(2)]
    kept = np.minimum(lengths, cfg.maxlen)
    for batches in epochs:
        assert len(batches) == int(dataset.cardinality()) == 9
        assert sorted(len(y) for _, y in batches)[1:] == [8] * 8  # every batch full but one
        assert sorted(np.concatenate([y for _, y in batches]).tolist()) == labels.tolist()
        for x, y in batches:
            assert x.shape[1] == max(1, kept[y].max())  # padded to its own longest, never to maxlen
            for row, index in zip(x, y, strict=True):
                expected = keras.utils.pad_sequences([rows[index][-cfg.maxlen:]], x.shape[1], padding=padding)
                np.testing.assert_array_equal(row, expected[0])
        # all 70 fit in one sorting pool: batches are runs of the sorted lengths, so the least padding there can be
        runs = np.split(np.sort(kept), range(8, 70, 8))
        assert sum(x.shape[1] for x, _ in batches) == sum(max(1, run.max()) for run in runs)
    assert [y.tolist() for _, y in epochs[0]] != [y.tolist() for _, y in epochs[1]]  # reshuffled each epoch
