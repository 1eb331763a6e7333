import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import assert_user_error, invoke, runner, tiny_config, write_imdb_tree

from textclf.cli import app
from textclf.config import to_yaml, validate


def test_help_and_dry_run_never_import_tensorflow(tmp_path):
    config = Path(__file__).parent.parent / "configs" / "lstm.yaml"
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from textclf.cli import app\n"
        "assert 'tensorflow' not in sys.modules, 'imported by the CLI module'\n"
        "runner = CliRunner()\n"
        "assert runner.invoke(app, ['--help']).exit_code == 0\n"
        "assert 'pydantic' not in sys.modules and 'numpy' not in sys.modules, 'imported by --help'\n"
        f"result = runner.invoke(app, ['train', {str(config)!r}, '--dry-run', '--set', 'train.epochs=3'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'epochs: 3' in result.output\n"
        "assert 'tensorflow' not in sys.modules, 'imported by --dry-run'\n"
        "assert 'keras' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_dry_run_prints_every_resolved_default(tmp_path, imdb_dir):
    result = invoke("train", tiny_config(tmp_path, imdb_dir, {"type": "lstm"}), "--dry-run")
    assert result.exit_code == 0
    for key in ("mask_zero: false", "validation_split: 0.2", "checkpoint_monitor: val_loss"):
        assert key in result.output


GOOD = "name: tiny\nmodel: {type: lstm}\n"

# Every config mistake docs/reliability.md lists: (YAML text, extra arguments, words the message must hold).
BAD_CONFIGS = {
    "empty file": ("", [], ["c.yaml", "empty"]),
    "not a mapping": ("- name\n- model\n", [], ["c.yaml", "mapping", "list"]),
    "syntax error": ("name: tiny\nmodel: {type: lstm\n", [], ["c.yaml", "line 3"]),
    "duplicate key": ("name: tiny\nmodel: {type: lstm}\nname: again\n", [], ["duplicate key 'name'", "line 3"]),
    "unknown key": ("name: tiny\nmodle: {type: lstm}\n", [], ["modle", "did you mean 'model'"]),
    "unknown section key": (GOOD + "train: {epocs: 3}\n", [], ["train.epocs", "did you mean 'epochs'"]),
    "unknown model type": ("name: tiny\nmodel: {type: lstmm}\n", [], ["model.type", "'lstmm'", "conv1d_bilstm"]),
    "unknown nested model key": (GOOD.replace("lstm}", "lstm, embedding: {pretrain: g.txt}}"), [],
                                 ["model.embedding.pretrain", "did you mean 'pretrained'"]),
    "unknown data source": (GOOD + "data: {source: excel}\n", [], ["data.source", "'csv'", "'excel'"]),
    "wrong type": (GOOD.replace("lstm}", "lstm, units: many}"), [], ["model.units", "'many'"]),
    "epochs 0": (GOOD + "train: {epochs: 0}\n", [], ["train.epochs", "0"]),
    "negative learning rate": (GOOD + "train: {learning_rate: -0.1}\n", [], ["train.learning_rate", "-0.1"]),
    "NaN learning rate": (GOOD + "train: {learning_rate: .nan}\n", [], ["train.learning_rate", "finite"]),
    "validation_split 0": (GOOD + "data: {validation_split: 0}\n", [], ["data.validation_split"]),
    "validation_split 1": (GOOD + "data: {validation_split: 1.0}\n", [], ["data.validation_split"]),
    "maxlen 0": (GOOD + "data: {maxlen: 0}\n", [], ["data.maxlen"]),
    "--set unknown key": (GOOD, ["--set", "train.epocs=3"], ["train.epocs", "epochs"]),
    "--set bad value": (GOOD, ["--set", "train.batch_size=big"], ["train.batch_size", "'big'"]),
    "--set without =": (GOOD, ["--set", "nonsense"], ["--set", "KEY=VALUE"]),
    "--set bad YAML": (GOOD, ["--set", "train.epochs=[1"], ["--set", "not valid YAML"]),
    "monitor not logged": (GOOD + "train: {checkpoint_monitor: val_auc}\n", [],
                           ["train.checkpoint_monitor", "val_auc", "train.metrics"]),
    "schedule with plateau": (GOOD + "train: {lr_schedule: cosine, reduce_lr_on_plateau: {patience: 2}}\n", [],
                              ["train.lr_schedule", "reduce_lr_on_plateau"]),
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
        + "name: tiny\nmodel: {type: lstm}\n", [], ["c.yaml", "100,000 values"]),
    "nesting thousands deep": ("name: tiny\nmodel: {type: lstm}\nx: " + "[" * 5000 + "]" * 5000 + "\n", [],
                               ["c.yaml", "nested"]),
    "list as a key": ("? [a, b]\n: 1\nname: tiny\n", [], ["c.yaml", "line 1", "list cannot be a key"]),
    "long bad value": (GOOD + "train: {epochs: " + "9" * 5000 + "x}\n", [], ["train.epochs", "characters)"]),
    "maxlen absurd": (GOOD + "data: {maxlen: 2000000}\n", [], ["data.maxlen", "100000"]),
    "units absurd": (GOOD.replace("lstm}", "lstm, units: 10000000}"), [], ["model.units", "16384"]),
    "no hidden layer": ("name: t\nmodel: {type: dense_bow, hidden_units: []}\n", [], ["model.hidden_units"]),
    "heads absurd": ("name: t\nmodel: {type: transformer, num_heads: 5000}\n", [], ["model.num_heads"]),
    "missing data file": (GOOD + "data: {source: csv, path: nowhere.csv}\n", [], ["data.path", "nowhere.csv"]),
    "missing test file": (GOOD + "data: {source: csv, path: /}\n", ["--set", "data.test_path=gone.csv"],
                          ["data.test_path", "gone.csv", "does not exist"]),
    "shards matching nothing": (GOOD + "data: {source: csv, path: 'nowhere/train-*.csv'}\n", [],
                                ["data.path", "no file matches", "train-*.csv"]),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_config_exits_2_naming_the_field(tmp_path, case):
    text, extra, words = BAD_CONFIGS[case]
    (tmp_path / "c.yaml").write_text(text)
    assert_user_error(invoke("train", tmp_path / "c.yaml", "--dry-run", *extra), *words)


