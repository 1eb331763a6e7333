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
