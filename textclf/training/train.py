"""Training stage: config → data → model → ``fit`` → a complete run directory.

``run`` keeps the run's status in ``run.json``; ``_fit`` is the ladder of
steps, each short enough to read at once: ``read_data`` and ``prepare_data``
(the data stage, ``prepare.py``), ``build_model``, ``fit`` and ``finalize``.
"""

from __future__ import annotations

import gc
import shutil
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from textclf.config import Config, to_yaml
from textclf.data import duplicates, splits
from textclf.data.read_ahead import ReadAhead
from textclf.errors import TextclfError
from textclf.features import inputs, nb_ratios, text_keys
from textclf.model import builders, embeddings, optimizers
from textclf.model.head import Head
from textclf.results import calibration, multi_label
from textclf.results.loading import load_safely
from textclf.results.marks import history_marks
from textclf.results.plots import history_plot
from textclf.results.scores import classification_metrics
from textclf.runs import rundir
from textclf.runs.backup import write_then_rename
from textclf.training import distribute, run_record
from textclf.training.callbacks import make_callbacks, read_state, restore_history, resume_epoch
from textclf.training.fit_progress import EpochProgress, steps_per_execution
from textclf.training.prepare import Prepared, batches, prepare_data, read_data

# Batches run per call into the compiled graph, at most: Keras' own per-batch Python work is then paid
# once per 16 batches. Callbacks that act on batches (the progress count, a stop on Ctrl+C) hear of
# every 16th; epochs of few batches run fewer per call (``fit_progress.steps_per_execution``). Not with
# train.distribute: TensorFlow 2.21 fails to run an LSTM so under MirroredStrategy ("must feed a value
# for placeholder").
STEPS_PER_EXECUTION = 16


@dataclass(frozen=True)
class Options:
    """How a run is trained beyond its config: what ``tune`` adds to a trial."""

    callbacks: tuple = ()  # extra Keras callbacks (tune: pruning, the budget's deadline)
    score_test: bool = True  # False: the test split is not vectorized or looked at (a tuning trial)
    # already read and split (tune: trials share one read), or being read (``read_ahead``)
    corpus: splits.Corpus | ReadAhead | None = None


@dataclass(frozen=True)
class TrainResult:
    metrics: dict
    model: keras.Model  # the end-to-end model, raw strings in, as saved to model.keras


def _initialize_from_data(model, cfg: Config, prepared: Prepared, run_dir: Path) -> None:
    """Weights that come from the data rather than from training: NB ratios, pretrained vectors."""
    if cfg.model.type == "nbsvm":
        ratios = nb_ratios.log_count_ratios(*prepared.ratio_data(cfg), prepared.num_classes, cfg.model.alpha)
        model.get_layer("nb_linear").set_ratios(ratios)
    pretrained = embeddings.load_into(model, cfg.model, prepared.vectorizer)
    if pretrained is not None:
        rundir.update_run_info(run_dir, pretrained_embedding=pretrained)


def build_model(cfg: Config, prepared: Prepared, strategy, run_dir: Path) -> keras.Model:
    """The configured network, compiled with the head's loss and metrics, weights from the data set."""
    head = prepared.head
    with strategy.scope():
        model = builders.build(cfg.model, vocab_size=prepared.vectorizer.vocabulary_size(),
                             num_classes=prepared.num_classes, multi_label=head.multi_label,
                             mixed_precision=cfg.train.mixed_precision)
        model.compile(
            optimizer=optimizers.make(cfg.train.optimizer, cfg.train.learning_rate, cfg.train.lr_schedule,
                                      total_steps=prepared.steps * cfg.train.epochs),
            loss=head.training_loss(prepared.corpus.train.labels, cfg.train.class_weight == "balanced"),
            metrics=head.metrics(cfg.train.metrics),
            steps_per_execution=steps_per_execution(prepared.steps, STEPS_PER_EXECUTION)
            if cfg.train.distribute == "none" else 1,
        )
        _initialize_from_data(model, cfg, prepared, run_dir)
    run_record.write_summary(model, run_dir)
    return model


