import tarfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from textclf import data
from textclf.config import DataConfig
from textclf.errors import TextclfError
from textclf.layers import pad_and_truncate, standardize


def test_reads_the_aclimdb_folder_and_tarball_identically(imdb_dir, imdb_tar):
    from_dir, _ = data.read_imdb(str(imdb_dir.parent))
    from_tar, _ = data.read_imdb(str(imdb_tar))
    for split in ("train", "test"):
        assert len(from_dir[split]) == 80
        assert np.bincount(from_dir[split].labels).tolist() == [40, 40]
        assert list(from_dir[split].texts) == list(from_tar[split].texts)
    assert data.fingerprint(from_dir) == data.fingerprint(from_tar)


def test_unsup_and_other_files_are_ignored(imdb_dir, tmp_path):
    archive = tmp_path / "with_unsup.tar.gz"
    extra = tmp_path / "unsup.txt"
    extra.write_text("not labeled")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(imdb_dir, arcname="aclImdb")
        tar.add(extra, arcname="aclImdb/train/unsup/0_0.txt")
        tar.add(extra, arcname="aclImdb/imdb.vocab")
    splits, _ = data.read_imdb(str(archive))
    assert len(splits["train"]) == 80


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


def test_missing_and_broken_data_are_user_errors(tmp_path, imdb_tar):
    with pytest.raises(TextclfError, match="does not exist"):
        data.read_imdb(str(tmp_path / "nowhere"))
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(imdb_tar.read_bytes()[:2000])
    with pytest.raises(TextclfError, match="corrupt or truncated"):
        data.read_imdb(str(truncated))
    (tmp_path / "empty" / "aclImdb" / "train").mkdir(parents=True)
    with pytest.raises(TextclfError, match="train/neg"):
        data.read_imdb(str(tmp_path / "empty"))


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
    vectorizer = data.make_vectorizer(cfg, "sequence")
    data.adapt(vectorizer, np.array(["good film", "bad film"], dtype=object))
    ids = data.encode(vectorizer, np.array(["unseen film"], dtype=object), cfg, "sequence")
    assert ids.to_list()[0][0] == 1  # out of vocabulary
    assert "unseen" not in vectorizer.get_vocabulary()


def test_bag_vectors_are_sparse_multi_hot_with_bigrams():
    cfg = DataConfig(vocab_size=50, ngrams=2)
    vectorizer = data.make_vectorizer(cfg, "bag")
    data.adapt(vectorizer, np.array(["good film", "bad film"], dtype=object))
    bags = data.encode(vectorizer, np.array(["good film film"], dtype=object), cfg, "bag")
    assert isinstance(bags, tf.SparseTensor)
    vocabulary = vectorizer.get_vocabulary()
    dense = tf.sparse.to_dense(bags).numpy()[0]
    assert dense[vocabulary.index("good film")] == 1 and dense[vocabulary.index("film")] == 1


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_sequences_are_bucketed_and_padded_as_the_saved_model_pads_them(padding):
    cfg = DataConfig(maxlen=50, padding=padding, truncating="pre")  # bucket step 8: widths 8, 16, .., 48, 50
    rng = np.random.default_rng(0)
    lengths = [0, 1, 8, 9, 16, 17, 47, 48, 49, 50, 80] * 3
    rows = [list(rng.integers(2, 9, size=n)) for n in lengths]
    ids = tf.ragged.constant(rows, dtype=tf.int32)[:, -cfg.maxlen :]
    labels = np.arange(len(rows), dtype=np.int32)
    seen = []
    for x, y in data.make_dataset(ids, labels, batch_size=4, cfg=cfg, shuffle_seed=1):
        for row, index in zip(x.numpy(), y.numpy(), strict=True):
            alone = pad_and_truncate(tf.ragged.constant([rows[index]], dtype=tf.int32), 50, padding, "pre")
            np.testing.assert_array_equal(row, alone.numpy()[0])
            seen.append(int(index))
    assert sorted(seen) == labels.tolist()
