"""NBSVM's data-made weights: each n-gram's log-count ratio between a class and the rest, from training bags.

Counted from the bag vectors the vectorizer made (``bag_input.BagVectors``),
a block of texts at a time; the head says which columns the output units use.
"""

from __future__ import annotations

import numpy as np

from textclf.model.head import Head

RATIO_ROWS = 4096  # texts per block in counting n-grams per class


def log_count_ratios(bags, labels: np.ndarray, num_classes: int, alpha: float) -> np.ndarray:
    """NBSVM's log-count ratios, log((p / |p|) / (q / |q|)), from binarized training bags.

    ``bags``: ``bag_input.BagVectors``. One column per class against the
    rest (multi-label: per label, the texts that hold it against those that
    do not); a single column (the positive class) for two classes, matching the sigmoid output.
    """
    head = Head(num_classes, multi_label=labels.ndim == 2)
    matrix = head.label_matrix(labels) > 0
    splits = bags.ids.row_splits.numpy()
    counts = np.zeros((bags.width, num_classes), np.int64)
    every = np.zeros((bags.width, 1), np.int64)
    for start in range(0, len(matrix), RATIO_ROWS):  # a block of texts at a time: IMDB's trigram bags hold
        rows = slice(start, start + RATIO_ROWS)      # 14 million entries, and copies of them cost 100 MB
        begin, end = int(splits[start]), int(splits[min(len(matrix), start + RATIO_ROWS)])
        columns, lengths = bags.ids.flat_values[begin:end].numpy(), np.diff(splits[start:start + RATIO_ROWS + 1])
        present = None if bags.values is None else bags.values.flat_values[begin:end].numpy() > 0
        for c in range(num_classes):
            chosen = np.repeat(matrix[rows, c], lengths)
            if present is not None:
                chosen &= present
            counts[:, c] += np.bincount(columns[chosen], minlength=bags.width)
        every[:, 0] += np.bincount(columns if present is None else columns[present], minlength=bags.width)
    positive = counts + alpha
    negative = every - counts + alpha
    ratios = np.log(positive / positive.sum(axis=0)) - np.log(negative / negative.sum(axis=0))
    return head.ratio_columns(ratios).astype(np.float32)