def _diverged(exc: RuntimeError, run_dir: Path) -> TextclfError:
    """TerminateOnNaN(raise_error=True) says "NaN or Inf loss encountered ...": one line naming the epoch."""
    epoch = len(read_state(run_dir)["logs"]) + 1
    return TextclfError(f"training diverged in epoch {epoch}: {exc} Try a lower train.learning_rate.")


def fit(model, prepared: Prepared, cfg: Config, run_dir: Path, strategy, options: Options, resuming: bool) -> None:
    """``model.fit`` from wherever the run's backup left off (epoch 0 for a new run)."""
    state = read_state(run_dir)
    if state.get("fit_finished"):
        return  # stopped after training, while testing or saving: only those steps are left
    done = resume_epoch(run_dir)
    restore_history(run_dir, state, done)
    if resuming:
        print(f"resuming after epoch {done} of {cfg.train.epochs}" if done else
              "resuming: no epoch had finished, so training starts from the beginning", flush=True)
    callbacks = [*options.callbacks, *make_callbacks(cfg, run_dir),
                 EpochProgress(cfg.train.epochs, batches(prepared.train_ds))]
    balanced = cfg.train.class_weight == "balanced" and not prepared.head.multi_label  # multi-label: in the loss
    class_weight = splits.class_weights(prepared.corpus.train.labels, prepared.num_classes) if balanced else None
    try:
        if cfg.train.distribute == "multi_worker":
            distribute.fit_multi_worker(model, prepared.train_ds, prepared.val_ds, epochs=cfg.train.epochs,
                                        initial_epoch=done, callbacks=callbacks, strategy=strategy,
                                        sharded=cfg.sharded)
        else:
            model.fit(prepared.train_ds, validation_data=prepared.val_ds, epochs=cfg.train.epochs,
                      callbacks=callbacks, class_weight=class_weight, shuffle=False, verbose=0)  # data shuffles
    except RuntimeError as exc:
        if "NaN" not in str(exc):
            raise
        raise _diverged(exc, run_dir) from None


def _outputs(model, dataset) -> tuple[np.ndarray, np.ndarray]:
    """The model's outputs on a scoring dataset and the labels, in the dataset's order."""
    outputs, labels = [], []
    for features, targets in dataset:
        outputs.append(np.asarray(model.predict_on_batch(features)))
        labels.append(targets.numpy())
    return np.concatenate(outputs), np.concatenate(labels)


def _thresholds(best, prepared: Prepared, cfg: Config) -> tuple[np.ndarray | None, dict]:
    """Multi-label: each label's threshold, tuned for the best F1 on validation or as configured; tuned, also
    the validation macro-F1 of tuned thresholds (``multi_label.cross_fitted_macro_f1``: what tune compares)."""
    if not prepared.head.multi_label:
        return None, {}
    if cfg.train.threshold != "tuned":
        return np.full(prepared.num_classes, cfg.train.threshold), {}
    outputs, labels = _outputs(best, prepared.val_ds)
    return multi_label.tune_thresholds(labels, outputs), {
        "val_tuned_macro_f1": multi_label.cross_fitted_macro_f1(labels, outputs)}


def _calibrate(best, prepared: Prepared, cfg: Config) -> dict | None:
    """``train.calibrate``: the temperature that fits the validation split best, folded into ``best``'s output
    layer (``Head.divide_logits``), and the validation ECE before and after. The argmax never changes."""
    if cfg.train.calibrate == "none" or prepared.head.multi_label or cfg.sharded:
        return None
    outputs, labels = _outputs(best, prepared.val_ds)
    labels, probabilities = labels.reshape(-1).astype(np.int64), prepared.head.probabilities(outputs)
    temperature = calibration.fit_temperature(labels, probabilities)
    prepared.head.divide_logits(best, temperature)
    return {"temperature": round(temperature, 4),
            "validation_ece_before": calibration.reliability(labels, probabilities)["ece"],
            "validation_ece_after": calibration.reliability(
                labels, calibration.scaled(probabilities, temperature))["ece"]}


