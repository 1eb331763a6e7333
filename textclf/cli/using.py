"""The commands that use a run: evaluate, plot-history, predict, runs, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from textclf import quiet, show
from textclf.cli.app import OutputsOpt, RunDirArg, ThresholdOpt, app, run_dir_of, user_errors
from textclf.features.inputs import EVALUATION_BATCH
from textclf.runs import listing, rundir


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

    run = run_dir_of(run_dir, outputs)
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

    given = [run_dir_of(d, outputs, need=rundir.HISTORY_FILE) for d in (run_dirs or [None])]
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

    run = run_dir_of(run_dir, outputs)
    target = export.version_folder(out or run / rundir.SAVED_MODEL_DIR)
    texts = export.held_out_texts(run)
    difference = export.export_run(run, target, texts)
    typer.echo(f"checked {len(texts)} held-out texts: largest difference {difference:.2g}")
    typer.echo(str(target))

