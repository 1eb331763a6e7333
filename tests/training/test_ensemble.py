import json

import keras
import numpy as np
import pytest
from helpers import tiny_config, write_tagged_csv
from typer.testing import CliRunner

from textclf.cli import app
from textclf.config import load_config, validate
from textclf.data import splits
from textclf.model.text_model import members_of
from textclf.results import multi_label, predict
from textclf.results.loading import load_safely
from textclf.runs import rundir
from textclf.training import ensemble, train

TEXTS = ["Superb and moving, loved it", "Awful dull waste of time", "the plot", ""]


# An ensemble of different configs (``train.members``), weighted, as tune's ensemble selection writes one
MEMBERS = [{"weight": 3, "set": {"train.epochs": 2}},
           {"weight": 1, "set": {"model.type": "embedding_bag", "data.output_mode": "count", "data.ngrams": 1,
                                 "model.embedding_dim": 8, "train.learning_rate": 0.02}}]


def _ensemble_config(tmp_path, imdb_dir, members: dict):
    return tiny_config(tmp_path, imdb_dir, {"type": "nbsvm"},
                       data={"ngrams": 2, "output_mode": "multi_hot", "vocab_size": 2000, "validation_split": 0.2},
                       train={**members, "epochs": 1, "learning_rate": 0.05, "early_stopping": {"enabled": False}})


@pytest.fixture
def ensemble_config(tmp_path, imdb_dir):
    return _ensemble_config(tmp_path, imdb_dir, {"ensemble": 2})


@pytest.fixture(params=["seeds", "members"])
def any_ensemble_config(request, tmp_path, imdb_dir):
    """Either kind of ensemble: of seeds (``train.ensemble``), or of configs (``train.members``)."""
    return _ensemble_config(tmp_path, imdb_dir, {"members": MEMBERS} if request.param == "members" else {"ensemble": 2})


def test_an_ensemble_of_configs_outputs_the_weighted_mean_of_its_members_and_exports(tmp_path, imdb_dir):
    path = tiny_config(tmp_path, imdb_dir, {"type": "nbsvm"}, data={"output_mode": "multi_hot", "vocab_size": 2000},
                       train={"members": MEMBERS, "epochs": 1, "learning_rate": 0.05})
    result = CliRunner().invoke(app, ["train", str(path)])
    assert result.exit_code == 0, result.output
    run_dir = rundir.resolve_run_dir(result.stdout.strip().splitlines()[-1])
    dirs = ensemble.member_dirs(run_dir, 2)
    configs = [rundir.read_config(member) for member in dirs]
    assert [c.model.type for c in configs] == ["nbsvm", "embedding_bag"] and configs[0].train.epochs == 2
    model, members = load_safely(run_dir / "model.keras"), [load_safely(d / "model.keras") for d in dirs]
    weighted = 0.75 * members[0].predict(TEXTS) + 0.25 * members[1].predict(TEXTS)
    np.testing.assert_allclose(model.predict(TEXTS), weighted, atol=1e-6)
    np.testing.assert_allclose(predict.predict_texts(model, TEXTS)[:, 1], weighted[:, 0], atol=1e-5)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert [m["weight"] for m in metrics["members"]] == [0.75, 0.25]
    # export checks the SavedModel's probabilities against the .keras model's on held-out texts
    exported = CliRunner().invoke(app, ["export", str(run_dir), "--out", str(tmp_path / "exported")])
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "exported" / "1" / "saved_model.pb").is_file()


def test_an_ensemble_run_averages_members_that_each_drew_their_own_validation_texts(ensemble_config, tmp_path):
    result = CliRunner().invoke(app, ["train", str(ensemble_config)])
    assert result.exit_code == 0, result.output
    run_dir = rundir.resolve_run_dir(result.stdout.strip().splitlines()[-1])
    first, second = ensemble.member_dirs(run_dir, 2)
    infos = [json.loads((member / "run.json").read_text()) for member in (first, second)]
    assert [info["status"] for info in infos] == ["completed", "completed"]
    assert [info["seed"] for info in infos] == [1, 2]
    assert infos[0]["data"]["fingerprint"] == infos[1]["data"]["fingerprint"]  # the same texts, drawn apart
    model = load_safely(run_dir / "model.keras")
    members = [load_safely(member / "model.keras") for member in (first, second)]
    assert len(members_of(model)) == 2
    mean = np.mean([m.predict(TEXTS) for m in members], axis=0)
    np.testing.assert_allclose(model.predict(TEXTS), mean, atol=1e-6)
    np.testing.assert_allclose(predict.predict_texts(model, TEXTS)[:, 1], mean[:, 0], atol=1e-5)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["ensemble"] == 2 and len(metrics["members"]) == 2
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and "test_accuracy" in metrics["members"][1]
    assert "calibration" not in metrics and all(member["temperature"] > 0 for member in metrics["members"])
    evaluated = CliRunner().invoke(app, ["evaluate", str(run_dir)])
    assert evaluated.exit_code == 0 and f"accuracy {metrics['test_accuracy']:.4f}" in evaluated.stdout
    predicted = CliRunner().invoke(app, ["predict", str(run_dir), TEXTS[0]])
    assert predicted.exit_code == 0 and predicted.stdout.startswith("pos")
    plotted = CliRunner().invoke(app, ["plot-history", str(run_dir)])
    assert plotted.exit_code == 0 and plotted.stdout.strip().endswith("comparison-accuracy.png")


