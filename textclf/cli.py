"""Command line: parse, load the config, call the stage, print. Intentionally kept short.

TensorFlow is imported inside the commands that need it, so ``--help`` and
``train --dry-run`` answer instantly.
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from textclf import rundir
from textclf.config import load_config, to_yaml
from textclf.errors import TextclfError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter

app = typer.Typer(
    help="Train, evaluate and use Keras text classifiers from YAML configs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _group() -> None:
    """Train, evaluate and use Keras text classifiers from YAML configs."""


def user_errors(command):
    """Turn a ``TextclfError`` into one line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TextclfError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper


@app.command()
@user_errors
def train(
    config: Annotated[Path, typer.Argument(help="YAML config file.")],
    overrides: Annotated[
        Optional[list[str]],
        typer.Option("--set", help="Override a config value, e.g. --set train.epochs=3 (repeatable; YAML values)."),
    ] = None,
    data: Annotated[Optional[str], typer.Option("--data", help="Data path (sets data.path).")] = None,
    output_dir: Annotated[Optional[str], typer.Option("--output-dir", help="Parent folder of the run.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate the config, print it resolved, exit.")] = False,
) -> None:
    """Train a model from CONFIG; the last line printed is the run directory."""
    cfg = load_config(config, overrides or [], data_path=data, output_dir=output_dir)
    if dry_run:
        typer.echo(to_yaml(cfg), nl=False)
        return
    from textclf import train as training

    run_dir = rundir.create_run_dir(cfg.output_dir, cfg.name)
    metrics = training.run(cfg, run_dir, command_line=shlex.join(["textclf", *sys.argv[1:]])).metrics
    typer.echo(f"test accuracy {metrics['test_accuracy']:.4f} after {metrics['epochs_run']} epochs")
    typer.echo(str(run_dir))
