"""train (with --dry-run and --resume) at the command line: each bad config, bad data or accident is one line,
exit 2."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import GOOD_CONFIG, ROOT, assert_user_error, invoke, tiny_config, write_imdb_tree


def test_dry_run_prints_every_resolved_default(tmp_path, imdb_dir):
    result = invoke("train", tiny_config(tmp_path, imdb_dir, {"type": "lstm"}), "--dry-run")
    assert result.exit_code == 0
    for key in ("mask_zero: false", "validation_split: 0.2", "checkpoint_monitor: val_loss"):
        assert key in result.output




# Every config mistake docs/reliability.md lists: (YAML text, extra arguments, words the message must hold).
BAD_CONFIGS = {
    "empty file": ("", [], ["c.yaml", "empty"]),
    "not a mapping": ("- name\n- model\n", [], ["c.yaml", "mapping", "list"]),
    "syntax error": ("name: tiny\nmodel: {type: lstm\n", [], ["c.yaml", "line 3"]),
    "duplicate key": ("name: tiny\nmodel: {type: lstm}\nname: again\n", [], ["duplicate key 'name'", "line 3"]),
    "unknown key": ("name: tiny\nmodle: {type: lstm}\n", [], ["modle", "did you mean 'model'"]),
    "unknown section key": (GOOD_CONFIG + "train: {epocs: 3}\n", [], ["train.epocs", "did you mean 'epochs'"]),
    "unknown model type": ("name: tiny\nmodel: {type: lstmm}\n", [], ["model.type", "'lstmm'", "conv1d_bilstm"]),
    "unknown nested model key": (GOOD_CONFIG.replace("lstm}", "lstm, embedding: {pretrain: g.txt}}"), [],
                                 ["model.embedding.pretrain", "did you mean 'pretrained'"]),
    "unknown data source": (GOOD_CONFIG + "data: {source: excel}\n", [], ["data.source", "'csv'", "'excel'"]),
    "wrong type": (GOOD_CONFIG.replace("lstm}", "lstm, units: many}"), [], ["model.units", "'many'"]),
    "epochs 0": (GOOD_CONFIG + "train: {epochs: 0}\n", [], ["train.epochs", "0"]),
    "negative learning rate": (GOOD_CONFIG + "train: {learning_rate: -0.1}\n", [], ["train.learning_rate", "-0.1"]),
    "NaN learning rate": (GOOD_CONFIG + "train: {learning_rate: .nan}\n", [], ["train.learning_rate", "finite"]),
    "validation_split 0": (GOOD_CONFIG + "data: {validation_split: 0}\n", [], ["data.validation_split"]),
    "validation_split 1": (GOOD_CONFIG + "data: {validation_split: 1.0}\n", [], ["data.validation_split"]),
    "maxlen 0": (GOOD_CONFIG + "data: {maxlen: 0}\n", [], ["data.maxlen"]),
    "--set unknown key": (GOOD_CONFIG, ["--set", "train.epocs=3"], ["train.epocs", "epochs"]),
    "--set bad value": (GOOD_CONFIG, ["--set", "train.batch_size=big"], ["train.batch_size", "'big'"]),
    "--set without =": (GOOD_CONFIG, ["--set", "nonsense"], ["--set", "KEY=VALUE"]),
    "--set bad YAML": (GOOD_CONFIG, ["--set", "train.epochs=[1"], ["--set", "not valid YAML"]),
    "monitor not logged": (GOOD_CONFIG + "train: {checkpoint_monitor: val_auc}\n", [],
                           ["train.checkpoint_monitor", "val_auc", "train.metrics"]),
    "schedule with plateau": (GOOD_CONFIG + "train: {lr_schedule: cosine, reduce_lr_on_plateau: {patience: 2}}\n", [],
                              ["train.lr_schedule", "reduce_lr_on_plateau"]),
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
        + "name: tiny\nmodel: {type: lstm}\n", [], ["c.yaml", "100,000 values"]),
    "nesting thousands deep": ("name: tiny\nmodel: {type: lstm}\nx: " + "[" * 5000 + "]" * 5000 + "\n", [],
                               ["c.yaml", "nested"]),
    "list as a key": ("? [a, b]\n: 1\nname: tiny\n", [], ["c.yaml", "line 1", "list cannot be a key"]),
    "long bad value": (GOOD_CONFIG + "train: {epochs: " + "9" * 5000 + "x}\n", [], ["train.epochs", "characters)"]),
    "maxlen absurd": (GOOD_CONFIG + "data: {maxlen: 2000000}\n", [], ["data.maxlen", "100000"]),
    "units absurd": (GOOD_CONFIG.replace("lstm}", "lstm, units: 10000000}"), [], ["model.units", "16384"]),
    "no hidden layer": ("name: t\nmodel: {type: dense_bow, hidden_units: []}\n", [], ["model.hidden_units"]),
    "heads absurd": ("name: t\nmodel: {type: transformer, num_heads: 5000}\n", [], ["model.num_heads"]),
    "missing data file": (GOOD_CONFIG + "data: {source: csv, path: nowhere.csv}\n", [], ["data.path", "nowhere.csv"]),
    "missing test file": (GOOD_CONFIG + "data: {source: csv, path: /}\n", ["--set", "data.test_path=gone.csv"],
                          ["data.test_path", "gone.csv", "does not exist"]),
    "shards matching nothing": (GOOD_CONFIG + "data: {source: csv, path: 'nowhere/train-*.csv'}\n", [],
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
    (tmp_path / "c.yaml").write_text(GOOD_CONFIG + f"output_dir: {tmp_path / 'outputs'}\n")
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


def test_train_draws_its_own_history_plot(trained_run):
    assert (trained_run / "plots" / "history.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("layout", ["csv", "directory"])
def test_four_topics_from_a_generated_csv_or_class_folders(tmp_path, layout):
    from textclf.data import examples

    writer = examples.write_csv if layout == "csv" else examples.write_directory
    corpus = writer(tmp_path / ("topics.csv" if layout == "csv" else "topics"), rows=400)
    config = ROOT / "configs" / "topics.yaml"
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
    (tmp_path / "c.yaml").write_text(GOOD_CONFIG + section + f"\noutput_dir: {tmp_path / 'outputs'}\n")
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

    (tmp_path / "c.yaml").write_text(GOOD_CONFIG + f"output_dir: {tmp_path / 'outputs'}\n")
    environment = {**os.environ, "KERAS_HOME": str(tmp_path / "keras")}  # no cached archive
    environment.pop("TEXTCLF_TF_LOG", None)
    done = subprocess.run([sys.executable, "-c", OFFLINE, str(tmp_path / "c.yaml")], capture_output=True, text=True,
                          env=environment, timeout=120)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert not [line for line in lines if _NATIVE_LINE.match(line) or "cuda" in line.lower()], lines
    assert lines[-1].startswith("error: data.path: could not download IMDB") and "--data" in lines[-1]
