"""Command-line mistakes (an unknown option, a value out of range) said in one line, not a box.

Typer hands click's usage errors to rich, which draws a five-line panel;
``textclf`` prints ``error: …`` and, on a second line, where the help is,
with exit code 2 as for every other user error.
"""

from __future__ import annotations

import sys

import typer
from typer import Abort
from typer.core import TyperGroup

try:  # newer Typer vendors click
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - older Typer, with click installed
    from click.exceptions import ClickException, UsageError


class OneLineErrors(TyperGroup):
    """The ``textclf`` group, running its commands as usual but reporting usage errors in one line."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare `textclf`: the help, as asked
                typer.echo(exc.format_message(), err=True)
            else:
                command = exc.ctx.command_path if exc.ctx is not None else "textclf"
                typer.echo(f"error: {exc.format_message()}", err=True)
                typer.echo(f"usage: {command} --help", err=True)
            code = 2
        except ClickException as exc:
            typer.echo(f"error: {exc.format_message()}", err=True)
            code = exc.exit_code
        except Abort:
            typer.echo("aborted", err=True)
            code = 1
        code = code if isinstance(code, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)


def versions(show: bool) -> None:
    """``--version``: textclf's and the versions that decide its numbers, without importing TensorFlow."""
    if not show:
        return
    from textclf.version import stack_versions

    typer.echo("\n".join(f"{name} {version}" for name, version in stack_versions().items()))
    raise typer.Exit()