def _test(best, prepared: Prepared, cfg: Config, thresholds, temperature: float | None = None) -> dict:
    """The best epoch's scores on the test split, from one pass over it: accuracy, loss and macro-F1, the
    classes it never labels right, and (``temperature``: calibrated) its ECE as saved and before; multi-label
    adds the scores of its tuned decisions to Keras' own."""
    dataset, names = prepared.test_set(cfg), list(prepared.corpus.class_names)
    if thresholds is None and not cfg.sharded:
        outputs, labels = _outputs(best, dataset)
        probabilities = Head(len(names)).probabilities(outputs)
        report = classification_metrics(labels.astype(np.int64), probabilities, names)
        calibrated = {"calibration": run_record.test_calibration(probabilities, labels.reshape(-1).astype(np.int64),
                                                                 temperature)} if temperature else {}
        return {"accuracy": report["accuracy"], "loss": report["loss"], "macro_f1": report["macro"]["f1"],
                "missed": run_record.missed_classes(outputs, labels, names), **calibrated}
    test = best.evaluate(dataset, return_dict=True, verbose=0)
    if cfg.sharded:  # each worker scored its share of the test split; the others' texts are not here
        test = prepared.corpus.share.mean(test, len(prepared.corpus.test))
    if thresholds is not None:
        outputs, labels = _outputs(best, dataset)
        test["multi_label"] = multi_label.scores(labels, outputs, thresholds, names)
    return test


def _missed(best, prepared: Prepared, cfg: Config, test: dict | None) -> dict:
    """The classes the best epoch never labels right, on validation and on test (one label per text)."""
    if prepared.head.multi_label or cfg.sharded:
        return {}
    names = list(prepared.corpus.class_names)
    missed = {"validation": run_record.missed_classes(*_outputs(best, prepared.val_ds), names),
              "test": (test or {}).pop("missed", [])}
    return {split: classes for split, classes in missed.items() if classes}


def finalize(cfg: Config, run_dir: Path, prepared: Prepared, score_test: bool) -> TrainResult:
    """Test the best epoch's weights, save the end-to-end model, write metrics and the history plot."""
    best = load_safely(run_dir / rundir.CHECKPOINT)
    thresholds, tuned = _thresholds(best, prepared, cfg)
    calibrated = _calibrate(best, prepared, cfg)
    temperature = calibrated["temperature"] if calibrated else None
    test = _test(best, prepared, cfg, thresholds, temperature) if score_test else None  # trials never look at test
    if calibrated and test:
        calibrated.update(test.pop("calibration", {}))
    missed = _missed(best, prepared, cfg, test)
    end_to_end = builders.end_to_end(prepared.vectorizer, best, cfg.data, prepared.kind, prepared.corpus.class_names,
                                   thresholds)
    write_then_rename(run_dir / rundir.MODEL_FILE, end_to_end.save, "final_save")
    history = rundir.read_history(run_dir)
    rundir.write_json(run_dir / rundir.HISTORY_JSON, history)
    best_epoch = history_marks(history, cfg.train.checkpoint_monitor, cfg.train.epochs).best_epoch
    metrics = run_record.final_metrics(best, test, history, best_epoch, prepared.corpus,
                                       prepared.vectorizer.vocabulary_size(), thresholds) | tuned
    if missed:
        metrics["missed_classes"] = missed
    if calibrated:
        metrics["calibration"] = calibrated
    if score_test and not prepared.corpus.streamed:  # what it has read anyway: repeats across splits, conflicts
        metrics["data_checks"] = duplicates.counts(duplicates.groups(
            text_keys.split_keys(prepared.corpus, cfg.data.punctuation),
            {name: getattr(prepared.corpus, name).labels for name in duplicates.SPLITS}))
    rundir.write_json(run_dir / rundir.METRICS_FILE, metrics)
    history_plot([run_dir], run_dir / rundir.HISTORY_PLOT, finished=True)
    return TrainResult(metrics, end_to_end)


