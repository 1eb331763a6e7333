"""Training stage: config → data → model → ``fit`` → a complete run directory."""

from __future__ import annotations

import hashlib
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import textclf
from textclf import data, distribute, embeddings, featurize, models, optimizers, rundir
from textclf.backup import write_then_rename
from textclf.callbacks import BACKUP, CHECKPOINT, make_callbacks, read_state, restore_history, resume_epoch
from textclf.config import Config, to_yaml
from textclf.errors import TextclfError
from textclf.fit_progress import EpochProgress, steps_per_execution
from textclf.head import Head
from textclf.marks import history_marks
from textclf.plots import history_plot
from textclf.text_model import load_safely

# Validation and test batches are this many times train.batch_size: no gradients, so the batch
# size does not change any result, only how often the per-batch overhead is paid.
EVALUATION_BATCHES = 4
# Batches run per call into the compiled graph, at most: Keras' own per-batch Python work is then paid
# once per 16 batches (measured A/B, a simple_rnn epoch on IMDB: 13% faster). Callbacks that act
# on batches (the progress count, a stop on Ctrl+C) hear of every 16th; epochs of few batches run fewer
# per call (``fit_progress.steps_per_execution``). Not with train.distribute: TensorFlow 2.21 fails to
# run an LSTM so under MirroredStrategy ("must feed a value for placeholder").
STEPS_PER_EXECUTION = 16


@dataclass(frozen=True)
class Options:
    """How a run is trained beyond its config: what ``tune`` adds to a trial."""

    callbacks: tuple = ()  # extra Keras callbacks (tune: pruning, the budget's deadline)
    score_test: bool = True  # False: the test split is not vectorized or looked at (a tuning trial)
    corpus: data.Corpus | None = None  # already read and split (tune: trials share one read)


@dataclass(frozen=True)
class TrainResult:
    metrics: dict
    model: keras.Model  # the end-to-end model, raw strings in, as saved to model.keras


def _summary(model: keras.Model, run_dir: Path) -> None:
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    print(text)
    rundir.write_atomic(run_dir / "summary.txt", text + "\n")


