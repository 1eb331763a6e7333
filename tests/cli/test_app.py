"""The command line as a whole: help and --dry-run without TensorFlow, --version, completion, every option's help."""

import subprocess
import sys

from helpers import ROOT, invoke

from textclf.cli import app


def test_help_and_dry_run_never_import_tensorflow(tmp_path):
    config = ROOT / "configs" / "lstm.yaml"
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
