"""The commands that use a run (evaluate, plot-history, predict, runs, export) at the command line: defaults,
refusals, damaged runs."""

import json
import shutil
from pathlib import Path

import pytest
from helpers import GOOD_CONFIG, assert_user_error, invoke, runner

from textclf.cli import app
from textclf.config import to_yaml, validate


@pytest.fixture
def in_outputs_parent(trained_run, monkeypatch):
    """Work from the folder whose outputs/ holds the trained run, as a user would."""
    monkeypatch.chdir(trained_run.parent.parent)
    return trained_run


def test_evaluate_without_argument_uses_the_newest_run(in_outputs_parent):
    result = invoke("evaluate", "--errors", "2")
    assert result.exit_code == 0, result.output
    assert in_outputs_parent.name in result.output and "accuracy" in result.output
    assert (in_outputs_parent / "evaluation" / "test" / "metrics.json").is_file()
    table = result.stdout[result.stdout.index("confusion matrix"):].splitlines()
    assert table[1].split() == ["true", "\\", "predicted", "neg", "pos"]
    assert [row.split()[0] for row in table[2:4]] == ["neg", "pos"]
    counts = [int(cell.replace(",", "")) for row in table[2:4] for cell in row.split()[1:]]
    assert sum(counts) == 80


def test_predict_and_evaluate_take_a_decision_threshold(in_outputs_parent):
    plain = invoke("predict", "--json", "superb loved it", "awful waste")
    positive = [json.loads(line)["probabilities"]["pos"] for line in plain.stdout.splitlines()]
    assert max(positive) < 1.0, positive  # a threshold above both must exist for the test to mean anything
    low = invoke("predict", "--json", "--threshold", str(min(positive) / 2), "superb loved it", "awful waste")
    high = invoke("predict", "--json", "--threshold", str((max(positive) + 1) / 2), "superb loved it", "awful waste")
    assert [json.loads(line)["label"] for line in low.stdout.splitlines()] == ["pos", "pos"]
    assert [json.loads(line)["label"] for line in high.stdout.splitlines()] == ["neg", "neg"]
    everything_positive = invoke("evaluate", "--threshold", "1e-9", "--errors", "0")
    report = json.loads((in_outputs_parent / "evaluation" / "test" / "metrics.json").read_text())
    assert everything_positive.exit_code == 0 and report["threshold"] == 1e-9
    assert [row[0] for row in report["confusion_matrix"]] == [0, 0]  # nothing predicted neg
    assert_user_error(invoke("predict", "--threshold", "2", "text"), "--threshold")


def test_predict_texts_file_stdin_and_json(in_outputs_parent, tmp_path):
    texts = tmp_path / "reviews.txt"
    texts.write_text("superb loved it\nawful waste\n\n")
    plain = invoke("predict", "superb loved it", "awful waste")
    assert plain.exit_code == 0, plain.output
    assert len(plain.stdout.strip().splitlines()) == 2
    as_json = invoke("predict", in_outputs_parent, "--file", texts, "--json", "--top-k", "2")
    lines = [json.loads(line) for line in as_json.stdout.strip().splitlines()]
    assert [line["text"] for line in lines] == ["superb loved it", "awful waste", ""]  # a line for each line
    assert all(len(line["top"]) == 2 and line["label"] in ("neg", "pos") for line in lines[:2])
    assert all(set(line["probabilities"]) == {"neg", "pos"} and
               abs(sum(line["probabilities"].values()) - 1) < 1e-5 for line in lines[:2])  # every class, by name
    assert lines[2] == {"empty": True, "label": None, "text": ""}  # an empty line is marked, not labelled
    shown = invoke("predict", in_outputs_parent, "--file", texts).stdout.splitlines()
    assert len(shown) == 3 and shown[2] == "(empty text)\t"
    piped = runner.invoke(app, ["predict", "--file", "-"], input="superb\nawful\n")
    assert piped.exit_code == 0 and len(piped.stdout.strip().splitlines()) == 2