def test_a_multi_label_ensemble_tunes_thresholds_on_its_members_mean_over_one_shared_validation_split(tmp_path):
    data = write_tagged_csv(tmp_path / "tags.csv")
    path = tiny_config(tmp_path, data, {"type": "nbsvm"},
                       data={"source": "csv", "label_separator": "|", "output_mode": "multi_hot", "vocab_size": 300,
                             "validation_split": 0.3},
                       train={"members": MEMBERS, "epochs": 1, "learning_rate": 0.05})
    result = CliRunner().invoke(app, ["train", str(path)])
    assert result.exit_code == 0, result.output
    run_dir = rundir.resolve_run_dir(result.stdout.strip().splitlines()[-1])
    infos = [json.loads((d / "run.json").read_text()) for d in ensemble.member_dirs(run_dir, 2)]
    assert infos[0]["data"]["fingerprint"] == infos[1]["data"]["fingerprint"]
    corpus = splits.load_corpus(load_config(path).data, seed=1)  # member 1's split, which both trained on
    model = load_safely(run_dir / "model.keras")
    probabilities = predict.predict_texts(model, list(corpus.validation.texts))
    expected = multi_label.tune_thresholds(corpus.validation.labels, probabilities)
    np.testing.assert_allclose(model.thresholds, expected, atol=1e-6)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert list(metrics["thresholds"].values()) == pytest.approx(list(expected), abs=1e-6)
    assert metrics["val_tuned_macro_f1"] == pytest.approx(
        multi_label.cross_fitted_macro_f1(corpus.validation.labels, probabilities))
    report = multi_label.scores(corpus.test.labels, predict.predict_texts(model, list(corpus.test.texts)),
                                expected, list(corpus.class_names))
    assert metrics["test_macro_f1"] == pytest.approx(report["macro"]["f1"], abs=1e-6)
    evaluated = CliRunner().invoke(app, ["evaluate", str(run_dir)])
    assert evaluated.exit_code == 0 and f"{report['macro']['f1']:.4f}" in evaluated.stdout, evaluated.output
    predicted = CliRunner().invoke(app, ["predict", str(run_dir), "superb brilliant loved the plot"])
    assert predicted.exit_code == 0 and "good" in predicted.stdout, predicted.output


def test_members_differ_in_their_validation_texts_and_share_the_test_split(imdb_dir):
    cfg = validate({"name": "x", "model": {"type": "nbsvm"},
                    "data": {"source": "imdb", "path": str(imdb_dir), "validation_split": 0.2}})
    corpus = splits.load_corpus(cfg.data, seed=1)
    other = splits.redrawn(corpus, 0.2, seed=2)
    assert set(other.test.texts) == set(corpus.test.texts)
    assert sorted([*other.train.texts, *other.validation.texts]) == sorted([*corpus.train.texts,
                                                                            *corpus.validation.texts])
    assert len(other.validation) == len(corpus.validation) and set(other.validation.texts) != set(
        corpus.validation.texts)


class _StopInMember(keras.callbacks.Callback):
    """Ctrl-C in the second member's first epoch."""

    def __init__(self):
        super().__init__()
        self.trainings = 0

    def on_train_begin(self, logs=None):
        self.trainings += 1
        if self.trainings == 2:
            raise KeyboardInterrupt


def test_an_interrupted_ensemble_resumes_without_training_a_finished_member_again(any_ensemble_config):
    cfg = load_config(any_ensemble_config)
    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    with pytest.raises(KeyboardInterrupt):
        train.run(cfg, run_dir, options=train.Options(callbacks=(_StopInMember(),)))
    first = ensemble.member_dirs(run_dir, 2)[0]
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    assert ensemble.saved_state(run_dir, 2).startswith("1 of 2 members completed")
    finished = (first / "model.keras").stat().st_mtime_ns
    result = CliRunner().invoke(app, ["train", "--resume", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert (first / "model.keras").stat().st_mtime_ns == finished  # member 1 was not trained again
    assert json.loads((run_dir / "run.json").read_text())["status"] == "completed"
    assert len(members_of(load_safely(run_dir / "model.keras"))) == 2


@pytest.mark.parametrize("settings", [["data.source=csv", "data.path=x.csv", "data.stream=true"],
                                      ["train.distribute=mirrored"], ["train.ensemble=0"],
                                      ["train.ensemble=11"]])
def test_an_ensemble_refuses_what_it_cannot_average_in_one_line(ensemble_config, settings):
    overrides = [arg for setting in settings for arg in ("--set", setting)]
    result = CliRunner().invoke(app, ["train", str(ensemble_config), *overrides, "--dry-run"])
    assert result.exit_code == 2 and "train.ensemble" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
