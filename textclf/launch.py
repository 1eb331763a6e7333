"""The commands' policy: for ``train``, which config, a new run or a resume, chief or worker, the lock, the
signals; for ``tune``, the search and its warnings; for ``predict``, which run and which texts.

``textclf.cli`` parses the command line into a request and prints what comes
back; everything decided between the two is decided here.
TensorFlow is imported only once a run is really going to train, so
``--dry-run`` answers at once.
"""

from __future__ import annotations

import shlex
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from textclf import quiet, show
from textclf.config import Config, load_config, to_yaml
from textclf.errors import Interrupted, TextclfError
from textclf.features.inputs import EVALUATION_BATCH
from textclf.runs import run_lock, rundir


@dataclass(frozen=True)
class Request:
    config: Path | None  # a YAML config, or None with ``resume``
    overrides: tuple[str, ...] = ()
    data: str | None = None
    output_dir: str | None = None
    resume: Path | None = None  # the interrupted run folder to finish
    dry_run: bool = False
    command_line: str = ""


def resolve(request: Request) -> Config:
    """The validated config a request trains: its file, or the interrupted run's own ``config.yaml``."""
    if (request.config is None) == (request.resume is None):
        raise TextclfError("train: give either a CONFIG file or --resume RUN_DIR")
    path = request.config
    if request.resume is not None:
        if request.overrides or request.output_dir:
            raise TextclfError("--resume: the run keeps its own config.yaml; --set and --output-dir cannot change it")
        rundir.check_resumable(request.resume)
        path = request.resume / rundir.CONFIG_FILE
    cfg = load_config(path, list(request.overrides), data_path=request.data, output_dir=request.output_dir)
    if request.resume is not None and cfg.train.distribute == "multi_worker":
        raise TextclfError("--resume: a multi_worker run cannot be resumed (only the chief kept its state)")
    return _as_begun(cfg, request.resume) if request.resume is not None else cfg


def _as_begun(cfg: Config, run_dir: Path) -> Config:
    """A resumed run draws its splits as it did when it began: runs begun before textclf stratified its splits
    recorded their data without ``stratified``, and resume on the texts they started with."""
    data = rundir.read_json(run_dir / rundir.RUN_FILE).get("data") or {}
    if data and "stratified" not in data:
        return cfg.model_copy(update={"data": cfg.data.model_copy(update={"stratify": False})})
    return cfg


def train(request: Request, note: Callable[[str], None]) -> list[str]:
    """Carry out a ``textclf train`` request; the lines to print, the run folder last.

    ``note`` prints a remark on stderr as it happens (a taken-over lock, a
    model that learned nothing). Ctrl-C or ``kill`` raises ``Interrupted``
    with the command that resumes the run.
    """
    cfg = resolve(request)
    if request.dry_run:
        return [to_yaml(cfg).rstrip("\n")]
    if cfg.train.distribute == "multi_worker":
        quiet.import_tensorflow()
        from textclf.training import distribute

        if not distribute.is_chief():
            return [_train_as_worker(cfg, request.command_line)]
    run_dir = request.resume or rundir.create_run_dir(cfg.output_dir, cfg.name)
    with run_lock.hold(run_dir):  # before TensorFlow loads: a second process is told at once
        if request.resume is not None and (taken := rundir.takeover_note(run_dir)):
            note(taken)
        metrics = _train_stoppably(cfg, run_dir, request.resume is not None, request.command_line)
    from textclf.training.run_record import baseline_warning, data_warning, headline, missed_warning

    for warning in (data_warning(metrics), baseline_warning(metrics, "test"), missed_warning(metrics)):
        if warning:
            note(warning)
    return [headline(metrics), str(run_dir)]


