import json
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import FIXTURES

from textclf.config import DataConfig, validate
from textclf.features import counting, featurize, ngram_bags, vocabulary_table
from textclf.features.char_ngrams import TermSplit
from textclf.features.inputs import kinds
from textclf.model import builders
from textclf.results.loading import load_model
from textclf.results.predict import predict_texts

KINDS = kinds()  # the input kinds by name

# Ties in counts (the order among them is Keras' own), repeated n-grams, non-ASCII words, a word
# that is a prefix of another ("film" / "films"), punctuation, markup and empty texts.
TRAIN = np.array([
    "The movie was great, GREAT fun!<br />Great cast.",
    "A dull film; the plot was dull and the cast was dull.",
    "great film great plot films",
    "the worst movie of the year",
    "", "   ",
    "Café crème: très bon film, naïve plot",
    "zebra apple zebra apple mango",
    "apple zebra",
    "#tbt: so good!! (really?) #tbt",
], dtype=object)
TEXTS = np.array(["", "great film films", "unseen words only", "the movie was dull, dull", "Café apple zebra",
                  "plot great", "was great film great film great"], dtype=object)


def keras_adapted(cfg: DataConfig, kind: str, texts=TRAIN):
    vectorizer = KINDS[kind].vectorizer(cfg)
    vectorizer.adapt(tf.constant(list(texts)))
    return vectorizer


def fast_adapted(cfg: DataConfig, kind: str, texts=TRAIN):
    vectorizer = KINDS[kind].vectorizer(cfg)
    featurize.adapt(vectorizer, texts, cfg, KINDS[kind])
    return vectorizer


def dense(features) -> np.ndarray:
    if hasattr(features, "to_sparse"):  # encoded bag vectors
        features = features.to_sparse()
    if isinstance(features, tf.SparseTensor):
        return tf.sparse.to_dense(tf.sparse.reorder(features)).numpy()
    return features.to_tensor().numpy() if isinstance(features, tf.RaggedTensor) else np.asarray(features)


SETTINGS = [
    *({"output_mode": mode, "ngrams": n} for mode in ("multi_hot", "count", "tf_idf") for n in (1, 2, 3)),
    {"split": "character"},
    {"split": "character", "ngrams": 2},  # not covered by the fast path: Keras' adapt, the same answer
    # words' character n-grams (bags; sequences leave them out), counted as strings, idf included
    {"char_ngrams": (2, 4)}, {"char_ngrams": (1, 3), "ngrams": 2, "output_mode": "count"},
    {"char_ngrams": (3, 3), "ngrams": 3, "output_mode": "tf_idf"},
    {"char_ngrams": (2, 5), "ngrams": 2, "output_mode": "tf_idf"},  # configs/linear.yaml's
    # punctuation marks as words of their own: in n-grams, and cut into characters ("#" among them)
    {"punctuation": "keep", "ngrams": 3}, {"punctuation": "keep", "char_ngrams": (1, 3), "ngrams": 2},
    {"punctuation": "keep", "split": "character"},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(map(str, s.values())))
@pytest.mark.parametrize("vocab_size", [7, 25, 1000])  # 7 and 25 cut through ties in the counts
@pytest.mark.parametrize("kind", ["bag", "sequence"])
def test_the_vocabulary_is_exactly_the_one_keras_adapt_learns(settings, vocab_size, kind):
    cfg = DataConfig(vocab_size=vocab_size, **settings)
    fast, reference = fast_adapted(cfg, kind), keras_adapted(cfg, kind)
    assert fast.get_vocabulary() == reference.get_vocabulary()  # fast's answers from the table, in one piece
    assert fast.get_vocabulary(include_special_tokens=False) == reference.get_vocabulary(include_special_tokens=False)
    assert [t.decode() for t in vocabulary_table.vocabulary_terms(fast).numpy()] == reference.get_vocabulary()
    if kind == "bag" and cfg.output_mode == "tf_idf":
        np.testing.assert_allclose(fast._lookup_layer.idf_weights.numpy(), reference._lookup_layer.idf_weights.numpy(),
                                   rtol=1e-5)
    expected = dense(reference(tf.constant(list(TEXTS))))
    np.testing.assert_allclose(dense(KINDS[kind].encode(fast, TEXTS, cfg)), expected, rtol=1e-5)


@pytest.mark.parametrize(("settings", "count"), [({"ngrams": 3}, 4), ({"char_ngrams": (2, 4)}, 1),
                                               ({"split": "character", "ngrams": 2}, 1),  # Keras' adapt
                                               ({"output_mode": "tf_idf", "ngrams": 2}, 1)])
