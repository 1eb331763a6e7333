"""The commands that put a run to use beyond labels: explain its predictions, serve it over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from textclf import quiet
from textclf.cli.app import OutputsOpt, RunDirArg, app, run_dir_of, user_errors


@app.command()
@user_errors
def explain(
    args: Annotated[Optional[list[str]], typer.Argument(help="[RUN_DIR] TEXT ...", show_default=False)] = None,
    text: Annotated[Optional[list[str]], typer.Option(
        "--text", help="A text to explain, even one that looks like a folder (repeatable).")] = None,
    label: Annotated[Optional[str], typer.Option("--label", help="The class to explain [default: each text's "
                                                 "most probable].", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line per text.")] = False,
    html: Annotated[Optional[Path], typer.Option("--html", help="Also write the shaded texts to this new HTML "
                                                 "file.", show_default=False)] = None,
    steps: Annotated[int, typer.Option("--steps", min=1, help="Integrated gradients' path steps (the models not "
                                       "linear in their bag).")] = 50,
    top: Annotated[int, typer.Option("--top", min=1, help="Terms listed each way.")] = 5,
    global_: Annotated[bool, typer.Option("--global", help="Each class's strongest n-grams instead (nbsvm, linear, "
                                          "embedding_bag).")] = False,
    outputs: OutputsOpt = Path("outputs"),
) -> None:
    """Each word's contribution to a class's score: exact for linear bag models, integrated gradients else."""
    from textclf import launch
    from textclf.explanation import rendering

    run, texts = launch.run_and_texts(args or (), text or (), outputs, lambda line: typer.echo(line, err=True))
    quiet.import_tensorflow()
    from textclf.explanation import explain as explaining

    if global_:
        found = explaining.explainer_of(run).global_terms(top)
        typer.echo(json.dumps(found, ensure_ascii=False) if as_json else "\n".join(rendering.global_lines(found, top)))
        return
    explanations = explaining.explain_run(run, texts, label, steps)
    if html is not None:
        explaining.write_page(html, explanations, run)
    for explanation in explanations:
        typer.echo(json.dumps(explanation.to_dict(top), ensure_ascii=False) if as_json
                   else "\n".join(rendering.lines(explanation, top)))
    if html is not None:
        typer.echo(str(html), err=True)


@app.command()
@user_errors
def serve(
    run_dir: RunDirArg = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Server processes, each with the model.")] = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Most texts in one model call; "
                                            "1 turns dynamic batching off.")] = 64,
    batch_wait_ms: Annotated[float, typer.Option("--batch-wait-ms", min=0.0, help="How long a model call waits for "
                                                 "more requests to join it, under concurrent load.")] = 2.0,
    max_texts: Annotated[int, typer.Option("--max-texts", min=1, help="Most texts per request (413 above).")] = 256,
    max_chars: Annotated[int, typer.Option("--max-chars", min=1, help="Most characters per text (413 above).")]
    = 100_000,
    outputs: OutputsOpt = Path("outputs"),
) -> None:
    """Serve a run over HTTP: /v1/predict, TF Serving's REST shape, /health, /v1/metadata, /docs and a web page."""
    quiet.import_tensorflow()
    from textclf.serving import server
    from textclf.serving.settings import Settings

    run = run_dir_of(run_dir, outputs)
    settings = Settings(batch_size=batch_size, batch_wait_ms=batch_wait_ms, max_texts=max_texts, max_chars=max_chars)
    server.serve(run, settings, host, port, workers, note=lambda line: typer.echo(line, err=True))