def test_runs_plot_history_and_export(in_outputs_parent, tmp_path):
    table = invoke("runs", "--sort", "test_accuracy")
    assert table.exit_code == 0 and in_outputs_parent.name in table.stdout and "completed" in table.stdout
    single = invoke("plot-history", "--out", tmp_path / "h.png")
    assert single.exit_code == 0 and (tmp_path / "h.png").is_file()
    both = invoke("plot-history", in_outputs_parent, in_outputs_parent, "--out", tmp_path / "c.png")
    assert both.exit_code == 0 and (tmp_path / "c.png").is_file()
    exported = invoke("export", "--out", tmp_path / "served")
    assert exported.exit_code == 0, exported.output
    assert "largest difference" in exported.stdout and (tmp_path / "served" / "1" / "saved_model.pb").is_file()


@pytest.mark.parametrize("command", ["evaluate", "plot-history", "export", "predict"])
def test_missing_or_broken_run_directory_exits_2(tmp_path, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    extra = ["some text"] if command == "predict" else []
    assert_user_error(invoke(command, *extra), "outputs", "no completed runs")
    assert_user_error(invoke(command, tmp_path / "nope", *extra) if command != "predict"
                      else invoke(command, "--dir", tmp_path / "nope", *extra), "nope")
    broken = tmp_path / "outputs" / "broken"
    broken.mkdir(parents=True)
    (broken / "run.json").write_text("{}")
    (broken / "model.keras").write_bytes(b"garbage")
    assert_user_error(invoke(command, broken, *extra), "broken")


def test_a_mistyped_run_folder_is_an_error_never_a_text(in_outputs_parent):
    assert_user_error(invoke("predict", "outputs/nonexistent", "hello"), "outputs/nonexistent", "--text")
    as_text = invoke("predict", "--text", "outputs/nonexistent", "hello")
    assert as_text.exit_code == 0, as_text.output
    assert [line.split("\t")[1] for line in as_text.stdout.strip().splitlines()] == ["hello", "outputs/nonexistent"]
    spaced = invoke("predict", "a film about and/or by idiots")  # a slash inside a sentence is text
    assert spaced.exit_code == 0 and "and/or" in spaced.stdout


@pytest.mark.parametrize("command", ["evaluate", "predict", "export", "plot-history"])
def test_the_default_run_is_the_newest_completed_one_and_is_named_first(in_outputs_parent, tmp_path, command):
    """A newer run killed while saving (half a model.keras, status still "running") is never picked."""
    killed = in_outputs_parent.parent / "zz-killed-run"
    shutil.copytree(in_outputs_parent, killed, ignore=shutil.ignore_patterns("evaluation", "saved_model"))
    info = json.loads((killed / "run.json").read_text())
    (killed / "run.json").write_text(json.dumps({**info, "status": "running", "pid": 2**22 + 12345}))
    (killed / "model.keras").write_bytes(b"half a zip")
    try:
        extra = {"predict": ["superb"], "export": ["--out", tmp_path / "x"], "plot-history": ["--out",
                                                                                             tmp_path / "h.png"]}
        result = invoke(command, *extra.get(command, []))
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines()[0] == f"using the newest completed run: outputs/{in_outputs_parent.name}"
    finally:
        shutil.rmtree(killed)


def test_a_model_holding_a_lambda_layer_is_refused(tmp_path, imdb_dir):
    import keras

    run = tmp_path / "lambda-run"
    run.mkdir()
    (run / "config.yaml").write_text(to_yaml(validate({"name": "lambda", "model": {"type": "lstm"},
                                                       "data": {"path": str(imdb_dir)}})))
    (run / "run.json").write_text('{"status": "completed", "class_names": ["neg", "pos"]}')
    inputs = keras.Input(shape=(), dtype="string")
    outputs = keras.layers.Lambda(lambda texts: keras.ops.zeros_like(keras.ops.ones((1,))))(inputs)
    keras.Model(inputs, outputs).save(run / "model.keras")
    for command in (["predict", run, "some text"], ["evaluate", run], ["export", run]):
        assert_user_error(invoke(*command), "model.keras", "Lambda", "safe mode")


ODD_TEXTS = {
    "empty": "",
    "punctuation only": "?!... ,;:'\"()",
    "1 MB": "great film " * 100_000,
    "non-English": "Ein großartiger Film, 素晴らしい映画, фильм отличный",
    "emoji": "😍🎬👍🏽🔥",
    "control characters": "bad\x00\x85\u2028movie\tand\x1b[31m worse",
}


def test_odd_text_gets_a_valid_prediction(in_outputs_parent):
    result = runner.invoke(app, ["predict", "--json", "--file", "-"],
                           input="".join(text.replace("\n", " ") + "\n" for text in ODD_TEXTS.values()))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]  # also splits at U+2028
    assert [line["text"] for line in lines] == list(ODD_TEXTS.values())
    assert lines[0] == {"empty": True, "label": None, "text": ""}
    for line in lines[1:]:
        assert line["label"] in ("neg", "pos") and 0.0 <= line["probability"] <= 1.0