def test_a_failed_download_is_one_line_and_leaves_no_run_folder(tmp_path, monkeypatch):
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://example.org: None -- [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    (tmp_path / "c.yaml").write_text(GOOD + f"output_dir: {tmp_path / 'outputs'}\n")
    assert_user_error(invoke("train", tmp_path / "c.yaml"), "could not download", "--data", "Name or service")
    assert list((tmp_path / "outputs").iterdir()) == []


def test_a_config_that_is_not_a_regular_file_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    assert_user_error(invoke("train", tmp_path / "pipe.yaml", "--dry-run"), "pipe.yaml", "FIFO")
    (tmp_path / "folder.yaml").mkdir()
    assert_user_error(invoke("train", tmp_path / "folder.yaml", "--dry-run"), "folder.yaml", "is a folder")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "gone.yaml")
    assert_user_error(invoke("train", tmp_path / "link.yaml", "--dry-run"), "link.yaml", "symbolic link to nothing")
    (tmp_path / "big.yaml").write_text("# " + "x" * 300_000 + "\nname: x\n")
    assert_user_error(invoke("train", tmp_path / "big.yaml", "--dry-run"), "big.yaml", "larger than")


def test_missing_or_unreadable_config_exits_2(tmp_path):
    assert_user_error(invoke("train", tmp_path / "nope.yaml"), "nope.yaml", "not found")
    assert_user_error(invoke("train", tmp_path), str(tmp_path), "is a folder")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00")
    assert_user_error(invoke("train", tmp_path / "binary.yaml"), "binary.yaml", "cannot read")


def _broken_tree(root: Path, change) -> Path:
    tree = write_imdb_tree(root, per_class=6)
    change(tree)
    return tree


