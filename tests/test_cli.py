import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import tiny_config
from typer.testing import CliRunner

from textclf.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_user_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: ") and len(message.splitlines()) == 1, message
    assert "Traceback" not in result.output
    for word in words:
        assert word in message


def test_help_and_dry_run_never_import_tensorflow(tmp_path):
    config = Path(__file__).parent.parent / "configs" / "lstm.yaml"
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from textclf.cli import app\n"
        "assert 'tensorflow' not in sys.modules, 'imported by the CLI module'\n"
        "runner = CliRunner()\n"
        "assert runner.invoke(app, ['--help']).exit_code == 0\n"
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


@pytest.mark.parametrize(
    "overrides, words",
    [
        (["--set", "train.epocs=3"], ["train.epocs", "epochs"]),
        (["--set", "model.type=rnnn"], ["model.type", "simple_rnn", "conv1d_bilstm"]),
        (["--set", "train.batch_size=big"], ["train.batch_size"]),
        (["--set", "nonsense"], ["--set"]),
    ],
)
def test_bad_config_exits_2_naming_the_field(tmp_path, imdb_dir, overrides, words):
    config = tiny_config(tmp_path, imdb_dir, {"type": "lstm"})
    assert_user_error(invoke("train", config, *overrides), *words)


def test_missing_config_and_data_exit_2(tmp_path, imdb_dir):
    assert_user_error(invoke("train", tmp_path / "nope.yaml"), "nope.yaml", "not found")
    config = tiny_config(tmp_path, imdb_dir, {"type": "lstm"})
    assert_user_error(invoke("train", config, "--data", tmp_path / "missing"), "missing", "does not exist")


def test_train_prints_the_run_directory_last_and_never_reuses_it(tmp_path, imdb_dir):
    config = tiny_config(tmp_path, imdb_dir, {"type": "dense_bow", "hidden_units": [4]},
                         train={"epochs": 1})
    first = invoke("train", config)
    second = invoke("train", config)
    assert first.exit_code == 0 and second.exit_code == 0, first.output
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
    assert (in_outputs_parent / "evaluation" / "metrics.json").is_file()


def test_predict_texts_file_stdin_and_json(in_outputs_parent, tmp_path):
    texts = tmp_path / "reviews.txt"
    texts.write_text("superb loved it\nawful waste\n\n")
    plain = invoke("predict", "superb loved it", "awful waste")
    assert plain.exit_code == 0, plain.output
    assert len(plain.stdout.strip().splitlines()) == 2
    as_json = invoke("predict", in_outputs_parent, "--file", texts, "--json", "--top-k", "2")
    lines = [json.loads(line) for line in as_json.stdout.strip().splitlines()]
    assert [line["text"] for line in lines] == ["superb loved it", "awful waste", ""]
    assert all(len(line["top"]) == 2 and line["label"] in ("neg", "pos") for line in lines)
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
    assert "largest difference" in exported.stdout and (tmp_path / "served" / "saved_model.pb").is_file()


def test_train_draws_its_own_history_plot(trained_run):
    assert (trained_run / "plots" / "history.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("command", ["evaluate", "plot-history", "export", "predict"])
def test_missing_or_broken_run_directory_exits_2(tmp_path, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    extra = ["some text"] if command == "predict" else []
    assert_user_error(invoke(command, *extra), "outputs", "no finished runs")
    assert_user_error(invoke(command, tmp_path / "nope", *extra) if command != "predict"
                      else invoke(command, "--dir", tmp_path / "nope", *extra), "nope")
    broken = tmp_path / "outputs" / "broken"
    broken.mkdir(parents=True)
    (broken / "run.json").write_text("{}")
    (broken / "model.keras").write_bytes(b"garbage")
    assert_user_error(invoke(command, broken, *extra), "broken")
