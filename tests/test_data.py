import keras
import numpy as np
import pytest
import tensorflow as tf

from textclf import data, featurize
from textclf.config import DataConfig
from textclf.layers import pad_and_truncate, standardize


def test_split_limit_and_seed(imdb_dir):
    cfg = DataConfig(path=str(imdb_dir), validation_split=0.25, limit=40)
    corpus = data.load_corpus(cfg, seed=3)
    assert (len(corpus.train), len(corpus.validation), len(corpus.test)) == (30, 10, 40)
    assert np.bincount(corpus.test.labels).tolist() == [20, 20]
    assert not set(corpus.train.texts) & set(corpus.validation.texts)
    again = data.load_corpus(cfg, seed=3)
    assert list(again.validation.texts) == list(corpus.validation.texts)
    other = data.load_corpus(cfg, seed=4)
    assert list(other.validation.texts) != list(corpus.validation.texts)


def test_standardize_strips_markup_and_punctuation():
    out = standardize(tf.constant(["Great<br />movie, LOVED it!!"])).numpy()[0].decode()
    assert out.split() == ["great", "movie", "loved", "it"]


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_padding_matches_keras_pad_sequences(padding, truncating):
    rows = [[3, 4, 5, 6, 7], [8, 9], [2]]
    ours = pad_and_truncate(tf.ragged.constant(rows), 4, padding, truncating).numpy()
    reference = keras.utils.pad_sequences(rows, maxlen=4, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(ours, reference)


def test_vocabulary_comes_from_training_texts_only():
    cfg = DataConfig(vocab_size=50, maxlen=10)
    vectorizer = featurize.make_vectorizer(cfg, "sequence")
    featurize.adapt(vectorizer, np.array(["good film", "bad film"], dtype=object), cfg, "sequence")
    ids = featurize.encode(vectorizer, np.array(["unseen film"], dtype=object), cfg, "sequence")
    assert ids.to_list()[0][0] == 1  # out of vocabulary
    assert "unseen" not in vectorizer.get_vocabulary()


def test_bag_vectors_are_sparse_multi_hot_with_bigrams():
    cfg = DataConfig(vocab_size=50, ngrams=2)
    vectorizer = featurize.make_vectorizer(cfg, "bag")
    featurize.adapt(vectorizer, np.array(["good film", "bad film"], dtype=object), cfg, "bag")
    bags = featurize.encode(vectorizer, np.array(["good film film"], dtype=object), cfg, "bag")
    assert isinstance(bags, tf.SparseTensor)
    vocabulary = vectorizer.get_vocabulary()
    dense = tf.sparse.to_dense(bags).numpy()[0]
    assert dense[vocabulary.index("good film")] == 1 and dense[vocabulary.index("film")] == 1
    ((ids, values), _), = data.make_dataset(bags, np.array([1], dtype=np.int32), 4, cfg)
    assert dict(zip(ids.numpy()[0], values.numpy()[0], strict=True)) == {i: v for i, v in enumerate(dense) if v}


def test_tf_idf_bags_are_kept_sparse_and_match_the_vectorizer():
    cfg = DataConfig(vocab_size=50, output_mode="tf_idf")
    vectorizer = featurize.make_vectorizer(cfg, "bag")
    featurize.adapt(vectorizer, np.array(["good film", "bad film", "good plot"], dtype=object), cfg, "bag")
    texts = np.array(["good good film", "plot"] * (featurize.CHUNK // 2 + 1), dtype=object)
    bags = featurize.encode(vectorizer, texts, cfg, "bag")
    assert isinstance(bags, tf.SparseTensor) and bags.dense_shape[0] == len(texts)
    np.testing.assert_allclose(tf.sparse.to_dense(bags).numpy()[-2:], vectorizer(tf.constant(texts[-2:])).numpy())


def test_character_split_gives_one_token_per_character():
    cfg = DataConfig(vocab_size=50, maxlen=10, split="character")
    vectorizer = featurize.make_vectorizer(cfg, "sequence")
    featurize.adapt(vectorizer, np.array(["ab c", "abd"], dtype=object), cfg, "sequence")
    ids = featurize.encode(vectorizer, np.array(["Ab!z"], dtype=object), cfg, "sequence").to_list()[0]
    vocabulary = vectorizer.get_vocabulary()
    assert [vocabulary[i] for i in ids] == ["a", "b", " ", "[UNK]"]  # "!" became a space


def test_log_count_ratios_favour_the_class_a_feature_occurs_in():
    # features: 0 in both classes, 1 only in class 1, 2 only in class 0
    bags = tf.sparse.from_dense(tf.constant([[1, 0, 1], [1, 0, 2], [1, 1, 0], [1, 1, 0]], tf.float32))
    labels = np.array([0, 0, 1, 1], dtype=np.int32)
    binary = data.log_count_ratios(bags, labels, num_classes=2, alpha=1.0)
    assert binary.shape == (3, 1)
    assert binary[1, 0] > 0 > binary[2, 0] and abs(binary[0, 0]) < abs(binary[1, 0])
    three = data.log_count_ratios(bags, np.array([0, 2, 1, 1], dtype=np.int32), num_classes=3, alpha=1.0)
    assert three.shape == (3, 3) and three[1, 1] > 0 > three[1, 0]


def test_balanced_class_weights():
    weights = data.class_weights(np.array([0, 0, 0, 1], dtype=np.int32), 3)
    assert weights == {0: 4 / 9, 1: 4 / 3, 2: 0.0}


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
    for x, y in data.make_dataset(ids, labels, batch_size=4, cfg=cfg):
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
    dataset = data.make_dataset(ids, labels, batch_size=8, cfg=cfg, shuffle_seed=1)
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