def _truncated(tar: Path, folder: Path) -> Path:
    cut = folder / "cut.tar.gz"
    cut.write_bytes(tar.read_bytes()[: tar.stat().st_size // 2])
    return cut


BAD_DATA = {
    "path does not exist": (lambda tmp, tar: tmp / "missing", ["missing", "does not exist"]),
    "corrupt tarball": (lambda tmp, tar: _write(tmp / "bad.tar.gz", b"not an archive" * 50),
                        ["bad.tar.gz", "corrupt or truncated"]),
    "truncated tarball": (lambda tmp, tar: _truncated(tar, tmp), ["cut.tar.gz", "corrupt or truncated"]),
    "folder without train/pos": (
        lambda tmp, tar: _broken_tree(tmp, lambda t: shutil.rmtree(t / "train" / "pos")),
        ["train/pos", "missing folder"]),
    "split with one class": (
        lambda tmp, tar: _broken_tree(tmp, lambda t: [f.unlink() for f in (t / "test" / "neg").iterdir()]),
        ["test split has no neg reviews"]),
    "binary file": (
        lambda tmp, tar: _broken_tree(tmp, lambda t: _write(t / "train" / "pos" / "2_9.txt", b"\x00\x01PK")),
        ["train/pos/2_9.txt", "not text"]),
}


def _write(path: Path, payload: bytes) -> Path:
    path.write_bytes(payload)
    return path


@pytest.mark.parametrize("case", BAD_DATA)
def test_bad_data_exits_2_naming_the_file(tmp_path, imdb_dir, imdb_tar, case):
    make, words = BAD_DATA[case]
    config = tiny_config(tmp_path, imdb_dir, {"type": "lstm"})
    assert_user_error(invoke("train", config, "--data", make(tmp_path, imdb_tar)), *words)


def test_files_that_are_not_utf8_are_decoded_with_replacement_and_counted(tmp_path):
    tree = _broken_tree(tmp_path, lambda t: [_write(t / "train" / "pos" / f"{i}_9.txt", b"great \xff\xfe film")
                                             for i in range(2)])
    config = tiny_config(tmp_path, tree, {"type": "dense_bow", "hidden_units": [4]}, train={"epochs": 1})
    result = invoke("train", config)
    assert result.exit_code == 0, result.output
    assert "warning: 2 files" in result.stderr and "not valid UTF-8" in result.stderr


def test_train_prints_the_run_directory_last_and_never_reuses_it(tmp_path, imdb_dir):
    config = tiny_config(tmp_path, imdb_dir, {"type": "dense_bow", "hidden_units": [4]},
                         train={"epochs": 1})
    first = invoke("train", config)
    second = invoke("train", config)
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "\x1b" not in first.output and "\r" not in first.output  # a log file gets plain lines
    assert "textclf inspect" not in first.stderr  # distinct texts: no warning of repeats
    assert [line for line in first.stdout.splitlines() if line.startswith("Epoch")][0].startswith("Epoch 1/1  ")
    first_dir = Path(first.stdout.strip().splitlines()[-1])
    second_dir = Path(second.stdout.strip().splitlines()[-1])
    assert first_dir != second_dir
    assert (first_dir / "model.keras").is_file() and (second_dir / "model.keras").is_file()
    assert first_dir.parent == tmp_path / "outputs"


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


def test_train_draws_its_own_history_plot(trained_run):
    assert (trained_run / "plots" / "history.png").read_bytes()[:4] == b"\x89PNG"


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


@pytest.mark.parametrize("layout", ["csv", "directory"])
def test_four_topics_from_a_generated_csv_or_class_folders(tmp_path, layout):
    from textclf.data import examples

    writer = examples.write_csv if layout == "csv" else examples.write_directory
    corpus = writer(tmp_path / ("topics.csv" if layout == "csv" else "topics"), rows=400)
    config = Path(__file__).parent.parent / "configs" / "topics.yaml"
    result = invoke("train", config, "--data", corpus, "--output-dir", tmp_path / "outputs",
                    "--set", f"data.source={layout}", "--set", "train.epochs=12")
    assert result.exit_code == 0, result.output
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    info = json.loads((run_dir / "run.json").read_text())
    assert info["class_names"] == ["food", "sports", "technology", "travel"]
    result = invoke("evaluate", run_dir)
    assert result.exit_code == 0, result.output
    report = json.loads((run_dir / "evaluation" / "test" / "metrics.json").read_text())
    assert set(report["per_class"]) == {"food", "sports", "technology", "travel"}
    assert report["accuracy"] >= 0.9 and min(c["recall"] for c in report["per_class"].values()) >= 0.7
    assert "travel" in result.stdout and "macro" in result.stdout.lower()
    result = invoke("predict", run_dir, "the striker scored a late goal for the team", "--json")
    assert json.loads(result.stdout)["label"] == "sports"
    if layout == "csv":  # other data is scored by label name, never by the position of a label in its own list
        import csv as csv_module

        rows = list(csv_module.DictReader(open(corpus, encoding="utf-8")))
        two = tmp_path / "two_topics.csv"
        with open(two, "w", newline="", encoding="utf-8") as handle:
            writer_ = csv_module.DictWriter(handle, ["text", "topic"])
            writer_.writeheader()
            writer_.writerows(r for r in rows if r["topic"] in ("sports", "travel"))
        subset = invoke("evaluate", run_dir, "--data", two)  # every row of it
        assert subset.exit_code == 0, subset.output
        report = json.loads((run_dir / "evaluation" / "data-two_topics" / "metrics.json").read_text())
        assert report["accuracy"] >= 0.9 and report["rows_scored"] == len([r for r in rows if r["topic"] in
                                                                            ("sports", "travel")])
        with open(two, "a", newline="", encoding="utf-8") as handle:
            csv_module.writer(handle).writerows([["a recipe for sourdough", "baking"]] * 5)
        assert_user_error(invoke("evaluate", run_dir, "--data", two), "'baking'", "not trained on")


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


def test_version_names_textclf_tensorflow_keras_and_python():
    result = invoke("--version")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["textclf", "tensorflow", "keras", "python"]


def test_shell_completion_is_offered():
    assert "--install-completion" in invoke("--help").stdout


def test_every_option_has_help_and_shows_its_default():
    import typer  # (Typer vendors click: its options are click-like, not click.Option)

    group = typer.main.get_command(app)
    missing = []
    for name, command in group.commands.items():
        for param in command.params:
            if param.param_type_name != "option" or param.name == "help":
                continue
            if not param.help:
                missing.append(f"{name} {param.opts[0]}: no help")
            if param.default not in (None, False) and not param.show_default:
                missing.append(f"{name} {param.opts[0]}: default {param.default!r} not shown")
    assert missing == []


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


def test_resume_refuses_a_broken_state_file_and_an_edited_model_type(tmp_path, imdb_dir):
    config = tiny_config(tmp_path, imdb_dir, {"type": "dense_bow", "hidden_units": [4]}, train={"epochs": 1})
    run = Path(invoke("train", config).stdout.strip().splitlines()[-1])
    info = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**info, "status": "interrupted"}))
    (run / "backup").mkdir()
    (run / "backup" / "callbacks.json").write_text('{"epochs": [], "lo')
    assert_user_error(invoke("train", "--resume", run), "callbacks.json")
    (run / "backup" / "callbacks.json").unlink()
    import yaml

    edited = {**yaml.safe_load((run / "config.yaml").read_text()), "model": {"type": "nbsvm"}}
    (run / "config.yaml").write_text(yaml.safe_dump(edited))
    assert_user_error(invoke("train", "--resume", run), "config.yaml", "'nbsvm'", "'dense_bow'")


