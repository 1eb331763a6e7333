"""The commands that make models: train, tune, and inspect for the data first."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from textclf import progress, show
from textclf.cli.app import app, user_errors


@app.command()
@user_errors
def train(
    config: Annotated[Optional[Path], typer.Argument(help="YAML config file.", show_default=False)] = None,
    overrides: Annotated[
        Optional[list[str]],
        typer.Option("--set", help="Override a config value, e.g. --set train.epochs=3 (repeatable; YAML values)."),
    ] = None,
    data: Annotated[Optional[str], typer.Option("--data", help="Data path (sets data.path).")] = None,
    output_dir: Annotated[Optional[str], typer.Option("--output-dir", help="Parent folder of the run.")] = None,
    resume: Annotated[
        Optional[Path], typer.Option("--resume", help="Continue the interrupted run in this folder.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate the config, print it resolved, exit.")] = False,
) -> None:
    """Train a model from CONFIG; the last line printed is the run directory."""
    from textclf import launch  # pydantic: not needed by --help

    request = launch.Request(config, tuple(overrides or ()), data, output_dir, resume, dry_run,
                             shlex.join(["textclf", *sys.argv[1:]]))
    for line in launch.train(request, note=lambda line: typer.echo(line, err=True)):
        typer.echo(line)


@app.command()
@user_errors
def tune(
    target: Annotated[Path, typer.Argument(help="A config (its search: section; else the default space, the "
                                                "config itself tried first), or data (CSV/TSV/JSONL, class folders, "
                                                "the IMDB archive) to search the default space on.",
                                           show_default=False)],
    budget: Annotated[str, typer.Option("--budget", help="Wall-clock time for the whole search, e.g. 90s, 3m, 1h.")]
    = "10m",
    trials: Annotated[Optional[int], typer.Option("--trials", min=1, help="Stop after this many trials in all.")]
    = None,
    overrides: Annotated[Optional[list[str]], typer.Option("--set", help="Override a config value (repeatable).")]
    = None,
    output_dir: Annotated[Optional[str], typer.Option("--output-dir", help="Parent folder of the tune folder.")]
    = None,
    storage: Annotated[Optional[str], typer.Option("--storage", help="Share the study with other tune processes "
                       "through this database, e.g. sqlite:///study.db or postgresql://host/db.")] = None,
) -> None:
    """Search for the best model within a time budget; the last line printed is the winning run's folder.

    Running the same command again continues the study in <output_dir>/tune-<name>/.
    """
    from textclf import launch

    request = launch.TuneRequest(target, budget, trials, tuple(overrides or ()), output_dir,
                                 shlex.join(["textclf", *sys.argv[1:]]), progress.command_started, storage)
    for line in launch.tune(request, note=lambda line: typer.echo(line, err=True)):
        typer.echo(line)


@app.command()
@user_errors
def inspect(
    data: Annotated[str, typer.Argument(help="Data as train reads it: a table, class folders, the IMDB archive, "
                                             "a glob of shards.", show_default=False)],
    config: Annotated[Optional[Path], typer.Option("--config", help="Data settings and the model for label "
                                                   "errors [configs/inspect.yaml].", show_default=False)] = None,
    overrides: Annotated[Optional[list[str]], typer.Option("--set", help="Override a config value (repeatable).")]
    = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="A new or empty folder for report.html, report.json "
                                                "and findings.csv [output_dir/inspect-NAME-TIME].",
                                                show_default=False)] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="Suspicious rows shown here.")] = 10,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on leakage or conflicting labels.")] = False,
    write_clean: Annotated[Optional[Path], typer.Option("--write-clean", help="Write the data without repeats, "
                           "leaked rows and conflicts to this new .csv, .tsv or .jsonl file.", show_default=False)]
    = None,
    near: Annotated[float, typer.Option("--near", help="Jaccard similarity from which texts are near-duplicates.")]
    = 0.8,
    label_errors: Annotated[bool, typer.Option("--label-errors/--no-label-errors",
                                               help="Look for likely wrong labels (trains a model per fold).")] = True,
    folds: Annotated[Optional[int], typer.Option("--folds", min=2, help="Folds of the label errors' out-of-fold "
                                                 "probabilities [10 under 20,000 texts, else 5].", show_default=False)]
    = None,
) -> None:
    """Find duplicates, leakage, conflicting labels and likely label errors; the last line is the report folder."""
    from textclf import launch

    request = launch.InspectRequest(data, config, tuple(overrides or ()), out, write_clean, near, label_errors, folds)
    result = launch.inspect(request, note=lambda line: typer.echo(line, err=True))
    typer.echo("\n".join(show.inspection_lines(result, top)))
    if strict and result.leaked_or_conflicting:
        raise typer.Exit(1)

