"""The ``textclf`` Typer app, the error boundary every command goes through, the options commands share,
and the process entry point."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from textclf import progress, quiet
from textclf.errors import Interrupted, TextclfError
from textclf.runs import rundir
from textclf.usage import OneLineErrors, versions

app = typer.Typer(
    cls=OneLineErrors,
    help="Train, evaluate and use Keras text classifiers from YAML configs.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
)


@app.callback()
def _group(
    verbose: Annotated[bool, typer.Option("--verbose", help="Show TensorFlow's own log lines too.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=versions, is_eager=True,
                                          help="Print the versions of textclf, TensorFlow, Keras and Python.")]
    = False,
) -> None:
    """Train, evaluate and use Keras text classifiers from YAML configs."""
    if verbose:
        os.environ[quiet.VERBOSE_VARIABLE] = "1"


def user_errors(command):
    """Turn a ``TextclfError`` into one line on stderr and exit code 2; ``Interrupted`` into its message and 130;
    a closed pipe into a quiet exit 0, as for any command whose reader stops early."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Interrupted as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(130) from None
        except TextclfError as exc:
            typer.echo("error: " + "; ".join(line.strip() for line in str(exc).splitlines() if line.strip()), err=True)
            raise typer.Exit(2) from None
        except BrokenPipeError:  # `textclf predict … | head`: the reader took what it wanted and left
            raise typer.Exit(0) from None

    return wrapper


RunDirArg = Annotated[Optional[Path], typer.Argument(
    help="Run directory (default: the newest completed run under --dir).", show_default=False)]
OutputsOpt = Annotated[Path, typer.Option("--dir", help="Where runs are looked for.")]


def run_dir_of(run_dir: Path | None, outputs: Path, need: str = rundir.MODEL_FILE) -> Path:
    """The run a command works on; when the user named none, the newest completed one, said first on stderr."""
    run = rundir.resolve_run_dir(run_dir, outputs, need)
    if run_dir is None:
        typer.echo(f"using the newest completed run: {run}", err=True)
    return run


ThresholdOpt = Annotated[Optional[float], typer.Option(
    "--threshold", help="Two classes: label a text with the second class when its probability is above this "
                        "[default: the more probable class, i.e. 0.5]. Multi-label: every label above this, "
                        "instead of each label's tuned threshold.", show_default=False)]


def main() -> None:
    """The ``textclf`` command: run it, then leave without waiting for TensorFlow's teardown.

    A process that imported TensorFlow spends about a second in Python's own exit, destroying TensorFlow's
    modules, thread pools and static objects, after the command is done. Every file a command writes is
    complete (closed and renamed into place) when it returns, so the exit handlers (atexit, weakref
    finalizers, logging) run, the streams are flushed, and the process ends there with its exit code.
    """
    progress.command_started = progress.process_started()  # tune's budget: from the command's start
    try:
        app(prog_name="textclf")
        code = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):  # sys.exit("message"): Python prints it and exits 1
        print(code, file=sys.stderr)
        code = 1
    if "tensorflow" not in sys.modules:
        sys.exit(code)
    quiet.leave(int(code or 0))