def test_a_keras_model_textclf_did_not_make_is_refused_in_one_line(tmp_path):
    import keras

    run = tmp_path / "foreign"
    run.mkdir()
    (run / "run.json").write_text('{"status": "completed"}')
    (run / "config.yaml").write_text(GOOD)
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
    config.write_text(GOOD + f"output_dir: {tmp_path / 'a_file' / 'outputs'}\n")
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


def test_a_swapped_checkpoint_is_refused_before_a_resume_trains(tmp_path, imdb_dir):
    import keras

    config = tiny_config(tmp_path, imdb_dir, {"type": "dense_bow", "hidden_units": [4]}, train={"epochs": 1})
    run = Path(invoke("train", config).stdout.strip().splitlines()[-1])
    info = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**info, "status": "interrupted"}))
    inputs = keras.Input(shape=(3,))
    keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs)).save(run / "checkpoints" / "best.keras")
    result = invoke("train", "--resume", run)
    assert_user_error(result, "best.keras", "refused by Keras safe mode")
    assert "Epoch" not in result.stdout  # refused before any training


CROSS_FIELD = {  # every rule between fields: in the schema, so --dry-run refuses what train refuses
    "imdb with a test file": ("data: {source: imdb, test_path: t.csv}", ["data.test_path", "IMDB"]),
    "csv without a path": ("data: {source: csv}", ["data.path", "required for source csv"]),
    "class weights on several workers": ("train: {class_weight: balanced, distribute: multi_worker}",
                                         ["train.class_weight", "multi_worker"]),
    "a monitor that is not logged": ("train: {checkpoint_monitor: val_f1}", ["train.checkpoint_monitor"]),
    "a schedule with plateau cuts": ("train: {lr_schedule: cosine, reduce_lr_on_plateau: {enabled: true}}",
                                     ["train.lr_schedule"]),
    "a label separator for IMDB": ("data: {source: imdb, label_separator: '|'}",
                                   ["data.label_separator", "only for source csv"]),
    "character n-grams for a sequence model": ("data: {char_ngrams: [2, 5]}",
                                               ["data.char_ngrams", "only for bag models"]),
    "temperature scaling of several labels per text": ("data: {task: multi_label}\ntrain: {calibrate: temperature}",
                                                       ["train.calibrate", "multi-label"]),
    "character n-grams the wrong way round": ("data: {char_ngrams: [5, 2]}", ["data.char_ngrams", "wrong way"]),
    "character n-grams left to the data, for a sequence model": ("data: {char_ngrams: auto}",
                                                                 ["data.char_ngrams", "only for bag models"]),
    "character n-grams left to the data, of characters": ("data: {char_ngrams: auto, split: character}",
                                                          ["data.char_ngrams", "split word"]),
}


