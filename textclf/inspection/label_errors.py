"""Likely wrong labels, by confident learning (Northcutt et al., JAIR 2021) through cleanlab.

Every row is predicted once by a model trained on the other folds (``splits.cross_fitted``): the run's own
config, trained as ``textclf train`` would, quietly, in a scratch folder. cleanlab then flags the rows whose
given label their out-of-fold probabilities contradict beyond each class's own confidence.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textclf.config import Config
from textclf.data import splits
from textclf.data.duplicates import SPLITS
from textclf.errors import TextclfError
from textclf.results import predict
from textclf.tuning.trials import train_trial

# cleanlab's filter (``find_label_issues``) and the folds: chosen on the training rows of SUBJ, CR and Banking77
# with 5 % of labels flipped by another draw (seed 1) than the one reported (benchmarks/RESULTS.md, "inspect"):
# confident learning's own count beat cleanlab's default (prune_by_noise_rate) and 'both' on the mean F1 and on
# every set, and ten folds (models that see 90 % of the rows) beat five where the data is small.
FILTER = "confident_learning"
FOLDS_SMALL, FOLDS_LARGE, LARGE = 10, 5, 20_000  # above LARGE rows, fold trainings are long: five


def fold_count(rows: int, folds: int | None) -> int:
    """``--folds``, or ten for fewer than 20,000 rows and five from there on."""
    return folds if folds is not None else FOLDS_SMALL if rows < LARGE else FOLDS_LARGE


@dataclass(frozen=True)
class LabelIssue:
    row: tuple[str, int]  # (split, index within the split)
    given: tuple[int, ...]  # the label(s) the data gives
    suggested: tuple[int, ...]  # the label(s) the out-of-fold model gives
    confidence: float  # the model's probability of its suggestion (multi-label: its least confident label)
    given_probability: float  # the model's probability of the given label (multi-label: the least of them)


def out_of_fold(cfg: Config, corpus, folds: int | None, note: Callable[[str], None]) -> np.ndarray:
    """Each row's class probabilities (``splits.pooled`` order) from the fold model that did not train on it."""
    every = splits.pooled(corpus)
    folds = fold_count(len(every), folds)
    probabilities = np.zeros((len(every), len(corpus.class_names)), dtype=np.float32)
    scratch = Path(tempfile.mkdtemp(prefix="textclf-inspect-"))
    try:
        for number, (held, fold) in enumerate(splits.cross_fitted(corpus, folds, cfg.data.validation_split,
                                                                  cfg.seed, cfg.data.stratify), start=1):
            note(f"label errors: training fold {number} of {folds} ({cfg.model.type} on {len(fold.train):,} texts)")
            run_dir = scratch / f"fold{number}"
            run_dir.mkdir()
            model = train_trial(cfg, run_dir, fold, (), None).model
            probabilities[held] = predict.predict_texts(model, list(fold.test.texts))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return probabilities


def _where(corpus) -> list[tuple[str, int]]:
    return [(split, index) for split in SPLITS for index in range(len(getattr(corpus, split)))]


def find(corpus, probabilities: np.ndarray) -> list[LabelIssue]:
    """The rows cleanlab flags, most likely wrong first (lowest probability of the given label)."""
    from cleanlab.filter import find_label_issues
    from cleanlab.multilabel_classification.filter import find_label_issues as find_multi_label_issues

    labels, rows = splits.pooled(corpus).labels, _where(corpus)
    multi = labels.ndim == 2
    given = [[int(i) for i in np.flatnonzero(row)] for row in labels] if multi else labels.astype(np.int64)
    try:
        finder = find_multi_label_issues if multi else find_label_issues
        flagged = finder(given, probabilities, filter_by=FILTER, return_indices_ranked_by="self_confidence")
    except (AssertionError, ValueError) as exc:  # cleanlab checks its inputs with assert
        raise TextclfError(f"label errors: cleanlab cannot rank these labels ({exc or type(exc).__name__}); "
                           "inspect the rest with --no-label-errors") from None
    issues = []
    for row in flagged:
        gave = tuple(given[row]) if multi else (int(given[row]),)
        suggested = tuple(int(i) for i in np.flatnonzero(probabilities[row] >= 0.5)) if multi else \
            (int(np.argmax(probabilities[row])),)
        confidence = float(min((probabilities[row, i] for i in suggested), default=1 - probabilities[row].max()))
        given_probability = float(min((probabilities[row, i] for i in gave), default=1 - probabilities[row].max()))
        issues.append(LabelIssue(rows[row], gave, suggested, confidence, given_probability))
    return issues
