"""Where a run's notable epochs sit: best, learning-rate cuts, early stop.

Training records its best epoch from these, and the plots mark them: a
module of its own, so that computing a metric never imports matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textclf.config import higher_is_better


@dataclass(frozen=True)
class Marks:
    """Where the notable events of a run sit, as 1-based epochs."""

    best_epoch: int | None
    lr_reductions: list[int]  # epochs at whose end the learning rate was lowered
    early_stop: int | None


def history_marks(history: dict[str, list[float]], monitor: str, planned_epochs: int) -> Marks:
    epochs = history.get("epoch", [])
    values = history.get(monitor, [])
    best = None
    if values:
        index = int(np.argmax(values) if higher_is_better(monitor) else np.argmin(values))
        best = epochs[index]
    rates = history.get("learning_rate", [])
    reductions = [epochs[i - 1] for i in range(1, len(rates)) if rates[i] < rates[i - 1]]
    early = epochs[-1] if epochs and epochs[-1] < planned_epochs else None
    return Marks(best, reductions, early)