@pytest.mark.parametrize("case", CROSS_FIELD)
def test_dry_run_refuses_every_cross_field_mistake_train_refuses(tmp_path, case):
    section, words = CROSS_FIELD[case]
    (tmp_path / "t.csv").write_text("text,label\n")
    (tmp_path / "c.yaml").write_text(GOOD + section + f"\noutput_dir: {tmp_path / 'outputs'}\n")
    dry, real = invoke("train", tmp_path / "c.yaml", "--dry-run"), invoke("train", tmp_path / "c.yaml")
    assert_user_error(dry, *words)
    assert_user_error(real, *words)
    assert dry.stderr.strip().splitlines()[-1] == real.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "outputs").exists()  # refused before any run folder


def test_empty_texts_are_skipped_with_one_warning_or_refused_when_asked(tmp_path):
    tree = _broken_tree(tmp_path, lambda t: [_write(t / "train" / "neg" / f"{i}_1.txt", b"  \n") for i in (3, 4)])
    config = tiny_config(tmp_path, tree, {"type": "dense_bow", "hidden_units": [4]}, train={"epochs": 1})
    result = invoke("train", config)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "empty text" in line]
    assert warnings == [f"warning: {tree}: skipped 2 empty texts (train/neg/3_1.txt, train/neg/4_1.txt); "
                        "data.empty_text: error refuses them"]
    assert_user_error(invoke("train", config, "--set", "data.empty_text=error"), "empty text train/neg/3_1.txt",
                      "data.empty_text: error")


OFFLINE = """
import sys
from textclf.data import sources
sources.IMDB_URL = "http://127.0.0.1:9/aclImdb_v1.tar.gz"  # a closed local port: the download fails at once
from textclf.cli import main
sys.argv = ["textclf", "train", sys.argv[1]]
main()
"""


def test_an_offline_first_run_is_one_line_without_tensorflows_start_up_lines(tmp_path):
    from textclf.quiet import _NATIVE_LINE

    (tmp_path / "c.yaml").write_text(GOOD + f"output_dir: {tmp_path / 'outputs'}\n")
    environment = {**os.environ, "KERAS_HOME": str(tmp_path / "keras")}  # no cached archive
    environment.pop("TEXTCLF_TF_LOG", None)
    done = subprocess.run([sys.executable, "-c", OFFLINE, str(tmp_path / "c.yaml")], capture_output=True, text=True,
                          env=environment, timeout=120)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert not [line for line in lines if _NATIVE_LINE.match(line) or "cuda" in line.lower()], lines
    assert lines[-1].startswith("error: data.path: could not download IMDB") and "--data" in lines[-1]