def _fit(cfg: Config, run_dir: Path, resuming: bool, options: Options) -> TrainResult:
    strategy = distribute.make_strategy(cfg.train)  # first: a multi-worker strategy must precede other TF work
    if cfg.train.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(cfg.seed)
    cfg, corpus = read_data(cfg, run_dir, options.corpus, strategy)
    prepared = prepare_data(cfg, corpus, run_dir, resuming, strategy)
    model = build_model(cfg, prepared, strategy, run_dir)
    fit(model, prepared, cfg, run_dir, strategy, options, resuming)
    del model  # the best epoch's weights are reloaded from the checkpoint, without the training data
    prepared = prepared.trained()
    gc.collect()  # a Keras model and its datasets hold each other: freed now, before the test split is read
    return finalize(cfg, run_dir, prepared, options.score_test)


def _mark_running(cfg: Config, run_dir: Path, command_line: str, resume: bool) -> None:
    """``run.json`` says ``running``: a new run writes its config and start; a resume adds itself to the list."""
    now = rundir.utc_now().isoformat()
    if not resume:
        rundir.write_atomic(run_dir / rundir.CONFIG_FILE, to_yaml(cfg))
        rundir.update_run_info(run_dir, status="running", name=cfg.name, model_type=cfg.model.type, seed=cfg.seed,
                               command=command_line, started_at=now, versions=run_record.versions(),
                               **rundir.process_info())
        return
    info = rundir.read_json(run_dir / rundir.RUN_FILE)
    if info.get("model_type") not in (None, cfg.model.type):
        raise TextclfError(f"{run_dir / rundir.CONFIG_FILE}: model.type is {cfg.model.type!r} but the run was "
                           f"trained as {info['model_type']!r}; a resume needs the config it started with")
    if (run_dir / rundir.CHECKPOINT).exists():  # refused now, not after the remaining epochs have trained
        load_safely(run_dir / rundir.CHECKPOINT)
    resumes = info.get("resumed", []) if isinstance(info.get("resumed"), list) else []
    rundir.update_run_info(run_dir, status="running", error=None, **rundir.process_info(),
                           resumed=[*resumes, {"at": now, "command": command_line}])


def _mark_stopped(run_dir: Path, exc: BaseException, resume: bool) -> None:
    """A run that failed before an epoch ended (bad data, say) leaves nothing; others say why they stopped."""
    interrupted = isinstance(exc, KeyboardInterrupt)
    progress = (run_dir / rundir.HISTORY_FILE).exists() or (run_dir / rundir.MEMBERS_DIR).exists()
    if not resume and not interrupted and not progress:
        shutil.rmtree(run_dir, ignore_errors=True)
        return
    rundir.update_run_info(run_dir, status="interrupted" if interrupted else "failed",
                           finished_at=rundir.utc_now().isoformat(),
                           error="interrupted by the user" if interrupted else str(exc))


def run(cfg: Config, run_dir: Path, command_line: str = "", resume: bool = False,
        options: Options = Options()) -> TrainResult:
    """Train ``cfg`` into the new, empty ``run_dir``, or, with ``resume``, finish an interrupted one.

    ``run.json`` says ``running`` while training, then ``completed``, or
    ``failed`` / ``interrupted`` with the reason if anything goes wrong; the
    training state in ``backup/`` is kept until the run completes.
    """
    _mark_running(cfg, run_dir, command_line, resume)
    try:
        try:
            if cfg.train.ensemble > 1:
                from textclf.training import ensemble  # it trains each member with this function

                result = TrainResult(*ensemble.fit(cfg, run_dir, command_line, options, run))
            else:
                result = _fit(cfg, run_dir, resuming=resume, options=options)
        except (MemoryError, tf.errors.ResourceExhaustedError) as exc:
            raise TextclfError(run_record.out_of_memory(cfg, inputs.of(cfg.model))) from exc
    except BaseException as exc:
        _mark_stopped(run_dir, exc, resume)
        raise
    rundir.update_run_info(run_dir, status="completed", finished_at=rundir.utc_now().isoformat())
    shutil.rmtree(run_dir / rundir.BACKUP, ignore_errors=True)
    return result
