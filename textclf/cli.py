"""Command line: parse, load the config, call the stage, print. Intentionally kept short.

TensorFlow and pydantic are imported inside the commands that need them: ``--help``, ``--dry-run`` answer at once.
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from textclf import progress, quiet, show
from textclf.errors import Interrupted, TextclfError
from textclf.features.inputs import EVALUATION_BATCH
from textclf.runs import listing, rundir
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
    target: Annotated[Path, typer.Argument(help="A config with a search: section, or data (CSV/TSV/JSONL, class "
                                                "folders, the IMDB archive) to search the default space on.",
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


RunDirArg = Annotated[Optional[Path], typer.Argument(
    help="Run directory (default: the newest completed run under --dir).", show_default=False)]
OutputsOpt = Annotated[Path, typer.Option("--dir", help="Where runs are looked for.")]


def _run_dir(run_dir: Path | None, outputs: Path, need: str = rundir.MODEL_FILE) -> Path:
    """The run a command works on; when the user named none, the newest completed one, said first on stderr."""
    run = rundir.resolve_run_dir(run_dir, outputs, need)
    if run_dir is None:
        typer.echo(f"using the newest completed run: {run}", err=True)
    return run


ThresholdOpt = Annotated[Optional[float], typer.Option(
    "--threshold", help="Two classes: label a text with the second class when its probability is above this "
                        "[default: the more probable class, i.e. 0.5]. Multi-label: every label above this, "
                        "instead of each label's tuned threshold.", show_default=False)]


@app.command()
@user_errors
def evaluate(
    run_dir: RunDirArg = None,
    data: Annotated[Optional[str], typer.Option("--data", help="Score every row of this data instead.",
                                                show_default=False)] = None,
    split: Annotated[Optional[str], typer.Option(
        "--split", help="test, validation or train: a split of the run's own data [default: test].",
        show_default=False)] = None,
    errors: Annotated[int, typer.Option("--errors", min=0, help="How many confident mistakes to show.")] = 5,
    threshold: ThresholdOpt = None,
    outputs: OutputsOpt = Path("outputs"),
) -> None:
    """Score a run's model on held-out data; writes RUN_DIR/evaluation/SPLIT/."""
    quiet.import_tensorflow()
    from textclf.results import evaluate

    run = _run_dir(run_dir, outputs)
    report = evaluate.evaluate_run(run, data_path=data, split=split, errors=errors, threshold=threshold)
    scored = f"{report['split']} split" if report["split"] else f"every row of {report['data']}"
    typer.echo(f"{run}  ({scored}: {report['rows_scored']:,} texts scored)")
    lines = show.multi_label_lines(report) if report.get("task") == "multi_label" else show.evaluation_lines(report)
    typer.echo("\n".join([*lines, report["folder"]]))


@app.command("plot-history")
@user_errors
def plot_history(
    run_dirs: Annotated[Optional[list[Path]], typer.Argument(
        help="One or more run directories, finished or not (default: the newest completed run).",
        show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Image file (.png, .svg, .pdf) or folder to write [RUN_DIR/plots/history-METRIC.png, "
                      "never replacing a file].", show_default=False)] = None,
    metric: Annotated[str, typer.Option("--metric", help="Metric drawn beside the loss (a history.csv column).")]
    = "accuracy",
    outputs: OutputsOpt = Path("outputs"),
) -> None:
    """Draw loss and a metric per epoch; several runs are overlaid for comparison."""
    from textclf.results import plots

    given = [_run_dir(d, outputs, need=rundir.HISTORY_FILE) for d in (run_dirs or [None])]
    runs = [run for run_dir in given for run in rundir.history_runs(run_dir)]  # an ensemble: its members
    name = f"history-{metric}.png" if len(runs) == 1 else f"comparison-{metric}.png"
    target = plots.image_path(out, name) if out is not None else rundir.unused_path(given[0] / rundir.PLOTS_DIR / name)
    plots.history_plot(runs, target, metric=metric)
    typer.echo(str(target))


@app.command()
@user_errors
def predict(
    args: Annotated[Optional[list[str]], typer.Argument(help="[RUN_DIR] TEXT ...", show_default=False)] = None,
    text: Annotated[Optional[list[str]], typer.Option(
        "--text", help="A text to label, even one that looks like a folder (repeatable).")] = None,
    file: Annotated[Optional[str], typer.Option(
        "--file", help="One text per line ('-' for stdin); a .csv, .tsv or .jsonl table: a text per row.")] = None,
    text_column: Annotated[Optional[str], typer.Option(
        "--text-column", help="A table's column of texts [default: the run's data.text_column].",
        show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="Labels shown per text.")] = 1,
    threshold: ThresholdOpt = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Texts per prediction batch.")]
    = EVALUATION_BATCH,
    outputs: OutputsOpt = Path("outputs"),
) -> None:
    """Label raw texts with a run's model (the newest run when RUN_DIR is left out)."""
    from textclf import launch

    request = launch.PredictRequest(tuple(args or ()), tuple(text or ()), file, top_k, threshold, batch_size, outputs,
                                    text_column)
    for result in launch.predict(request, note=lambda line: typer.echo(line, err=True)):
        typer.echo(show.json_line(show.prediction_record(result)) if as_json else show.prediction_line(result))


@app.command()
@user_errors
def runs(
    outputs: OutputsOpt = Path("outputs"),
    sort: Annotated[str, typer.Option("--sort", help="Column to sort by.")] = "started",
) -> None:
    """A table of the runs under --dir."""
    rows = listing.list_runs(outputs, sort)
    typer.echo("\n".join(show.runs_table(rows, listing.RUN_COLUMNS, listing.NUMERIC_COLUMNS)) if rows
               else f"no runs in {outputs}")


@app.command()
@user_errors
def export(
    run_dir: RunDirArg = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="The model's folder: each export a new numbered version [RUN_DIR/saved_model].")] = None,
    outputs: OutputsOpt = Path("outputs"),
) -> None:
    """Export a TensorFlow SavedModel (string input 'text') and check it matches model.keras."""
    quiet.import_tensorflow()
    from textclf.results import export

    run = _run_dir(run_dir, outputs)
    target = export.version_folder(out or run / rundir.SAVED_MODEL_DIR)
    texts = export.held_out_texts(run)
    difference = export.export_run(run, target, texts)
    typer.echo(f"checked {len(texts)} held-out texts: largest difference {difference:.2g}")
    typer.echo(str(target))


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