def _versions() -> dict[str, str]:
    return {
        "textclf": textclf.__version__,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def _data_info(cfg: Config, corpus: data.Corpus, vectorizer) -> dict:
    return {
        "source": cfg.data.source,
        "location": corpus.location,
        "fingerprint": corpus.fingerprint,
        "vocabulary_sha256": featurize.vocabulary_sha256(vectorizer),
        "sizes": {"train": len(corpus.train), "validation": len(corpus.validation), "test": len(corpus.test)},
    }


def _check_same_data(run_dir: Path, info: dict) -> None:
    """A resumed run must see the texts and vocabulary it started with.

    A run stopped before it had read its data recorded none: it has trained
    nothing yet either, so it starts afresh with this data.
    """
    before = rundir.read_json(run_dir / rundir.RUN_FILE).get("data")
    if not before:
        rundir.update_run_info(run_dir, data=info)
        return
    for key, what in (("fingerprint", "data"), ("vocabulary_sha256", "vocabulary")):
        if before.get(key) != info[key]:
            raise TextclfError(f"{info['location']}: the {what} differs from the one {run_dir} was trained on; "
                               "cannot resume")


def _fit_epochs(model, train_ds, val_ds, cfg: Config, run_dir: Path, strategy, class_weight: dict | None,
                extra: tuple = (), resuming: bool = False) -> None:
    """``model.fit`` from wherever the run's backup left off (epoch 0 for a new run)."""
    state = read_state(run_dir)
    if state.get("fit_finished"):
        return  # stopped after training, while testing or saving: only those steps are left
    done = resume_epoch(run_dir)
    restore_history(run_dir, state, done)
    if resuming:
        print(f"resuming after epoch {done} of {cfg.train.epochs}" if done else
              "resuming: no epoch had finished, so training starts from the beginning", flush=True)
    callbacks = [*extra, *make_callbacks(cfg, run_dir), EpochProgress(cfg.train.epochs, _batches(train_ds))]
    try:
        if cfg.train.distribute == "multi_worker":
            distribute.fit_multi_worker(model, train_ds, val_ds, epochs=cfg.train.epochs,
                                        initial_epoch=done, callbacks=callbacks, strategy=strategy)
        else:
            model.fit(train_ds, validation_data=val_ds, epochs=cfg.train.epochs, callbacks=callbacks,
                      class_weight=class_weight, shuffle=False, verbose=0)  # train_ds shuffles itself
    except RuntimeError as exc:
        if "NaN" not in str(exc):  # TerminateOnNaN(raise_error=True) says "NaN or Inf loss encountered ..."
            raise
        epoch = len(read_state(run_dir)["logs"]) + 1
        raise TextclfError(f"training diverged in epoch {epoch}: {exc} Try a lower train.learning_rate.") from None


def _batches(dataset) -> int | None:
    """Batches per epoch, where tf.data knows it without a pass (not for length-bucketed sequences)."""
    count = int(dataset.cardinality())
    return count if count > 0 else None


def _initialize_from_data(model, cfg: Config, vectorizer, train_features, corpus, run_dir: Path) -> None:
    """Weights that come from the data rather than from training: NB ratios, pretrained vectors."""
    if cfg.model.type == "nbsvm":
        ratios = data.log_count_ratios(train_features, corpus.train.labels, len(corpus.class_names), cfg.model.alpha)
        model.get_layer("nb_linear").set_ratios(ratios)
    pretrained = embeddings.load_into(model, cfg.model, vectorizer)
    if pretrained is not None:
        rundir.update_run_info(run_dir, pretrained_embedding=pretrained)


def _validation_at_best(history: dict, best_epoch) -> dict:
    """The validation scores of the epoch whose weights were kept: what a search compares runs by."""
    if best_epoch not in history.get("epoch", []):
        return {}
    index = history["epoch"].index(best_epoch)
    return {key: float(history[key][index]) for key in ("val_accuracy", "val_loss") if key in history}


def _fit(cfg: Config, run_dir: Path, resuming: bool, options: Options) -> TrainResult:
    strategy = distribute.make_strategy(cfg.train)  # first: a multi-worker strategy must precede other TF work
    if cfg.train.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(cfg.seed)
    corpus = options.corpus or data.load_corpus(cfg.data, cfg.seed)
    input_kind = cfg.model.input_kind
    vectorizer = featurize.make_vectorizer(cfg.data, input_kind)
    featurize.adapt(vectorizer, corpus.train.texts, cfg.data, input_kind)
    info = _data_info(cfg, corpus, vectorizer)
    if resuming:
        _check_same_data(run_dir, info)
    else:
        rundir.update_run_info(run_dir, data=info, class_names=list(corpus.class_names))
    rundir.update_run_info(run_dir, distribute={"strategy": cfg.train.distribute,
                                                "replicas": strategy.num_replicas_in_sync})

    def features(split, name):
        return featurize.encode(vectorizer, split.texts, cfg.data, input_kind, label=f"vectorizing {name}")

    train_features = features(corpus.train, "train")
    train_ds = data.make_dataset(train_features, corpus.train.labels, cfg.train.batch_size, cfg.data, cfg.seed)
    val_ds, test_ds = (data.make_dataset(features(split, name), split.labels, EVALUATION_BATCHES * cfg.train.batch_size,
                                         cfg.data) if split is not None else None
                       for split, name in ((corpus.validation, "validation"),
                                           (corpus.test if options.score_test else None, "test")))
    num_classes = len(corpus.class_names)
    steps = _batches(train_ds) or -(-len(corpus.train) // cfg.train.batch_size)  # bucketed: about that many
    head = Head(num_classes)
    with strategy.scope():
        model = models.build(cfg.model, vocab_size=vectorizer.vocabulary_size(), num_classes=num_classes,
                             mixed_precision=cfg.train.mixed_precision)
        model.compile(
            optimizer=optimizers.make(cfg.train.optimizer, cfg.train.learning_rate, cfg.train.lr_schedule,
                                      total_steps=steps * cfg.train.epochs),
            loss=head.loss,
            metrics=head.metrics(cfg.train.metrics),
            steps_per_execution=steps_per_execution(steps, STEPS_PER_EXECUTION)
            if cfg.train.distribute == "none" else 1,
        )
        _initialize_from_data(model, cfg, vectorizer, train_features, corpus, run_dir)
    balanced = cfg.train.class_weight == "balanced"
    class_weight = data.class_weights(corpus.train.labels, num_classes) if balanced else None
    _summary(model, run_dir)
    _fit_epochs(model, train_ds, val_ds, cfg, run_dir, strategy, class_weight, options.callbacks, resuming)

    best = load_safely(run_dir / CHECKPOINT)
    test = best.evaluate(test_ds, return_dict=True, verbose=0) if test_ds is not None else None
    end_to_end = models.end_to_end(vectorizer, best, cfg.data, input_kind, corpus.class_names)
    write_then_rename(run_dir / rundir.MODEL_FILE, end_to_end.save, "final_save")

    history = rundir.read_history(run_dir)
    rundir.write_json(run_dir / rundir.HISTORY_JSON, history)
    best_epoch = history_marks(history, cfg.train.checkpoint_monitor, cfg.train.epochs).best_epoch
    metrics = {
        **({"test_accuracy": float(test["accuracy"]), "test_loss": float(test["loss"])} if test else {}),
        **_validation_at_best(history, best_epoch),
        "majority_share": {"validation": data.majority_share(corpus.validation.labels),
                           **({"test": data.majority_share(corpus.test.labels)} if test else {})},
        "train_seconds": round(float(np.sum(history["epoch_seconds"])), 3),
        "seconds_per_epoch": round(float(np.mean(history["epoch_seconds"])), 3),
        "epochs_run": len(history["epoch"]),
        "best_epoch": best_epoch,
        "parameters": int(best.count_params()),
        "weights_sha256": hashlib.sha256(b"".join(w.tobytes() for w in best.get_weights())).hexdigest(),
        "vocabulary_size": int(vectorizer.vocabulary_size()),
        "num_classes": num_classes,
    }
    rundir.write_json(run_dir / rundir.METRICS_FILE, metrics)
    history_plot([run_dir], run_dir / "plots" / "history.png", finished=True)
    return TrainResult(metrics, end_to_end)


def _out_of_memory(cfg: Config) -> str:
    """One line naming the settings that most likely asked for too much memory, largest factor first."""
    model = cfg.model
    widths = [f"model.{key} ({getattr(model, key)})" for key in ("units", "embedding_dim", "filters", "ff_dim")
              if isinstance(getattr(model, key, None), int)]
    data_size = f"data.maxlen ({cfg.data.maxlen})" if model.input_kind == "sequence" else \
        f"data.vocab_size ({cfg.data.vocab_size:,})"
    return (f"out of memory while training: lower train.batch_size ({cfg.train.batch_size}), {data_size}"
            + (f" or {', '.join(widths)}" if widths else ""))


def baseline_warning(metrics: dict, split: str) -> str | None:
    """One line when ``split``'s accuracy is no better than always predicting the largest class."""
    accuracy, share = metrics.get(f"{'val' if split == 'validation' else split}_accuracy"), \
        metrics.get("majority_share", {}).get(split)
    if accuracy is None or share is None or accuracy > share + 1e-6:
        return None
    return (f"warning: {split} accuracy {accuracy:.4f} is no better than always predicting the largest class "
            f"({share:.4f}): the model did not learn; try another model type, a higher learning rate or "
            "`textclf tune`")


def run(cfg: Config, run_dir: Path, command_line: str = "", resume: bool = False,
        options: Options = Options()) -> TrainResult:
    """Train ``cfg`` into the new, empty ``run_dir``, or, with ``resume``, finish an interrupted one.

    ``run.json`` says ``running`` while training, then ``completed``, or
    ``failed`` / ``interrupted`` with the reason if anything goes wrong; the
    training state in ``backup/`` is kept until the run completes.
    """
    now = rundir.utc_now().isoformat()
    if resume:
        info = rundir.read_json(run_dir / rundir.RUN_FILE)
        if info.get("model_type") not in (None, cfg.model.type):
            raise TextclfError(f"{run_dir}/config.yaml: model.type is {cfg.model.type!r} but the run was trained as "
                               f"{info['model_type']!r}; a resume needs the config it started with")
        if (run_dir / CHECKPOINT).exists():  # refused now, not after the remaining epochs have trained
            load_safely(run_dir / CHECKPOINT)
        resumes = info.get("resumed", []) if isinstance(info.get("resumed"), list) else []
        rundir.update_run_info(run_dir, status="running", error=None, **rundir.process_info(),
                               resumed=[*resumes, {"at": now, "command": command_line}])
    else:
        rundir.write_atomic(run_dir / rundir.CONFIG_FILE, to_yaml(cfg))
        rundir.update_run_info(
            run_dir, status="running", name=cfg.name, model_type=cfg.model.type, seed=cfg.seed,
            command=command_line, started_at=now, versions=_versions(), **rundir.process_info(),
        )
    try:
        try:
            result = _fit(cfg, run_dir, resuming=resume, options=options)
        except (MemoryError, tf.errors.ResourceExhaustedError) as exc:
            raise TextclfError(_out_of_memory(cfg)) from exc
    except BaseException as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        if not resume and not interrupted and not (run_dir / rundir.HISTORY_FILE).exists():
            shutil.rmtree(run_dir, ignore_errors=True)  # failed before an epoch ended (bad data, say): nothing to keep
            raise
        rundir.update_run_info(run_dir, status="interrupted" if interrupted else "failed",
                               finished_at=rundir.utc_now().isoformat(),
                               error="interrupted by the user" if interrupted else str(exc))
        raise
    rundir.update_run_info(run_dir, status="completed", finished_at=rundir.utc_now().isoformat())
    shutil.rmtree(run_dir / BACKUP, ignore_errors=True)
    return result

