"""Command line: parse, load the config, call the stage, print. Intentionally kept short.

TensorFlow and pydantic are imported inside the commands that need them: ``--help``, ``--dry-run`` answer at once.
"""

from __future__ import annotations

from textclf.cli import making, serving, using  # noqa: F401  each registers its commands, in this order
from textclf.cli.app import app, main, user_errors

__all__ = ["app", "main", "user_errors"]