def test_plot_history_never_replaces_a_picture_and_checks_what_it_is_asked(in_outputs_parent, tmp_path):
    own = in_outputs_parent / "plots" / "history.png"
    before = own.read_bytes()
    first, second = invoke("plot-history", in_outputs_parent), invoke("plot-history", in_outputs_parent)
    written = [Path(r.stdout.strip().splitlines()[-1]) for r in (first, second)]
    assert own.read_bytes() == before and written[0] != written[1] and all(p.is_file() for p in written)
    into_folder = invoke("plot-history", in_outputs_parent, "--out", tmp_path)
    assert into_folder.exit_code == 0 and Path(into_folder.stdout.strip()).parent == tmp_path
    assert Path(into_folder.stdout.strip()).is_file()
    assert_user_error(invoke("plot-history", in_outputs_parent, "--out", tmp_path / "h.xyz"), "--out", ".xyz")
    assert_user_error(invoke("plot-history", in_outputs_parent, "--metric", "f1"), "--metric", "'f1'")
    for path in written:
        path.unlink()


def test_plot_history_draws_a_run_that_has_not_finished(in_outputs_parent, tmp_path):
    unfinished = tmp_path / "unfinished"
    shutil.copytree(in_outputs_parent, unfinished)
    (unfinished / "model.keras").unlink()
    info = json.loads((unfinished / "run.json").read_text())
    (unfinished / "run.json").write_text(json.dumps({**info, "status": "interrupted"}))
    result = invoke("plot-history", unfinished, "--out", tmp_path / "h.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "h.png").is_file()


def test_runs_shows_epochs_reached_errors_and_aligned_numbers(in_outputs_parent, tmp_path):
    outputs = tmp_path / "outputs"
    shutil.copytree(in_outputs_parent, outputs / "a-completed")
    failed = outputs / "b-failed"
    shutil.copytree(in_outputs_parent, failed)
    (failed / "metrics.json").unlink()
    (failed / "history.csv").write_text("epoch,loss\n1,0.5\n2,0.4\n")
    info = json.loads((failed / "run.json").read_text())
    (failed / "run.json").write_text(json.dumps({**info, "status": "failed",
                                                "error": "training diverged in epoch 3: NaN loss"}))
    result = invoke("runs", "--dir", outputs, "--sort", "started")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    row = {line.split()[0]: line for line in rows}
    assert "training diverged in epoch 3" in row["b-failed"] and header.split()[-1] == "error"
    start = header.index("epochs")
    epochs = {name: line[start:start + len("epochs")].strip() for name, line in row.items()}
    assert epochs == {"a-completed": "3", "b-failed": "2"}  # right-aligned under the header
    accuracy_end = header.index("test_accuracy") + len("test_accuracy")
    assert row["a-completed"][accuracy_end - 1] != " "


def _damaged_copy(run, tmp_path, name):
    copy = tmp_path / "outputs" / name
    shutil.copytree(run, copy, ignore=shutil.ignore_patterns("evaluation", "saved_model", ".lock"))
    return copy


DAMAGE = {
    "run.json a list": ("run.json", "[1, 2]", "not an object"),
    "run.json fields of the wrong type": ("run.json", '{"status": 5, "started_at": 7, "class_names": "neg"}',
                                          "class_names"),
    "metrics out of range": ("metrics.json", '{"epochs_run": "many", "test_accuracy": 1e999}', None),
    "history with a header only": ("history.csv", "epoch,loss,val_loss\n", "no finished epoch"),
    "config.yaml of the wrong type": ("config.yaml", "- a\n- b\n", "config.yaml"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_run_is_listed_as_such_and_each_reader_says_what_is_wrong(in_outputs_parent, tmp_path, case):
    name, content, words = DAMAGE[case]
    run = _damaged_copy(in_outputs_parent, tmp_path, "damaged")
    _damaged_copy(in_outputs_parent, tmp_path, "healthy")
    (run / name).write_text(content)
    listing = invoke("runs", "--dir", tmp_path / "outputs")
    assert listing.exit_code == 0 and "healthy" in listing.stdout and "damaged" in listing.stdout, listing.output
    for command in (["plot-history", run, "--out", tmp_path / "h.png"], ["predict", run, "--json", "fine film"],
                    ["evaluate", run, "--errors", "0"]):
        result = invoke(*command)
        assert "Traceback" not in result.output and result.exit_code in (0, 2), (command, result.output)
        if result.exit_code == 2:
            assert_user_error(result, *([words] if words else []))


def test_a_keras_model_textclf_did_not_make_is_refused_in_one_line(tmp_path):
    import keras

    run = tmp_path / "foreign"
    run.mkdir()
    (run / "run.json").write_text('{"status": "completed"}')
    (run / "config.yaml").write_text(GOOD_CONFIG)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.save(run / "model.keras")
    for command in (["predict", run, "some text"], ["evaluate", run]):
        assert_user_error(invoke(*command), "not a textclf model")


def test_predict_reads_stdin_like_a_file(in_outputs_parent):
    result = runner.invoke(app, ["predict", "--file", "-"], input=b"good \xff\xfe film\nawful\n")
    assert result.exit_code == 0 and len(result.stdout.strip().splitlines()) == 2
    assert "not valid UTF-8" in result.stderr


def test_unwritable_output_places_are_one_line(in_outputs_parent, tmp_path):
    (tmp_path / "a_file").write_text("x")
    assert_user_error(invoke("plot-history", in_outputs_parent, "--out", tmp_path / "a_file" / "h.png"), "--out")
    assert_user_error(invoke("export", in_outputs_parent, "--out", tmp_path / "a_file" / "m"), "--out")
    config = tmp_path / "c.yaml"  # an output_dir no one can create (even root: a file is in the way)
    config.write_text(GOOD_CONFIG + f"output_dir: {tmp_path / 'a_file' / 'outputs'}\n")
    assert_user_error(invoke("train", config), "output_dir", "cannot create")


def test_a_model_whose_vocabulary_points_outside_its_file_is_refused(in_outputs_parent, tmp_path):
    """A crafted model.keras whose vectorizer names a file on disk as its vocabulary: Keras would read it."""
    import zipfile

    run = _damaged_copy(in_outputs_parent, tmp_path, "crafted")
    with zipfile.ZipFile(in_outputs_parent / "model.keras") as original:
        members = {name: original.read(name) for name in original.namelist()}
    config = json.loads(members["config.json"])
    vectorizer = next(layer for layer in config["config"]["layers"] if layer["config"]["name"] == "vectorizer")
    vectorizer["config"]["vocabulary"] = "/etc/passwd"
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(run / "model.keras", "w") as crafted:
        for name, content in members.items():
            crafted.writestr(name, content)
    for command in (["predict", run, "some text"], ["evaluate", run]):
        assert_user_error(invoke(*command), "refused", "/etc/passwd", "outside its own file")
