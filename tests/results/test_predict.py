import numpy as np
import pytest
import tensorflow as tf

from textclf.errors import TextclfError
from textclf.results import loading, predict

ODD_TEXTS = ["", "?!...", "x" * 1_000_000, "Ce film était magnifique", "最高の映画 🎬🍿", "great " * 3000]


def test_batched_prediction_matches_one_text_at_a_time(trained_run):
    model = loading.load_model(trained_run)
    texts = ["superb loved it", "awful waste", "the the the film was"] * 5 + ODD_TEXTS
    batched = predict.predict_texts(model, texts, batch_size=4)
    alone = np.concatenate([predict.predict_texts(model, [t]) for t in texts])
    np.testing.assert_allclose(batched, alone, rtol=1e-5, atol=1e-6)
    assert batched.shape == (len(texts), 2)
    np.testing.assert_allclose(batched.sum(axis=1), 1.0, rtol=1e-6)


def test_labels_and_top_k(trained_run):
    model, names = loading.load_model(trained_run), loading.class_names(trained_run)
    results = list(predict.label_predictions(["superb", "awful"], predict.predict_texts(model, ["superb", "awful"]),
                                             names, top_k=2))
    assert names == ["neg", "pos"]
    assert all(len(r.top) == 2 and r.probability >= 0.5 for r in results)


def test_missing_and_corrupt_models_are_user_errors(tmp_path, trained_run):
    with pytest.raises(TextclfError, match="not a finished run"):
        loading.load_model(tmp_path)
    (tmp_path / "model.keras").write_bytes(b"not a zip file")
    with pytest.raises(TextclfError, match="cannot load model"):
        loading.load_model(tmp_path)


def test_model_keras_carries_its_class_names_and_takes_plain_strings(trained_run):
    import textclf

    model = textclf.load_model(trained_run / "model.keras")
    assert model.class_names == ["neg", "pos"]
    from_tensor = model.predict(tf.constant(["superb loved it", "awful waste"]), verbose=0)
    for texts in (["superb loved it", "awful waste"], np.array(["superb loved it", "awful waste"]),
                  ("superb loved it", "awful waste")):
        np.testing.assert_allclose(model.predict(texts, verbose=0), from_tensor, atol=1e-6)
        np.testing.assert_allclose(model(texts).numpy(), from_tensor, atol=1e-6)


def test_class_names_of_an_older_model_come_from_run_json(tmp_path, trained_run):
    """Models saved before TextModel carry no names: predict falls back to the run's record."""
    import shutil

    from helpers import FIXTURES

    shutil.copy(FIXTURES / "saved_before_sparse_updates" / "lstm.keras", tmp_path / "model.keras")
    (tmp_path / "run.json").write_text('{"class_names": ["bad", "good"]}')
    assert loading.class_names(tmp_path, loading.load_model(tmp_path)) == ["bad", "good"]
    assert loading.class_names(trained_run, loading.load_model(trained_run)) == ["neg", "pos"]


def test_a_saved_model_loads_in_a_fresh_process_with_import_textclf_alone(tmp_path, optimizer="lazy_adam"):
    """The README's three lines: textclf's own layers and optimizers (lazy_adam) are found without more imports."""
    import os
    import subprocess
    import sys

    from textclf.config import validate
    from textclf.features import featurize
    from textclf.features.inputs import kinds
    from textclf.model import builders, optimizers

    cfg = validate({"name": "t", "data": {"vocab_size": 50, "ngrams": 2}, "model": {"type": "nbsvm"}})
    vectorizer = kinds()["bag"].vectorizer(cfg.data)
    featurize.adapt(vectorizer, np.array(["good film", "bad film", "great fun"]), cfg.data, kinds()["bag"])
    network = builders.build(cfg.model, vocab_size=vectorizer.vocabulary_size(), num_classes=2)
    network.compile(optimizer=optimizers.make(optimizer, 0.01), loss="binary_crossentropy")
    builders.end_to_end(vectorizer, network, cfg.data, kinds()["bag"], ["bad", "good"]).save(tmp_path / "model.keras")
    # A stand-in scikit-learn that says when it is imported: not by TensorFlow's import (textclf.quiet), but
    # still by whoever asks for it later.
    (tmp_path / "sklearn").mkdir()
    (tmp_path / "sklearn" / "__init__.py").write_text("print('sklearn imported')\n")
    code = ("import textclf; m = textclf.load_model('model.keras'); "
            "print(m.class_names, m.predict(['good film', 'bad'], verbose=0).shape); import sklearn")
    environment = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "TEXTCLF_TF_LOG")}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), environment.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=environment)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-2:] == ["['bad', 'good'] (2, 1)", "sklearn imported"]
    from textclf.quiet import _NATIVE_LINE

    # No TensorFlow C++ start-up line (textclf.quiet) and no progress bar; Python warnings still pass.
    assert not [line for line in done.stderr.splitlines() if _NATIVE_LINE.match(line) or "━" in line]
    assert "oneDNN" not in done.stderr and "cuda" not in done.stderr.lower()


def test_a_reader_that_stops_early_ends_predict_quietly_with_exit_0(tmp_path, trained_run):
    import subprocess
    import sys

    texts = tmp_path / "texts.txt"
    texts.write_text("".join(f"a great film, number {n}\n" for n in range(20_000)), encoding="utf-8")
    command = [sys.executable, "-m", "textclf", "predict", str(trained_run), "--file", str(texts)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()  # `| head -1`
    process.stdout.close()
    _, errors = process.communicate(timeout=120)
    assert first.strip() and process.returncode == 0 and not errors.decode().strip(), errors.decode()[-500:]
