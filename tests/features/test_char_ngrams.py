import json
import random
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import ROOT

from textclf.config import load_config, validate
from textclf.features import char_ngrams
from textclf.features.char_ngrams import SHORT_TEXT_SIZES, SHORT_TEXT_WORDS, TermSplit
from textclf.runs import rundir
from textclf.training import train

CONFIGS = ROOT / "configs"
PHRASES = ["very good", "not bad at all", "failed", "a real gem"]  # 2.25 words a text
SENTENCES = [" ".join(["word"] * SHORT_TEXT_WORDS)] * 4


def config(model: dict, **data):
    return validate({"name": "t", "data": {"char_ngrams": "auto", **data}, "model": model})


@pytest.mark.parametrize("texts, sizes", [(PHRASES, SHORT_TEXT_SIZES), (SENTENCES, None)], ids=["phrases", "sentences"])
def test_auto_gives_phrases_their_words_pieces_and_normalizes_nbsvm_then(texts, sizes):
    settled, decided = char_ngrams.decide(config({"type": "nbsvm"}), np.array(texts, dtype=object))
    assert settled.data.char_ngrams == sizes
    assert settled.model.normalize is (sizes is not None)
    assert decided == {"words_per_text": round(sum(len(t.split()) for t in texts) / len(texts), 1),
                       "char_ngrams": list(sizes) if sizes else None, "normalize": sizes is not None}


def test_what_a_config_says_is_kept_and_only_nbsvm_normalizes():
    given = validate({"name": "t", "data": {"char_ngrams": [3, 5]}, "model": {"type": "nbsvm", "normalize": False}})
    assert char_ngrams.decide(given, np.array(PHRASES, dtype=object)) == (given, {})
    explicit = validate({"name": "t", "data": {"char_ngrams": [3, 5]}, "model": {"type": "nbsvm"}})
    assert char_ngrams.decide(explicit, np.array(SENTENCES, dtype=object))[0].model.normalize is True
    bag, decided = char_ngrams.decide(config({"type": "embedding_bag"}), np.array(PHRASES, dtype=object))
    assert bag.data.char_ngrams == SHORT_TEXT_SIZES and "normalize" not in decided


def write_phrases(path: Path, rows: int = 160) -> Path:
    rng = random.Random(3)
    good, bad = ["lovely", "superb", "gem", "delight"], ["awful", "mess", "dull", "failure"]
    lines = ["text,label"]
    for index in range(rows):
        label = "pos" if index % 2 else "neg"
        lines.append(f"{rng.choice(['so', 'a', 'truly'])} {rng.choice(good if index % 2 else bad)},{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_recommended_config_decides_on_phrases_records_it_and_serves_the_same_model(tmp_path):
    cfg = load_config(CONFIGS / "recommended.yaml", ["train.epochs=2"], str(write_phrases(tmp_path / "p.csv")),
                      str(tmp_path / "outputs"))
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    result = train.run(cfg, run_dir)

    info = json.loads((run_dir / "run.json").read_text())
    assert info["decided"] == {"words_per_text": 2.0, "char_ngrams": list(SHORT_TEXT_SIZES), "normalize": True}
    assert (run_dir / "config.yaml").read_text().count("char_ngrams: auto") == 1  # the config as given
    loaded = keras.models.load_model(run_dir / "model.keras", safe_mode=True)
    split = loaded.get_layer("vectorizer")._split  # the saved model computes the pieces training counted
    assert isinstance(split, TermSplit) and split.characters == SHORT_TEXT_SIZES
    assert loaded.get_layer("nbsvm").get_layer("nb_linear").normalize is True
    texts = np.array(["truly lovely", "so dull", "superbly awful"], dtype=object)
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), result.model.predict(texts, verbose=0), rtol=1e-5)
    assert result.metrics["test_accuracy"] >= 0.9


@pytest.mark.parametrize("output_mode", ["multi_hot", "count", "tf_idf"])
def test_term_bags_are_the_vectorizers_own_bag_vectors_entry_for_entry(output_mode):
    """tf-idf included, which Keras gives dense: the fast path must not change one value, unseen terms (the
    OOV entry, weighted by the mean idf) and a repeated word (counted twice) among them."""
    import tensorflow as tf

    from textclf.features.ngram_bags import bag_vectorizer
    from textclf.features.text_layers import STANDARDIZERS

    vectorizer = keras.layers.TextVectorization(split=TermSplit(2, (2, 4)), standardize=STANDARDIZERS["keep"],
                                                output_mode=output_mode, sparse=output_mode != "tf_idf")
    vectorizer.adapt(tf.constant(PHRASES * 2 + ["a gem, a gem!"]))
    bags = bag_vectorizer(vectorizer)
    assert isinstance(bags, char_ngrams.TermBags)
    texts = tf.constant(["", "very very good", "zyx unseen", "a gem, not bad"])
    expected = vectorizer(texts)
    expected = tf.sparse.to_dense(expected) if isinstance(expected, tf.SparseTensor) else expected
    np.testing.assert_allclose(tf.sparse.to_dense(tf.sparse.reorder(bags(texts))).numpy(), expected.numpy(), rtol=1e-6)
