import numpy as np
import pytest
from helpers import tiny_config

from textclf.config import load_config
from textclf.errors import TextclfError
from textclf.model import embeddings
from textclf.model.text_model import classifier_of
from textclf.results import loading
from textclf.runs import rundir
from textclf.training import train

WORDS = ["great", "awful", "film", "movie", "the", "not_in_the_corpus"]


def write_glove(path, dim=8, header=False):
    rng = np.random.default_rng(7)
    vectors = {word: rng.normal(size=dim).round(4).astype(np.float32) for word in WORDS}
    lines = [f"{len(vectors)} {dim}"] if header else []
    lines += [word + " " + " ".join(f"{v:.4f}" for v in vector) for word, vector in vectors.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return vectors


def train_with(tmp_path, imdb_dir, model_type, trainable, **model):
    glove = tmp_path / "glove.8d.txt"
    vectors = write_glove(glove)
    config = tiny_config(tmp_path, imdb_dir, {"type": model_type, "embedding_dim": 8, **model,
                                              "embedding": {"pretrained": str(glove), "trainable": trainable}},
                         train={"epochs": 2, "learning_rate": 0.05})
    cfg = load_config(config)
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    train.run(cfg, run_dir)
    model = loading.load_model(run_dir)
    vocabulary = model.get_layer("vectorizer").get_vocabulary()
    table = classifier_of(model).get_layer("embedding").get_weights()[0]
    return vectors, vocabulary, table, rundir.read_json(run_dir / rundir.RUN_FILE)


@pytest.mark.parametrize("model_type, extra", [("lstm", {"units": 4}), ("embedding_bag", {})])
def test_frozen_pretrained_vectors_are_loaded_exactly_and_stay_frozen(tmp_path, imdb_dir, model_type, extra):
    vectors, vocabulary, table, info = train_with(tmp_path, imdb_dir, model_type, trainable=False, **extra)
    for word in WORDS[:5]:
        np.testing.assert_array_equal(table[vocabulary.index(word)], vectors[word])
    coverage = info["pretrained_embedding"]
    assert coverage["found"] == 5 and coverage["trainable"] is False
    assert coverage["coverage"] == pytest.approx(5 / coverage["words"], abs=1e-4)


def test_trainable_pretrained_vectors_are_fine_tuned(tmp_path, imdb_dir):
    vectors, vocabulary, table, _ = train_with(tmp_path, imdb_dir, "lstm", trainable=True, units=4)
    moved = [not np.allclose(table[vocabulary.index(word)], vectors[word]) for word in ("great", "awful")]
    assert all(moved)


def test_word2vec_header_is_skipped_and_a_dimension_mismatch_is_named(tmp_path):
    path = tmp_path / "w2v.txt"
    vectors = write_glove(path, dim=4, header=True)
    found = embeddings.read_vectors(str(path), ["", "[UNK]", "film", "great"], dim=4)
    assert sorted(found) == [2, 3]
    np.testing.assert_array_equal(found[3], vectors["great"])
    with pytest.raises(TextclfError, match=r"model.embedding.pretrained: .*w2v.txt line 2 has 4-dimensional "
                                           r"vectors but model.embedding_dim is 8"):
        embeddings.read_vectors(str(path), ["film"], dim=8)
    with pytest.raises(TextclfError, match="model.embedding.pretrained: .*missing.txt does not exist"):
        embeddings.read_vectors(str(tmp_path / "missing.txt"), ["film"], dim=8)


def test_vectors_holding_nan_or_inf_are_refused_when_read(tmp_path):
    path = tmp_path / "nan.txt"
    path.write_text("film 0.1 0.2\ngreat nan nan\n")
    with pytest.raises(TextclfError, match="line 2: the vector of 'great' holds NaN or infinite numbers"):
        embeddings.read_vectors(str(path), ["film", "great"], dim=2)