def test_a_learned_vectorizers_tables_go_with_it(settings, count):
    """Named tables live as long as their process: each of tune's trials would keep its vocabulary's."""
    vectorizer = fast_adapted(DataConfig(vocab_size=50, **settings), "bag")
    tables = [vectorizer._lookup_layer.lookup_table]
    bags = ngram_bags._BUILT.get(vectorizer, (None, None))[1]
    if hasattr(bags, "word_table"):  # the n-gram tables of the fast word bag vectors
        tables += [bags.word_table, *bags.ngram_tables.values()]
    assert len(tables) == count  # the vocabulary's; with fast bag vectors, the words' and 2- and 3-grams' too
    assert all(table._is_anonymous for table in tables)
    assert vectorizer.get_vocabulary() == keras_adapted(DataConfig(vocab_size=50, **settings), "bag").get_vocabulary()


@pytest.mark.parametrize("kind", ["bag", "sequence"])
def test_texts_without_a_token_give_a_vocabulary_of_special_tokens_only(kind):
    cfg = DataConfig(vocab_size=50, ngrams=2)
    vectorizer = fast_adapted(cfg, kind, np.array(["", "!!! ...", " "], dtype=object))
    assert vectorizer.get_vocabulary() == keras_adapted(cfg, kind, ["", "!!! ...", " "]).get_vocabulary()


@pytest.mark.parametrize("char_ngrams", [None, (2, 4)])
@pytest.mark.parametrize("output_mode", ["multi_hot", "count", "tf_idf"])
@pytest.mark.parametrize("kind", ["bag", "sequence"])
def test_chunks_worked_on_in_parallel_give_what_one_serial_pass_gives(monkeypatch, output_mode, kind, char_ngrams):
    cfg = DataConfig(vocab_size=40, ngrams=3, output_mode=output_mode, maxlen=6, char_ngrams=char_ngrams)
    texts = np.concatenate([TRAIN, TEXTS] * 3)
    serial = fast_adapted(cfg, kind, texts)
    serial_features = dense(KINDS[kind].encode(serial, texts, cfg))
    monkeypatch.setattr(counting, "CHUNK", 2)  # 24 chunks, mapped in parallel, merged in order
    parallel = fast_adapted(cfg, kind, texts)
    assert parallel.get_vocabulary() == serial.get_vocabulary()
    np.testing.assert_array_equal(dense(KINDS[kind].encode(parallel, texts, cfg)), serial_features)


@pytest.mark.parametrize("model_type, extra", [("nbsvm", {}), ("lstm", {}), ("nbsvm", {"char_ngrams": [2, 4]}),
                                               ("nbsvm", {"punctuation": "keep"}), ("lstm", {"punctuation": "keep"})])
def test_training_features_are_the_saved_end_to_end_models_features(tmp_path, model_type, extra):
    cfg = validate({"name": "t", "data": {"vocab_size": 60, "ngrams": 3, "maxlen": 5, **extra},
                    "model": {"type": model_type}})
    kind = cfg.model.input_kind
    vectorizer = fast_adapted(cfg.data, kind)
    trained_on = KINDS[kind].encode(vectorizer, TEXTS, cfg.data)
    model = builders.build(cfg.model, vocab_size=vectorizer.vocabulary_size(), num_classes=2)
    builders.end_to_end(vectorizer, model, cfg.data, KINDS[kind]).save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    served = loaded.get_layer("vectorizer")(tf.constant(list(TEXTS)))
    if kind == "sequence":
        served = loaded.get_layer("padding")(served)
        trained_on = loaded.get_layer("padding")(trained_on)
    np.testing.assert_array_equal(dense(trained_on), dense(served))
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:  # the file Keras' own save_assets writes
        written = next(name for name in archive.namelist() if name.endswith("vocabulary.txt"))
        assert archive.read(written).decode("utf-8") == "\n".join(keras_adapted(cfg.data, kind).get_vocabulary())


def test_character_ngrams_are_each_words_pieces_marked_apart_from_words():
    terms = TermSplit(2, (2, 3))(tf.constant(["good film", "", "a"])).to_list()
    assert terms[0][:3] == [b"good", b"film", b"good film"]
    assert set(terms[0][3:]) == {b"# g", b"#go", b"#oo", b"#od", b"#d ", b"# go", b"#goo", b"#ood", b"#od ",
                                 b"# f", b"#fi", b"#il", b"#lm", b"#m ", b"# fi", b"#fil", b"#ilm", b"#lm "}
    assert terms[1] == [] and terms[2] == [b"a", b"# a", b"#a ", b"# a "]


FIXTURES = FIXTURES / "saved_before_sparse_updates"


@pytest.mark.parametrize("name", ["nbsvm", "embedding_bag", "dense_bow", "lstm"])
def test_a_model_saved_before_the_sparse_bag_layers_loads_and_predicts_as_it_did(tmp_path, name):
    """model.keras files written by textclf e5e5d0b (sparse × dense products, Keras adapt)."""
    expected = json.loads((FIXTURES / "predictions.json").read_text())
    (tmp_path / "model.keras").write_bytes((FIXTURES / f"{name}.keras").read_bytes())
    got = predict_texts(load_model(tmp_path), expected["texts"])
    np.testing.assert_allclose(got, np.array(expected[name]), atol=1e-5)