def _train_stoppably(cfg: Config, run_dir: Path, resume: bool, command_line: str) -> dict:
    """Train holding the lock; ``kill`` stops as cleanly as Ctrl-C, after saving the state to resume from.

    The data is read in a second process while TensorFlow loads (``read_ahead``);
    several workers each read their own, after TensorFlow (their strategy comes first).
    """
    from textclf.data import read_ahead  # NumPy and the readers: not needed by --dry-run

    with read_ahead.reading(cfg.data, cfg.seed, wanted=cfg.train.distribute != "multi_worker") as ahead:
        quiet.import_tensorflow()
        from textclf.training import ensemble, train
        from textclf.training.callbacks import resume_epoch
        from textclf.training.signals import clear_signal, stop_on_signal

        clear_signal()
        previous = {number: signal.signal(number, stop_on_signal) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            return train.run(cfg, run_dir, command_line=command_line, resume=resume,
                                options=train.Options(corpus=ahead)).metrics
        except KeyboardInterrupt:
            saved = f"the state after epoch {resume_epoch(run_dir)} is saved" if cfg.train.ensemble == 1 else \
                ensemble.saved_state(run_dir, cfg.train.ensemble)
            raise Interrupted(f"interrupted: {saved}; resume with:\n"
                              f"  textclf train --resume {shlex.quote(str(run_dir))}") from None
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


def _train_as_worker(cfg: Config, command_line: str) -> str:
    """A non-chief worker trains in step with the chief but keeps nothing: the chief writes the run."""
    import shutil
    import tempfile

    from textclf.training import train

    scratch = Path(tempfile.mkdtemp(prefix="textclf-worker-"))
    try:
        metrics = train.run(cfg, scratch, command_line=command_line).metrics
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return f"worker done: test accuracy {metrics['test_accuracy']:.4f}, weights sha256 {metrics['weights_sha256']}"


@dataclass(frozen=True)
class TuneRequest:
    target: Path  # a config with a search: section, or data to search the default space on
    budget: str = "10m"
    trials: int | None = None
    overrides: tuple[str, ...] = ()
    output_dir: str | None = None
    command_line: str = ""
    started: float | None = None  # the budget's clock (time.monotonic()): the process's start, for the CLI
    storage: str | None = None  # an Optuna RDB URL: the study shared with other tune processes


def tune(request: TuneRequest, note: Callable[[str], None]) -> list[str]:
    """Carry out a ``textclf tune`` request: the leaderboard and the winner's lines, its run folder last.

    The search's own progress goes to ``note`` (stderr) as it happens.
    """
    quiet.import_tensorflow()
    from textclf.training.run_record import baseline_warning
    from textclf.tuning import leaderboard, space, tune

    cfg, raw = space.search_config(request.target, list(request.overrides), request.output_dir)
    seconds = tune.parse_budget(request.budget)
    try:
        result = tune.run(cfg, raw, seconds, request.trials, request.command_line, echo=note,
                          started=request.started, storage_url=request.storage)
    except KeyboardInterrupt:
        raise Interrupted("interrupted: finished trials are kept; run the same command again to continue") from None
    if result.best_run is None:  # a shared study: another process trains the final run
        return [leaderboard.line(row, cfg.search.metric) for row in result.leaderboard]
    metrics = rundir.read_json(result.best_run / rundir.METRICS_FILE)
    for split in ("validation", "test"):
        if warning := baseline_warning(metrics, split, "or a longer --budget"):  # tune has searched already
            note(warning)
    winner, folds = result.winner, result.winner["folds"]
    why = leaderboard.reason(leaderboard.candidates(result.leaderboard), cfg.search.metric, winner)
    return [*(leaderboard.line(row, cfg.search.metric) for row in result.leaderboard),
            *([leaderboard.ensemble_line(result.ensemble)] if result.ensemble else []),
            f"best: trial {winner['trial']} ({cfg.search.metric} {winner['value']:.4f}"
            f"{f' over {folds} folds' if folds > 1 else ''}; {why}); final run {result.best_run.name}: "
            f"test accuracy {result.test_accuracy:.4f}, macro-F1 {metrics.get('test_macro_f1', float('nan')):.4f}; "
            f"leaderboard and plot in {result.tune_dir}",
            str(result.best_run)]


def run_and_texts(words, texts, outputs: Path, note: Callable[[str], None]) -> tuple[Path, list[str]]:
    """``[RUN_DIR] TEXT ...`` and ``--text``s → the run (the newest completed one when none is named, said
    through ``note``) and the texts. A first word that is a run folder, or looks like a folder (it exists, or
    has a ``/`` and no space), must be a run: a mistyped run folder is an error, never a text."""
    words, run_dir = list(words), None
    if words and (rundir.is_run_dir(Path(words[0])) or rundir.looks_like_path(words[0])):
        run_dir = Path(words.pop(0))
        if not rundir.is_run_dir(run_dir):
            raise TextclfError(f"{run_dir}: not a run folder (no {rundir.RUN_FILE}); to use this text itself, "
                               f"pass it with --text")
    run = rundir.resolve_run_dir(run_dir, outputs)
    if run_dir is None:
        note(f"using the newest completed run: {run}")
    return run, words + list(texts)


@dataclass(frozen=True)
class PredictRequest:
    words: tuple[str, ...] = ()  # [RUN_DIR] TEXT ...: a first word that names a folder is the run
    texts: tuple[str, ...] = ()  # --text: texts even when they look like folders
    file: str | None = None  # one text per line; '-' for stdin
    top_k: int = 1
    threshold: float | None = None
    batch_size: int = EVALUATION_BATCH
    outputs: Path = Path("outputs")  # where the newest run is looked for
    text_column: str | None = None  # a table's column of texts; None: the run's own data.text_column


def predict(request: PredictRequest, note: Callable[[str], None]) -> Iterator:
    """Each text's ``results.predict.Prediction``, in order, read and predicted a chunk at a time."""
    run, texts = run_and_texts(request.words, request.texts, request.outputs, note)
    if not texts and request.file is None:
        raise TextclfError("predict: give TEXT arguments, --text TEXT or --file FILE")
    quiet.import_tensorflow()
    from textclf.results import loading
    from textclf.results import predict as prediction

    model = loading.load_model(run)
    names, thresholds = loading.class_names(run, model), loading.thresholds_of(model)
    column = request.text_column or rundir.read_config(run).data.text_column
    for chunk in prediction.chunks(show.text_source(texts, request.file, column), 8 * request.batch_size):
        probabilities = prediction.predict_texts(model, chunk, batch_size=request.batch_size)
        yield from prediction.label_predictions(chunk, probabilities, names, request.top_k, request.threshold,
                                                thresholds)


@dataclass(frozen=True)
class InspectRequest:
    data: str  # any data source train reads
    config: Path | None = None  # the model for label errors and the data settings; None: configs/inspect.yaml
    overrides: tuple[str, ...] = ()
    out: Path | None = None  # the report's folder; None: <output_dir>/inspect-<data name>-<time>
    write_clean: Path | None = None  # a new file: the data without repeats, leaked rows and conflicts
    near_threshold: float = 0.8  # Jaccard similarity of word 3-grams from which two texts are near-duplicates
    label_errors: bool = True
    folds: int | None = None  # out-of-fold probabilities for the label errors; None: 10 under 20,000 rows, else 5


def inspect(request: InspectRequest, note: Callable[[str], None]):
    """Carry out a ``textclf inspect`` request: the ``inspection.inspect.Result``."""
    quiet.import_tensorflow()
    from textclf.inspection import inspect

    return inspect.run(request, note)
