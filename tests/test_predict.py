import numpy as np
import pytest
import tensorflow as tf

from textclf import predict
from textclf.errors import TextclfError
from textclf.export import export_run

ODD_TEXTS = ["", "?!...", "x" * 1_000_000, "Ce film était magnifique", "最高の映画 🎬🍿", "great " * 3000]


def test_batched_prediction_matches_one_text_at_a_time(trained_run):
    model = predict.load_model(trained_run)
    texts = ["superb loved it", "awful waste", "the the the film was"] * 5 + ODD_TEXTS
    batched = predict.predict_texts(model, texts, batch_size=4)
    alone = np.concatenate([predict.predict_texts(model, [t]) for t in texts])
    np.testing.assert_allclose(batched, alone, rtol=1e-5, atol=1e-6)
    assert batched.shape == (len(texts), 2)
    np.testing.assert_allclose(batched.sum(axis=1), 1.0, rtol=1e-6)


def test_labels_and_top_k(trained_run):
    model, names = predict.load_model(trained_run), predict.class_names(trained_run)
    results = list(predict.label_predictions(["superb", "awful"], predict.predict_texts(model, ["superb", "awful"]),
                                             names, top_k=2))
    assert names == ["neg", "pos"]
    assert all(len(r.top) == 2 and r.probability >= 0.5 for r in results)


def test_missing_and_corrupt_models_are_user_errors(tmp_path, trained_run):
    with pytest.raises(TextclfError, match="not a finished run"):
        predict.load_model(tmp_path)
    (tmp_path / "model.keras").write_bytes(b"not a zip file")
    with pytest.raises(TextclfError, match="cannot load model"):
        predict.load_model(tmp_path)


def test_export_round_trip(tmp_path, trained_run):
    texts = ["superb loved it", "awful waste", *ODD_TEXTS[:2]]
    difference = export_run(trained_run, tmp_path / "saved", texts)
    assert difference <= 1e-5
    served = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    assert list(served.structured_input_signature[1]) == ["text"]
    with pytest.raises(TextclfError, match="already exists"):
        export_run(trained_run, tmp_path / "saved", texts)
